//! The fixture harness: every `testdata/rules/<id>/source/*.rs` is checked
//! with only rule `<id>` enabled.
//! - `pass_*` must produce no diagnostic;
//! - `fail_*` must produce exactly the (line, rule) pairs marked `// ~ <id>`
//!   in the file, and its rendered output must equal `<file>.snap` beside it.
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
        let dir = rule.path().join("source");
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "rs") {
                out.push((id.clone(), p));
            }
        }
    }
    out.sort();
    out
}

/// `// ~ rule-id` markers: the lines where a diagnostic is expected.
fn expected_markers(text: &str) -> BTreeSet<(usize, String)> {
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let (_, rest) = line.split_once("// ~ ")?;
            Some((i + 1, rest.split_whitespace().next()?.to_string()))
        })
        .collect()
}

fn run(id: &str, path: &Path) -> (String, BTreeSet<(usize, String)>, usize) {
    let rules = RuleSet::from_ids([id]);
    let rel = path.strip_prefix(root()).unwrap().to_path_buf();
    let run = ormlint::check::run(&[rel], &Config::default(), &rules, &root());
    let found: BTreeSet<(usize, String)> = run
        .diagnostics
        .iter()
        .map(|d| (d.location(&run.files).line, d.rule.to_string()))
        .collect();
    let report = Report {
        files: &run.files,
        diagnostics: &run.diagnostics,
        summary: &run.summary,
    };
    (
        human::to_string(&report, false),
        found,
        run.diagnostics.len(),
    )
}

#[test]
fn source_fixtures() {
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
        let text = fs::read_to_string(&path).unwrap();
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
        let expected = expected_markers(&text);
        if count == 0 {
            failures.push(format!(
                "{}: expected diagnostics, got none",
                path.display()
            ));
            continue;
        }
        // parse-error points into files that cannot hold markers reliably.
        if id != "parse-error" && expected != found {
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
