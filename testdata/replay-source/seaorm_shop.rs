//! The corpus shop on SeaORM 1 (sqlx underneath, PostgreSQL; values bound
//! on the server). A pool of three connections, three requests at a time.
//! usage: seaorm_shop DSN SCENARIO TRUTH_DIR

use std::sync::Arc;

use corpus_shop_rust::{scenario, truth_line, write_truth, Queue, Request};
use sea_orm::{
    ColumnTrait, ConnectOptions, ConnectionTrait, Database, DatabaseTransaction, DbBackend, DbErr, EntityTrait,
    FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Statement, TransactionTrait,
};

mod customer {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "customers")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub name: String,
        pub email: String,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

mod product {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "products")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub sku: String,
        pub title: String,
        pub price_cents: i32,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

mod order {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "orders")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub customer_id: i32,
        pub status: String,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

mod order_item {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "order_items")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub order_id: i32,
        pub product_id: i32,
        pub quantity: i32,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

mod review {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "reviews")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub product_id: i32,
        pub customer_id: i32,
        pub stars: i32,
        pub body: String,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

#[derive(FromQueryResult)]
#[allow(dead_code)]
struct Found {
    id: i32,
    email: String,
}

async fn recent_orders(db: &DatabaseTransaction, customer: i32) -> Result<Vec<order::Model>, DbErr> {
    order::Entity::find()
        .filter(order::Column::CustomerId.eq(customer))
        .order_by_desc(order::Column::Id)
        .limit(10)
        .all(db) // site: recent_orders
        .await
}

async fn page_of_products(db: &DatabaseTransaction, page: i32) -> Result<Vec<product::Model>, DbErr> {
    product::Entity::find()
        .order_by_asc(product::Column::Id)
        .offset(page as u64 * 8)
        .limit(8)
        .all(db) // site: products_page
        .await
}

async fn endpoint(db: &DatabaseTransaction, r: &Request) -> Result<usize, DbErr> {
    match r.endpoint.as_str() {
        "orders_items_lazy" => {
            let mut n = 0;
            for o in recent_orders(db, r.int("customer_id")).await? {
                let items = order_item::Entity::find()
                    .filter(order_item::Column::OrderId.eq(o.id))
                    .all(db) // site: items_lazy
                    .await?;
                n += items.len();
            }
            Ok(n)
        }
        "orders_items_eager" => {
            let ids: Vec<i32> = recent_orders(db, r.int("customer_id")).await?.iter().map(|o| o.id).collect();
            let items = order_item::Entity::find()
                .filter(order_item::Column::OrderId.is_in(ids))
                .all(db) // site: items_eager
                .await?;
            Ok(items.len())
        }
        "reviews_lazy" => {
            let mut n = 0;
            for p in page_of_products(db, r.int("page")).await? {
                let rs = review::Entity::find()
                    .filter(review::Column::ProductId.eq(p.id))
                    .all(db) // site: reviews_lazy
                    .await?;
                n += rs.len();
            }
            Ok(n)
        }
        "reviews_eager" => {
            let ids: Vec<i32> = page_of_products(db, r.int("page")).await?.iter().map(|p| p.id).collect();
            let rs = review::Entity::find()
                .filter(review::Column::ProductId.is_in(ids))
                .all(db) // site: reviews_eager
                .await?;
            Ok(rs.len())
        }
        "customer_by_email" => {
            let c = customer::Entity::find()
                .filter(customer::Column::Email.eq(r.text("email")))
                .one(db) // site: customer_by_email
                .await?;
            Ok(c.map_or(0, |c| c.id as usize))
        }
        "pending_orders" => {
            let os = order::Entity::find()
                .filter(order::Column::Status.eq("pending"))
                .order_by_desc(order::Column::Id)
                .limit(20)
                .all(db) // site: pending
                .await?;
            Ok(os.len())
        }
        "search_unsafe" => {
            // The raw-SQL escape hatch, with the value spliced in.
            let sql = format!("SELECT id, email FROM customers WHERE name = '{}'", r.text("name"));
            let found = Found::find_by_statement(Statement::from_string(DbBackend::Postgres, sql))
                .all(db) // site: search_unsafe
                .await?;
            Ok(found.len())
        }
        "search_safe" => {
            let found = Found::find_by_statement(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT id, email FROM customers WHERE name = $1",
                [r.text("name").into()],
            ))
            .all(db) // site: search_safe
            .await?;
            Ok(found.len())
        }
        "product_list" => {
            // The form's optional filters, all left empty.
            let mut q = product::Entity::find();
            let min_price: Option<i32> = None;
            if let Some(p) = min_price {
                q = q.filter(product::Column::PriceCents.gte(p));
            }
            let ps = q.order_by_asc(product::Column::Id).limit(25).all(db).await?; // site: product_list
            Ok(ps.len())
        }
        "customer_twice" => {
            let a = customer::Entity::find_by_id(r.int("customer_id")).one(db).await?; // site: customer_twice
            let b = customer::Entity::find_by_id(r.int("customer_id")).one(db).await?; // site: customer_twice
            Ok(a.map_or(0, |c| c.id as usize) + b.map_or(0, |c| c.id as usize))
        }
        "product_page" => {
            let p = product::Entity::find_by_id(r.int("product_id")).one(db).await?; // site: product_page
            Ok(p.map_or(0, |p| p.price_cents as usize))
        }
        other => panic!("unknown endpoint {other}"),
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (dsn, scenario_path, truth) = (args[1].clone(), args[2].clone(), args[3].clone());
    let mut opts = ConnectOptions::new(format!("{dsn}?application_name=shop-seaorm"));
    opts.max_connections(3).min_connections(3).sqlx_logging(false);
    let db = Database::connect(opts).await.expect("connect");
    let queue = Arc::new(Queue::new(scenario(&scenario_path)));
    let lines = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut workers = Vec::new();
    for _ in 0..3 {
        let (db, queue, lines) = (db.clone(), queue.clone(), lines.clone());
        workers.push(tokio::spawn(async move {
            while let Some(r) = queue.next() {
                let tx = db.begin().await.expect("begin");
                let pid: i32 = tx
                    .query_one(Statement::from_string(
                        DbBackend::Postgres,
                        format!("SELECT pg_backend_pid() AS pid /* request {} */", r.rid),
                    ))
                    .await
                    .ok()
                    .flatten()
                    .and_then(|row| row.try_get("", "pid").ok())
                    .unwrap_or(0);
                let error = endpoint(&tx, &r).await.err().map(|e| e.to_string());
                let _ = tx.rollback().await;
                let line = truth_line("seaorm", &r, pid, error);
                lines.lock().unwrap().push((r.rid.clone(), line));
            }
        }));
    }
    for w in workers {
        w.await.expect("worker");
    }
    let lines = std::mem::take(&mut *lines.lock().unwrap());
    write_truth(&truth, "seaorm", lines);
}
