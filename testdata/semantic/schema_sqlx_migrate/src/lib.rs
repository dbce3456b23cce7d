pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./db/schema");

pub async fn by_kind(pool: &sqlx::PgPool, kind: &str) -> sqlx::Result<Vec<(i64,)>> {
    sqlx::query_as("SELECT id FROM events WHERE kind = $1").bind(kind).fetch_all(pool).await
}

pub async fn by_actor(pool: &sqlx::PgPool, actor: &str) -> sqlx::Result<Vec<(i64,)>> {
    sqlx::query_as("SELECT id FROM events WHERE actor = $1").bind(actor).fetch_all(pool).await // ~ missing-index
}
