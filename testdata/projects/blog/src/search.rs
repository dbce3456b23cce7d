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

#[derive(serde::Deserialize)]
pub struct SearchParams {
    pub q: String,
}

/// `GET /search?q=…`: the term comes straight from the query string.
pub async fn search_page(
    axum::extract::Query(params): axum::extract::Query<SearchParams>,
    axum::extract::State(pool): axum::extract::State<PgPool>,
) -> String {
    search_titles(&pool, &params.q, 20)
        .await
        .map(|titles| titles.join("\n"))
        .unwrap_or_default()
}
