use diesel::prelude::*;

pub fn authors(conn: &mut PgConnection, posts: &[Post]) -> QueryResult<()> {
    for p in posts {
        // ormlint-ignore n-plus-one -- at most three posts on this page
        users::table.find(p.author_id).first::<User>(conn)?;
    }
    Ok(())
}
