CREATE TABLE community (
    id SERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    removed BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE TABLE post (
    id SERIAL PRIMARY KEY,
    community_id INT NOT NULL REFERENCES community (id),
    creator_id INT NOT NULL,
    name TEXT NOT NULL
);
CREATE INDEX idx_post_creator ON post (creator_id);
CREATE TABLE comment (
    id SERIAL PRIMARY KEY,
    post_id INT NOT NULL REFERENCES post (id),
    body TEXT NOT NULL
);
CREATE TABLE person_block (
    person_id INT NOT NULL,
    target_id INT NOT NULL,
    published TIMESTAMP NOT NULL,
    PRIMARY KEY (person_id, target_id)
);
