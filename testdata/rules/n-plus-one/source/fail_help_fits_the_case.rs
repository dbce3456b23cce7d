// The help fits the case: a query that does not change per element is
// hoisted; relation loading is offered where the code declares the relation.
use diesel::prelude::*;

diesel::table! {
    users (id) {
        id -> Int4,
        name -> Text,
    }
}

diesel::table! {
    posts (id) {
        id -> Int4,
        user_id -> Int4,
        title -> Text,
    }
}

#[derive(Queryable, Identifiable)]
pub struct User {
    pub id: i32,
    pub name: String,
}

#[derive(Queryable, Identifiable, Associations)]
#[diesel(belongs_to(User))]
pub struct Post {
    pub id: i32,
    pub user_id: i32,
    pub title: String,
}

// Declared relation: load the children with `belonging_to`.
pub fn posts_per_user(conn: &mut PgConnection, users: &[User]) -> QueryResult<Vec<Vec<Post>>> {
    let mut out = Vec::new();
    for user in users {
        out.push(posts::table.filter(posts::user_id.eq(user.id)).load(conn)?); // ~ n-plus-one
    }
    Ok(out)
}

// The same query on every turn: run it once before the loop.
pub fn titles_with_banner(conn: &mut PgConnection, posts_in: &[Post]) -> QueryResult<Vec<String>> {
    let mut out = Vec::new();
    for post in posts_in {
        let admin: User = users::table.filter(users::name.eq("admin")).first(conn)?; // ~ n-plus-one
        out.push(format!("{} ({})", post.title, admin.name));
    }
    Ok(out)
}
