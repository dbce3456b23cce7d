//! `replay --explain-with`: a real PostgreSQL (and HypoPG) plans the shapes.
//!
//! Needs `ORMLINT_TEST_PG`, the URL of a server where the tests may create
//! databases (`.ci/run` starts a throwaway cluster and sets it). Without
//! it, each test says it was skipped and passes.

mod common;

use common::{ormlint, root, stderr, stdout};
use postgres::{Client, NoTls};

/// A fresh database loaded with testdata/explain/schema.sql; HypoPG created
/// when `hypopg` and the server has it. Gives its URL, or `None` (skipped).
fn database(name: &str, hypopg: bool) -> Option<(String, Client)> {
    let Ok(base) = std::env::var("ORMLINT_TEST_PG") else {
        eprintln!("SKIPPED: ORMLINT_TEST_PG is not set (see .ci/run); no PostgreSQL to plan on");
        return None;
    };
    let mut admin = Client::connect(&base, NoTls).expect("connect to ORMLINT_TEST_PG");
    let db = format!("ormlint_{name}_{}", std::process::id());
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {db}"))
        .unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE {db}"))
        .unwrap();
    let (head, _) = base.rsplit_once('/').expect("a URL with a database");
    let url = format!("{head}/{db}");
    let mut client = Client::connect(&url, NoTls).unwrap();
    let schema = std::fs::read_to_string(root().join("testdata/explain/schema.sql")).unwrap();
    client.batch_execute(&schema).unwrap();
    if hypopg {
        let available: i64 = client
            .query_one(
                "SELECT count(*) FROM pg_available_extensions WHERE name = 'hypopg'",
                &[],
            )
            .unwrap()
            .get(0);
        if available == 0 {
            eprintln!("SKIPPED: HypoPG is not installed on the test server (postgresql-NN-hypopg)");
            return None;
        }
        client.batch_execute("CREATE EXTENSION hypopg").unwrap();
    }
    Some((url, client))
}

fn replay(url: &str, extra: &[&str]) -> (serde_json::Value, std::process::Output) {
    let mut args = vec!["--format", "json", "replay", "--explain-with", url];
    args.extend_from_slice(extra);
    args.push("testdata/explain/app.jsonl");
    let out = ormlint(&root(), &args);
    let doc = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| {
        panic!("{e}: {}\n{}", stdout(&out), stderr(&out));
    });
    (doc, out)
}

/// (line, message) of each missing-index finding.
fn index_findings(doc: &serde_json::Value) -> Vec<(u64, String)> {
    doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "missing-index")
        .map(|d| {
            (
                d["location"]["line"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn skipped(doc: &serde_json::Value) -> Vec<String> {
    doc["summary"]["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["reason"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn postgres_and_hypopg_prove_the_index_and_nothing_from_the_log_runs() {
    let Some((url, mut client)) = database("hypo", true) else {
        return;
    };
    let (doc, out) = replay(&url, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    // The big table's unindexed filters, with values from the log (line 1)
    // and without (line 5: typed values); not the unique email (line 3),
    // not the two-row settings table (line 4), whose scan costs less than
    // any index.
    assert_eq!(
        index_findings(&doc),
        [
            (1, "`orders` is read in full for `customer_id = ?` and `ORDER BY id`; an index on (customer_id, id) turns the scan into a search".to_string()),
            (5, "`orders` is read in full for `customer_id = ?` and a range on `created_at`; an index on (customer_id, created_at) turns the scan into a search".to_string()),
            (6, "`orders` is read in full for `note = ?`; an index on (note) turns the scan into a search".to_string()),
        ]
    );
    let first = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "missing-index")
        .unwrap();
    let notes: Vec<&str> = first["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert!(
        notes[0].starts_with("PostgreSQL plan now (cost ")
            && notes[0].contains("Seq Scan on orders"),
        "{notes:?}"
    );
    assert!(
        notes[1].contains("HypoPG hypothetical index") && notes[1].contains("using <new index>"),
        "{notes:?}"
    );
    let skipped = skipped(&doc);
    assert!(
        skipped[0].starts_with("query shapes planned by PostgreSQL "),
        "{skipped:?}"
    );
    // The stacked statement was refused by the server's parser, never run;
    // the planned DELETE and the payload in a value changed nothing.
    assert!(
        skipped
            .iter()
            .any(|s| s.contains("cannot insert multiple commands into a prepared statement")),
        "{skipped:?}"
    );
    assert!(
        skipped
            .iter()
            .any(|s| s.contains("a table the database does not have")),
        "{skipped:?}"
    );
    // `ILIKE '%pend%'`: what could serve it (a trigram GIN index) is
    // beyond HypoPG, and the summary says so instead of guessing.
    assert!(
        skipped.iter().any(|s| s.starts_with(
            "1 query shapes without a proposal: PostgreSQL reads a table in full for an operator only a GIN or GiST index serves"
        ) && s.contains("status ilike ?")),
        "{skipped:?}"
    );
    let canary: Vec<i32> = client
        .query("SELECT id FROM canary ORDER BY id", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(canary, [0]);
    // Hypothetical indexes do not outlive the run, and none is real.
    let indexes: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_indexes WHERE tablename = 'orders'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(indexes, 1, "only orders_pkey");
    // Same bytes on a second run.
    let (again, _) = replay(&url, &[]);
    assert_eq!(again, doc);
}

#[test]
fn without_hypopg_the_replica_proves_and_the_summary_says_so() {
    let Some((url, _client)) = database("plain", false) else {
        return;
    };
    let (doc, out) = replay(&url, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(index_findings(&doc).is_empty());
    assert!(
        skipped(&doc)[0].starts_with("HypoPG is not installed in ")
            && skipped(&doc)[0].contains("no index proposal could be proved"),
        "{:?}",
        skipped(&doc)
    );
    let schema = root().join("testdata/explain/schema.sql");
    let (doc, _) = replay(&url, &["--schema", schema.to_str().unwrap()]);
    assert!(
        skipped(&doc)[0].contains("proved on the SQLite replica of --schema instead"),
        "{:?}",
        skipped(&doc)
    );
    let found = index_findings(&doc);
    assert!(
        found
            .iter()
            .any(|(line, m)| *line == 1 && m.contains("(customer_id, id)")),
        "{found:?}"
    );
}

#[test]
fn a_database_that_cannot_be_reached_is_exit_2_with_the_reason() {
    let out = ormlint(
        &root(),
        &[
            "replay",
            "--explain-with",
            "postgresql://nobody:secret@127.0.0.1:1/none?sslmode=disable",
            "testdata/explain/app.jsonl",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("cannot connect to postgresql://nobody@127.0.0.1:1/none"),
        "{err}"
    );
    assert!(
        !err.contains("secret"),
        "the password is not printed: {err}"
    );
    let out = ormlint(
        &root(),
        &[
            "replay",
            "--explain-with",
            "postgresql://127.0.0.1/x?sslmode=sometimes",
            "testdata/explain/app.jsonl",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown sslmode `sometimes`"),
        "{}",
        stderr(&out)
    );
}
