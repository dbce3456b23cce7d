-- Enough rows that PostgreSQL's own plans tell an index from a scan.
INSERT INTO customers (name, email)
SELECT 'customer ' || i, 'c' || i || '@example.com' FROM generate_series(1, 5000) i;
INSERT INTO customers (name, email) VALUES ('Dana O''Brien', 'dana@example.com');
INSERT INTO products (sku, title, price_cents)
SELECT 'SKU-' || i, 'product ' || i, 100 + (i * 37) % 9000 FROM generate_series(1, 2000) i;
INSERT INTO orders (customer_id, status, created_at)
SELECT 1 + (i::bigint * 7919) % 5000,
       CASE WHEN i % 97 = 0 THEN 'pending' WHEN i % 13 = 0 THEN 'cancelled' ELSE 'shipped' END,
       now() - (i || ' minutes')::interval
FROM generate_series(1, 50000) i;
INSERT INTO order_items (order_id, product_id, quantity)
SELECT 1 + i / 3, 1 + (i::bigint * 104729) % 2000, 1 + i % 4 FROM generate_series(0, 149999) i;
INSERT INTO reviews (product_id, customer_id, stars, body)
SELECT 1 + (i * 7) % 2000, 1 + (i * 13) % 5000, 1 + i % 5, 'review ' || i FROM generate_series(1, 30000) i;
ANALYZE;
