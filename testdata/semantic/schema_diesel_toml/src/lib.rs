pub async fn by_slug(pool: &sqlx::PgPool, slug: &str) -> sqlx::Result<(i64,)> {
    sqlx::query_as("SELECT id FROM posts WHERE slug = $1").bind(slug).fetch_one(pool).await
}

pub async fn by_author(pool: &sqlx::PgPool, author: &str) -> sqlx::Result<Vec<(i64,)>> {
    sqlx::query_as("SELECT id FROM posts WHERE author = $1").bind(author).fetch_all(pool).await // ~ missing-index
}
