// A write behind a missing-value test that does not fill that value runs
// once per element whenever the test holds: still a write per element.
use rusqlite::Connection;

pub struct User {
    pub id: i64,
    pub email: Option<String>,
}

pub fn prompt_missing(conn: &Connection, users: &[User]) -> rusqlite::Result<()> {
    for u in users {
        if u.email.is_none() {
            conn.execute("UPDATE users SET prompted_at = now() WHERE id = ?1", [u.id])?; // ~ write-in-loop
        }
    }
    Ok(())
}
