-- The database tests/explain.rs plans against (loaded into a fresh
-- database of the test server): a big table with one unindexed filter
-- column, a small one, and a canary that must stay empty.
CREATE TABLE customers (id serial PRIMARY KEY, email text NOT NULL UNIQUE, name text NOT NULL);
CREATE TABLE orders (
    id serial PRIMARY KEY,
    customer_id int NOT NULL REFERENCES customers (id),
    status text NOT NULL,
    note text,
    created_at timestamp NOT NULL
);
CREATE TABLE settings (key text NOT NULL, value text NOT NULL);
CREATE TABLE canary (id int);

INSERT INTO customers (email, name)
SELECT 'c' || i || '@example.com', 'customer ' || i FROM generate_series(1, 5000) AS i;
INSERT INTO orders (customer_id, status, note, created_at)
SELECT 1 + i % 5000, (ARRAY['pending', 'paid', 'shipped', 'cancelled'])[1 + i % 4], NULL,
       timestamp '2026-01-01' + i * interval '1 minute'
FROM generate_series(1, 60000) AS i;
INSERT INTO canary VALUES (0);
INSERT INTO settings VALUES ('theme', 'dark'), ('lang', 'en');
ANALYZE;
