pub mod schema;

use diesel::prelude::*;
use schema::transfers;

#[derive(Clone, Copy)]
pub enum Status {
    Pending,
    Broadcast,
    Mined,
}

pub fn broadcast(conn: &mut SqliteConnection) -> QueryResult<Vec<i64>> {
    // An enum kept in an integer column: a lone status picks a large share
    // of the table; an index led by it does not help.
    transfers::table
        .filter(
            transfers::status
                .eq(Status::Broadcast as i32)
                .or(transfers::status.eq(Status::Pending as i32)),
        )
        .select(transfers::tx_id)
        .load(conn)
}

pub fn open(conn: &mut SqliteConnection, cancelled: bool) -> QueryResult<Vec<i64>> {
    // A `bool` parameter, and `i32::from(false)`: truth values.
    let a = transfers::table
        .filter(transfers::cancelled.eq(i32::from(cancelled)))
        .select(transfers::tx_id)
        .load(conn)?;
    let _b: Vec<i64> = transfers::table
        .filter(transfers::cancelled.eq(i32::from(false)))
        .select(transfers::tx_id)
        .load(conn)?;
    Ok(a)
}

pub fn reset(conn: &mut SqliteConnection) -> QueryResult<usize> {
    diesel::update(transfers::table)
        .filter(transfers::status.eq(Status::Mined as i32))
        .set(transfers::status.eq(Status::Pending as i32))
        .execute(conn)
}

pub fn with(conn: &mut SqliteConnection, who: &[u8]) -> QueryResult<Vec<i64>> {
    // A constant beside a real filter: the real filter still needs an
    // index, and the message names it alone.
    transfers::table
        .filter(transfers::status.eq(Status::Broadcast as i32))
        .filter(transfers::counterparty.eq(who))
        .select(transfers::tx_id)
        .load(conn) // ~ missing-index
}

pub fn by_status(conn: &mut SqliteConnection, status: i32) -> QueryResult<Vec<i64>> {
    // A value the code does not fix: any status, maybe a rare one.
    transfers::table
        .filter(transfers::direction.eq(status))
        .select(transfers::tx_id)
        .load(conn) // ~ missing-index
}

pub async fn expired(pool: &sqlx::PgPool, drone: i32) -> sqlx::Result<Vec<String>> {
    // The partial index's predicate is stated through a bound value: the
    // index was written for this query.
    sqlx::query_scalar(
        "SELECT id FROM backends WHERE drone_id = $1 AND last_status NOT IN ($2, $3) AND expires_at < now()",
    )
    .bind(drone)
    .bind("scheduled")
    .bind("terminated")
    .fetch_all(pool)
    .await
}

pub async fn terminated(pool: &sqlx::PgPool, drone: i32) -> sqlx::Result<Vec<String>> {
    // The predicate's column is not compared here: the partial index holds
    // only live backends, and this query asks for any.
    sqlx::query_scalar("SELECT id FROM backends WHERE drone_id = $1")
        .bind(drone)
        .fetch_all(pool) // ~ missing-index
        .await
}
