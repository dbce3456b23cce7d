// Calls recognized without a conventional receiver name.
use diesel::prelude::*;
use rusqlite::Connection;

// A connection named `con`, known by its declared type.
pub fn names(con: &Connection, ids: &[i64]) -> rusqlite::Result<Vec<String>> {
    let mut out = Vec::new();
    for id in ids {
        out.push(con.query_row("SELECT name FROM tasks WHERE id = ?1", [id], |r| r.get(0))?); // ~ n-plus-one
    }
    Ok(out)
}

// A one-letter receiver, known because the argument is SQL text.
pub fn titles(t: &rusqlite::Transaction<'_>, ids: &[i64]) -> rusqlite::Result<()> {
    for id in ids {
        t.query_row("SELECT title FROM posts WHERE id = ?1", [id], |_| Ok(()))?; // ~ n-plus-one
    }
    Ok(())
}

fn with_joins(q: posts::BoxedQuery<'static, diesel::pg::Pg>) -> posts::BoxedQuery<'static, diesel::pg::Pg> {
    q
}

// A Diesel query built by a helper and run with `.first(conn)`.
pub fn read(conn: &mut PgConnection, ids: &[i32]) -> QueryResult<Vec<Post>> {
    let mut out = Vec::new();
    for id in ids {
        let query = with_joins(posts::table.find(*id).into_boxed());
        out.push(query.first(conn)?); // ~ n-plus-one
    }
    Ok(out)
}

pub struct Db {
    conn: rusqlite::Connection,
}

impl Db {
    // A method whose name clashes with a std one, found through the
    // receiver's declared type.
    fn append(&self, v: &str) -> rusqlite::Result<String> {
        self.conn.query_row("SELECT v FROM t WHERE v = ?1", [v], |r| r.get(0))
    }
}

pub fn fill(db: &Db, vs: &[String]) -> rusqlite::Result<()> {
    for v in vs {
        db.append(v)?; // ~ n-plus-one
    }
    Ok(())
}
