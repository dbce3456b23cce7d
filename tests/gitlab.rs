//! `--format gitlab` against GitLab's documented Code Quality fields
//! (`testdata/schemas/gitlab-code-quality.json`): every field of every
//! issue, with paths relative to the repository root whatever folder
//! ormlint runs in.

mod common;

use std::collections::HashSet;
use std::path::Path;

use serde_json::Value;

fn field<'v>(issue: &'v Value, path: &str) -> &'v Value {
    path.split('.').fold(issue, |v, k| &v[k])
}

/// Checks a report against the field table; returns its issues.
fn check_report(text: &str, repo: &Path) -> Vec<Value> {
    let table: Value = serde_json::from_str(
        &std::fs::read_to_string(common::root().join("testdata/schemas/gitlab-code-quality.json"))
            .unwrap(),
    )
    .unwrap();
    let report: Value = serde_json::from_str(text).expect("the report is JSON");
    let issues = report.as_array().expect("the report is an array").clone();
    for f in table["fields"].as_array().unwrap() {
        let path = f["path"].as_str().unwrap();
        let mut seen = HashSet::new();
        for issue in &issues {
            let v = field(issue, path);
            match f["type"].as_str().unwrap() {
                "string" => {
                    let s = v
                        .as_str()
                        .unwrap_or_else(|| panic!("{path} is a string in {issue}"));
                    assert!(!s.is_empty(), "{path} is empty in {issue}");
                }
                "integer" => {
                    let n = v
                        .as_u64()
                        .unwrap_or_else(|| panic!("{path} is an integer in {issue}"));
                    let min = f["minimum"].as_u64().unwrap_or(0);
                    assert!(n >= min, "{path} {n} < {min} in {issue}");
                }
                other => panic!("type {other} in the table"),
            }
            if let Some(values) = f["values"].as_array() {
                assert!(values.contains(v), "{path} = {v} is not one of {values:?}");
            }
            if f["unique"].as_bool() == Some(true) {
                assert!(seen.insert(v.to_string()), "{path} {v} twice");
            }
            if f["relative"].as_bool() == Some(true) {
                let p = v.as_str().unwrap();
                assert!(
                    !p.starts_with('/') && !p.starts_with("./"),
                    "{path} {p} is not relative"
                );
                assert!(
                    repo.join(p).is_file(),
                    "{p} is not a file of the repository"
                );
            }
        }
    }
    issues
}

#[test]
fn check_report_has_every_documented_field_relative_to_the_repository() {
    // A repository whose crate sits in a subfolder; ormlint runs in the crate.
    let repo = common::temp_dir("gitlab-repo");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    let krate = repo.join("services/blog");
    std::fs::create_dir_all(&krate).unwrap();
    common::copy_dir(&common::root().join("testdata/projects/blog"), &krate);
    let out = common::ormlint(&krate, &["check", "--format", "gitlab", "."]);
    assert_eq!(out.status.code(), Some(1), "{}", common::stderr(&out));
    let issues = check_report(&common::stdout(&out), &repo);
    let rules: HashSet<&str> = issues
        .iter()
        .filter_map(|i| i["check_name"].as_str())
        .collect();
    assert!(
        rules.contains("n-plus-one") && rules.contains("sql-injection"),
        "{rules:?}"
    );
    assert!(issues.iter().all(|i| i["location"]["path"]
        .as_str()
        .unwrap()
        .starts_with("services/blog/src/")));
    // The same findings give the same fingerprints in the next pipeline,
    // whatever folder the job runs ormlint in.
    let again = common::ormlint(&krate, &["check", "--format", "gitlab", "."]);
    assert_eq!(common::stdout(&again), common::stdout(&out));
    let from_root = common::ormlint(&repo, &["check", "--format", "gitlab", "services/blog"]);
    assert_eq!(common::stdout(&from_root), common::stdout(&out));
    let _ = std::fs::remove_dir_all(&repo);
}

#[test]
fn replay_report_points_at_the_log() {
    let repo = common::temp_dir("gitlab-logs");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    std::fs::create_dir_all(repo.join("logs")).unwrap();
    let log = common::root().join("testdata/logs/postgres/interleaved.log");
    std::fs::copy(&log, repo.join("logs/pg.log")).unwrap();
    let out = common::ormlint(
        &repo.join("logs"),
        &["replay", "--format", "gitlab", "pg.log"],
    );
    let issues = check_report(&common::stdout(&out), &repo);
    assert!(!issues.is_empty(), "{}", common::stderr(&out));
    assert!(issues
        .iter()
        .all(|i| i["location"]["path"] == "logs/pg.log"));
    let _ = std::fs::remove_dir_all(&repo);
}
