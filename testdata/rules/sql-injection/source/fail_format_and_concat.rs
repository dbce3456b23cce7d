// Text from a caller spliced into SQL. Nothing here shows where the
// callers' text comes from, and nothing in the workspace calls these
// public functions: notes, whose callers decide.
use sqlx::PgPool;

pub async fn by_name(pool: &PgPool, name: &str) -> sqlx::Result<Vec<User>> {
    let sql = format!("SELECT * FROM users WHERE name = '{name}'");
    sqlx::query_as::<_, User>(&sql).fetch_all(pool).await // ~ sql-injection
}

pub async fn by_email(pool: &PgPool, email: String) -> sqlx::Result<u64> {
    let mut sql = String::from("DELETE FROM users WHERE email = '");
    sql.push_str(&email);
    sql += "'";
    Ok(sqlx::query(&sql).execute(pool).await?.rows_affected()) // ~ sql-injection
}

pub fn sorted(conn: &rusqlite::Connection, column: &str) -> rusqlite::Result<usize> {
    conn.execute(&("SELECT * FROM users ORDER BY ".to_owned() + column), []) // ~ sql-injection
}

pub fn escaped(client: &mut postgres::Client, title: &str) -> Result<(), postgres::Error> {
    let q = "SELECT * FROM posts WHERE title = 'T'".replace("T", &title.replace('\'', "''"));
    client.batch_execute(&q) // ~ sql-injection
}

pub async fn builder(pool: &sqlx::PgPool, filter: &str) -> sqlx::Result<()> {
    let mut qb = sqlx::QueryBuilder::new("SELECT * FROM users WHERE ");
    qb.push(filter); // ~ sql-injection
    qb.build().fetch_all(pool).await?;
    Ok(())
}


// A library's public helper that puts its caller's name between quotes
// without doubling the quotes inside it: a name with a `"` ends the
// identifier early (a note: its callers decide what they pass).
pub async fn drop_type(pool: &sqlx::PgPool, enum_name: &str) -> sqlx::Result<()> {
    let sql = format!("DROP TYPE IF EXISTS \"{enum_name}\"");
    sqlx::query(&sql).execute(pool).await?; // ~ sql-injection
    Ok(())
}

// A setting cannot be bound: validate it.
pub fn set_timeout(conn: &rusqlite::Connection, ms: &str) -> rusqlite::Result<()> {
    conn.execute_batch(&format!("PRAGMA busy_timeout = {ms}")) // ~ sql-injection
}

// Quotes doubled in a name that is not put between quotes: the doubling
// quotes nothing (sqlx-core's `LISTEN` before 0.4).
pub async fn listen(pool: &sqlx::PgPool, channel: &str) -> sqlx::Result<()> {
    let sql = format!("LISTEN {}", channel.replace('"', "\"\""));
    sqlx::query(&sql).execute(pool).await?; // ~ sql-injection
    Ok(())
}
