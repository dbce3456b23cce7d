DROP TABLE settings;
DROP TABLE posts;
DROP TABLE users;
