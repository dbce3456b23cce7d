// Code inside macro invocations is analysed where it stands.
use rusqlite::Connection;

macro_rules! with_conn {
    ($pool:expr => $body:block) => {{
        let conn = $pool.get();
        $body
    }};
}

// A plain-substitution macro that defines a query function.
macro_rules! getter {
    ($name:ident, $sql:literal) => {
        pub fn $name(conn: &Connection, id: i64) -> rusqlite::Result<String> {
            conn.query_row($sql, [id], |r| r.get(0))
        }
    };
}

getter!(user_name, "SELECT name FROM users WHERE id = ?1");

pub fn names(conn: &Connection, ids: &[i64]) -> Vec<String> {
    ids.iter().filter_map(|id| user_name(conn, *id).ok()).collect() // ~ n-plus-one
}

pub fn emails(pool: &Pool, ids: &[i64]) -> Vec<String> {
    with_conn! { pool => {
        let mut out = Vec::new();
        for id in ids {
            let e: rusqlite::Result<String> = conn.query_row("SELECT email FROM users WHERE id = ?1", [id], |r| r.get(0)); // ~ n-plus-one
            out.extend(e.ok());
        }
        out
    }}
}

pub fn report(conn: &Connection, ids: &[i64]) -> String {
    // A document-building macro whose arguments query per element.
    format_rows!(ids.iter().map(|id| conn.query_row("SELECT title FROM posts WHERE id = ?1", [id], |r| r.get::<_, String>(0)))) // ~ n-plus-one
}

pub struct Pool;
impl Pool {
    pub fn get(&self) -> Connection {
        Connection::open_in_memory().unwrap()
    }
}
