use diesel::prelude::*;

pub fn save_tags(conn: &mut PgConnection, tags: &[NewTag]) -> QueryResult<()> {
    for tag in tags {
        diesel::insert_into(tags::table).values(tag).execute(conn)?; // ~ write-in-loop
    }
    Ok(())
}

pub fn sqlite_updates(conn: &rusqlite::Connection, ids: &[i64]) -> rusqlite::Result<()> {
    for id in ids {
        conn.execute("UPDATE items SET seen = 1 WHERE id = ?1", [id])?; // ~ write-in-loop
    }
    Ok(())
}

pub async fn seed(db: &sea_orm::DatabaseConnection, rows: Vec<cake::ActiveModel>) -> Result<(), sea_orm::DbErr> {
    for row in rows {
        row.insert(db).await?; // ~ write-in-loop
    }
    Ok(())
}

pub fn prune(conn: &mut diesel::PgConnection, ids: &[i32]) -> diesel::QueryResult<()> {
    for id in ids {
        diesel::delete(posts::table.find(id)).execute(conn)?; // ~ write-in-loop
    }
    Ok(())
}
