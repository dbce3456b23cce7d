//! `replay --pg-stat-statements`: a real export of the view (the corpus
//! shop on SQLAlchemy, PostgreSQL 15, `bench/orm-corpus/pgss.py capture`)
//! feeds --profile and missing-index, never N+1.

mod common;

use common::{ormlint, root, stdout};

fn json(args: &[&str]) -> serde_json::Value {
    let out = ormlint(&root(), args);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        common::stderr(&out)
    );
    serde_json::from_str(&stdout(&out)).unwrap()
}

const CSV: &str = "testdata/pgss/sqlalchemy.pgss.csv";
const JSONL: &str = "testdata/pgss/sqlalchemy.pgss.json";

#[test]
fn the_view_ranks_shapes_by_their_time() {
    let doc = json(&[
        "--format",
        "json",
        "replay",
        "--profile",
        "--pg-stat-statements",
        CSV,
    ]);
    let profile = doc["profile"].as_array().unwrap();
    let top: Vec<(&str, u64)> = profile
        .iter()
        .take(3)
        .map(|p| {
            (
                p["fingerprint"].as_str().unwrap(),
                p["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        top,
        [
            ("select order_items.id, order_items.order_id, order_items.product_id, order_items.quantity from order_items where ? = order_items.order_id", 60),
            ("select order_items.order_id, order_items.id, order_items.product_id, order_items.quantity from order_items where order_items.order_id in (...)", 6),
            ("select reviews.id, reviews.product_id, reviews.customer_id, reviews.stars, reviews.body from reviews where ? = reviews.product_id", 40),
        ]
    );
    assert!((profile[0]["total_ms"].as_f64().unwrap() - 868.41).abs() < 0.01);
    // The view has totals, not single executions: no percentile.
    assert!(profile[0]["p95_ms"].is_null());
    // The same export as JSON lines (COPY's text format) reads the same.
    let again = json(&[
        "--format",
        "json",
        "replay",
        "--profile",
        "--pg-stat-statements",
        JSONL,
    ]);
    let key = |d: &serde_json::Value| -> Vec<(String, u64, i64)> {
        d["profile"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["fingerprint"].as_str().unwrap().to_string(),
                    p["count"].as_u64().unwrap(),
                    (p["total_ms"].as_f64().unwrap() * 1000.0).round() as i64,
                )
            })
            .collect()
    };
    assert_eq!(key(&again), key(&doc));
    assert_eq!(key(&doc).len(), 20);
}

#[test]
fn missing_index_from_the_view_and_no_n_plus_one() {
    let doc = json(&[
        "--format",
        "json",
        "replay",
        "--schema",
        "testdata/replay-source/schema.sql",
        "--pg-stat-statements",
        CSV,
    ]);
    let diags = doc["diagnostics"].as_array().unwrap();
    assert!(
        diags.iter().all(|d| d["rule"] == "missing-index"),
        "{diags:?}"
    );
    let mut tables: Vec<&str> = diags
        .iter()
        .map(|d| d["message"].as_str().unwrap().split('`').nth(1).unwrap())
        .collect();
    tables.dedup();
    tables.sort();
    tables.dedup();
    // The four filters the corpus labels from EXPLAIN on its seeded data.
    assert_eq!(tables, ["customers", "order_items", "orders", "reviews"]);
    let notes: Vec<&str> = doc["summary"]["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["reason"].as_str().unwrap())
        .collect();
    assert!(
        notes.iter().any(|n| n.contains("20 statements, 306 calls")
            && n.contains("n-plus-one and duplicate-query are not judged")),
        "{notes:?}"
    );
    assert_eq!(doc["summary"]["logs"][0]["format"], "pg_stat_statements");
}

#[test]
fn old_column_names_and_a_bad_row() {
    let doc = json(&[
        "--format",
        "json",
        "replay",
        "--profile",
        "--pg-stat-statements",
        "testdata/pgss/pg12.csv",
    ]);
    let profile = doc["profile"].as_array().unwrap();
    let rows: Vec<(&str, u64, f64)> = profile
        .iter()
        .map(|p| {
            (
                p["fingerprint"].as_str().unwrap(),
                p["count"].as_u64().unwrap(),
                p["total_ms"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("select * from reviews where product_id = ?", 3, 9.0),
            ("select * from orders where customer_id = ?", 12, 6.5),
        ]
    );
    let out = ormlint(
        &root(),
        &[
            "--format",
            "json",
            "replay",
            "--pg-stat-statements",
            "testdata/pgss/pg12.csv",
        ],
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let bad: Vec<(u64, &str)> = doc["summary"]["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["path"] == "testdata/pgss/pg12.csv")
        .map(|s| (s["line"].as_u64().unwrap(), s["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(bad, [(3, "row not read: `calls` is not a number: `many`")]);
}

#[test]
fn an_unreadable_export_is_reported_and_the_run_goes_on() {
    let out = ormlint(
        &root(),
        &[
            "replay",
            "--pg-stat-statements",
            "testdata/pgss/no-such-file.csv",
            "--pg-stat-statements",
            CSV,
        ],
    );
    // As with a log that cannot be opened: a located note, the rest read.
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.contains("note[parse-error]: cannot read pg_stat_statements export: cannot read testdata/pgss/no-such-file.csv"),
        "{text}"
    );
    assert!(
        text.contains("sqlalchemy.pgss.csv: pg_stat_statements, 306 statements"),
        "{text}"
    );
}
