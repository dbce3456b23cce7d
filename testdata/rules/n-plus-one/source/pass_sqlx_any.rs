use sqlx::PgPool;

pub async fn owners(pool: &PgPool, pets: &[Pet]) -> sqlx::Result<Vec<Owner>> {
    let ids: Vec<i64> = pets.iter().map(|p| p.owner_id).collect();
    sqlx::query_as::<_, Owner>("SELECT id, name FROM owners WHERE id = ANY($1)")
        .bind(&ids)
        .fetch_all(pool)
        .await
}

// The result is iterated, the query ran once before the loop.
pub async fn print_all(pool: &PgPool) -> sqlx::Result<()> {
    let rows = sqlx::query!("SELECT id, name FROM owners").fetch_all(pool).await?;
    for r in rows.iter().map(|r| r.name.clone()) {
        println!("{r}");
    }
    Ok(())
}
