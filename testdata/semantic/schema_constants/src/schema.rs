diesel::table! {
    transfers (tx_id) {
        tx_id -> BigInt,
        status -> Integer,
        cancelled -> Integer,
        direction -> Integer,
        counterparty -> Binary,
        amount -> BigInt,
        created_at -> Timestamp,
    }
}
