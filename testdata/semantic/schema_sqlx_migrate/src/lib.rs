pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./db/schema");

pub async fn by_kind(pool: &sqlx::PgPool, kind: &str) -> sqlx::Result<Vec<(i64,)>> {
    sqlx::query_as("SELECT id FROM events WHERE kind = $1").bind(kind).fetch_all(pool).await
}

pub async fn by_actor(pool: &sqlx::PgPool, actor: &str) -> sqlx::Result<Vec<(i64,)>> {
    sqlx::query_as("SELECT id FROM events WHERE actor = $1").bind(actor).fetch_all(pool).await // ~ missing-index
}

pub async fn by_token(pool: &sqlx::PgPool, token: &str) -> sqlx::Result<Option<(i64,)>> {
    sqlx::query_as("SELECT id FROM events WHERE token = $1").bind(token).fetch_optional(pool).await
}

pub async fn without_token(pool: &sqlx::PgPool) -> sqlx::Result<Vec<(i64,)>> {
    sqlx::query_as("SELECT id FROM events WHERE token IS NULL AND actor = 'system'").fetch_all(pool).await // ~ missing-index
}

pub async fn hidden(pool: &sqlx::PgPool, h: i64) -> sqlx::Result<Vec<(i64,)>> {
    sqlx::query_as("SELECT id FROM events WHERE is_hidden = $1").bind(h).fetch_all(pool).await
}

pub async fn retried(pool: &sqlx::PgPool, n: i64) -> sqlx::Result<Vec<(i64,)>> {
    sqlx::query_as("SELECT id FROM events WHERE retries = $1").bind(n).fetch_all(pool).await // ~ missing-index
}
