use rusqlite::{Connection, OptionalExtension};

pub struct Customer {
    pub id: i64,
    pub name: String,
}

/// One customer by id.
pub fn find_customer(conn: &Connection, id: i64) -> rusqlite::Result<Option<Customer>> {
    conn.query_row("SELECT id, name FROM customers WHERE id = ?1", [id], |r| {
        Ok(Customer { id: r.get(0)?, name: r.get(1)? })
    })
    .optional()
}
