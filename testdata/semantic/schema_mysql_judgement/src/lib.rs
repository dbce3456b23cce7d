pub async fn by_author(pool: &sqlx::MySqlPool, author: i64) -> sqlx::Result<Vec<(i64,)>> {
    sqlx::query_as("SELECT id FROM posts WHERE author_id = ?").bind(author).fetch_all(pool).await
}

pub async fn published(pool: &sqlx::MySqlPool) -> sqlx::Result<Vec<(i64,)>> {
    sqlx::query_as("SELECT id FROM posts WHERE published = ?").bind(true).fetch_all(pool).await
}

pub async fn published_titled(pool: &sqlx::MySqlPool, title: &str) -> sqlx::Result<Vec<(i64,)>> {
    sqlx::query_as("SELECT id FROM posts WHERE published = ? AND title = ?")
        .bind(true)
        .bind(title)
        .fetch_all(pool) // ~ missing-index
        .await
}
