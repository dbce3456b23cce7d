//! Any text as a Rust file of a crate with migrations, through every pass
//! of the static front end and every rule: what `ormlint check` runs.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("ormlint-fuzz-check-{}", std::process::id()));
    let _ = std::fs::create_dir_all(dir.join("src"));
    let _ = std::fs::create_dir_all(dir.join("migrations"));
    let _ = std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"f\"\nversion = \"0.1.0\"\n",
    );
    let _ = std::fs::write(
        dir.join("migrations/0001_init.sql"),
        "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n",
    );
    if std::fs::write(dir.join("src/lib.rs"), data).is_err() {
        return;
    }
    let config = ormlint::config::Config::default();
    let rules = ormlint::engine::RuleSet::all_defaults();
    let run = ormlint::check::run(&[dir.join("src/lib.rs")], &config, &rules, &dir);
    std::hint::black_box(run.diagnostics.len());
});
