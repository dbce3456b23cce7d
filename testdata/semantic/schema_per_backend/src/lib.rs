pub async fn next(pool: &sqlx::SqlitePool, queue: &str) -> sqlx::Result<Vec<(i64,)>> {
    sqlx::query_as("SELECT id FROM jobs WHERE queue = ?").bind(queue).fetch_all(pool).await // ~ missing-index
}
