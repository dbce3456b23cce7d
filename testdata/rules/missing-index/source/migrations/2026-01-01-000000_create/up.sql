CREATE TABLE users (id SERIAL PRIMARY KEY, email VARCHAR NOT NULL UNIQUE, name TEXT NOT NULL, team_id INTEGER);
CREATE TABLE posts (id SERIAL PRIMARY KEY, author_id INTEGER NOT NULL REFERENCES users(id), slug TEXT NOT NULL, published_at TIMESTAMP, status TEXT NOT NULL);
CREATE INDEX posts_author_id_published_at ON posts (author_id, published_at);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT);
