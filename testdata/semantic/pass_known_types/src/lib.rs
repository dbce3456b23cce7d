// Receivers named like database handles whose types say they are not one.
use std::collections::HashMap;

use redis::Commands;

pub struct Cache {
    conn: redis::Connection,
}

impl Cache {
    // A Redis round trip per key is not a SQL query, whatever the field's name.
    pub fn warm(&mut self, keys: &[String]) {
        for k in keys {
            let _: redis::RedisResult<()> = self.conn.execute("INCR", k);
        }
    }
}

// An in-memory map called `db`.
pub fn lookups(db: &HashMap<i64, String>, ids: &[i64]) -> usize {
    let mut n = 0;
    for id in ids {
        if db.get(id).is_some() {
            n += 1;
        }
    }
    n
}

// A workspace type with its own `execute`, which runs no query.
pub struct Pipeline;

impl Pipeline {
    pub fn execute(&self, step: &str) -> usize {
        step.len()
    }
}

pub fn run_all(conn: &Pipeline, steps: &[String]) -> usize {
    steps.iter().map(|s| conn.execute(s)).sum()
}

// rusqlite brought in by a glob: its transaction is still a handle, and a
// prepared statement run once is not a loop.
pub fn once(conn: &mut rusqlite::Connection) -> rusqlite::Result<()> {
    use rusqlite::*;
    let tx: Transaction = conn.transaction()?;
    tx.execute("DELETE FROM sessions WHERE expired", [])?;
    tx.commit()
}
