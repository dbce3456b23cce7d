use rusqlite::Connection;
use sea_orm::{DatabaseConnection, EntityTrait, ModelTrait};

pub async fn cakes_with_fruits(db: &DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    let cakes = cake::Entity::find().all(db).await?;
    for c in &cakes {
        let _fruits = c.find_related(fruit::Entity).all(db).await?; // ~ n-plus-one
    }
    Ok(())
}

pub fn sqlite_lookup(conn: &Connection, ids: &[i64]) -> rusqlite::Result<Vec<String>> {
    let mut names = Vec::new();
    for id in ids {
        let name: String = conn.query_row("SELECT name FROM users WHERE id = ?1", [id], |r| r.get(0))?; // ~ n-plus-one
        names.push(name);
    }
    Ok(names)
}

pub fn pg_lookup(client: &mut postgres::Client, ids: &[i32]) -> Result<(), postgres::Error> {
    for id in ids {
        for tag in ["a", "b"] {
            client.query_one("SELECT count(*) FROM tags WHERE post_id = $1 AND name = $2", &[id, &tag])?; // ~ n-plus-one
        }
    }
    Ok(())
}
