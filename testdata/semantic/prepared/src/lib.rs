// A statement prepared once and executed per element is still one query
// per element.
use rusqlite::{params, Connection};

pub fn scores(conn: &Connection, ids: &[i64]) -> rusqlite::Result<Vec<i64>> {
    let mut lookup = conn.prepare("SELECT score FROM players WHERE id = ?1")?;
    let mut out = Vec::new();
    for id in ids {
        out.push(lookup.query_row([id], |r| r.get(0))?); // ~ n-plus-one
    }
    Ok(out)
}

pub fn save(conn: &mut Connection, rows: &[(i64, String)]) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    {
        let mut insert = tx.prepare_cached("INSERT INTO players (id, name) VALUES (?1, ?2)")?;
        for (id, name) in rows {
            insert.execute(params![id, name])?; // ~ write-in-loop
        }
    }
    tx.commit()
}

pub fn pg_names(client: &mut postgres::Client, ids: &[i32]) -> Result<Vec<String>, postgres::Error> {
    let stmt = client.prepare("SELECT name FROM players WHERE id = $1")?;
    let mut out = Vec::new();
    for id in ids {
        out.push(client.query_one(&stmt, &[id])?.get(0)); // ~ n-plus-one
    }
    Ok(out)
}

// Prepared once, executed once: nothing to report.
pub fn count(conn: &Connection) -> rusqlite::Result<i64> {
    let mut stmt = conn.prepare("SELECT count(*) FROM players")?;
    stmt.query_row([], |r| r.get(0))
}
