// More shapes from published crates that once produced false positives.
use sqlx::SqlitePool;

// An error branch that leaves the loop runs at most once.
pub async fn run_all(c: &mut tokio_postgres::Client, stmts: &[&str]) -> Result<(), tokio_postgres::Error> {
    for s in stmts {
        if let Err(e) = c.simple_query(s).await {
            c.simple_query("ROLLBACK").await?;
            return Err(e);
        }
    }
    Ok(())
}

// A hand-written chunk loop: one IN list of at most 500 ids per turn.
pub async fn by_ids(pool: &SqlitePool, ids: Vec<i64>) -> sqlx::Result<Vec<(i64, String)>> {
    let mut out = Vec::new();
    let mut it = ids.into_iter();
    loop {
        let chunk: Vec<i64> = it.by_ref().take(500).collect();
        if chunk.is_empty() {
            break;
        }
        let sql = format!("SELECT id, name FROM users WHERE id IN ({})", vec!["?"; chunk.len()].join(","));
        let mut q = sqlx::query_as(&sql);
        for id in &chunk {
            q = q.bind(*id);
        }
        out.extend(q.fetch_all(pool).await?);
    }
    Ok(out)
}

// Keyset paging with a formatted page query; the bookkeeping write runs once per page.
pub async fn compact(pool: &SqlitePool) -> sqlx::Result<()> {
    let mut cursor = 0i64;
    loop {
        let sql = format!("SELECT rowid, {COLUMNS} FROM store WHERE rowid > ?1 ORDER BY rowid LIMIT 1000");
        let rows: Vec<(i64, String)> = sqlx::query_as(&sql).bind(cursor).fetch_all(pool).await?;
        let Some(last) = rows.last() else { break };
        cursor = last.0;
        sqlx::query("UPDATE mark SET pos = ? WHERE id = 0").bind(cursor).execute(pool).await?;
    }
    Ok(())
}

const COLUMNS: &str = "data, tag";

// A parent-chain walk through a helper: each lookup needs the previous result.
async fn parent_of(pool: &SqlitePool, id: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT parent_id FROM nodes WHERE id = ?").bind(id).fetch_one(pool).await
}

pub async fn root_of(pool: &SqlitePool, start: i64) -> sqlx::Result<i64> {
    let (mut root, mut next) = (start, Some(start));
    while let Some(cur) = next {
        root = cur;
        next = parent_of(pool, cur).await?;
    }
    Ok(root)
}
