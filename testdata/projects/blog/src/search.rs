use sqlx::PgPool;

pub async fn search_titles(pool: &PgPool, term: &str, limit: i64) -> sqlx::Result<Vec<String>> {
    let sql = format!(
        "SELECT title FROM posts WHERE title ILIKE '%{term}%' ORDER BY id DESC LIMIT {limit}"
    );
    sqlx::query_scalar(&sql).fetch_all(pool).await
}

pub async fn search_titles_safely(pool: &PgPool, term: &str, limit: i64) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT title FROM posts WHERE title ILIKE '%' || $1 || '%' ORDER BY id DESC LIMIT $2")
        .bind(term)
        .bind(limit)
        .fetch_all(pool)
        .await
}
