use diesel::prelude::*;

use crate::schema::{comments, posts, users};

#[derive(Queryable, Selectable, Identifiable, Debug)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i32,
    pub name: String,
}

#[derive(Queryable, Selectable, Identifiable, Debug)]
#[diesel(table_name = posts)]
pub struct Post {
    pub id: i32,
    pub title: String,
    pub author_id: i32,
    pub published_at: std::time::SystemTime,
}

#[derive(Queryable, Selectable, Identifiable, Associations, Debug)]
#[diesel(table_name = comments, belongs_to(Post))]
pub struct Comment {
    pub id: i32,
    pub post_id: i32,
    pub body: String,
}

/// A post as the front page shows it.
#[derive(Debug)]
pub struct PostView {
    pub post: Post,
    pub author: User,
    pub comments: Vec<Comment>,
}
