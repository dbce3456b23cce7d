// Shapes from published crates that once produced false positives.
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

pub struct Store {
    pool: SqlitePool,
}

impl Store {
    // A query method named like a common builder setter.
    pub async fn idx(&self, host: &str, idx: i64) -> sqlx::Result<Option<(i64,)>> {
        sqlx::query_as("SELECT idx FROM store WHERE host = ?1 AND idx = ?2")
            .bind(host)
            .bind(idx)
            .fetch_optional(&self.pool)
            .await
    }

    pub async fn status(&self) -> sqlx::Result<Vec<(String, i64)>> {
        sqlx::query_as("SELECT tag, max(idx) FROM store GROUP BY tag")
            .fetch_all(&self.pool)
            .await
    }
}

// `.idx(i)` on a builder chain is a setter, not `Store::idx`.
pub fn records(n: i64) -> Vec<Record> {
    let mut out = Vec::new();
    for i in 0..n {
        out.push(Record::builder().tag("h".into()).idx(i).build());
    }
    out
}

// `resp.status()` on an HTTP response is not `Store::status`.
pub async fn upload(client: &reqwest::Client, pages: Vec<String>) -> Result<(), reqwest::Error> {
    for p in pages {
        let resp: reqwest::Response = client.post("http://localhost/x").body(p).send().await?;
        if !resp.status().is_success() {
            break;
        }
    }
    Ok(())
}

// A retry loop written with `for`: it stops at the first success.
pub async fn wait_ready(pool: &SqlitePool) -> bool {
    for attempt in 0..10 {
        match sqlx::query("SELECT 1").execute(pool).await {
            Ok(_) => return true,
            Err(_) if attempt < 9 => tokio::time::sleep(std::time::Duration::from_secs(1)).await,
            Err(_) => break,
        }
    }
    false
}

// Each iteration runs a different statement: a script, not N+1.
pub async fn reset(pool: &SqlitePool) -> sqlx::Result<()> {
    for sql in ["DELETE FROM messages", "DELETE FROM sessions", "DELETE FROM marks"] {
        sqlx::query(sql).execute(pool).await?;
    }
    Ok(())
}

async fn pragma_value(db: &SqlitePool, q: &str) -> String {
    let (v,): (String,) = sqlx::query_as(q).fetch_one(db).await.unwrap_or_default();
    v
}

pub async fn check_pragmas(db: &SqlitePool) {
    for (pragma, want) in [("foreign_keys", "1"), ("journal_mode", "wal")] {
        let q = format!("PRAGMA {pragma}");
        assert_eq!(pragma_value(db, &q).await, want);
    }
}

// One query per page.
async fn read_page(pool: &SqlitePool, from: i64) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as("SELECT idx, data FROM records WHERE idx >= ?1 ORDER BY idx LIMIT 500")
        .bind(from)
        .fetch_all(pool)
        .await
}

pub async fn replay(pool: &SqlitePool) -> sqlx::Result<()> {
    let mut page = read_page(pool, 0).await?;
    while let Some(&(tail, _)) = page.last() {
        page = read_page(pool, tail + 1).await?;
    }
    Ok(())
}

// Walking a parent chain: each lookup needs the previous result.
pub async fn root_of(pool: &SqlitePool, start: i64) -> sqlx::Result<i64> {
    let mut current = start;
    let mut next: Option<i64> = Some(start);
    while let Some(id) = next {
        current = id;
        next = sqlx::query_scalar("SELECT parent_id FROM nodes WHERE id = ?")
            .bind(id)
            .fetch_one(pool)
            .await?;
    }
    Ok(current)
}

// Batches of 500 per statement.
pub async fn insert_all(pool: &SqlitePool, names: &[String]) -> sqlx::Result<()> {
    for chunk in names.chunks(500) {
        let mut qb = QueryBuilder::<Sqlite>::new("SELECT id FROM users WHERE name IN ");
        qb.push_tuples(chunk, |mut b, n| {
            b.push_bind(n);
        });
        qb.build().fetch_all(pool).await?;
    }
    Ok(())
}

// A house trait method called `execute` that takes a list of statements.
pub trait Runner {
    fn execute(&mut self, stmts: &[&str]) -> Result<usize, String>;
}

pub fn migrate<T: Runner>(transaction: &mut T, scripts: &[String]) -> Result<(), String> {
    for sc in scripts {
        transaction.execute(&[sc.as_str(), "INSERT INTO applied DEFAULT VALUES"])?;
    }
    Ok(())
}
