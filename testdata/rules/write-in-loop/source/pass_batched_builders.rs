use sqlx::{QueryBuilder, Sqlite, SqlitePool};

// Chunked multi-row inserts: one statement per 500 rows.
pub async fn insert_all(pool: &SqlitePool, names: &[String]) -> sqlx::Result<()> {
    for chunk in names.chunks(500) {
        let mut qb = QueryBuilder::<Sqlite>::new("INSERT INTO users (name) ");
        qb.push_values(chunk, |mut b, n| {
            b.push_bind(n);
        });
        qb.build().execute(pool).await?;
    }
    Ok(())
}

// A separated IN list filled per batch.
pub async fn delete_all(pool: &SqlitePool, ids: Vec<i64>) -> sqlx::Result<()> {
    let mut ids = ids.into_iter().peekable();
    while ids.peek().is_some() {
        let mut qb = QueryBuilder::<Sqlite>::new("DELETE FROM users WHERE id IN (");
        let mut sep = qb.separated(", ");
        for id in ids.by_ref().take(500) {
            sep.push_bind(id);
        }
        qb.push(")");
        qb.build().execute(pool).await?;
    }
    Ok(())
}

// ActiveModel writes in a loop are writes, reported by write-in-loop, not
// n-plus-one; this file only checks the batched forms above.
