// Raw fragments inside query builders, and what the builders bind.
use axum::extract::Query;
use sea_query::{Expr, Iden, PostgresQueryBuilder, Query as Select};
use sea_query_binder::SqlxBinder;

use crate::Search;

#[derive(Iden)]
enum Posts {
    Table,
    Id,
    Title,
}

// sea-query: a value bound by the builder is safe; `Expr::cust` text is not.
pub async fn bound(Query(s): Query<Search>, pool: axum::extract::State<sqlx::PgPool>) {
    let (sql, values) = Select::select()
        .column(Posts::Id)
        .from(Posts::Table)
        .and_where(Expr::col(Posts::Title).eq(s.title.clone()))
        .build_sqlx(PostgresQueryBuilder);
    let _ = sqlx::query_with(&sql, values).fetch_all(&*pool).await;
}

pub async fn custom(Query(s): Query<Search>, pool: axum::extract::State<sqlx::PgPool>) {
    let (sql, values) = Select::select()
        .column(Posts::Id)
        .from(Posts::Table)
        .and_where(Expr::cust(format!("title = '{}'", s.title))) // ~ sql-injection
        .and_where(Expr::cust_with_values("title <> $1", [s.order.clone()]))
        .build_sqlx(PostgresQueryBuilder);
    let _ = sqlx::query_with(&sql, values).fetch_all(&*pool).await;
}

// Diesel: a `dsl::sql` fragment built from the request.
pub fn fragment(Query(s): Query<Search>) {
    let _ = diesel::dsl::sql::<diesel::sql_types::Bool>(&format!("title = '{}'", s.title)); // ~ sql-injection
}

// sqlx `QueryBuilder`: `push` appends text, `push_bind` a parameter.
pub async fn pushed(Query(s): Query<Search>, pool: axum::extract::State<sqlx::PgPool>) {
    let mut qb = sqlx::QueryBuilder::new("SELECT id FROM posts WHERE title = ");
    qb.push(format!("'{}'", s.title)); // ~ sql-injection
    let _ = qb.build().fetch_all(&*pool).await;
    let mut ok = sqlx::QueryBuilder::new("SELECT id FROM posts WHERE title = ");
    ok.push_bind(s.title.clone());
    let _ = ok.build().fetch_all(&*pool).await;
}

// A shell's command (Nushell): its flags are a command-line source.
pub fn stor_drop(
    engine_state: &nu_protocol::engine::EngineState,
    stack: &mut nu_protocol::engine::Stack,
    call: &nu_protocol::engine::Call,
    conn: &rusqlite::Connection,
) -> Result<(), nu_protocol::ShellError> {
    let table: Option<String> = call.get_flag(engine_state, stack, "table-name")?;
    let table = table.unwrap_or_default();
    let _ = conn.execute(&format!("DROP TABLE {table}"), []); // ~ sql-injection
    Ok(())
}

// A keyword from the request: validate it (the help says so).
pub async fn isolation(Query(s): Query<Search>, pool: axum::extract::State<sqlx::PgPool>) {
    let sql = format!("SET TRANSACTION ISOLATION LEVEL {}", s.order);
    let _ = sqlx::query(&sql).execute(&*pool).await; // ~ sql-injection
}

// poem and tonic extractors.
pub async fn poem_search(
    poem::web::Query(s): poem::web::Query<Search>,
    pool: poem::web::Data<&sqlx::PgPool>,
) -> String {
    let sql = format!("SELECT id FROM posts WHERE title = '{}'", s.title);
    let _ = sqlx::query(&sql).fetch_all(*pool).await; // ~ sql-injection
    String::new()
}

pub struct Lookup {
    pub name: String,
}

pub async fn grpc_lookup(request: tonic::Request<Lookup>, conn: &mut postgres::Client) {
    let name = request.into_inner().name;
    let _ = conn.batch_execute(&format!("DELETE FROM users WHERE name = '{name}'")); // ~ sql-injection
}

// What another service answers is outside text too.
pub async fn mirror(pool: &sqlx::PgPool) -> Result<(), Box<dyn std::error::Error>> {
    let body = reqwest::get("https://example.com/feed").await?.text().await?;
    sqlx::query(&format!("INSERT INTO feed (body) VALUES ('{body}')")) // ~ sql-injection
        .execute(pool)
        .await?;
    Ok(())
}
