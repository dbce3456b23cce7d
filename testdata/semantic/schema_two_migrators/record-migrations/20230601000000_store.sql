CREATE TABLE store (id TEXT PRIMARY KEY, host TEXT NOT NULL, tag TEXT NOT NULL, idx INTEGER NOT NULL);
CREATE UNIQUE INDEX record_uniq ON store (host, tag, idx);
