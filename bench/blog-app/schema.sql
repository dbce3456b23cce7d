-- The blog's tables and rows, for bench/blog-app/capture.
CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL);
CREATE TABLE posts (
    id serial PRIMARY KEY,
    title text NOT NULL,
    author_id int NOT NULL REFERENCES users (id),
    published_at timestamp NOT NULL
);
CREATE TABLE comments (id serial PRIMARY KEY, post_id int NOT NULL REFERENCES posts (id), body text NOT NULL);

INSERT INTO users (name) SELECT 'user ' || i FROM generate_series(1, 12) AS i;
-- 40 posts by 12 authors: the 20 newest have some authors twice.
INSERT INTO posts (title, author_id, published_at)
SELECT CASE WHEN i % 5 = 0 THEN 'Rust notes ' || i ELSE 'Post ' || i END,
       1 + (i * 7) % 12,
       timestamp '2026-11-01' + i * interval '7 hours'
FROM generate_series(1, 40) AS i;
INSERT INTO comments (post_id, body) SELECT 1 + i % 40, 'comment ' || i FROM generate_series(1, 90) AS i;
