//! Folding rare shapes to bound memory drops statistics, never findings:
//! every replay fixture gives the same findings with room for two shapes
//! as with the default.

use std::fs;
use std::path::PathBuf;

use ormlint::config::Config;
use ormlint::engine::RuleSet;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

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
    let mut logs = Vec::new();
    for rule in fs::read_dir(root().join("testdata/rules"))
        .unwrap()
        .flatten()
    {
        let Ok(entries) = fs::read_dir(rule.path().join("replay")) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.extension()
                .is_some_and(|x| x != "snap" && x != "toml" && x != "sql")
            {
                logs.push(p);
            }
        }
    }
    logs.sort();
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
