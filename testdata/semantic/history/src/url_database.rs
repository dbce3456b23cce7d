// A library that creates a database for its caller (reinhardt-db
// 0.1.0-alpha.13 → alpha.14): the name is parsed out of a URL the public
// function takes and went into `CREATE DATABASE "{name}"` without its own
// double quotes doubled. The fix doubled them.
use sqlx::PgPool;

fn name_in_url(url: &str) -> String {
    url.rsplit('/').next().unwrap_or_default().to_string()
}

pub async fn create_for(admin: &PgPool, url: &str) -> sqlx::Result<()> {
    let name = name_in_url(url);
    sqlx::query(&format!("CREATE DATABASE \"{name}\"")).execute(admin).await?; // ~ sql-injection note
    Ok(())
}

pub async fn create_for_fixed(admin: &PgPool, url: &str) -> sqlx::Result<()> {
    let name = name_in_url(url);
    let sql = format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\""));
    sqlx::query(&sql).execute(admin).await?;
    Ok(())
}
