//! Any bytes as a log file, through the whole replay with every rule and a
//! schema: what `ormlint replay --schema` runs.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("ormlint-fuzz-replay-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let log = dir.join("fuzz.log");
    if std::fs::write(&log, data).is_err() {
        return;
    }
    let schema = dir.join("schema.sql");
    let _ = std::fs::write(
        &schema,
        "CREATE TABLE users (id bigint PRIMARY KEY, email text, org_id bigint);\n\
         CREATE TABLE posts (id bigint PRIMARY KEY, author_id bigint, title text);\n",
    );
    let opts = ormlint::runtime::Options {
        schema: Some(schema),
        ..Default::default()
    };
    let rules = ormlint::engine::RuleSet::all_defaults();
    let run = ormlint::runtime::run(&[PathBuf::from("fuzz.log")], &opts, &rules, &dir);
    std::hint::black_box(run.diagnostics.len());
});
