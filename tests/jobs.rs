//! `replay --jobs N` gives the same bytes for any N: statements are
//! fingerprinted on several threads but analysed in log order.

mod common;

use common::{ormlint, root, stdout, temp_dir};

/// A PostgreSQL stderr log of `requests` requests over 48 interleaved
/// sessions, long enough to span many batches: N+1 loops (bound and with
/// inline literals), multi-line statements, `DETAIL: parameters` lines,
/// a query sent both with literals and bound, and shapes seen only once.
fn log(requests: usize) -> String {
    let mut out = String::new();
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n
    };
    // Each session's clock; requests of one session are 50 ms apart, so
    // the idle gap closes each one.
    let mut clock = [0u64; 48];
    let line = |out: &mut String, micros: u64, pid: u64, text: &str| {
        let s = micros / 1_000_000;
        out.push_str(&format!(
            "2026-11-20 10:{:02}:{:02}.{:06} UTC [{}] app@shop LOG:  {text}\n",
            s / 60 % 60,
            s % 60,
            micros % 1_000_000,
            4000 + pid
        ));
    };
    for r in 0..requests {
        let session = next(48) as usize;
        let pid = session as u64;
        clock[session] += 50_000 + next(5_000);
        let mut t = clock[session];
        // Statements of a request follow each other within 0.5 ms.
        let step = |t: &mut u64| {
            *t += 300 + (r as u64 * 7) % 200;
            *t
        };
        match r % 5 {
            0 => {
                line(&mut out, step(&mut t), pid, "duration: 0.410 ms  execute <unnamed>: SELECT id, author_id, title\n\tFROM posts\n\tORDER BY id DESC LIMIT $1");
                out.push_str(&format!(
                    "2026-11-20 10:00:00.000 UTC [{}] app@shop DETAIL:  parameters: $1 = '20'\n",
                    4000 + pid
                ));
                for _ in 0..(3 + next(6)) {
                    line(
                        &mut out,
                        step(&mut t),
                        pid,
                        "duration: 0.120 ms  execute <unnamed>: SELECT id, name FROM users WHERE id = $1",
                    );
                    out.push_str(&format!(
                        "2026-11-20 10:00:00.000 UTC [{}] app@shop DETAIL:  parameters: $1 = '{}'\n",
                        4000 + pid,
                        next(100_000)
                    ));
                }
            }
            1 => {
                for _ in 0..(2 + next(5)) {
                    let text = format!(
                        "duration: 0.090 ms  statement: SELECT count(*) FROM comments WHERE post_id = {}",
                        next(50_000)
                    );
                    line(&mut out, step(&mut t), pid, &text);
                }
            }
            2 => {
                let text = format!(
                    "duration: 0.200 ms  statement: SELECT id FROM orders WHERE customer_email = '{}@example.com'",
                    next(1_000)
                );
                line(&mut out, step(&mut t), pid, &text);
                line(&mut out, step(&mut t), pid, "duration: 0.210 ms  execute <unnamed>: SELECT id FROM orders WHERE customer_email = $1");
                out.push_str(&format!(
                    "2026-11-20 10:00:00.000 UTC [{}] app@shop DETAIL:  parameters: $1 = 'x@example.com'\n",
                    4000 + pid
                ));
            }
            3 => {
                // A shape seen once: a table of its own.
                let text = format!(
                    "duration: 0.050 ms  statement: SELECT v FROM settings_{r} WHERE k = 'a'"
                );
                line(&mut out, step(&mut t), pid, &text);
            }
            _ => {
                line(
                    &mut out,
                    step(&mut t),
                    pid,
                    "duration: 0.030 ms  statement: BEGIN",
                );
                let text = format!(
                    "duration: 0.300 ms  statement: UPDATE products SET stock = stock - 1 WHERE id = {}",
                    next(500)
                );
                line(&mut out, step(&mut t), pid, &text);
                line(
                    &mut out,
                    step(&mut t),
                    pid,
                    "duration: 0.030 ms  statement: COMMIT",
                );
            }
        }
    }
    out
}

#[test]
fn findings_do_not_depend_on_the_number_of_threads() {
    let dir = temp_dir("jobs");
    let path = dir.join("shop.log");
    std::fs::write(&path, log(10_000)).unwrap();
    let run = |jobs: &str, format: &str| {
        let o = ormlint(
            &dir,
            &["--format", format, "replay", "--jobs", jobs, "shop.log"],
        );
        assert_eq!(o.status.code(), Some(1), "{}", common::stderr(&o));
        stdout(&o)
    };
    let one = run("1", "json");
    // Many batches, and findings of every kind the log holds.
    let v: serde_json::Value = serde_json::from_str(&one).unwrap();
    let statements = v["summary"]["statements"].as_u64().unwrap();
    assert!(statements > 30_000, "{statements} statements");
    let rules: std::collections::BTreeSet<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["rule"].as_str())
        .collect();
    assert_eq!(
        rules.into_iter().collect::<Vec<_>>(),
        ["n-plus-one", "sql-injection"]
    );
    for jobs in ["2", "3", "5"] {
        assert!(
            run(jobs, "json") == one,
            "--jobs {jobs} differs from --jobs 1"
        );
    }
    assert!(run("4", "human") == run("1", "human"));
}

#[test]
fn every_replay_fixture_is_the_same_on_one_thread_and_on_four() {
    let fixtures = common::replay_fixtures();
    for p in &fixtures {
        let rel = p
            .strip_prefix(root())
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let run = |jobs| {
            ormlint(
                &root(),
                &["--format", "json", "replay", "--jobs", jobs, rel.as_str()],
            )
        };
        let (a, b) = (run("1"), run("4"));
        assert_eq!(a.status.code(), b.status.code(), "{rel}");
        assert!(
            a.stdout == b.stdout,
            "{rel}: --jobs 4 differs from --jobs 1"
        );
    }
    let n = fixtures.len();
    assert!(n >= 20, "{n} fixtures");
}
