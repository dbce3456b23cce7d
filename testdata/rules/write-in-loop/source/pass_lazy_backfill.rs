// A write that fills the very column its guard found missing runs once for
// each row, ever: a lazy backfill or migration, not a write per element on
// every run.
use diesel::prelude::*;
use rusqlite::Connection;

pub struct Row {
    pub id: i64,
    pub slug: Option<String>,
    pub lock_height: Option<i64>,
}

fn compute(_id: i64) -> i64 {
    7
}

// Called for every row a listing loads: the UPDATE runs only for rows that
// were written before the column existed.
fn hydrate(conn: &Connection, row: Row) -> rusqlite::Result<Row> {
    if row.slug.is_none() {
        conn.execute(
            "UPDATE posts SET slug = lower(title) WHERE id = ?1",
            [row.id],
        )?;
    }
    Ok(row)
}

pub fn listing(conn: &Connection, rows: Vec<Row>) -> rusqlite::Result<Vec<Row>> {
    let mut out = Vec::new();
    for row in rows {
        out.push(hydrate(conn, row)?);
    }
    Ok(out)
}

// The same with a flag named after the column, and Diesel's changeset.
fn convert(conn: &mut SqliteConnection, row: Row) -> QueryResult<i64> {
    let lock_height_was_null = row.lock_height.is_none();
    let height = if lock_height_was_null {
        let h = compute(row.id);
        diesel::update(transactions::table.filter(transactions::id.eq(row.id)))
            .set(transactions::lock_height.eq(Some(h)))
            .execute(conn)?;
        h
    } else {
        row.lock_height.unwrap_or(0)
    };
    Ok(height)
}

pub fn load_all(conn: &mut SqliteConnection, rows: Vec<Row>) -> QueryResult<Vec<i64>> {
    let mut out = Vec::new();
    for row in rows {
        out.push(convert(conn, row)?);
    }
    Ok(out)
}
