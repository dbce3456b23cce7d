use pass_tests::get;
use rusqlite::Connection;

#[test]
fn seeds() {
    let conn = Connection::open_in_memory().unwrap();
    let ids: Vec<i64> = (0..100).collect();
    for id in &ids {
        let _ = get(&conn, *id);
    }
}
