// Each element is its own statement (a subscription's filter makes its own
// query), a page fetcher drives the loop, or the list is written in the code.
use rusqlite::Connection;
use sqlx::{PgPool, Postgres, QueryBuilder};

pub struct Filter {
    pub kinds: Vec<i64>,
    pub limit: Option<u64>,
}

fn query_from_filter(f: &Filter) -> Option<QueryBuilder<'static, Postgres>> {
    let mut q = QueryBuilder::new("SELECT content FROM event WHERE kind IN (");
    let mut sep = q.separated(", ");
    for k in &f.kinds {
        sep.push_bind(*k);
    }
    q.push(")");
    Some(q)
}

// One query per filter, each with its own WHERE clause.
pub async fn run_subscription(pool: &PgPool, filters: &[Filter]) -> sqlx::Result<usize> {
    let mut n = 0;
    for filter in filters {
        let q_filter = query_from_filter(filter);
        if q_filter.is_none() {
            continue;
        }
        let mut q_filter = q_filter.unwrap();
        let rows = q_filter.build().fetch_all(pool).await?;
        n += rows.len();
    }
    Ok(n)
}

fn sql_from_filter(f: &Filter) -> (String, Vec<i64>) {
    let marks = vec!["?"; f.kinds.len()].join(", ");
    (format!("SELECT content FROM event WHERE kind IN ({marks})"), f.kinds.clone())
}

// The same with SQL text and parameters returned as a pair.
pub fn run_subscription_sqlite(conn: &Connection, filters: &[Filter]) -> rusqlite::Result<usize> {
    let mut n = 0;
    for filter in filters {
        let (q, p) = sql_from_filter(filter);
        let mut stmt = conn.prepare_cached(&q)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(p))?;
        while let Some(_row) = rows.next()? {
            n += 1;
        }
    }
    Ok(n)
}

pub struct HashPage {
    pub hashes: Vec<Vec<u8>>,
    pub next: Option<i64>,
}

async fn bound(pool: &PgPool, slug: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT created_at FROM hashes WHERE id = $1")
        .bind(slug)
        .fetch_one(pool)
        .await
}

async fn hash_page(pool: &PgPool, slug: Option<i64>, limit: i64) -> sqlx::Result<HashPage> {
    let from = match slug {
        Some(s) => bound(pool, s).await?,
        None => 0,
    };
    let hashes: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT hash FROM hashes WHERE created_at >= $1 ORDER BY created_at LIMIT $2")
            .bind(from)
            .bind(limit)
            .fetch_all(pool)
            .await?;
    Ok(HashPage { hashes, next: None })
}

// A pager in a helper: each turn fetches one page.
pub async fn all_hashes(pool: &PgPool) -> sqlx::Result<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    let mut slug = None;
    loop {
        let page = hash_page(pool, slug, 100).await?;
        slug = page.next;
        out.extend(page.hashes);
        if slug.is_none() {
            break;
        }
    }
    Ok(out)
}

async fn cleanup_identifier(pool: &PgPool, id: &str) -> sqlx::Result<()> {
    sqlx::query("SELECT 1 FROM files WHERE identifier = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

// Two values written in the code, some of them absent.
pub async fn cleanup_hash(pool: &PgPool, main: Option<String>, motion: Option<String>) -> sqlx::Result<()> {
    let associated = [main, motion];
    for identifier in associated.into_iter().flatten() {
        cleanup_identifier(pool, &identifier).await?;
    }
    Ok(())
}
