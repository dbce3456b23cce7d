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

// Prepared and executed in one chain: one statement, reported once, where
// it runs.
pub fn touch(conn: &Connection, ids: &[i64]) -> rusqlite::Result<()> {
    for id in ids {
        conn.prepare_cached("UPDATE players SET seen = 1 WHERE id = ?1")?
            .execute([id])?; // ~ write-in-loop
    }
    Ok(())
}

// A closure handed to the crate's own transaction helper: its parameter is
// the transaction the helper's signature names.
pub struct Store {
    conn: Connection,
}

impl Store {
    pub fn with_tx<T, F>(&mut self, f: F) -> rusqlite::Result<T>
    where
        F: FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T>,
    {
        let tx = self.conn.transaction()?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    pub fn rename_all(&mut self, names: Vec<(i64, String)>) -> rusqlite::Result<()> {
        self.with_tx(move |t| {
            for (id, name) in &names {
                t.prepare_cached("UPDATE players SET name = ?2 WHERE id = ?1")?
                    .execute((id, name))?; // ~ write-in-loop
            }
            Ok(())
        })
    }
}
