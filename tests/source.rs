//! `replay --source`: on real logs of Diesel, sqlx and SeaORM apps, each
//! finding names the call site that sent its query.

mod common;

use std::collections::BTreeMap;

use common::{expect_file, ormlint, root, stdout};

/// The `// site: NAME` marks of a source file, by line.
fn marks(file: &str) -> BTreeMap<u64, String> {
    let text = std::fs::read_to_string(root().join("testdata/replay-source").join(file)).unwrap();
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let name = l.split("// site: ").nth(1)?;
            Some((i as u64 + 1, name.trim().to_string()))
        })
        .collect()
}

/// The `.rs` locations a finding names: path, line, message.
fn call_sites(d: &serde_json::Value) -> Vec<(String, u64, String)> {
    d["related"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["path"].as_str().unwrap().ends_with(".rs"))
        .map(|r| {
            (
                r["path"].as_str().unwrap().to_string(),
                r["line"].as_u64().unwrap(),
                r["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The call site each finding's best match names, by rule and log line.
fn best_matches(orm: &str) -> Vec<(String, u64, String, usize)> {
    let dir = root().join("testdata/replay-source");
    let src = format!("{orm}_shop.rs");
    let log = format!("{orm}.log.gz");
    let o = ormlint(
        &dir,
        &[
            "--format",
            "json",
            "replay",
            "--schema",
            "schema.sql",
            "--source",
            &src,
            &log,
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", common::stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let marks = marks(&src);
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let sites = call_sites(d);
            let first = sites
                .first()
                .and_then(|s| marks.get(&s.1))
                .cloned()
                .unwrap_or_default();
            (
                d["rule"].as_str().unwrap().to_string(),
                d["location"]["line"].as_u64().unwrap(),
                first,
                sites.len(),
            )
        })
        .collect()
}

#[test]
fn each_finding_names_the_call_that_sent_it() {
    for orm in ["diesel", "sqlx", "seaorm"] {
        let found = best_matches(orm);
        let by_rule = |rule: &str| -> Vec<(String, usize)> {
            found
                .iter()
                .filter(|f| f.0 == rule)
                .map(|f| (f.2.clone(), f.3))
                .collect()
        };
        // The two loops, each its own call, with no other candidate.
        let mut n1 = by_rule("n-plus-one");
        n1.sort();
        assert_eq!(
            n1,
            [
                ("items_lazy".to_string(), 1),
                ("reviews_lazy".to_string(), 1)
            ],
            "{orm}"
        );
        // Spliced values come from the `format!` call, not from its bound twin.
        let inj = by_rule("sql-injection");
        assert_eq!(inj.len(), 3, "{orm}");
        assert!(
            inj.iter().all(|(s, n)| s == "search_unsafe" && *n == 1),
            "{orm}: {inj:?}"
        );
        // The same customer read twice: both calls send it, and it says so.
        assert_eq!(
            by_rule("duplicate-query"),
            [("customer_twice".to_string(), 2)],
            "{orm}"
        );
        // Each unindexed read at its call: the loop's, the list's, the filter's.
        let mut mi: Vec<String> = by_rule("missing-index").into_iter().map(|m| m.0).collect();
        mi.sort();
        assert_eq!(
            mi,
            [
                "items_eager",
                "items_lazy",
                "pending",
                "reviews_eager",
                "reviews_lazy",
                "search_unsafe"
            ],
            "{orm}"
        );
    }
}

#[test]
fn human_output_shows_the_call_sites() {
    let dir = root().join("testdata/replay-source");
    for orm in ["diesel", "sqlx", "seaorm"] {
        let src = format!("{orm}_shop.rs");
        let log = format!("{orm}.log.gz");
        let o = ormlint(&dir, &["replay", "--source", &src, &log]);
        expect_file(&dir.join(format!("{orm}.txt")), &stdout(&o));
    }
}

#[test]
fn a_source_folder_that_does_not_exist_is_an_error() {
    let o = ormlint(
        &root(),
        &[
            "replay",
            "--source",
            "testdata/replay-source/nowhere",
            "testdata/replay-source/sqlx.log.gz",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(common::stderr(&o).contains("nowhere: no such file or folder"));
}

#[test]
fn query_tags_that_name_a_line_win() {
    let dir = root().join("testdata/replay-source/tagged");
    let run = |log: &std::path::Path| {
        let log = log.to_str().unwrap();
        let o = ormlint(
            &dir,
            &["--format", "json", "replay", "--source", "src", log],
        );
        assert_eq!(o.status.code(), Some(1), "{}", common::stderr(&o));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        let d = v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["rule"] == "n-plus-one")
            .cloned()
            .unwrap();
        call_sites(&d)
            .into_iter()
            .map(|(_, line, message)| (line, message))
            .collect::<Vec<_>>()
    };
    // Two loops send the same query; the tags say which one did.
    assert_eq!(
        run(&dir.join("tagged.jsonl")),
        [(20, "sent from here, per its query tags".to_string())]
    );
    // Without tags, both loops match as well as each other, and it says so.
    let tmp = common::temp_dir("source-untagged");
    let text = std::fs::read_to_string(dir.join("tagged.jsonl")).unwrap();
    let untagged: String = text
        .lines()
        .map(|l| match (l.find(" /*"), l.find("*/")) {
            (Some(a), Some(b)) => format!("{}{}\n", &l[..a], &l[b + 2..]),
            _ => format!("{l}\n"),
        })
        .collect();
    let path = tmp.join("untagged.jsonl");
    std::fs::write(&path, untagged).unwrap();
    let sites = run(&path);
    assert_eq!(sites.iter().map(|s| s.0).collect::<Vec<_>>(), [8, 20]);
    assert!(sites[0]
        .1
        .contains("1 other call site that matches as well"));
}

#[test]
fn a_query_in_a_helper_names_the_loop_that_calls_it() {
    // The blog's N+1 query sits in `repo::author_of`, called per post.
    let o = ormlint(
        &root(),
        &[
            "--format",
            "json",
            "replay",
            "--source",
            "testdata/projects/blog",
            "testdata/projects/blog/logs/postgresql.log",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let d = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "n-plus-one")
        .cloned()
        .unwrap();
    let sites = call_sites(&d);
    assert_eq!(
        sites,
        [
            (
                "testdata/projects/blog/src/repo.rs".to_string(),
                10,
                "likely sent from here".to_string()
            ),
            (
                "testdata/projects/blog/src/handlers.rs".to_string(),
                11,
                "called once per element here".to_string()
            ),
        ]
    );
}
