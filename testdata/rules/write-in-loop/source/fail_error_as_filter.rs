// `Err(_) => delete(record.id)`: the failure is a filter over the elements,
// and each one that fails is deleted alone. Still once per element.
use rusqlite::{params, Connection};

pub struct Record {
    pub id: i64,
    pub data: Vec<u8>,
}

fn decrypt(r: &Record) -> Result<Vec<u8>, ()> {
    Ok(r.data.clone())
}

pub fn purge(conn: &Connection, all: &[Record]) -> rusqlite::Result<()> {
    for record in all {
        match decrypt(record) {
            Ok(_) => {}
            Err(_) => {
                conn.execute("DELETE FROM store WHERE id = ?1", params![record.id])?; // ~ write-in-loop
            }
        }
    }
    Ok(())
}
