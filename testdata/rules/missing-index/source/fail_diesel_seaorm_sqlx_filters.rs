use diesel::prelude::*;

pub fn by_slug(conn: &mut PgConnection, slug: &str) -> QueryResult<Post> {
    posts::table.filter(posts::slug.eq(slug)).first(conn) // ~ missing-index
}

pub fn team(conn: &mut PgConnection, team: i32) -> QueryResult<Vec<User>> {
    users::table.filter(users::team_id.eq(team)).order(users::name).load(conn) // ~ missing-index
}

pub async fn latest(db: &sea_orm::DatabaseConnection) -> Result<Vec<post::Model>, sea_orm::DbErr> {
    post::Entity::find().filter(post::Column::Status.eq("live")).all(db).await // ~ missing-index
}

pub async fn by_status(pool: &sqlx::PgPool) -> sqlx::Result<Vec<(i32,)>> {
    sqlx::query_as("SELECT id FROM posts WHERE status = $1 ORDER BY id DESC LIMIT 10")
        .bind("draft")
        .fetch_all(pool) // ~ missing-index
        .await
}
