pub async fn by_email(pool: &sqlx::PgPool, email: &str) -> sqlx::Result<(i64,)> {
    sqlx::query_as("SELECT id FROM users WHERE email = $1").bind(email).fetch_one(pool).await
}

pub async fn by_name(pool: &sqlx::PgPool, name: &str) -> sqlx::Result<Vec<(i64,)>> {
    sqlx::query_as("SELECT id FROM users WHERE name = $1").bind(name).fetch_all(pool).await // ~ missing-index
}
