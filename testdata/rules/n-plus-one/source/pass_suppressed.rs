// ormlint-ignore-file n-plus-one -- an admin script over a handful of rows
use diesel::prelude::*;

pub fn authors(conn: &mut PgConnection, posts: &[Post]) -> QueryResult<()> {
    for p in posts {
        users::table.find(p.author_id).first::<User>(conn)?;
    }
    Ok(())
}
