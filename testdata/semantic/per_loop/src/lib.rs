// Several queries in one loop are one finding per rule, at the first,
// with the others as related locations.
use rusqlite::Connection;

pub fn page(conn: &Connection, ids: &[i64]) -> rusqlite::Result<Vec<(String, i64, i64)>> {
    let mut out = Vec::new();
    for id in ids {
        let name: String = conn.query_row("SELECT name FROM users WHERE id = ?1", [id], |r| r.get(0))?; // ~ n-plus-one
        let posts: i64 = conn.query_row("SELECT count(*) FROM posts WHERE author = ?1", [id], |r| r.get(0))?;
        let likes: i64 = conn.query_row("SELECT count(*) FROM likes WHERE user_id = ?1", [id], |r| r.get(0))?;
        conn.execute("UPDATE users SET seen = 1 WHERE id = ?1", [id])?; // ~ write-in-loop
        conn.execute("INSERT INTO visits (user_id) VALUES (?1)", [id])?;
        out.push((name, posts, likes));
    }
    Ok(out)
}

// A suppressed query stays silenced, and the rest of its loop is reported.
pub fn badges(conn: &Connection, ids: &[i64]) -> rusqlite::Result<i64> {
    let mut n = 0;
    for id in ids {
        // ormlint-ignore n-plus-one -- a cached lookup in production
        n += conn.query_row("SELECT count(*) FROM badges WHERE user_id = ?1", [id], |r| r.get::<_, i64>(0))?;
        n += conn.query_row("SELECT count(*) FROM awards WHERE user_id = ?1", [id], |r| r.get::<_, i64>(0))?; // ~ n-plus-one
    }
    Ok(n)
}
