-- A statement the replica cannot read: findings on users say their
-- history is incomplete.
ALTER TABLE users ADD CONSTRAINT users_team EXCLUDE USING gist (team_id WITH =) WHERE (((;
