// Loops in test code set up fixtures: not reported (the rules' `tests`
// option turns them on).
use rusqlite::Connection;

pub fn get(conn: &Connection, id: i64) -> Option<String> {
    conn.query_row("SELECT name FROM items WHERE id = ?1", [id], |r| r.get(0)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many() {
        let conn = Connection::open_in_memory().unwrap();
        for id in std::env::args().map(|a| a.len() as i64) {
            conn.execute("INSERT INTO items (id, name) VALUES (?1, 'x')", [id]).unwrap();
            assert!(get(&conn, id).is_some());
        }
    }
}

#[test]
fn sql_text_in_a_test() {
    let conn = Connection::open_in_memory().unwrap();
    let table = std::env::args().last().unwrap_or_default();
    conn.execute(&format!("DELETE FROM {table}"), []).unwrap();
}
