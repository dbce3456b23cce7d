// A loop over data that a constant caps runs at most that many queries:
// reported, as a note.
use diesel::prelude::*;

const PREVIEW: usize = 3;

pub fn preview_authors(conn: &mut PgConnection, posts: &[Post]) -> QueryResult<Vec<User>> {
    let mut out = Vec::new();
    for post in posts.iter().take(PREVIEW) {
        out.push(users::table.find(post.author_id).first::<User>(conn)?); // ~ n-plus-one
    }
    Ok(out)
}
