//! The corpus shop on sqlx 0.8 (PostgreSQL; values bound on the server).
//! A pool of three connections, three requests at a time.
//! usage: sqlx_shop DSN SCENARIO TRUTH_DIR

use std::sync::Arc;

use corpus_shop_rust::{scenario, truth_line, write_truth, Queue, Request};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgConnection, Row};

async fn recent_orders(c: &mut PgConnection, customer: i32) -> sqlx::Result<Vec<i32>> {
    let rows = sqlx::query("SELECT id, customer_id, status FROM orders WHERE customer_id = $1 ORDER BY id DESC LIMIT 10")
        .bind(customer)
        .fetch_all(&mut *c) // site: recent_orders
        .await?;
    Ok(rows.iter().map(|r| r.get::<i32, _>("id")).collect())
}

async fn page_of_products(c: &mut PgConnection, page: i32) -> sqlx::Result<Vec<i32>> {
    let rows = sqlx::query("SELECT id, sku, title, price_cents FROM products ORDER BY id LIMIT 8 OFFSET $1")
        .bind(i64::from(page) * 8)
        .fetch_all(&mut *c) // site: products_page
        .await?;
    Ok(rows.iter().map(|r| r.get::<i32, _>("id")).collect())
}

async fn endpoint(c: &mut PgConnection, r: &Request) -> sqlx::Result<usize> {
    match r.endpoint.as_str() {
        "orders_items_lazy" => {
            let mut n = 0;
            for id in recent_orders(c, r.int("customer_id")).await? {
                let items = sqlx::query("SELECT id, order_id, product_id, quantity FROM order_items WHERE order_id = $1")
                    .bind(id)
                    .fetch_all(&mut *c) // site: items_lazy
                    .await?;
                n += items.len();
            }
            Ok(n)
        }
        "orders_items_eager" => {
            let ids = recent_orders(c, r.int("customer_id")).await?;
            let items = sqlx::query("SELECT id, order_id, product_id, quantity FROM order_items WHERE order_id = ANY($1)")
                .bind(&ids)
                .fetch_all(&mut *c) // site: items_eager
                .await?;
            Ok(items.len())
        }
        "reviews_lazy" => {
            let mut n = 0;
            for id in page_of_products(c, r.int("page")).await? {
                let rs = sqlx::query("SELECT id, product_id, customer_id, stars, body FROM reviews WHERE product_id = $1")
                    .bind(id)
                    .fetch_all(&mut *c) // site: reviews_lazy
                    .await?;
                n += rs.len();
            }
            Ok(n)
        }
        "reviews_eager" => {
            let ids = page_of_products(c, r.int("page")).await?;
            let rs = sqlx::query("SELECT id, product_id, customer_id, stars, body FROM reviews WHERE product_id = ANY($1)")
                .bind(&ids)
                .fetch_all(&mut *c) // site: reviews_eager
                .await?;
            Ok(rs.len())
        }
        "customer_by_email" => {
            let row = sqlx::query("SELECT id, name, email FROM customers WHERE email = $1")
                .bind(r.text("email"))
                .fetch_optional(&mut *c) // site: customer_by_email
                .await?;
            Ok(row.map_or(0, |r| r.get::<i32, _>("id") as usize))
        }
        "pending_orders" => {
            let rows = sqlx::query("SELECT id, customer_id, status FROM orders WHERE status = 'pending' ORDER BY id DESC LIMIT 20")
                .fetch_all(&mut *c) // site: pending
                .await?;
            Ok(rows.len())
        }
        "search_unsafe" => {
            // The raw-SQL escape hatch, with the value spliced in.
            let sql = format!("SELECT id, email FROM customers WHERE name = '{}'", r.text("name"));
            let rows = sqlx::query(&sql).fetch_all(&mut *c).await?; // site: search_unsafe
            Ok(rows.len())
        }
        "search_safe" => {
            let rows = sqlx::query("SELECT id, email FROM customers WHERE name = $1")
                .bind(r.text("name"))
                .fetch_all(&mut *c) // site: search_safe
                .await?;
            Ok(rows.len())
        }
        "product_list" => {
            // The form's optional filters, all left empty.
            let mut sql = String::from("SELECT id, sku, title, price_cents FROM products WHERE 1=1");
            let min_price: Option<i32> = None;
            if min_price.is_some() {
                sql.push_str(" AND price_cents >= $1");
            }
            sql.push_str(" ORDER BY id LIMIT 25");
            let rows = sqlx::query(&sql).fetch_all(&mut *c).await?; // site: product_list
            Ok(rows.len())
        }
        "customer_twice" => {
            let a = sqlx::query("SELECT id, name, email FROM customers WHERE id = $1")
                .bind(r.int("customer_id"))
                .fetch_one(&mut *c) // site: customer_twice
                .await?;
            let b = sqlx::query("SELECT id, name, email FROM customers WHERE id = $1")
                .bind(r.int("customer_id"))
                .fetch_one(&mut *c) // site: customer_twice
                .await?;
            Ok((a.get::<i32, _>("id") + b.get::<i32, _>("id")) as usize)
        }
        "product_page" => {
            let p = sqlx::query("SELECT id, sku, title, price_cents FROM products WHERE id = $1")
                .bind(r.int("product_id"))
                .fetch_one(&mut *c) // site: product_page
                .await?;
            Ok(p.get::<i32, _>("price_cents") as usize)
        }
        other => panic!("unknown endpoint {other}"),
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (dsn, scenario_path, truth) = (args[1].clone(), args[2].clone(), args[3].clone());
    let opts: PgConnectOptions = dsn.parse().expect("DSN");
    let pool = PgPoolOptions::new()
        .max_connections(3)
        .connect_with(opts.application_name("shop-sqlx"))
        .await
        .expect("connect");
    let queue = Arc::new(Queue::new(scenario(&scenario_path)));
    let lines = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut workers = Vec::new();
    for _ in 0..3 {
        let (pool, queue, lines) = (pool.clone(), queue.clone(), lines.clone());
        workers.push(tokio::spawn(async move {
            while let Some(r) = queue.next() {
                let mut tx = pool.begin().await.expect("begin");
                let ask = format!("SELECT pg_backend_pid() /* request {} */", r.rid);
                let pid: i32 = sqlx::query_scalar(&ask)
                    .fetch_one(&mut *tx)
                    .await
                    .expect("pid");
                let error = endpoint(&mut tx, &r).await.err().map(|e| e.to_string());
                let _ = tx.rollback().await;
                let line = truth_line("sqlx", &r, pid, error);
                lines.lock().unwrap().push((r.rid.clone(), line));
            }
        }));
    }
    for w in workers {
        w.await.expect("worker");
    }
    let lines = std::mem::take(&mut *lines.lock().unwrap());
    write_truth(&truth, "sqlx", lines);
}
