use sqlx::PgPool;

const BASE: &str = "SELECT id, name FROM users";
static ORDER: &str = " ORDER BY id";

pub async fn by_name(pool: &PgPool, name: &str) -> sqlx::Result<Vec<User>> {
    sqlx::query_as::<_, User>("SELECT * FROM users WHERE name = $1")
        .bind(name)
        .fetch_all(pool)
        .await
}

pub async fn consts(pool: &PgPool) -> sqlx::Result<Vec<User>> {
    let sql = format!("{BASE} WHERE active{}", ORDER);
    let also = concat!("SELECT 1", " FROM users");
    sqlx::query(also).execute(pool).await?;
    sqlx::query_as::<_, User>(&sql).fetch_all(pool).await
}

pub async fn builder(pool: &PgPool, name: &str) -> sqlx::Result<()> {
    let mut qb = sqlx::QueryBuilder::new("SELECT * FROM users WHERE name = ");
    qb.push_bind(name);
    qb.push(" ORDER BY id");
    qb.build().fetch_all(pool).await?;
    Ok(())
}

pub fn literal_built(conn: &rusqlite::Connection) -> rusqlite::Result<usize> {
    let table = "users";
    let sql = format!("DELETE FROM {table} WHERE expired");
    conn.execute(&sql, [])
}

// A parameter passed straight through: the caller decides; not reported here.
pub fn run_sql(conn: &rusqlite::Connection, sql: &str) -> rusqlite::Result<usize> {
    conn.execute(sql, [])
}
