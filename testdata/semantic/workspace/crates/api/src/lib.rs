// The query helper lives in another crate of the workspace.
use rusqlite::Connection;
use shop_db::find_customer;

pub fn names(conn: &Connection, ids: &[i64]) -> Vec<String> {
    let mut out = Vec::new();
    for id in ids {
        if let Ok(Some(c)) = find_customer(conn, *id) { // ~ n-plus-one
            out.push(c.name);
        }
    }
    out
}

pub fn first_names(conn: &Connection, ids: &[i64]) -> Vec<String> {
    ids.iter()
        .filter_map(|id| shop_db::find_customer(conn, *id).ok().flatten()) // ~ n-plus-one
        .map(|c| c.name)
        .collect()
}
