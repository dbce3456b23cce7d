// Outside text that reaches raw SQL: request extractors, route parameters,
// command-line arguments — directly or through the functions it is
// passed to.
use axum::extract::{Path, Query};
use clap::Parser;
use uuid::Uuid;
use sqlx::PgPool;

pub mod builders;
pub mod fields;
pub mod guards;

#[derive(serde::Deserialize)]
pub struct Search {
    pub title: String,
    pub order: String,
}

// axum: a query-string field formatted into the SQL.
pub async fn search(Query(q): Query<Search>, pool: axum::extract::State<PgPool>) -> String {
    let sql = format!("SELECT id FROM posts WHERE title = '{}'", q.title);
    let _ = sqlx::query(&sql).fetch_all(&*pool).await; // ~ sql-injection
    String::new()
}

// axum: a path segment handed to a helper, which builds the SQL.
async fn posts_by(pool: &PgPool, author: &str) -> sqlx::Result<Vec<(i64,)>> {
    sqlx::query_as(&format!("SELECT id FROM posts WHERE author = '{author}'")) // ~ sql-injection
        .fetch_all(pool)
        .await
}

pub async fn author_page(Path(author): Path<String>, pool: axum::extract::State<PgPool>) -> String {
    let _ = posts_by(&pool, &author).await;
    String::new()
}

// actix-web: `web::Query`.
pub async fn sorted(q: actix_web::web::Query<Search>, pool: actix_web::web::Data<PgPool>) -> String {
    let sql = format!("SELECT id FROM posts ORDER BY {}", q.order);
    let _ = sqlx::query(&sql).fetch_all(pool.get_ref()).await; // ~ sql-injection
    String::new()
}

// rocket: a route's parameters come from the request.
#[rocket::get("/users/<name>")]
pub async fn user(name: &str, pool: &rocket::State<PgPool>) -> String {
    let sql = format!("SELECT id FROM users WHERE name = '{name}'");
    let _ = sqlx::query(&sql).fetch_all(pool.inner()).await; // ~ sql-injection
    String::new()
}

// clap: a derived parser's field, through a helper.
#[derive(Parser)]
pub struct Cli {
    #[arg(long)]
    pub table: String,
}

async fn count_rows(pool: &PgPool, table: &str) -> sqlx::Result<i64> {
    let sql = format!("SELECT count(*) FROM {table}");
    sqlx::query_scalar(&sql).fetch_one(pool).await // ~ sql-injection
}

pub async fn main_cli(pool: PgPool) -> sqlx::Result<i64> {
    let cli = Cli::parse();
    count_rows(&pool, &cli.table).await
}

// std::env::args.
pub async fn drop_from_args(pool: PgPool) -> sqlx::Result<()> {
    let name = std::env::args().nth(1).unwrap_or_default();
    sqlx::query(&format!("DROP TABLE {name}")).execute(&pool).await?; // ~ sql-injection
    Ok(())
}

// A second-order source: a value read from the database (a note).
async fn category_name(pool: &PgPool, id: i64) -> sqlx::Result<String> {
    sqlx::query_scalar("SELECT name FROM categories WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
}

pub async fn in_category(pool: &PgPool, id: i64) -> sqlx::Result<Vec<(i64,)>> {
    let name = category_name(pool, id).await?;
    let sql = format!("SELECT id FROM posts WHERE category = '{name}'");
    sqlx::query_as(&sql).fetch_all(pool).await // ~ sql-injection note
}

// A public helper that splices a value nobody in the workspace passes:
// its callers decide (a note).
pub async fn by_email(pool: &PgPool, email: &str) -> sqlx::Result<Vec<(i64,)>> {
    sqlx::query_as(&format!("SELECT id FROM users WHERE email = '{email}'")) // ~ sql-injection note
        .fetch_all(pool)
        .await
}

// Not reported: nothing from outside reaches the text.

const TABLES: [&str; 2] = ["posts", "users"];

pub async fn truncate_all(pool: &PgPool) -> sqlx::Result<()> {
    for table in TABLES {
        sqlx::query(&format!("TRUNCATE {table}")).execute(pool).await?;
    }
    Ok(())
}

pub enum Mode {
    Deferred,
    Immediate,
}

pub async fn begin(pool: &PgPool, mode: Mode) -> sqlx::Result<()> {
    let kw = match mode {
        Mode::Deferred => "DEFERRED",
        Mode::Immediate => "IMMEDIATE",
    };
    sqlx::query(&format!("BEGIN {kw}")).execute(pool).await?;
    Ok(())
}

pub async fn timeout(pool: &PgPool, ms: u64) -> sqlx::Result<()> {
    sqlx::query(&format!("SET statement_timeout = {ms}")).execute(pool).await?;
    Ok(())
}

pub async fn savepoint(pool: &PgPool) -> sqlx::Result<()> {
    let name = Uuid::new_v4().simple().to_string();
    sqlx::query(&format!("SAVEPOINT sp_{name}")).execute(pool).await?;
    Ok(())
}

fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

pub async fn count_quoted(Path(table): Path<String>, pool: axum::extract::State<PgPool>) -> String {
    let sql = format!("SELECT count(*) FROM {}", quote_ident(&table));
    let _ = sqlx::query(&sql).fetch_all(&*pool).await;
    String::new()
}

// A private helper only ever given constants.
async fn wipe(pool: &PgPool, table: &str) -> sqlx::Result<()> {
    sqlx::query(&format!("DELETE FROM {table}")).execute(pool).await?;
    Ok(())
}

pub async fn reset(pool: &PgPool) -> sqlx::Result<()> {
    wipe(pool, "sessions").await?;
    wipe(pool, "tokens").await
}

// A public DDL helper that splices its caller's name unquoted: its callers
// decide what they pass (a note; rusqlite and postgresql_embedded fixed
// this shape as an injection by quoting the name).
pub async fn drop_type(pool: &PgPool, type_name: &str) -> sqlx::Result<()> {
    sqlx::query(&format!("DROP TYPE IF EXISTS {type_name}")).execute(pool).await?; // ~ sql-injection note
    Ok(())
}

// An environment variable: a local source, off unless the threat model
// includes it.
pub async fn from_env(pool: &PgPool) -> sqlx::Result<()> {
    let schema = std::env::var("APP_SCHEMA").unwrap_or_default();
    sqlx::query(&format!("SET search_path TO {schema}")).execute(pool).await?; // local
    Ok(())
}

// The same command-line argument into each driver's raw-SQL API.
fn arg() -> String {
    std::env::args().nth(2).unwrap_or_default()
}

pub fn with_diesel(conn: &mut diesel::PgConnection) -> diesel::QueryResult<usize> {
    use diesel::RunQueryDsl;
    let who = std::env::args().nth(2).unwrap_or_default();
    diesel::sql_query(format!("DELETE FROM users WHERE name = '{who}'")).execute(conn) // ~ sql-injection
}

pub async fn with_sea_orm(db: &sea_orm::DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    use sea_orm::ConnectionTrait;
    let who = std::env::args().nth(2).unwrap_or_default();
    db.execute_unprepared(&format!("DELETE FROM users WHERE name = '{who}'")).await?; // ~ sql-injection
    Ok(())
}

pub fn with_rusqlite(conn: &rusqlite::Connection) -> rusqlite::Result<usize> {
    let who = std::env::args().nth(2).unwrap_or_default();
    conn.execute(&format!("DELETE FROM users WHERE name = '{who}'"), []) // ~ sql-injection
}

pub fn with_postgres(client: &mut postgres::Client) -> Result<(), postgres::Error> {
    let who = std::env::args().nth(2).unwrap_or_default();
    client.batch_execute(&format!("DELETE FROM users WHERE name = '{who}'")) // ~ sql-injection
}

pub fn with_mysql(conn: &mut mysql::PooledConn) -> mysql::Result<()> {
    use mysql::prelude::Queryable;
    let who = std::env::args().nth(2).unwrap_or_default();
    conn.query_drop(format!("DELETE FROM users WHERE name = '{who}'")) // ~ sql-injection
}

// What a helper returns, called right in the `format!`: its body reads
// an argument.
pub fn via_helper(conn: &rusqlite::Connection) -> rusqlite::Result<usize> {
    conn.execute(&format!("DELETE FROM users WHERE name = '{}'", arg()), []) // ~ sql-injection
}

// A library function's result carries its arguments' text.
pub fn with_json(conn: &rusqlite::Connection) -> rusqlite::Result<usize> {
    let raw = std::env::args().nth(3).unwrap_or_default();
    let doc = serde_json::to_string(&raw).unwrap_or_default();
    conn.execute(&format!("INSERT INTO docs (body) VALUES ('{doc}')"), []) // ~ sql-injection
}

// Through what a helper returns: a database name cut out of a URL that a
// public function takes (the shape of a real fix: a later version doubled
// the quotes).
fn db_name_of(url: &str) -> String {
    url.rsplit('/').next().unwrap_or_default().to_string()
}

pub async fn create_database(admin: &PgPool, url: &str) -> sqlx::Result<()> {
    let name = db_name_of(url);
    sqlx::query(&format!("CREATE DATABASE \"{name}\"")).execute(admin).await?; // ~ sql-injection note
    Ok(())
}

pub async fn create_database_quoted(admin: &PgPool, url: &str) -> sqlx::Result<()> {
    let name = db_name_of(url);
    let sql = format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\""));
    sqlx::query(&sql).execute(admin).await?;
    Ok(())
}

// A request value through a helper that returns it changed.
fn like_pattern(term: &str) -> String {
    format!("%{}%", term.trim())
}

pub async fn search_like(Query(q): Query<Search>, pool: axum::extract::State<PgPool>) -> String {
    let pattern = like_pattern(&q.title);
    let sql = format!("SELECT id FROM posts WHERE title LIKE '{pattern}'");
    let _ = sqlx::query(&sql).fetch_all(&*pool).await; // ~ sql-injection
    String::new()
}

// A value a `match` unpacks outside any loop is the scrutinee's: here a
// constant a private helper is given, not a database row.
fn create_table(conn: &rusqlite::Connection, columns: Option<&str>) -> rusqlite::Result<usize> {
    match columns {
        Some(record) => conn.execute(&format!("CREATE TABLE t ({record})"), []),
        None => Ok(0),
    }
}

pub fn setup(conn: &rusqlite::Connection) -> rusqlite::Result<usize> {
    create_table(conn, Some("id INTEGER PRIMARY KEY"))
}
