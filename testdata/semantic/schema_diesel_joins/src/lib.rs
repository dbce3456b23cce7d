pub mod schema;

use diesel::prelude::*;
use schema::{comment, community, person_block, post};

pub fn in_community_named(conn: &mut PgConnection, n: &str) -> QueryResult<Vec<i32>> {
    // community is found by name, then its posts by post.community_id,
    // which nothing indexes.
    post::table
        .inner_join(community::table)
        .filter(community::name.eq(n))
        .select(post::id)
        .load(conn) // ~ missing-index
}

pub fn by_creator_in_community(conn: &mut PgConnection, c: i32, n: &str) -> QueryResult<Vec<i32>> {
    // Posts narrowed by the creator index; each reaches its community by
    // its primary key, so the filter on community.name reads few rows.
    post::table
        .inner_join(community::table)
        .filter(post::creator_id.eq(c))
        .filter(community::name.eq(n))
        .select(post::id)
        .load(conn)
}

pub fn everything(conn: &mut PgConnection) -> QueryResult<Vec<(i32, i32)>> {
    // A join of whole tables reads them whole: no index helps.
    comment::table
        .inner_join(post::table)
        .select((comment::id, post::id))
        .load(conn)
}

pub fn with_comments(conn: &mut PgConnection, c: i32) -> QueryResult<Vec<(i32, Option<i32>)>> {
    // Each of the creator's posts looks up its comments by comment.post_id.
    post::table
        .left_join(comment::table.on(comment::post_id.eq(post::id)))
        .filter(post::creator_id.eq(c))
        .select((post::id, comment::id.nullable()))
        .load(conn) // ~ missing-index
}

pub fn block(conn: &mut PgConnection, p: i32, t: i32) -> QueryResult<usize> {
    // `.find` on a two-column key filters on both: the primary key.
    diesel::update(person_block::table.find((p, t)))
        .set(person_block::published.eq(diesel::dsl::now))
        .execute(conn)
}

pub fn all_by_name(conn: &mut PgConnection) -> QueryResult<Vec<i32>> {
    // Every row, sorted: a scan and a sort beat reading the table through
    // an index.
    community::table.order(community::name).select(community::id).load(conn)
}

pub fn first_by_name(conn: &mut PgConnection) -> QueryResult<Vec<i32>> {
    // The first ten by name: an index on name reads ten rows.
    community::table
        .order(community::name)
        .limit(10)
        .select(community::id)
        .load(conn) // ~ missing-index
}
