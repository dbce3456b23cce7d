//! Any bytes as a log file, through the whole replay with every rule and a
//! schema, and the findings through every renderer: what `ormlint replay
//! --schema --format …` runs.
#![no_main]
use libfuzzer_sys::fuzz_target;

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
    let run = ormlint::runtime::run(&[log], &opts, &rules, &dir);
    // The log was found: a fuzz run that only hits "no such file" is no run
    // (a log whose format cannot be told is an answer, not a failure).
    for l in &run.logs {
        let e = l.error.as_deref().unwrap_or("");
        assert!(!e.contains("os error 2"), "{e}");
    }
    // Every renderer, on whatever the log made of the findings (query
    // tags, messages, excerpts all come from the log).
    let report = ormlint::report::Report {
        files: &run.files,
        diagnostics: &run.diagnostics,
        summary: &run.summary,
    };
    let mut out = Vec::new();
    let shapes = ormlint::report::html::Shapes {
        profile: &run.profile,
        top: 5,
    };
    let _ = ormlint::report::html::write(&report, "replay", Some(&shapes), &mut out);
    let _ = ormlint::report::json::write(&report, &mut out);
    let _ = ormlint::report::sarif::write(&report, &mut out);
    let _ = ormlint::report::gitlab::write(&report, &dir, &mut out);
    let human = ormlint::report::human::to_string(&report, false);
    std::hint::black_box((run.diagnostics.len(), out.len(), human.len()));
});
