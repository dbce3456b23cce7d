use diesel::prelude::*;

// Primary key, unique constraint, leading column of a composite index.
pub fn lookups(conn: &mut PgConnection, id: i32, email: &str) -> QueryResult<()> {
    users::table.find(id).first::<User>(conn)?;
    users::table.filter(users::email.eq(email)).first::<User>(conn)?;
    posts::table
        .filter(posts::author_id.eq(id))
        .order(posts::published_at.desc())
        .load::<Post>(conn)?;
    // A 20-row table is not worth an index.
    settings::table.filter(settings::value.eq("x")).load::<Setting>(conn)?;
    // A table the schema does not know is not judged.
    audit::table.filter(audit::actor.eq("x")).load::<Audit>(conn)?;
    Ok(())
}

// A null test is no lookup: the live rows of a soft delete are most of the
// table, and what would serve it is a partial index, not a plain one.
pub async fn null_tests(pool: &sqlx::PgPool) -> sqlx::Result<()> {
    sqlx::query("SELECT id FROM posts WHERE published_at IS NOT NULL ORDER BY published_at")
        .fetch_all(pool)
        .await?;
    sqlx::query("SELECT id FROM users WHERE team_id IS NULL")
        .fetch_all(pool)
        .await?;
    Ok(())
}
