use diesel::prelude::*;

pub fn save_tags(conn: &mut PgConnection, tags: &[NewTag]) -> QueryResult<()> {
    diesel::insert_into(tags::table).values(tags).execute(conn)?;
    Ok(())
}
