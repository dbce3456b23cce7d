CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT NOT NULL, name TEXT);
CREATE INDEX users_email ON users (email);
CREATE INDEX users_name ON users (name);
