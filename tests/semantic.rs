//! The semantic layer on small crates and workspaces: every folder under
//! `testdata/semantic/` is checked as a project, and its findings must be
//! exactly the lines marked `// ~ <rule>` in its Rust files (a `pass_*`
//! folder has none). Each folder holds the shapes one part of the layer
//! must tell apart: imports, workspace crates, receiver types, `dyn`
//! dispatch, prepared statements, macro bodies, test code.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{ormlint, root, stdout};

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// (path relative to the repository, line, rule) of every marker.
fn markers(dir: &Path) -> BTreeSet<(String, u64, String)> {
    let mut files = Vec::new();
    rust_files(dir, &mut files);
    let mut out = BTreeSet::new();
    for f in files {
        let rel = f
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        for (i, line) in std::fs::read_to_string(&f).unwrap().lines().enumerate() {
            if let Some((_, rule)) = line.split_once("// ~ ") {
                let rule = rule.split_whitespace().next().unwrap().to_string();
                out.insert((rel.clone(), i as u64 + 1, rule));
            }
        }
    }
    out
}

fn check(dir: &str) -> serde_json::Value {
    let out = ormlint(&root(), &["check", "--format", "json", dir]);
    serde_json::from_str(&stdout(&out)).unwrap()
}

fn found(doc: &serde_json::Value) -> BTreeSet<(String, u64, String)> {
    doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["location"]["path"].as_str().unwrap().to_string(),
                d["location"]["line"].as_u64().unwrap(),
                d["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn every_folder_reports_exactly_its_markers() {
    let base = root().join("testdata/semantic");
    let mut dirs: Vec<_> = std::fs::read_dir(&base)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 8, "{dirs:?}");
    let mut failures = Vec::new();
    for dir in dirs {
        let rel = dir
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let want = markers(&dir);
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("pass_") {
            assert!(want.is_empty(), "{rel}: a pass folder has no markers");
        } else {
            assert!(!want.is_empty(), "{rel}: a fail folder marks its findings");
        }
        let got = found(&check(&rel));
        if got != want {
            failures.push(format!("{rel}:\n  expected {want:?}\n  found    {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn dyn_calls_name_the_implementation_that_queries() {
    let doc = check("testdata/semantic/dyn_trait");
    let d = &doc["diagnostics"][0];
    // Two implementations query (`MemoryStore` does not): both are named.
    assert_eq!(
        d["message"],
        "`AuditedStore::note` (and 1 other implementation of the trait) runs a rusqlite query, and it is called once per element of a `for` loop"
    );
    let related: Vec<(String, u64, String)> = d["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["path"].as_str().unwrap().to_string(),
                r["line"].as_u64().unwrap(),
                r["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let store = "testdata/semantic/dyn_trait/src/store.rs".to_string();
    let query = "the query runs here, in `AuditedStore::note`".to_string();
    assert!(related.contains(&(store.clone(), 50, query)), "{related:?}");
    let other = "or here, in `SqliteStore::note`: the call goes through a trait, \
                 and this implementation queries too"
        .to_string();
    assert!(related.contains(&(store, 34, other)), "{related:?}");
}

#[test]
fn workspace_calls_cross_crates_and_types_pick_the_handle() {
    let doc = check("testdata/semantic/workspace");
    let d = &doc["diagnostics"][0];
    assert_eq!(
        d["location"]["path"],
        "testdata/semantic/workspace/crates/api/src/lib.rs"
    );
    assert_eq!(
        d["related"][1]["path"],
        "testdata/semantic/workspace/crates/db/src/lib.rs"
    );
    // postgres's `Client` through a transaction, not reqwest's.
    let doc = check("testdata/semantic/clients");
    let rules = common::rules_of(&doc);
    assert_eq!(rules, ["n-plus-one", "sql-injection"]);
    assert_eq!(doc["diagnostics"][0]["query"]["orm"], "postgres");
}

#[test]
fn test_code_is_reported_when_the_option_asks() {
    let want: BTreeSet<(String, u64, String)> = [
        ("src/lib.rs", 17, "write-in-loop"),
        ("src/lib.rs", 18, "n-plus-one"),
        ("src/lib.rs", 27, "sql-injection"),
        ("tests/seed.rs", 9, "n-plus-one"),
    ]
    .into_iter()
    .map(|(p, l, r)| (p.to_string(), l, r.to_string()))
    .collect();
    // Per rule, for all rules in the config file, and on the command line.
    let per_rule = "[rules.n-plus-one]\ntests = true\n[rules.write-in-loop]\ntests = true\n[rules.sql-injection]\ntests = true\n";
    for (name, config, flag) in [
        ("per-rule", per_rule, None),
        ("source", "[source]\ntests = true\n", None),
        ("flag", "", Some("--include-tests")),
        ("off", "", None),
    ] {
        let dir = common::temp_dir(&format!("semantic-tests-option-{name}"));
        let src = root().join("testdata/semantic/pass_tests");
        for f in ["Cargo.toml", "src/lib.rs", "tests/seed.rs"] {
            let to = dir.join(f);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(src.join(f), &to).unwrap();
        }
        std::fs::write(dir.join("ormlint.toml"), config).unwrap();
        let mut args = vec!["check", "--format", "json", "."];
        args.extend(flag);
        let out = ormlint(&dir, &args);
        let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        let got: BTreeSet<(String, u64, String)> = found(&doc)
            .into_iter()
            .map(|(p, l, r)| (p.trim_start_matches("./").to_string(), l, r))
            .collect();
        if name == "off" {
            assert!(got.is_empty(), "{name}: {got:?}");
        } else {
            assert_eq!(got, want, "{name}");
        }
    }
}

#[test]
fn one_finding_per_loop_with_every_query_related() {
    let doc = check("testdata/semantic/per_loop");
    let d = &doc["diagnostics"][0];
    assert_eq!(d["rule"], "n-plus-one");
    assert_eq!(d["location"]["line"], 8);
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .ends_with("(2 more queries in the same loop)"),
        "{}",
        d["message"]
    );
    let also: Vec<u64> = d["related"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["message"]
                .as_str()
                .unwrap()
                .starts_with("also once per element")
        })
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(also, [9, 10]);
    let w = &doc["diagnostics"][1];
    assert_eq!(w["rule"], "write-in-loop");
    assert!(w["message"]
        .as_str()
        .unwrap()
        .ends_with("(1 more statement in the same loop)"));
    // The suppressed query is neither reported nor folded into its loop.
    let last = &doc["diagnostics"][2];
    assert_eq!(last["location"]["line"], 24);
    assert!(!last["message"].as_str().unwrap().contains("more"));
    assert_eq!(doc["diagnostics"].as_array().unwrap().len(), 3);
}

/// `// ~ sql-injection` markers of every Rust file of a fixture crate, with
/// the severity they ask for (`// ~ sql-injection note` for a note).
fn injection_markers(dir: &str) -> BTreeSet<(String, u64, String)> {
    let mut files = Vec::new();
    rust_files(&root().join(dir), &mut files);
    let mut want = BTreeSet::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let rel = f
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        for (i, l) in text.lines().enumerate() {
            if let Some((_, m)) = l.split_once("// ~ sql-injection") {
                let sev = if m.trim() == "note" {
                    "note"
                } else {
                    "warning"
                };
                want.insert((rel.clone(), i as u64 + 1, sev.to_string()));
            }
        }
    }
    want
}

fn injection_found(doc: &serde_json::Value) -> BTreeSet<(String, u64, String)> {
    doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "sql-injection")
        .map(|d| {
            (
                d["location"]["path"].as_str().unwrap().to_string(),
                d["location"]["line"].as_u64().unwrap(),
                d["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// sql-injection's severity follows where the text comes from: outside
/// input is a warning, a database row or a public helper's value
/// parameter a note (`// ~ sql-injection note`).
#[test]
fn injection_severity_follows_the_source() {
    let doc = check("testdata/semantic/injection");
    assert_eq!(
        injection_found(&doc),
        injection_markers("testdata/semantic/injection")
    );
    // The trace: where the request enters, and the call that passes it on.
    let text =
        std::fs::read_to_string(root().join("testdata/semantic/injection/src/lib.rs")).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("WHERE author = '{author}'"))
        .unwrap() as u64
        + 1;
    let d = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| {
            d["location"]["line"] == line
                && d["location"]["path"].as_str().unwrap().ends_with("lib.rs")
        })
        .unwrap();
    let related: Vec<&str> = d["related"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["message"].as_str())
        .collect();
    assert!(
        related.contains(&"the HTTP request enters here"),
        "{related:?}"
    );
    assert!(
        related.contains(&"passed to `posts_by` as `author` here"),
        "{related:?}"
    );
}

/// Shapes of real injection fixes (diesel_cli 0.12 → 0.13, reinhardt-db
/// 0.1.0-alpha.13 → alpha.14, postgresql_embedded 0.20.2 → 0.20.3): each
/// vulnerable form is reported with its severity, each fixed form is not.
#[test]
fn real_injection_fixes_are_told_apart() {
    let doc = check("testdata/semantic/history");
    let want = injection_markers("testdata/semantic/history");
    assert_eq!(want.len(), 3);
    assert_eq!(injection_found(&doc), want);
}

/// The team's own sources and quoting functions, in `[injection]` of
/// `ormlint.toml`, count like the built-in ones.
#[test]
fn injection_sources_and_sanitizers_from_the_config() {
    let dir = common::temp_dir("injection-config");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"queue\"\nversion = \"0.1.0\"\n\n[dependencies]\nsqlx = \"0.8\"\n",
    )
    .unwrap();
    // A message from a queue client ormlint does not know, and a house
    // function that quotes a literal its own way.
    let src = r#"pub async fn handle(pool: &sqlx::PgPool) -> sqlx::Result<()> {
    let msg = inbox::receive();
    sqlx::query(&format!("DELETE FROM jobs WHERE name = '{msg}'")).execute(pool).await?;
    let tag = inbox::receive();
    sqlx::query(&format!("DELETE FROM tags WHERE name = {}", house::literal(&tag))).execute(pool).await?;
    Ok(())
}

mod house {
    pub fn literal(s: &str) -> String {
        format!("'{}'", s.trim())
    }
}
"#;
    std::fs::write(dir.join("src/lib.rs"), src).unwrap();
    let lines = |dir: &Path| -> BTreeSet<(u64, String)> {
        let out = ormlint(dir, &["check", "--format", "json", "."]);
        let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        injection_found(&doc)
            .into_iter()
            .map(|(_, l, s)| (l, s))
            .collect()
    };
    // Unknown to ormlint: what a function of another crate returns.
    assert!(lines(&dir).is_empty());
    std::fs::write(
        dir.join("ormlint.toml"),
        "[[injection.source]]\nkind = \"remote\"\nwhat = \"a queue message\"\nfunctions = [\"inbox::receive\"]\n",
    )
    .unwrap();
    let with_source = lines(&dir);
    assert_eq!(
        with_source,
        BTreeSet::from([(3, "warning".to_string()), (5, "warning".to_string())])
    );
    std::fs::write(
        dir.join("ormlint.toml"),
        "[[injection.source]]\nkind = \"remote\"\nwhat = \"a queue message\"\nfunctions = [\"inbox::receive\"]\n\n\
         [injection.safe]\nsanitizers = [\"house::literal\"]\n",
    )
    .unwrap();
    assert_eq!(lines(&dir), BTreeSet::from([(3, "warning".to_string())]));
    // A kind that is not one is a located error.
    std::fs::write(
        dir.join("ormlint.toml"),
        "[[injection.source]]\nkind = \"internet\"\nwhat = \"x\"\n",
    )
    .unwrap();
    let out = ormlint(&dir, &["check", "."]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ormlint.toml:2:8"), "{err}");
    assert!(err.contains("kind `internet`"), "{err}");
}

/// Environment variables, standard input and files count only when the
/// threat model includes them.
#[test]
fn local_sources_count_when_the_threat_model_says() {
    let src = root().join("testdata/semantic/injection");
    let dir = common::temp_dir("injection-local");
    for f in ["Cargo.toml", "src/lib.rs"] {
        let to = dir.join(f);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(src.join(f), &to).unwrap();
    }
    let line = std::fs::read_to_string(src.join("src/lib.rs"))
        .unwrap()
        .lines()
        .position(|l| l.ends_with("// local"))
        .unwrap() as u64
        + 1;
    let lines = |dir: &Path| -> BTreeSet<u64> {
        let out = ormlint(dir, &["check", "--format", "json", "."]);
        let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        doc["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["rule"] == "sql-injection")
            .filter_map(|d| d["location"]["line"].as_u64())
            .collect()
    };
    assert!(!lines(&dir).contains(&line));
    std::fs::write(
        dir.join("ormlint.toml"),
        "[rules.sql-injection]\nthreat-model = \"remote, cli, local\"\n",
    )
    .unwrap();
    assert!(lines(&dir).contains(&line));
}

/// Without a schema, `check -v` says which crate missing-index could not
/// judge and where it looked; without `-v` it stays quiet.
#[test]
fn no_schema_is_said_once_per_crate_with_verbose() {
    let dir = common::temp_dir("no-schema");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"bare\"\nversion = \"0.1.0\"\n\n[dependencies]\nsqlx = \"0.8\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("src/lib.rs"),
        "pub async fn a(p: &sqlx::PgPool) { let _ = sqlx::query(\"SELECT id FROM t WHERE x = $1\").fetch_all(p).await; }\n\
         pub async fn b(p: &sqlx::PgPool) { let _ = sqlx::query(\"SELECT id FROM t WHERE y = $1\").fetch_all(p).await; }\n",
    )
    .unwrap();
    let quiet = ormlint(&dir, &["check", "."]);
    assert!(!String::from_utf8_lossy(&quiet.stderr).contains("no schema found"));
    let out = ormlint(&dir, &["check", "-v", "."]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("no schema found").count(), 1, "{err}");
    assert!(err.contains("migrations"), "{err}");
}
