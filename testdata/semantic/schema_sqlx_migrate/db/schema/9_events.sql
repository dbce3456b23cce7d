CREATE TABLE events (id BIGSERIAL PRIMARY KEY, kind TEXT NOT NULL, actor TEXT NOT NULL);
CREATE INDEX events_kind ON events (kind);
CREATE INDEX events_actor ON events (actor);
