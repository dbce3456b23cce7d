-- Schema of the tables bench/replay_bench.py's log queries (PostgreSQL dialect).
CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL, email text NOT NULL UNIQUE);
CREATE TABLE posts (id bigserial PRIMARY KEY, author_id bigint NOT NULL, title text, status text, published_at timestamptz, view_count int DEFAULT 0);
CREATE INDEX posts_author_id_idx ON posts (author_id);
CREATE TABLE comments (id bigserial PRIMARY KEY, post_id bigint NOT NULL, body text);
CREATE TABLE events (id bigserial PRIMARY KEY, kind text, user_id bigint, payload jsonb, created_at timestamptz);
CREATE TABLE notifications (id bigserial PRIMARY KEY, user_id bigint NOT NULL, read_at timestamptz);
