//! Prints, as JSON, the SQLite DDL ormlint's schema replica holds and the
//! SQLite form of every query shape in a log — the input
//! `bench/expert_compare.py` gives SQLite's own index advisor.
//!
//! `cargo run --release --example replica_dump -- SCHEMA LOG`

use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: replica_dump SCHEMA LOG");
        std::process::exit(2);
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    let schema = match ormlint::schema::Schema::load(Path::new(&args[1]), &cwd) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let rules = ormlint::engine::RuleSet::from_ids(["missing-index"]);
    let run = ormlint::runtime::run(
        &[args[2].clone().into()],
        &ormlint::runtime::Options::default(),
        &rules,
        &cwd,
    );
    let shapes: Vec<serde_json::Value> = run
        .profile
        .iter()
        .map(|p| {
            serde_json::json!({
                "fingerprint": p.text,
                "sqlite": ormlint::schema::rewrite::to_sqlite(&p.text),
            })
        })
        .collect();
    let doc = serde_json::json!({"ddl": schema.sqlite_ddl(), "shapes": shapes});
    println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
}
