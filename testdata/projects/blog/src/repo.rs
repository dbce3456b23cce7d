use diesel::prelude::*;
use crate::models::{Comment, Post, User};
use crate::schema::{comments, posts, users};

pub fn recent_posts(conn: &mut PgConnection) -> QueryResult<Vec<Post>> {
    posts::table.order(posts::published_at.desc()).limit(20).load(conn)
}

pub fn author_of(conn: &mut PgConnection, post: &Post) -> QueryResult<User> {
    users::table.find(post.author_id).first(conn)
}

pub fn comments_for(conn: &mut PgConnection, posts: &[Post]) -> QueryResult<Vec<Vec<Comment>>> {
    let all = Comment::belonging_to(posts).load::<Comment>(conn)?;
    Ok(all.grouped_by(posts))
}
