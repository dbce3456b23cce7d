// One finding per loop names the query that runs on every turn, not one
// behind a branch.
use rusqlite::Connection;

pub fn names(conn: &Connection, ids: &[i64]) -> rusqlite::Result<Vec<String>> {
    let mut out = Vec::new();
    for id in ids {
        if *id < 0 {
            let _: i64 = conn.query_row("SELECT count(*) FROM audit WHERE id = ?1", [id], |r| r.get(0))?;
        }
        let name: String = conn.query_row("SELECT name FROM users WHERE id = ?1", [id], |r| r.get(0))?; // ~ n-plus-one
        out.push(name);
    }
    Ok(out)
}
