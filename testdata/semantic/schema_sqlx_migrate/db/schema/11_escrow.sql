-- A unique index on the rows that have a token: `token = ?` is never true
-- of NULL, so it serves lookups by token; it does not serve `token IS NULL`.
ALTER TABLE events ADD COLUMN token TEXT;
CREATE UNIQUE INDEX events_token ON events (token) WHERE token IS NOT NULL;
