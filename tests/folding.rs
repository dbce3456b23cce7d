//! Folding rare shapes to bound memory drops statistics, never findings:
//! every replay fixture gives the same findings with room for two shapes
//! as with the default.

mod common;

use common::{replay_fixtures, root};
use ormlint::config::Config;
use ormlint::engine::RuleSet;

/// A finding's rule, line, message and the query shape it shows.
type Finding = (String, usize, String, Option<String>);

fn findings(path: &std::path::Path, max_shapes: usize) -> (Vec<Finding>, bool) {
    let mut opts = ormlint::runtime::Options {
        max_shapes,
        ..Default::default()
    };
    let cfg = path.with_file_name("ormlint.toml");
    if cfg.is_file() {
        let config = Config::from_file(&cfg).unwrap();
        opts.schema = config.schema_path();
        opts.table_rows = config.tables.clone();
    }
    let rel = path.strip_prefix(root()).unwrap().to_path_buf();
    let run = ormlint::runtime::run(&[rel], &opts, &RuleSet::all_defaults(), &root());
    let mut out: Vec<Finding> = run
        .diagnostics
        .iter()
        .map(|d| {
            (
                d.rule.to_string(),
                d.location(&run.files).line,
                d.message.clone(),
                d.query.as_ref().and_then(|q| q.fingerprint.clone()),
            )
        })
        .collect();
    out.sort();
    let folded = run.summary.skipped.iter().any(|s| s.path == "memory");
    (out, folded)
}

#[test]
fn folding_keeps_every_finding() {
    let logs = replay_fixtures();
    assert!(logs.len() >= 15, "{}", logs.len());
    let (mut with_findings, mut did_fold) = (0, 0);
    for log in &logs {
        let (full, _) = findings(log, usize::MAX);
        let (after, folded) = findings(log, 2);
        assert_eq!(full, after, "{}", log.display());
        with_findings += usize::from(!full.is_empty());
        did_fold += usize::from(folded);
    }
    assert!(with_findings >= 8, "{with_findings}");
    // Shapes held by an open group are never folded; most fixtures still
    // fold some.
    assert!(did_fold >= 5, "{did_fold}");
}
