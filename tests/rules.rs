//! The fixture harness: every `testdata/rules/<id>/source/*.rs` is checked,
//! and every log under `testdata/rules/<id>/replay/` replayed, with only rule
//! `<id>` enabled.
//! - `pass_*` must produce no diagnostic;
//! - `fail_*` must produce exactly the (line, rule) pairs marked in the file
//!   (`// ~ <id>` at the end of a Rust line, `"expect": "<id>"` in a JSON-lines
//!   record; other log formats are checked by their snapshot alone), and its
//!   rendered output must equal `<file>.snap` beside it.
//!
//! `ORMLINT_BLESS=1 cargo test --test rules` rewrites the snapshots.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use ormlint::config::Config;
use ormlint::engine::RuleSet;
use ormlint::report::{human, Report};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures() -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let rules = root().join("testdata/rules");
    for rule in fs::read_dir(&rules).unwrap().flatten() {
        let id = rule.file_name().to_string_lossy().into_owned();
        for side in ["source", "replay"] {
            let Ok(entries) = fs::read_dir(rule.path().join(side)) else {
                continue;
            };
            for e in entries.flatten() {
                let p = e.path();
                if p.extension()
                    .is_some_and(|x| x != "snap" && x != "toml" && x != "sql")
                {
                    out.push((id.clone(), p));
                }
            }
        }
    }
    out.sort();
    out
}

/// Markers: the lines where a diagnostic is expected, or `None` when the
/// format cannot carry them.
fn expected_markers(path: &Path, text: &str) -> Option<BTreeSet<(usize, String)>> {
    let ext = path.extension()?.to_str()?;
    let marker = |line: &str| -> Option<String> {
        match ext {
            "rs" => Some(
                line.split_once("// ~ ")?
                    .1
                    .split_whitespace()
                    .next()?
                    .to_string(),
            ),
            "jsonl" => {
                let v: serde_json::Value = serde_json::from_str(line).ok()?;
                v.get("expect")?.as_str().map(str::to_string)
            }
            _ => None,
        }
    };
    if ext != "rs" && ext != "jsonl" {
        return None;
    }
    Some(
        text.lines()
            .enumerate()
            .filter_map(|(i, line)| Some((i + 1, marker(line)?)))
            .collect(),
    )
}

fn run(id: &str, path: &Path) -> (String, BTreeSet<(usize, String)>, usize) {
    // unused-ignore judges suppressions of other rules: run them all.
    let rules = if id == "unused-ignore" {
        RuleSet::all_defaults()
    } else {
        RuleSet::from_ids([id])
    };
    let rel = path.strip_prefix(root()).unwrap().to_path_buf();
    let (files, diagnostics, summary) = if rel.extension().is_some_and(|x| x == "rs") {
        // A folder's ormlint.toml (schema, table sizes) applies to its fixtures.
        let cfg = path.with_file_name("ormlint.toml");
        let config = if cfg.is_file() {
            Config::from_file(&cfg).unwrap()
        } else {
            Config::default()
        };
        let run = ormlint::check::run(&[rel], &config, &rules, &root());
        let shown = run
            .diagnostics
            .into_iter()
            .filter(|d| d.suppressed.is_none())
            .collect();
        (run.files, shown, run.summary)
    } else {
        // A folder's ormlint.toml gives its schema and table sizes.
        let mut opts = ormlint::runtime::Options::default();
        let cfg = path.with_file_name("ormlint.toml");
        if cfg.is_file() {
            let config = Config::from_file(&cfg).unwrap();
            opts.schema = config.schema_path();
            opts.table_rows = config.tables.clone();
        }
        let run = ormlint::runtime::run(&[rel], &opts, &rules, &root());
        (run.files, run.diagnostics, run.summary)
    };
    let found: BTreeSet<(usize, String)> = diagnostics
        .iter()
        .map(|d| (d.location(&files).line, d.rule.to_string()))
        .collect();
    let report = Report {
        files: &files,
        diagnostics: &diagnostics,
        summary: &summary,
    };
    (human::to_string(&report, false), found, diagnostics.len())
}

#[test]
fn rule_fixtures() {
    let bless = std::env::var_os("ORMLINT_BLESS").is_some();
    let mut failures = Vec::new();
    let all = fixtures();
    assert!(
        all.len() >= 10,
        "expected the fixture tree, found {} files",
        all.len()
    );
    for (id, path) in all {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = String::from_utf8_lossy(&fs::read(&path).unwrap()).into_owned();
        let (rendered, found, count) = run(&id, &path);
        if name.starts_with("pass_") {
            if count != 0 {
                failures.push(format!(
                    "{}: expected no diagnostics, got:\n{rendered}",
                    path.display()
                ));
            }
            continue;
        }
        assert!(
            name.starts_with("fail_"),
            "{}: fixtures are pass_* or fail_*",
            path.display()
        );
        let expected = expected_markers(&path, &text);
        if count == 0 {
            failures.push(format!(
                "{}: expected diagnostics, got none",
                path.display()
            ));
            continue;
        }
        // parse-error points into files that cannot hold markers reliably.
        if let Some(expected) = expected
            .filter(|_| id != "parse-error")
            .filter(|e| *e != found)
        {
            failures.push(format!(
                "{}: markers {:?} but diagnostics at {:?}\n{rendered}",
                path.display(),
                expected,
                found
            ));
        }
        let snap = path.with_file_name(format!("{name}.snap"));
        let old = fs::read_to_string(&snap).unwrap_or_default();
        if old != rendered {
            if bless {
                fs::write(&snap, &rendered).unwrap();
            } else {
                failures.push(format!(
                    "{}: output differs from {} (ORMLINT_BLESS=1 to update)\n--- expected\n{old}\n--- actual\n{rendered}",
                    path.display(),
                    snap.display()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
