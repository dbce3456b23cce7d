use diesel::prelude::*;

use crate::schema::{posts, users};

pub fn titles_with_authors(conn: &mut PgConnection) -> QueryResult<Vec<(Post, User)>> {
    let all = posts::table.order(posts::id.desc()).limit(20).load::<Post>(conn)?;
    let mut out = Vec::new();
    for post in all {
        let author = users::table.find(post.author_id).first::<User>(conn)?; // ~ n-plus-one
        out.push((post, author));
    }
    Ok(out)
}

pub fn comment_counts(conn: &mut PgConnection, ids: &[i32]) -> QueryResult<Vec<i64>> {
    ids.iter()
        .map(|id| {
            comments::table
                .filter(comments::post_id.eq(id))
                .count()
                .get_result(conn) // ~ n-plus-one
        })
        .collect()
}

pub fn through_a_binding(conn: &mut PgConnection, posts: &[Post]) -> QueryResult<()> {
    for p in posts {
        let q = tags::table.filter(tags::post_id.eq(p.id));
        let _tags: Vec<Tag> = q.load(conn)?; // ~ n-plus-one
    }
    Ok(())
}
