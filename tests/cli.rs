//! End to end: exit codes, every output format, config errors.

mod common;

use common::{expect_file, ormlint, root, stderr, stdout, temp_dir};

const BLOG: &str = "testdata/projects/blog";

fn expected(name: &str) -> std::path::PathBuf {
    root().join("testdata/projects/expected").join(name)
}

#[test]
fn human_output_and_exit_code() {
    let out = ormlint(&root(), &["check", "--color", "never", BLOG]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.ends_with("ormlint: 2 warnings in 6 files\n"), "{text}");
    expect_file(&expected("blog.txt"), &text);
}

#[test]
fn json_follows_the_v1_contract() {
    let out = ormlint(&root(), &["check", "--format", "json", BLOG]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    expect_file(&expected("blog.json"), &text);
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["tool"]["name"], "ormlint");
    let d = &doc["diagnostics"][0];
    assert_eq!(d["rule"], "n-plus-one");
    assert_eq!(d["severity"], "warning");
    assert_eq!(
        d["location"]["path"],
        "testdata/projects/blog/src/handlers.rs"
    );
    assert_eq!(d["location"]["line"], 11);
    assert_eq!(d["location"]["column"], 22);
    assert_eq!(d["related"][0]["message"], "loop starts here");
    assert_eq!(d["related"][0]["line"], 10);
    assert_eq!(
        d["related"][1]["path"],
        "testdata/projects/blog/src/repo.rs"
    );
    assert_eq!(d["query"]["orm"], "diesel");
    assert!(d["help"].as_str().unwrap().contains("eq_any"));
    assert_eq!(doc["summary"]["files"], 6);
    assert_eq!(doc["summary"]["diagnostics"], 2);
    assert_eq!(doc["summary"]["skipped"], serde_json::json!([]));
}

#[test]
fn github_annotations() {
    let out = ormlint(&root(), &["check", "--format", "github", BLOG]);
    let text = stdout(&out);
    expect_file(&expected("blog.github"), &text);
    let first = text.lines().next().unwrap();
    assert!(
        first.starts_with("::warning file=testdata/projects/blog/src/handlers.rs,line=11,col=22,endLine=11,endColumn=50,title=ormlint(n-plus-one)::"),
        "{first}"
    );
    assert_eq!(text.lines().count(), 2);
}

#[test]
fn sarif_is_stable_and_fingerprints_survive_moved_lines() {
    let out = ormlint(&root(), &["check", "--format", "sarif", BLOG]);
    let text = stdout(&out);
    expect_file(&expected("blog.sarif"), &text);
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    // Insert unrelated lines above a finding: its fingerprint stays.
    let dir = temp_dir("sarif-moved");
    let search = std::fs::read_to_string(root().join(BLOG).join("src/search.rs")).unwrap();
    std::fs::write(dir.join("search.rs"), &search).unwrap();
    let sarif = |dir: &std::path::Path| -> serde_json::Value {
        serde_json::from_slice(&ormlint(dir, &["check", "--format", "sarif", "."]).stdout).unwrap()
    };
    let before = sarif(&dir);
    std::fs::write(
        dir.join("search.rs"),
        format!("// a new header\n\nconst X: u8 = 1;\n{search}"),
    )
    .unwrap();
    let after = sarif(&dir);
    let result = |d: &serde_json::Value| d["runs"][0]["results"][0].clone();
    assert_eq!(result(&after)["ruleId"], "sql-injection");
    assert_eq!(
        result(&after)["locations"][0]["physicalLocation"]["region"]["startLine"],
        3 + result(&before)["locations"][0]["physicalLocation"]["region"]["startLine"]
            .as_u64()
            .unwrap()
    );
    assert_eq!(
        result(&after)["partialFingerprints"],
        result(&before)["partialFingerprints"]
    );
    // A second copy of the same mistake gets its own fingerprint.
    std::fs::write(
        dir.join("search.rs"),
        format!("{search}\npub mod again {{\n{search}\n}}\n"),
    )
    .unwrap();
    let twice = sarif(&dir);
    let fps: std::collections::BTreeSet<String> = twice["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["partialFingerprints"]["ormlint/v1"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(fps.len(), 2);
    let rules = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert!(rules.iter().any(|r| r["id"] == "n-plus-one"
        && r["shortDescription"]["text"]
            .as_str()
            .unwrap()
            .starts_with("A query runs once")));
}

#[test]
fn output_is_deterministic() {
    let a = stdout(&ormlint(
        &root(),
        &["check", "--format", "json", "testdata"],
    ));
    let b = stdout(&ormlint(
        &root(),
        &["check", "--format", "json", "testdata"],
    ));
    assert_eq!(a, b);
}

#[test]
fn fail_on_and_selection() {
    // Notes only: exit 0 at the default level, 1 with --fail-on note.
    let f = "testdata/rules/write-in-loop/source/fail_inserts.rs";
    assert_eq!(ormlint(&root(), &["check", f]).status.code(), Some(0));
    assert_eq!(
        ormlint(&root(), &["check", "--fail-on", "note", f])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        ormlint(&root(), &["check", "--fail-on", "error", BLOG])
            .status
            .code(),
        Some(0)
    );
    let only = stdout(&ormlint(
        &root(),
        &[
            "check",
            "--format",
            "json",
            "--select",
            "sql-injection",
            BLOG,
        ],
    ));
    assert!(only.contains("\"sql-injection\"") && !only.contains("\"n-plus-one\""));
    let ignored = ormlint(
        &root(),
        &[
            "check",
            "--ignore",
            "n-plus-one",
            "--ignore",
            "sql-injection",
            BLOG,
        ],
    );
    assert_eq!(ignored.status.code(), Some(0));
    assert!(stdout(&ignored).contains("no findings"));
    let bad = ormlint(&root(), &["check", "--select", "n-plus-on", BLOG]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("did you mean `n-plus-one`?"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn config_sets_severity_and_errors_are_located() {
    let dir = temp_dir("config");
    std::fs::write(
        dir.join("a.rs"),
        std::fs::read_to_string(root().join(BLOG).join("src/search.rs")).unwrap(),
    )
    .unwrap();
    std::fs::write(
        dir.join("ormlint.toml"),
        "[rules]\nsql-injection = \"error\"\n",
    )
    .unwrap();
    let out = ormlint(
        &dir,
        &["check", "--format", "json", "--fail-on", "error", "."],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("\"severity\": \"error\""));
    std::fs::write(
        dir.join("ormlint.toml"),
        "[rules]\nsql-injection = \"off\"\n",
    )
    .unwrap();
    assert_eq!(ormlint(&dir, &["check", "."]).status.code(), Some(0));
    std::fs::write(
        dir.join("ormlint.toml"),
        "[rules]\nsql-injection = \"off\"\n\n[rules.n-plus-one]\nthresold = 4\n",
    )
    .unwrap();
    let out = ormlint(&dir, &["check", "."]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("ormlint.toml:5:1: unknown option `thresold` for rule `n-plus-one`"),
        "{err}"
    );
    // --config names a file explicitly; a missing one is an error.
    let out = ormlint(&dir, &["check", "--config", "nope.toml", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("nope.toml: no such file or folder"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn unreadable_and_unparsable_files_are_counted_not_fatal() {
    let dir = temp_dir("bad-input");
    std::fs::write(
        dir.join("bad.rs"),
        b"use sqlx::query;\nfn f() { let s = \"\xff\xfe\"; }\n",
    )
    .unwrap();
    std::fs::write(dir.join("broken.rs"), "use diesel::prelude::*;\nfn f( {\n").unwrap();
    std::fs::write(
        dir.join("good.rs"),
        std::fs::read_to_string(root().join(BLOG).join("src/search.rs")).unwrap(),
    )
    .unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&dir, dir.join("loop")).unwrap();
    let out = ormlint(&dir, &["check", "--format", "json", "."]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let skipped = doc["summary"]["skipped"].as_array().unwrap();
    let reasons: Vec<String> = skipped
        .iter()
        .map(|s| {
            format!(
                "{}:{}: {}",
                s["path"].as_str().unwrap(),
                s["line"],
                s["reason"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("bad.rs:2: invalid UTF-8 at byte")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("broken.rs:2: cannot parse Rust")),
        "{reasons:?}"
    );
    #[cfg(unix)]
    assert!(
        reasons.iter().any(|r| r.contains("symlink loop")),
        "{reasons:?}"
    );
    // The finding in the good file is still reported.
    assert!(doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["rule"] == "sql-injection"));
}

#[test]
fn rules_explain_and_version() {
    let out = ormlint(&root(), &["rules"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.lines().next().unwrap().starts_with("RULE"));
    assert!(text.contains("n-plus-one") && text.contains("static, runtime"));
    let out = ormlint(&root(), &["explain", "sql-injection"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).starts_with("# sql-injection\n"));
    let out = ormlint(&root(), &["explain", "sql-injecton"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: unknown rule `sql-injecton`; did you mean `sql-injection`?\n"
    );
    let out = ormlint(&root(), &["--version"]);
    assert_eq!(
        stdout(&out),
        format!("ormlint {}\n", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(
        ormlint(&root(), &["check", "--format", "xml"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn replay_of_a_missing_log_is_an_input_error() {
    let out = ormlint(&root(), &["replay", "no-such.log"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no-such.log: no such file or folder"),
        "{}",
        stderr(&out)
    );
    let out = ormlint(
        &root(),
        &[
            "replay",
            "--log-format",
            "oracle",
            "testdata/rules/n-plus-one/replay/fail_lazy_author.jsonl",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown log format `oracle`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn inspect_lists_call_sites() {
    let out = ormlint(&root(), &["inspect", "--format", "json", BLOG]);
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let sites = doc["sites"].as_array().unwrap();
    assert_eq!(sites.len(), 6);
    let via = sites
        .iter()
        .find(|s| s["path"] == "testdata/projects/blog/src/handlers.rs")
        .unwrap();
    assert_eq!(via["in_loop"], true);
    assert_eq!(
        via["via"],
        serde_json::json!(["repo::author_of", "author_of"])
            .get(1)
            .map(|_| via["via"].clone())
            .unwrap()
    );
    let sql = sites
        .iter()
        .find(|s| s["line"] == 14 && s["orm"] == "sqlx")
        .unwrap();
    assert!(sql["sql"]
        .as_str()
        .unwrap()
        .starts_with("SELECT title FROM posts"));
}

#[test]
fn queries_reached_through_files_that_never_name_the_orm() {
    let out = ormlint(
        &root(),
        &["check", "--format", "json", "testdata/projects/shop"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &doc["diagnostics"][0];
    assert_eq!(d["rule"], "n-plus-one");
    assert_eq!(
        d["location"]["path"],
        "testdata/projects/shop/src/report.rs"
    );
    assert_eq!(d["location"]["line"], 14);
    let related: Vec<(String, u64)> = d["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["path"].as_str().unwrap().to_string(),
                r["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        related.contains(&("testdata/projects/shop/src/db.rs".to_string(), 6)),
        "{related:?}"
    );
    assert!(
        related.contains(&("testdata/projects/shop/src/report.rs".to_string(), 8)),
        "{related:?}"
    );
}

#[test]
fn house_wrappers_taught_in_config() {
    let dir = temp_dir("wrappers");
    std::fs::write(
        dir.join("ormlint.toml"),
        "[orms.repo]\ndisplay = \"repository\"\nbatched = \"use `load_users(&ids)`\"\n\n[[orms.repo.execute]]\nfunctions = [\"fetch_user\"]\noperation = \"select\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("report.rs"),
        "pub fn names(ids: &[i64]) -> Vec<String> {\n    let mut out = Vec::new();\n    for id in ids {\n        out.push(fetch_user(*id).name);\n    }\n    out\n}\n",
    )
    .unwrap();
    let out = ormlint(&dir, &["check", "--format", "json", "."]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &doc["diagnostics"][0];
    assert_eq!(
        d["message"],
        "repository query `fetch_user` runs once per element of a `for` loop"
    );
    assert_eq!(d["location"]["line"], 4);
    assert_eq!(d["help"], "use `load_users(&ids)`");
    // An empty crate name matches no file (it once split a non-ASCII character).
    std::fs::write(
        dir.join("ormlint.toml"),
        "[orms.repo]\ncrates = [\"\"]\n\n[[orms.repo.execute]]\nfunctions = [\"fetch_user\"]\noperation = \"select\"\n",
    )
    .unwrap();
    std::fs::write(dir.join("café.rs"), "// café ☕\npub fn f() {}\n").unwrap();
    let out = ormlint(&dir, &["check", "--format", "json", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["diagnostics"].as_array().map(Vec::len), Some(0));
    // A bad key inside a wrapper is a located error.
    std::fs::write(
        dir.join("ormlint.toml"),
        "[orms.repo]\n[[orms.repo.execute]]\nfunctoins = [\"x\"]\n",
    )
    .unwrap();
    let out = ormlint(&dir, &["check", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("ormlint.toml:3:1: in [orms]: unknown field `functoins`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn suppressions_silence_findings_and_travel_in_sarif() {
    let f = "testdata/rules/unused-ignore/source/pass_used.rs";
    // Silenced: nothing printed, exit 0.
    let out = ormlint(&root(), &["check", "--select", "n-plus-one", f]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("no findings"));
    // Shown on request, marked, still not failing.
    let out = ormlint(
        &root(),
        &[
            "check",
            "--format",
            "json",
            "--show-suppressed",
            "--select",
            "n-plus-one",
            f,
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["diagnostics"][0]["suppressed"], true);
    assert_eq!(
        doc["diagnostics"][0]["suppression_reason"],
        "at most three posts on this page"
    );
    assert_eq!(doc["summary"]["diagnostics"], 0);
    // SARIF always carries it, as a suppression with the reason.
    let out = ormlint(
        &root(),
        &["check", "--format", "sarif", "--select", "n-plus-one", f],
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &doc["runs"][0]["results"][0]["suppressions"][0];
    assert_eq!(s["kind"], "inSource");
    assert_eq!(s["justification"], "at most three posts on this page");
    // A suppression without a rule is an error.
    let out = ormlint(
        &root(),
        &[
            "check",
            "testdata/rules/unused-ignore/source/fail_stale_and_nameless.rs",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("error[unused-ignore]"));
}

#[test]
fn pre_commit_hook_entry_runs_on_staged_file_names() {
    // Run the hook's `entry` the way pre-commit does: entry words, then the
    // staged files as arguments.
    let hooks = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap();
    let entry = hooks
        .lines()
        .find_map(|l| l.trim().strip_prefix("entry: "))
        .expect("an entry line");
    let mut words: Vec<&str> = entry.split_whitespace().collect();
    assert_eq!(words.remove(0), "ormlint");
    let files = [
        "testdata/projects/blog/src/handlers.rs",
        "testdata/projects/blog/src/repo.rs",
        "testdata/projects/blog/src/search.rs",
    ];
    let args: Vec<&str> = words.iter().copied().chain(files).collect();
    let out = ormlint(&root(), &args);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("warning[n-plus-one]") && text.contains("warning[sql-injection]"),
        "{text}"
    );
    assert!(text.ends_with("ormlint: 2 warnings in 3 files\n"), "{text}");
    assert!(hooks.contains("types: [rust]") && hooks.contains("language: rust"));
}

#[test]
fn pre_commit_workspace_hook_checks_changed_lines_of_the_workspace() {
    let hooks = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap();
    let entry = hooks
        .split("- id: ormlint-workspace")
        .nth(1)
        .and_then(|h| h.lines().find_map(|l| l.trim().strip_prefix("entry: ")))
        .expect("the workspace hook's entry");
    assert_eq!(entry, "ormlint check --diff-base HEAD .");
    assert!(hooks.contains("pass_filenames: false"));
    // A git repository with the blog project; one handler changed after HEAD.
    let dir = temp_dir("workspace-hook");
    let blog = root().join(BLOG);
    for f in [
        "Cargo.toml",
        "src/handlers.rs",
        "src/repo.rs",
        "src/search.rs",
        "src/lib.rs",
    ] {
        let to = dir.join(f);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        if let Ok(t) = std::fs::read_to_string(blog.join(f)) {
            std::fs::write(&to, t).unwrap();
        }
    }
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(&dir)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@t")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@t")
            .output()
            .unwrap()
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "init"]);
    let handlers = std::fs::read_to_string(dir.join("src/handlers.rs")).unwrap();
    std::fs::write(
        dir.join("src/handlers.rs"),
        handlers.replace("let author =", "let author  ="),
    )
    .unwrap();
    let words: Vec<&str> = entry.split_whitespace().skip(1).collect();
    for _ in 0..2 {
        // Cold, then with the facts cache: the same answer.
        let out = ormlint(&dir, &words);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
        assert!(text.contains("warning[n-plus-one]"), "{text}");
        assert!(
            !text.contains("sql-injection"),
            "unchanged lines are not reported: {text}"
        );
    }
    assert!(dir.join("target/ormlint/facts-v2.json").is_file());
}

#[test]
fn replay_with_schema_proves_indexes_and_counts_unplannable_shapes() {
    let dir = "testdata/rules/missing-index/replay";
    let log = format!("{dir}/fail_unindexed_filters_joins_and_sorts.jsonl");
    let schema = format!("{dir}/schema.sql");
    let out = ormlint(
        &root(),
        &[
            "replay",
            "--format",
            "json",
            "--select",
            "missing-index",
            "--schema",
            &schema,
            "--table-rows",
            "orders=500",
            &log,
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let tables: Vec<String> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            d["message"]
                .as_str()
                .unwrap()
                .split('`')
                .nth(1)
                .unwrap()
                .to_string()
        })
        .collect();
    // orders is small here (500 rows): audit is worth an index (read three
    // times: through an alias written in mixed case, and as Prisma writes
    // it, schema-qualified with `OFFSET` and no `LIMIT`), and so is coupons
    // (no size given: taken as large).
    assert_eq!(tables, vec!["audit", "audit", "audit", "coupons"]);
    let d = &doc["diagnostics"][0];
    assert!(d["help"]
        .as_str()
        .unwrap()
        .contains("CREATE INDEX audit_actor_idx ON audit (actor);"));
    assert!(d["notes"][0]
        .as_str()
        .unwrap()
        .starts_with("plan now: SCAN audit"));
    // A GIN index SQLite cannot take is a located note in the summary.
    let skipped = doc["summary"]["skipped"].as_array().unwrap();
    assert!(
        skipped
            .iter()
            .any(|s| s["reason"].as_str().unwrap().contains("gin") && s["line"] == 21),
        "{skipped:?}"
    );
    // A missing schema file is an input error.
    let out = ormlint(&root(), &["replay", "--schema", "nope.sql", &log]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("nope.sql: no such file or folder"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn baseline_keeps_old_findings_quiet_and_new_ones_loud() {
    let dir = temp_dir("baseline");
    let search = std::fs::read_to_string(root().join(BLOG).join("src/search.rs")).unwrap();
    std::fs::write(dir.join("search.rs"), &search).unwrap();
    let out = ormlint(
        &dir,
        &["check", "--write-baseline", "ormlint-baseline.json", "."],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let base = std::fs::read_to_string(dir.join("ormlint-baseline.json")).unwrap();
    assert!(
        base.contains("\"rule\": \"sql-injection\"") && base.contains("\"path\": \"search.rs\""),
        "{base}"
    );
    // Edits elsewhere and moved code keep the finding baselined.
    std::fs::write(
        dir.join("search.rs"),
        format!("// header\n\nconst A: u8 = 1;\n\n{search}"),
    )
    .unwrap();
    let out = ormlint(&dir, &["check", "--baseline", "ormlint-baseline.json", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("no findings"));
    // SARIF keeps it, marked unchanged.
    let out = ormlint(
        &dir,
        &[
            "check",
            "--format",
            "sarif",
            "--baseline",
            "ormlint-baseline.json",
            ".",
        ],
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["runs"][0]["results"][0]["baselineState"], "unchanged");
    // A second copy of the same mistake is new.
    std::fs::write(
        dir.join("search.rs"),
        format!("{search}\npub mod again {{\n{search}\n}}\n"),
    )
    .unwrap();
    let out = ormlint(
        &dir,
        &[
            "check",
            "--format",
            "json",
            "--baseline",
            "ormlint-baseline.json",
            ".",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["diagnostics"].as_array().unwrap().len(), 1);
    // Replay findings are keyed by query shape, whatever the log is called.
    let log = root().join("testdata/rules/n-plus-one/replay/fail_lazy_author.jsonl");
    std::fs::copy(&log, dir.join("monday.jsonl")).unwrap();
    std::fs::copy(&log, dir.join("tuesday.jsonl")).unwrap();
    let out = ormlint(
        &dir,
        &[
            "replay",
            "--write-baseline",
            "replay-baseline.json",
            "monday.jsonl",
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    let out = ormlint(
        &dir,
        &[
            "replay",
            "--baseline",
            "replay-baseline.json",
            "tuesday.jsonl",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // A broken baseline file is an input error.
    std::fs::write(dir.join("bad.json"), "{").unwrap();
    let out = ormlint(&dir, &["check", "--baseline", "bad.json", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("bad.json: not a baseline file"),
        "{}",
        stderr(&out)
    );
}

fn git(dir: &std::path::Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.email=ci@example.invalid",
            "-c",
            "user.name=ci",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn diff_base_reports_only_changed_lines() {
    let dir = temp_dir("diff-base");
    git(&dir, &["init", "-q"]);
    let search = std::fs::read_to_string(root().join(BLOG).join("src/search.rs")).unwrap();
    std::fs::write(dir.join("search.rs"), &search).unwrap();
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "old code"]);
    // The old finding is outside the change; a new one is added.
    let added = "\npub async fn by_tag(pool: &PgPool) -> sqlx::Result<u64> {\n    let tag = std::env::args().nth(1).unwrap_or_default();\n    let sql = format!(\"DELETE FROM tags WHERE name = '{tag}'\");\n    Ok(sqlx::query(&sql).execute(pool).await?.rows_affected())\n}\n";
    std::fs::write(dir.join("search.rs"), format!("{search}{added}")).unwrap();
    let out = ormlint(
        &dir,
        &["check", "--format", "json", "--diff-base", "HEAD", "."],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lines: Vec<u64> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["location"]["line"].as_u64().unwrap())
        .collect();
    let total = search.lines().count() as u64;
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0] > total, "{lines:?}");
    // Untracked files count as new.
    std::fs::write(dir.join("fresh.rs"), &search).unwrap();
    let out = ormlint(
        &dir,
        &["check", "--format", "json", "--diff-base", "HEAD", "."],
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["diagnostics"].as_array().unwrap().len(), 2);
    // A bad revision, or no repository, is an input error.
    let out = ormlint(&dir, &["check", "--diff-base", "no-such-rev", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("`no-such-rev` is not a commit"),
        "{}",
        stderr(&out)
    );
    let bare = temp_dir("no-git");
    let out = ormlint(&bare, &["check", "--diff-base", "HEAD", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("git"), "{}", stderr(&out));
}

#[test]
fn cargo_ormlint_checks_workspace_members_with_cargo_metadata() {
    let dir = temp_dir("cargo-ws");
    std::fs::write(
        dir.join("Cargo.toml"),
        "[workspace]\nmembers = [\"crates/*\"]\n\n[workspace.metadata.ormlint.rules]\nsql-injection = \"error\"\n",
    )
    .unwrap();
    let member = dir.join("crates/api");
    std::fs::create_dir_all(member.join("src")).unwrap();
    std::fs::write(
        member.join("Cargo.toml"),
        "[package]\nname = \"api\"\nversion = \"0.1.0\"\n\n[dependencies]\nsqlx = \"0.8\"\naxum = \"0.7\"\nserde = \"1\"\n",
    )
    .unwrap();
    let search = std::fs::read_to_string(root().join(BLOG).join("src/search.rs")).unwrap();
    std::fs::write(member.join("src/lib.rs"), &search).unwrap();
    // Not a member: never checked.
    std::fs::create_dir_all(dir.join("scratch")).unwrap();
    std::fs::write(dir.join("scratch/old.rs"), &search).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-ormlint"))
        .current_dir(&dir)
        .args(["ormlint", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let diags = doc["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0]["severity"], "error");
    assert!(diags[0]["location"]["path"]
        .as_str()
        .unwrap()
        .ends_with("crates/api/src/lib.rs"));
    // Subcommands pass through.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-ormlint"))
        .current_dir(&dir)
        .args(["ormlint", "rules"])
        .output()
        .unwrap();
    assert!(stdout(&out).starts_with("RULE"));
}

#[test]
fn no_progress_output_when_not_on_a_terminal() {
    for args in [
        vec!["check", BLOG],
        vec!["replay", "testdata/projects/blog/logs/postgresql.log"],
    ] {
        let out = ormlint(&root(), &args);
        assert_eq!(stderr(&out), "", "{args:?}");
    }
}

/// Past the first few thousand statements, replay fingerprints some batches
/// on the reading thread; a group's request label must still come from its
/// own statements.
#[test]
fn request_labels_hold_deep_into_a_long_log() {
    let dir = temp_dir("deep-request-labels");
    let filler = |from: usize, to: usize, log: &mut String| {
        for i in from..to {
            log.push_str(&format!(
                "{{\"sql\":\"SELECT 1 /*request_id='filler-{i}'*/\",\"session\":\"c{}\"}}\n",
                i % 50
            ));
        }
    };
    // The N+1 request sits at statement 60,000 of 70,000: in every batch
    // size and reading share we have used, a batch the reading thread prints.
    let mut log = String::new();
    filler(0, 60_000, &mut log);
    log.push_str(
        "{\"sql\":\"SELECT * FROM posts WHERE author_id = 1 /*request_id='target'*/\",\"session\":\"c1\"}\n",
    );
    for post in 1..=6 {
        log.push_str(&format!(
            "{{\"sql\":\"SELECT * FROM comments WHERE post_id = {post} /*request_id='target'*/\",\"session\":\"c1\"}}\n"
        ));
    }
    filler(60_000, 70_000, &mut log);
    std::fs::write(dir.join("deep.jsonl"), log).unwrap();
    let out = ormlint(&dir, &["replay", "--format", "json", "deep.jsonl"]);
    let text = stdout(&out);
    assert!(text.contains("n-plus-one"), "{text}");
    assert!(text.contains("request target"), "{text}");
    assert!(!text.contains("filler"), "{text}");
}

/// One finding per loop, against what users already have: an ignore comment
/// on one query of the loop keeps silencing it (and is used), a baseline
/// written when each query was its own finding still matches the merged
/// one, `--write-baseline` says what changed, and the merged finding keeps
/// the SARIF fingerprint its first query had alone.
#[test]
fn merged_loop_findings_keep_ignores_baselines_and_fingerprints() {
    let dir = temp_dir("merged-loop");
    let q1 = "        let n: i64 = conn.query_row(\"SELECT count(*) FROM tags WHERE post_id = ?1\", [id], |r| r.get(0))?;";
    let q2 = "        let t: String = conn.query_row(\"SELECT title FROM posts WHERE id = ?1\", [id], |r| r.get(0))?;";
    let q3 = "        let a: String = conn.query_row(\"SELECT name FROM users WHERE id = ?1\", [id], |r| r.get(0))?;";
    let file = |body: &str| {
        format!(
            "use rusqlite::Connection;\n\npub fn f(conn: &Connection, ids: &[i64]) -> rusqlite::Result<()> {{\n{body}    Ok(())\n}}\n"
        )
    };
    let one_loop = |lines: &[&str]| {
        format!(
            "    for id in ids {{\n{}\n        let _ = (n, t, a);\n    }}\n",
            lines.join("\n")
        )
    };
    let write = |text: String| std::fs::write(dir.join("lib.rs"), text).unwrap();
    let json = |args: &[&str]| -> serde_json::Value {
        let mut a = vec!["check", "--format", "json"];
        a.extend_from_slice(args);
        a.push("lib.rs");
        serde_json::from_slice(&ormlint(&dir, &a).stdout).unwrap()
    };

    // The old shape: each query its own finding (a loop of its own).
    let mut separate = String::new();
    for q in [q1, q2, q3] {
        separate.push_str(&format!("    for id in ids {{\n{q}\n    }}\n"));
    }
    write(file(&separate).replace(
        "Ok(())",
        "let (n, t, a) = (0, String::new(), String::new());\n    let _ = (n, t, a);\n    Ok(())",
    ));
    let old = json(&[]);
    assert_eq!(old["diagnostics"].as_array().unwrap().len(), 3, "{old}");
    let base = dir.join("baseline.json");
    let out = ormlint(
        &dir,
        &["check", "--write-baseline", "baseline.json", "lib.rs"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // One loop, three queries: one finding, at the first query.
    write(file(&one_loop(&[q1, q2, q3])));
    let merged = json(&[]);
    let ds = merged["diagnostics"].as_array().unwrap();
    assert_eq!(ds.len(), 1, "{merged}");
    assert_eq!(ds[0]["location"]["line"], 5);
    assert!(ds[0]["message"]
        .as_str()
        .unwrap()
        .ends_with("(2 more queries in the same loop)"));
    // The baseline of the old shape still covers it.
    let out = ormlint(
        &dir,
        &[
            "check",
            "--format",
            "json",
            "--baseline",
            "baseline.json",
            "lib.rs",
        ],
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["diagnostics"], serde_json::json!([]), "{doc}");
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("2 findings of the baseline did not occur in this run"),
        "{}",
        stderr(&out)
    );
    // Rewriting the baseline says what changed.
    let out = ormlint(
        &dir,
        &["check", "--write-baseline", "baseline.json", "lib.rs"],
    );
    assert!(
        stderr(&out).contains("against the previous baseline: 0 new, 2 gone, 1 kept"),
        "{}",
        stderr(&out)
    );
    assert!(base.is_file());

    // The merged finding has the fingerprint the first query had alone.
    let sarif = |text: String| -> serde_json::Value {
        write(text);
        serde_json::from_slice(&ormlint(&dir, &["check", "--format", "sarif", "lib.rs"]).stdout)
            .unwrap()
    };
    let fp = |doc: &serde_json::Value| doc["runs"][0]["results"][0]["partialFingerprints"].clone();
    let alone = sarif(file(&one_loop(&[q1])).replace("let _ = (n, t, a);", "let _ = n;"));
    let together = sarif(file(&one_loop(&[q1, q2, q3])));
    assert_eq!(together["runs"][0]["results"].as_array().unwrap().len(), 1);
    assert_eq!(fp(&alone), fp(&together));

    // An ignore comment on the second query silences it, and is used.
    let ignored = format!("        // ormlint-ignore n-plus-one -- cached upstream\n{q2}");
    write(file(&one_loop(&[q1, &ignored, q3])));
    let doc = json(&[]);
    let ds = doc["diagnostics"].as_array().unwrap();
    assert_eq!(ds.len(), 1, "{doc}");
    assert!(ds[0]["message"]
        .as_str()
        .unwrap()
        .ends_with("(1 more query in the same loop)"));
    let related: Vec<u64> = ds[0]["related"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["line"].as_u64())
        .collect();
    assert!(!related.contains(&7), "{related:?}");
    let shown = json(&["--show-suppressed"]);
    let suppressed: Vec<u64> = shown["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| !d["suppressed"].is_null())
        .filter_map(|d| d["location"]["line"].as_u64())
        .collect();
    assert_eq!(suppressed, vec![7], "{shown}");
}

#[test]
fn a_path_that_does_not_exist_is_an_error_not_an_empty_run() {
    let log = "testdata/rules/n-plus-one/replay/fail_lazy_author.jsonl";
    let src = "testdata/rules/n-plus-one/source";
    for (args, path) in [
        (vec!["check", "does/not/exist"], "does/not/exist"),
        (vec!["inspect", "does/not/exist"], "does/not/exist"),
        (vec!["replay", "does/not/exist.log"], "does/not/exist.log"),
        (vec!["replay", log, "missing.log"], "missing.log"),
        (vec!["replay", "--schema", "nope.sql", log], "nope.sql"),
        (vec!["check", "--schema", "nope.sql", src], "nope.sql"),
        (vec!["--config", "nope.toml", "check", src], "nope.toml"),
        (vec!["--baseline", "nope.json", "check", src], "nope.json"),
    ] {
        let out = ormlint(&root(), &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert_eq!(
            stderr(&out).trim(),
            format!("error: {path}: no such file or folder"),
            "{args:?}"
        );
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    // The same paths, when they exist, run.
    let out = ormlint(&root(), &["check", src]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

/// Input lost is not input skipped: a `.gz` cut short prints its findings,
/// names where reading stopped and exits 2; `--keep-going` gives the
/// findings' status.
#[test]
fn a_truncated_gz_prints_its_findings_and_exits_2() {
    use std::io::Write;
    let one = std::fs::read(root().join("testdata/rules/n-plus-one/replay/fail_lazy_author.jsonl"))
        .unwrap();
    // Each copy its own request, so each is a group with the pattern.
    let text = String::from_utf8(one).unwrap();
    let mut log = String::new();
    for i in 0..400 {
        log.push_str(&text.replace("\"request\": \"r1\"", &format!("\"request\": \"c{i}\"")));
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(log.as_bytes()).unwrap();
    let whole = gz.finish().unwrap();
    let dir = temp_dir("truncated-gz");
    let path = dir.join("cut.jsonl.gz");
    std::fs::write(&path, &whole[..whole.len() * 2 / 3]).unwrap();
    let p = path.to_str().unwrap();

    let out = ormlint(&dir, &["replay", "--format", "json", p]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(has_rule(&doc, "n-plus-one"));
    let stopped = &doc["summary"]["logs"][0]["stopped"];
    assert!(stopped["line"].as_u64().unwrap() > 100, "{stopped}");
    assert!(stopped["reason"]
        .as_str()
        .unwrap()
        .starts_with("read error: "));

    let human = ormlint(&dir, &["replay", p]);
    assert_eq!(human.status.code(), Some(2));
    assert!(stdout(&human).contains("READING STOPPED at line "));

    let keep = ormlint(&dir, &["replay", "--keep-going", p]);
    assert_eq!(keep.status.code(), Some(1), "{}", stderr(&keep));
    // The whole file reads to its end: no stop, the findings' status.
    std::fs::write(&path, &whole).unwrap();
    let full = ormlint(&dir, &["replay", "--format", "json", p]);
    assert_eq!(full.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&full.stdout).unwrap();
    assert!(doc["summary"]["logs"][0].get("stopped").is_none());
}

/// Ctrl-C stops reading; what was read is analysed, printed, and the
/// status is 130.
#[cfg(unix)]
#[test]
fn sigint_prints_the_findings_so_far_and_exits_130() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let text = std::fs::read_to_string(
        root().join("testdata/rules/n-plus-one/replay/fail_lazy_author.jsonl"),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ormlint"))
        .args(["replay", "--format", "json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // More than the 64 KiB read to tell the format.
    for i in 0..200 {
        stdin
            .write_all(
                text.replace("\"request\": \"r1\"", &format!("\"request\": \"a{i}\""))
                    .as_bytes(),
            )
            .unwrap();
    }
    stdin.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    std::thread::sleep(std::time::Duration::from_millis(300));
    // More input after the interrupt is not read; writing it lets a reader
    // blocked on the pipe see the interrupt.
    for i in 0..50 {
        if stdin
            .write_all(
                text.replace("\"request\": \"r1\"", &format!("\"request\": \"b{i}\""))
                    .as_bytes(),
            )
            .is_err()
        {
            break;
        }
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(has_rule(&doc, "n-plus-one"));
    let stopped = &doc["summary"]["logs"][0]["stopped"];
    assert!(
        stopped["reason"]
            .as_str()
            .unwrap()
            .starts_with("interrupted"),
        "{stopped}"
    );
}

/// `check` never blocks on a named pipe: named, it is reported and not
/// read; in a tree, the walk passes over it.
#[cfg(unix)]
#[test]
fn check_does_not_read_a_named_pipe() {
    let dir = temp_dir("fifo-check");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"x\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    std::fs::write(dir.join("src/lib.rs"), "pub fn f() {}\n").unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(dir.join("src/pipe.rs"))
        .status()
        .unwrap();
    assert!(made.success());
    let out = ormlint(&dir, &["check", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = ormlint(&dir, &["check", "src/pipe.rs"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("src/pipe.rs")
            && stdout(&out).contains("not a regular file or folder"),
        "{}",
        stdout(&out)
    );
}

/// Does the JSON report hold a finding of `rule`?
fn has_rule(doc: &serde_json::Value, rule: &str) -> bool {
    common::rules_of(doc).contains(&rule)
}

/// Query tags (Rails QueryLogs/marginalia, sqlcommenter) travel with each
/// runtime finding: the keys that name code by default, every key with
/// `--show-values`, and the keys `[replay] tags` adds; request ids name the
/// group, not the statement.
#[test]
fn runtime_findings_carry_the_query_tags_of_their_statement() {
    let log = common::root().join("testdata/logs/tags/tagged.log");
    let log = log.to_str().unwrap();
    let tags_of = |doc: &serde_json::Value, rule: &str| -> serde_json::Value {
        doc["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["rule"] == rule)
            .map(|d| d["query"]["tags"].clone())
            .unwrap_or_default()
    };
    let dir = common::temp_dir("tags");
    let run = |args: &[&str]| -> serde_json::Value {
        let out = common::ormlint(&dir, args);
        serde_json::from_str(&common::stdout(&out)).expect("json")
    };
    let doc = run(&["replay", "--format", "json", log]);
    assert_eq!(
        tags_of(&doc, "n-plus-one"),
        serde_json::json!({
            "action": "index",
            "application": "Shop",
            "controller": "orders",
            "source_location": "app/controllers/orders_controller.rb:14"
        })
    );
    // %XX-decoded; the tenant (not code) and the traceparent are left out.
    assert_eq!(
        tags_of(&doc, "sql-injection"),
        serde_json::json!({"controller": "search", "framework": "django:5.0", "route": "/search/"})
    );
    let human = common::stdout(&common::ormlint(&dir, &["replay", log]));
    assert!(human.contains("= note: from orders#index at app/controllers/orders_controller.rb:14, per its query tags"), "{human}");
    assert!(
        human.contains(
            "= note: from search (route /search/), per the query tags in the statement itself"
        ),
        "{human}"
    );
    assert!(!human.contains("acme"), "{human}");
    // Every key when values may be shown.
    let doc = run(&["replay", "--format", "json", "--show-values", log]);
    assert_eq!(tags_of(&doc, "sql-injection")["tenant"], "acme");
    assert!(tags_of(&doc, "sql-injection").get("traceparent").is_none());
    // The team's own key, from the config.
    std::fs::write(dir.join("ormlint.toml"), "[replay]\ntags = [\"tenant\"]\n").unwrap();
    let doc = run(&["replay", "--format", "json", log]);
    assert_eq!(tags_of(&doc, "n-plus-one")["tenant"], "acme");
    let _ = std::fs::remove_dir_all(&dir);
}
