//! `cargo bench --bench check`: the whole static `check` against `syn`
//! alone parsing the same files on the same cores, in one run; and a
//! pre-commit-sized run of 10 files.
//!
//! The tree is `ORMLINT_BENCH_TREE` (default: the registry sources in
//! `$CARGO_HOME/registry/src`), cut to `ORMLINT_BENCH_LINES` lines of Rust
//! (default 600,000). Each figure is the best of 3 runs.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

fn rust_files(root: &Path, budget: usize) -> (Vec<PathBuf>, usize) {
    let mut files: Vec<PathBuf> = walkdir(root);
    files.sort();
    let mut out = Vec::new();
    let mut lines = 0;
    for f in files {
        if lines >= budget {
            break;
        }
        if let Ok(text) = std::fs::read_to_string(&f) {
            lines += text.lines().count();
            out.push(f);
        }
    }
    (out, lines)
}

fn walkdir(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let Ok(t) = e.file_type() else { continue };
            if t.is_dir() && p.file_name().is_some_and(|n| n != "target") {
                stack.push(p);
            } else if t.is_file() && p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out
}

fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let t = Instant::now();
    let mut last = f();
    let mut best = t.elapsed();
    for _ in 1..runs {
        let t = Instant::now();
        last = f();
        best = best.min(t.elapsed());
    }
    (best, last)
}

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        // `cargo test --benches` and IDEs probe bench targets: nothing to list.
        return;
    }
    let tree = std::env::var_os("ORMLINT_BENCH_TREE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let home = std::env::var_os("CARGO_HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo")
                });
            home.join("registry/src")
        });
    let budget: usize = std::env::var("ORMLINT_BENCH_LINES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(600_000);
    let (files, lines) = rust_files(&tree, budget);
    if files.is_empty() {
        eprintln!(
            "no Rust files under {}; set ORMLINT_BENCH_TREE",
            tree.display()
        );
        return;
    }
    let threads = rayon::current_num_threads();
    println!(
        "tree: {} ({} files, {} lines), {} threads",
        tree.display(),
        files.len(),
        lines,
        threads
    );

    let (syn_time, parsed) = best(3, || {
        files
            .par_iter()
            .filter(|f| {
                let ok = std::fs::read_to_string(f)
                    .ok()
                    .and_then(|t| syn::parse_file(&t).ok())
                    .is_some();
                proc_macro2::extra::invalidate_current_thread_spans();
                ok
            })
            .count()
    });
    println!(
        "syn parse of every file:   {:>8.3} s  ({parsed} parsed, {:.0} lines/s)",
        syn_time.as_secs_f64(),
        lines as f64 / syn_time.as_secs_f64()
    );

    let rules = ormlint::engine::RuleSet::all_defaults();
    let config = ormlint::config::Config::default();
    let cwd = std::env::current_dir().unwrap_or_default();
    // Cold: no facts cache; warm: every file's facts from the cache.
    std::env::set_var("ORMLINT_NO_CACHE", "1");
    let (check_time, run) = best(3, || ormlint::check::run(&files, &config, &rules, &cwd));
    std::env::remove_var("ORMLINT_NO_CACHE");
    println!(
        "ormlint check, cold:       {:>8.3} s  ({} findings, {:.0} lines/s)",
        check_time.as_secs_f64(),
        run.diagnostics.len(),
        lines as f64 / check_time.as_secs_f64()
    );
    let _fill = ormlint::check::run(&files, &config, &rules, &cwd);
    let (warm_time, _) = best(3, || ormlint::check::run(&files, &config, &rules, &cwd));
    println!(
        "ormlint check, warm cache: {:>8.3} s",
        warm_time.as_secs_f64()
    );
    println!(
        "check / syn-parse ratio:   {:>8.2} cold, {:.2} warm  (target ≤ 1.2)",
        check_time.as_secs_f64() / syn_time.as_secs_f64(),
        warm_time.as_secs_f64() / syn_time.as_secs_f64()
    );

    // Pre-commit: 10 files that mention a database crate.
    let db_files: Vec<PathBuf> = files
        .iter()
        .filter(|f| {
            std::fs::read_to_string(f).is_ok_and(|t| {
                t.contains("sqlx::")
                    || t.contains("diesel::")
                    || t.contains("sea_orm::")
                    || t.contains("rusqlite::")
            })
        })
        .take(10)
        .cloned()
        .collect();
    let (small, _) = best(20, || ormlint::check::run(&db_files, &config, &rules, &cwd));
    println!("pre-commit, {} files:      {:>8.1} ms (target < 50 ms; in-process, add ~1 ms process start)", db_files.len(), small.as_secs_f64() * 1000.0);
}
