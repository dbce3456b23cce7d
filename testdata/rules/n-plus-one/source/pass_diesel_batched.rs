use diesel::prelude::*;

use crate::schema::{comments, posts, users};

// Batched: one query for all parents.
pub fn with_authors(conn: &mut PgConnection) -> QueryResult<Vec<(Post, Vec<Comment>)>> {
    let all = posts::table.load::<Post>(conn)?;
    let ids: Vec<i32> = all.iter().map(|p| p.author_id).collect();
    let _authors = users::table.filter(users::id.eq_any(&ids)).load::<User>(conn)?;
    let comments = Comment::belonging_to(&all).load::<Comment>(conn)?;
    let grouped = comments.grouped_by(&all);
    Ok(all.into_iter().zip(grouped).collect())
}

// Chunked batches in a loop are fine: each query fetches many rows.
pub fn in_chunks(conn: &mut PgConnection, ids: &[i32]) -> QueryResult<()> {
    for chunk in ids.chunks(500) {
        let _rows = users::table.filter(users::id.eq_any(chunk)).load::<User>(conn)?;
    }
    Ok(())
}

// Common names on non-database types are not queries.
pub fn not_queries(names: &[String], map: &std::collections::HashMap<i32, String>) -> bool {
    let first = names.first();
    let all_short = names.iter().all(|n| n.len() < 10);
    let found = names.iter().map(|n| n.find('x')).count();
    let got = map.get(&1).map(|s| s.len()).and_then(|n| n.checked_add(1));
    first.is_some() && all_short && found > 0 && got.is_some()
}

// A retry loop that exits at the first success is not iteration.
pub fn connect_with_retry(url: &str) -> PgConnection {
    loop {
        match PgConnection::establish(url) {
            Ok(conn) => return conn,
            Err(_) => std::thread::sleep(std::time::Duration::from_secs(1)),
        }
    }
}

// Paging with limit/offset in a loop fetches in batches.
pub fn pages(conn: &mut PgConnection) -> QueryResult<()> {
    let mut offset = 0;
    loop {
        let batch = posts::table.order(posts::id).limit(100).offset(offset).load::<Post>(conn)?;
        if batch.is_empty() {
            break;
        }
        offset += 100;
    }
    Ok(())
}

// Option::map runs its closure at most once.
pub fn maybe(conn: &mut PgConnection, id: Option<i32>) -> Option<QueryResult<User>> {
    id.map(|id| users::table.find(id).first::<User>(conn))
}
