pub static HISTORY: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");
pub static RECORDS: sqlx::migrate::Migrator = sqlx::migrate!("./record-migrations");

pub async fn by_host(pool: &sqlx::SqlitePool, host: &str) -> sqlx::Result<Vec<(String,)>> {
    sqlx::query_as("SELECT id FROM store WHERE host = ?1").bind(host).fetch_all(pool).await
}

// The unique index leads with `host`: nothing serves `tag`.
pub async fn by_tag(pool: &sqlx::SqlitePool, tag: &str) -> sqlx::Result<Vec<(String,)>> {
    sqlx::query_as("SELECT id FROM store WHERE tag = ?1").bind(tag).fetch_all(pool).await // ~ missing-index
}

pub async fn by_command(pool: &sqlx::SqlitePool, c: &str) -> sqlx::Result<Vec<(String,)>> {
    sqlx::query_as("SELECT id FROM history WHERE command = ?1").bind(c).fetch_all(pool).await // ~ missing-index
}
