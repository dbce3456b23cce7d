// Hex digits cannot end a literal or start SQL: bytes spliced as
// `x'<hex>'` through `hex::encode` or a `.to_hex()` method are safe,
// wherever the bytes came from.

pub fn by_commitments(conn: &rusqlite::Connection, commitments: &[Commitment]) -> rusqlite::Result<usize> {
    let list = commitments
        .iter()
        .map(|c| format!("x'{}'", c.to_hex()))
        .collect::<Vec<_>>()
        .join(", ");
    conn.execute(&format!("DELETE FROM outputs WHERE commitment IN ({list})"), [])
}

pub async fn leaf(pool: &sqlx::PgPool, tree: &[u8]) -> sqlx::Result<u64> {
    let sql = format!(
        "SELECT count(*) FROM leaves WHERE tree = E'\\\\x{}'",
        hex::encode(tree)
    );
    let n: i64 = sqlx::query_scalar(&sql).fetch_one(pool).await?;
    Ok(n as u64)
}

// One placeholder per element: the closure makes `?` of each name.
pub fn by_names(conn: &rusqlite::Connection, names: &[String]) -> rusqlite::Result<usize> {
    let list = names.iter().map(|_| "?").collect::<Vec<_>>().join(", ");
    conn.execute(
        &format!("DELETE FROM t WHERE name IN ({list})"),
        rusqlite::params_from_iter(names),
    )
}
