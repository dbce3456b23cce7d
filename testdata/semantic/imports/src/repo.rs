use rusqlite::Connection;

pub fn fetch(db: &Connection, id: i64) -> Option<String> {
    db.query_row("SELECT body FROM notes WHERE id = ?1", [id], |r| r.get(0)).ok()
}

pub struct Repo {
    pub db: Connection,
}

impl Repo {
    pub fn count_for(&self, id: i64) -> usize {
        self.db
            .query_row("SELECT count(*) FROM notes WHERE owner = ?1", [id], |r| r.get(0))
            .unwrap_or(0)
    }
}
