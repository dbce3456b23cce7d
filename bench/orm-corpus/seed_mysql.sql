-- seed.sql's rows, with MariaDB's sequence tables.
INSERT INTO customers (name, email) SELECT CONCAT('customer ', seq), CONCAT('c', seq, '@example.com') FROM seq_1_to_5000;
INSERT INTO customers (name, email) VALUES ('Dana O''Brien', 'dana@example.com');
INSERT INTO products (sku, title, price_cents) SELECT CONCAT('SKU-', seq), CONCAT('product ', seq), 100 + (seq * 37) % 9000 FROM seq_1_to_2000;
INSERT INTO orders (customer_id, status, created_at)
SELECT 1 + (seq * 7919) % 5000,
       CASE WHEN seq % 97 = 0 THEN 'pending' WHEN seq % 13 = 0 THEN 'cancelled' ELSE 'shipped' END,
       NOW() - INTERVAL seq MINUTE
FROM seq_1_to_50000;
INSERT INTO order_items (order_id, product_id, quantity) SELECT 1 + seq DIV 3, 1 + (seq * 104729) % 2000, 1 + seq % 4 FROM seq_0_to_149999;
INSERT INTO reviews (product_id, customer_id, stars, body) SELECT 1 + (seq * 7) % 2000, 1 + (seq * 13) % 5000, 1 + seq % 5, CONCAT('review ', seq) FROM seq_1_to_30000;
ANALYZE TABLE customers, products, orders, order_items, reviews;
