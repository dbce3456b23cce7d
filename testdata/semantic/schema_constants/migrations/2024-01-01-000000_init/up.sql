CREATE TABLE transfers (
    tx_id BIGINT PRIMARY KEY NOT NULL,
    status INTEGER NOT NULL,
    cancelled INTEGER NOT NULL DEFAULT 0,
    direction INTEGER NOT NULL,
    counterparty BLOB NOT NULL,
    amount BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE backends (
    id TEXT PRIMARY KEY,
    drone_id INTEGER NOT NULL,
    last_status TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX backends_live_drone ON backends (drone_id) WHERE last_status != 'terminated';
