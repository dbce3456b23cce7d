// Text typed `&'static str` was fixed when the program was built: a table
// or schema name from a field, a getter or a parameter of that type.
use rusqlite::Connection;

pub struct Store {
    conn: Connection,
    db_name: &'static str,
}

impl Store {
    fn db_name(&self) -> &str {
        self.db_name
    }

    pub fn purge(&self) -> rusqlite::Result<usize> {
        self.conn
            .execute(&format!("DELETE FROM {}.sessions WHERE expired = 1", self.db_name()), [])
    }

    pub fn count(&self) -> rusqlite::Result<i64> {
        let sql = format!("SELECT count(*) FROM {}.users", self.db_name);
        self.conn.query_row(&sql, [], |r| r.get(0))
    }
}

pub fn truncate(conn: &Connection, table: &'static str) -> rusqlite::Result<usize> {
    conn.execute(&format!("DELETE FROM {table}"), [])
}

pub struct Named {
    name: &'static str,
}

pub fn drop_named(conn: &Connection, n: &Named) -> rusqlite::Result<usize> {
    let table = n.name;
    conn.execute(&format!("DELETE FROM {table}"), [])
}
