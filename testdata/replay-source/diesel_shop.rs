//! The corpus shop on Diesel 2 (PostgreSQL, libpq: values are bound on the
//! server, so the log shows `$1` and a parameters line). Three threads,
//! one connection each. usage: diesel_shop DSN SCENARIO TRUTH_DIR

use corpus_shop_rust::{scenario, truth_line, write_truth, Queue, Request};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};

diesel::table! {
    customers (id) {
        id -> Integer,
        name -> Text,
        email -> Text,
    }
}

diesel::table! {
    products (id) {
        id -> Integer,
        sku -> Text,
        title -> Text,
        price_cents -> Integer,
    }
}

diesel::table! {
    orders (id) {
        id -> Integer,
        customer_id -> Integer,
        status -> Text,
    }
}

diesel::table! {
    order_items (id) {
        id -> Integer,
        order_id -> Integer,
        product_id -> Integer,
        quantity -> Integer,
    }
}

diesel::table! {
    reviews (id) {
        id -> Integer,
        product_id -> Integer,
        customer_id -> Integer,
        stars -> Integer,
        body -> Text,
    }
}

#[derive(Queryable)]
struct Customer {
    id: i32,
    #[allow(dead_code)]
    name: String,
    #[allow(dead_code)]
    email: String,
}

#[derive(Queryable)]
struct Product {
    id: i32,
    #[allow(dead_code)]
    sku: String,
    #[allow(dead_code)]
    title: String,
    price_cents: i32,
}

#[derive(Queryable)]
struct Order {
    id: i32,
    #[allow(dead_code)]
    customer_id: i32,
    #[allow(dead_code)]
    status: String,
}

#[derive(Queryable)]
#[allow(dead_code)]
struct OrderItem {
    id: i32,
    order_id: i32,
    product_id: i32,
    quantity: i32,
}

#[derive(Queryable)]
#[allow(dead_code)]
struct Review {
    id: i32,
    product_id: i32,
    customer_id: i32,
    stars: i32,
    body: String,
}

#[derive(QueryableByName)]
#[allow(dead_code)]
struct Found {
    #[diesel(sql_type = Integer)]
    id: i32,
    #[diesel(sql_type = Text)]
    email: String,
}

fn recent_orders(conn: &mut PgConnection, customer: i32) -> QueryResult<Vec<Order>> {
    orders::table
        .filter(orders::customer_id.eq(customer))
        .order(orders::id.desc())
        .limit(10)
        .load(conn) // site: recent_orders
}

fn page_of_products(conn: &mut PgConnection, page: i32) -> QueryResult<Vec<Product>> {
    products::table
        .order(products::id)
        .offset(i64::from(page) * 8)
        .limit(8)
        .load(conn) // site: products_page
}

fn endpoint(conn: &mut PgConnection, r: &Request) -> QueryResult<usize> {
    match r.endpoint.as_str() {
        "orders_items_lazy" => {
            let mut n = 0;
            for o in recent_orders(conn, r.int("customer_id"))? {
                let items: Vec<OrderItem> = order_items::table
                    .filter(order_items::order_id.eq(o.id))
                    .load(conn)?; // site: items_lazy
                n += items.len();
            }
            Ok(n)
        }
        "orders_items_eager" => {
            let ids: Vec<i32> = recent_orders(conn, r.int("customer_id"))?
                .iter()
                .map(|o| o.id)
                .collect();
            let items: Vec<OrderItem> = order_items::table
                .filter(order_items::order_id.eq_any(ids))
                .load(conn)?; // site: items_eager
            Ok(items.len())
        }
        "reviews_lazy" => {
            let mut n = 0;
            for p in page_of_products(conn, r.int("page"))? {
                let rs: Vec<Review> = reviews::table
                    .filter(reviews::product_id.eq(p.id))
                    .load(conn)?; // site: reviews_lazy
                n += rs.len();
            }
            Ok(n)
        }
        "reviews_eager" => {
            let ids: Vec<i32> = page_of_products(conn, r.int("page"))?
                .iter()
                .map(|p| p.id)
                .collect();
            let rs: Vec<Review> = reviews::table
                .filter(reviews::product_id.eq_any(ids))
                .load(conn)?; // site: reviews_eager
            Ok(rs.len())
        }
        "customer_by_email" => {
            let c: Option<Customer> = customers::table
                .filter(customers::email.eq(r.text("email")))
                .first(conn) // site: customer_by_email
                .optional()?;
            Ok(c.map_or(0, |c| c.id as usize))
        }
        "pending_orders" => {
            let os: Vec<Order> = orders::table
                .filter(orders::status.eq("pending"))
                .order(orders::id.desc())
                .limit(20)
                .load(conn)?; // site: pending
            Ok(os.len())
        }
        "search_unsafe" => {
            // The raw-SQL escape hatch, with the value spliced in.
            let sql = format!(
                "SELECT id, email FROM customers WHERE name = '{}'",
                r.text("name")
            );
            let found: Vec<Found> = diesel::sql_query(sql).load(conn)?; // site: search_unsafe
            Ok(found.len())
        }
        "search_safe" => {
            let found: Vec<Found> =
                diesel::sql_query("SELECT id, email FROM customers WHERE name = $1")
                    .bind::<Text, _>(r.text("name"))
                    .load(conn)?; // site: search_safe
            Ok(found.len())
        }
        "product_list" => {
            // The form's optional filters, all left empty.
            let mut q = products::table.into_boxed();
            let min_price: Option<i32> = None;
            if let Some(p) = min_price {
                q = q.filter(products::price_cents.ge(p));
            }
            let ps: Vec<Product> = q.order(products::id).limit(25).load(conn)?; // site: product_list
            Ok(ps.len())
        }
        "customer_twice" => {
            let a: Customer = customers::table.find(r.int("customer_id")).first(conn)?; // site: customer_twice
            let b: Customer = customers::table.find(r.int("customer_id")).first(conn)?; // site: customer_twice
            Ok((a.id + b.id) as usize)
        }
        "product_page" => {
            let p: Product = products::table.find(r.int("product_id")).first(conn)?; // site: product_page
            Ok(p.price_cents as usize)
        }
        other => panic!("unknown endpoint {other}"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (dsn, scenario_path, truth) = (&args[1], &args[2], &args[3]);
    let queue = Queue::new(scenario(scenario_path));
    let lines = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| {
                let url = format!("{dsn}?application_name=shop-diesel");
                let mut conn = PgConnection::establish(&url).expect("connect");
                while let Some(r) = queue.next() {
                    let mut pid = 0;
                    let error = conn
                        .transaction(|c| {
                            let ask = format!("pg_backend_pid() /* request {} */", r.rid);
                            pid = diesel::select(diesel::dsl::sql::<Integer>(&ask))
                                .get_result(c)?;
                            endpoint(c, &r)?;
                            Err::<(), _>(diesel::result::Error::RollbackTransaction)
                        })
                        .err()
                        .filter(|e| !matches!(e, diesel::result::Error::RollbackTransaction))
                        .map(|e| format!("{e}"));
                    let line = truth_line("diesel", &r, pid, error);
                    lines.lock().unwrap().push((r.rid.clone(), line));
                }
            });
        }
    });
    write_truth(truth, "diesel", lines.into_inner().unwrap());
}
