// A closure that uses its element (even through `format!`) carries the
// element's text: the iterator stays tainted, whatever outer name the
// parameter shadows.
pub async fn ins(pool: &sqlx::PgPool, cols: &[String]) -> sqlx::Result<()> {
    let names = cols.iter().map(|x| format!("\"{x}\"")).collect::<Vec<_>>().join(",");
    let marks = (1..=cols.len()).map(|x| format!("${x}")).collect::<Vec<_>>().join(",");
    sqlx::query(&format!("INSERT INTO t ({names}) VALUES ({marks})")).execute(pool).await?; // ~ sql-injection
    Ok(())
}
pub fn shadow(conn: &rusqlite::Connection, users: &[String]) -> rusqlite::Result<usize> {
    let name = "x";
    let _ = name;
    let list = users.iter().map(|name| format!("'{name}'")).collect::<Vec<_>>().join(",");
    conn.execute(&format!("DELETE FROM t WHERE n IN ({list})"), []) // ~ sql-injection
}
