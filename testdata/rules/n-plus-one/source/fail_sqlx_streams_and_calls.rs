use futures::future::try_join_all;
use sqlx::PgPool;

async fn load_owner(pool: &PgPool, id: i64) -> sqlx::Result<Owner> {
    sqlx::query_as::<_, Owner>("SELECT id, name FROM owners WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
}

async fn owner_name(pool: &PgPool, id: i64) -> sqlx::Result<String> {
    Ok(load_owner(pool, id).await?.name)
}

pub async fn names(pool: &PgPool, pets: &[Pet]) -> sqlx::Result<Vec<String>> {
    let mut out = Vec::new();
    for pet in pets {
        out.push(owner_name(pool, pet.owner_id).await?); // ~ n-plus-one
    }
    Ok(out)
}

pub async fn concurrently(pool: &PgPool, pets: &[Pet]) -> sqlx::Result<Vec<Owner>> {
    try_join_all(pets.iter().map(|p| load_owner(pool, p.owner_id))).await // ~ n-plus-one
}

pub async fn with_while_let(pool: &PgPool, mut pending: Vec<i64>) -> sqlx::Result<()> {
    while let Some(id) = pending.pop() {
        sqlx::query!("SELECT name FROM owners WHERE id = $1", id)
            .fetch_optional(pool) // ~ n-plus-one
            .await?;
    }
    Ok(())
}
