// A statement per element handed to a function that runs SQL text it is
// given; transaction control per id; a foreign trait's method called by
// name, whose implementors mostly live elsewhere.
use rusqlite::Connection;

pub struct Db {
    conn: Connection,
}

impl Db {
    fn execute(&self, sql: &str) -> rusqlite::Result<usize> {
        self.conn.execute(sql, [])
    }

    fn run(&self, stmt: &mut rusqlite::Statement<'_>) -> rusqlite::Result<usize> {
        stmt.execute([])
    }

    // Migration SQL split into its statements, run one by one.
    pub fn migrate(&self, script: &str) -> rusqlite::Result<()> {
        for statement in script.split(';') {
            self.execute(statement)?;
        }
        Ok(())
    }

    // A statement prepared per table, run by a helper.
    pub fn dump(&self, tables: &[String]) -> rusqlite::Result<()> {
        for table in tables {
            let mut stmt = self.conn.prepare(&format!("SELECT * FROM [{table}]"))?;
            self.run(&mut stmt)?;
        }
        Ok(())
    }

    // Transaction control takes one id at a time.
    pub fn rollback_all(&self, gids: &[String]) -> rusqlite::Result<()> {
        for gid in gids {
            self.conn.execute(&format!("ROLLBACK PREPARED '{gid}'"), [])?;
        }
        Ok(())
    }
}

pub struct SqliteValue {
    conn: Connection,
}

impl nu_protocol::CustomValue for SqliteValue {
    fn to_base_value(&self) -> i64 {
        self.conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .unwrap_or(0)
    }
}

// Any `CustomValue` of any crate: nothing says this one queries.
pub fn render(values: &[nu_protocol::Value]) -> Vec<i64> {
    values.iter().map(|v| v.to_base_value()).collect()
}
