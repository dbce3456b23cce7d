//! Any text through the SQL analysis (sqlparser in four dialects) and the
//! SQLite rewrite of its shape.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let sql = String::from_utf8_lossy(data);
    let a = ormlint::sql::analyze::analyze(&sql);
    std::hint::black_box(a);
    let shape = ormlint::sql::fingerprint::fingerprint(&sql).text;
    std::hint::black_box(ormlint::schema::rewrite::to_sqlite(&shape));
});
