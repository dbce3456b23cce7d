// A number cannot carry quotes; a name put between double quotes whose
// own double quotes are doubled stays one identifier.

pub fn limited(conn: &mut diesel::PgConnection, limit: i64) -> diesel::QueryResult<usize> {
    diesel::sql_query(format!("SELECT * FROM posts LIMIT {}", limit)).execute(conn)
}

pub async fn drop_type(pool: &sqlx::PgPool, enum_name: &str) -> sqlx::Result<()> {
    let sql = format!("DROP TYPE IF EXISTS \"{}\"", enum_name.replace('"', "\"\""));
    sqlx::query(&sql).execute(pool).await?;
    Ok(())
}

// Private, and only ever given constants.
fn wipe(conn: &rusqlite::Connection, table: &str) -> rusqlite::Result<usize> {
    conn.execute(&format!("DELETE FROM {table}"), [])
}

pub fn reset(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    wipe(conn, "sessions")?;
    wipe(conn, "tokens")?;
    Ok(())
}

// The fixed form: the doubled quotes sit between quotes.
pub async fn listen(pool: &sqlx::PgPool, channel: &str) -> sqlx::Result<()> {
    let sql = format!("LISTEN \"{}\"", channel.replace('"', "\"\""));
    sqlx::query(&sql).execute(pool).await?;
    Ok(())
}
