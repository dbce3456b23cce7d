use sqlx::PgPool;

pub async fn authors_of(pool: &PgPool, ids: &[i32]) -> sqlx::Result<usize> {
    let mut n = 0;
    for id in ids {
        let row = sqlx::query("SELECT id, name FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?;
        n += row.is_some() as usize;
    }
    Ok(n)
}

pub async fn reviewers_of(pool: &PgPool, ids: &[i32]) -> sqlx::Result<usize> {
    let mut n = 0;
    for id in ids {
        let row = sqlx::query("SELECT id, name FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?;
        n += row.is_some() as usize;
    }
    Ok(n)
}
