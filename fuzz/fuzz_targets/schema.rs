//! Any text as DDL into the schema replica, then its statements planned
//! there as query shapes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(mut schema) = ormlint::schema::Schema::new() else {
        return;
    };
    schema.apply_sql(&text, "fuzz.sql");
    schema.index_foreign_keys();
    for (_, stmt) in ormlint::schema::split_statements(&text)
        .into_iter()
        .take(64)
    {
        let shape = ormlint::sql::fingerprint::fingerprint(stmt).text;
        let _ = schema.plan(&ormlint::schema::rewrite::to_sqlite(&shape));
    }
});
