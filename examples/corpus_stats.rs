//! Reads log files and prints, per file: detected format, statements, lines,
//! skipped lines by reason, and problems.
//!
//! `cargo run --release --example corpus_stats -- [--format F] [--prefix P] [-v] FILE…`
//! (`--json` prints each statement as one JSON object instead of the summary;
//! `-v` also prints every statement: line span, session, duration, params, SQL.)

use ormlint::replay::{LogFormat, LogReader, ReaderOptions};
use std::path::Path;

fn main() {
    let mut opts = ReaderOptions::default();
    let mut verbose = false;
    let mut json = false;
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--format" => {
                let f = args.next().unwrap_or_default();
                opts.format = Some(LogFormat::parse(&f).unwrap_or_else(|| {
                    eprintln!("unknown format {f}");
                    std::process::exit(2)
                }));
            }
            "--prefix" => opts.log_line_prefix = args.next(),
            "-v" => verbose = true,
            "--json" => json = true,
            _ => files.push(a),
        }
    }
    let mut total = 0u64;
    for f in &files {
        let mut r = match LogReader::open(Path::new(f), &opts) {
            Ok(r) => r,
            Err(e) => {
                println!("{f}\n  ERROR {e}");
                continue;
            }
        };
        let mut n = 0u64;
        let mut with_params = 0u64;
        let mut with_duration = 0u64;
        for ev in r.by_ref() {
            n += 1;
            with_params += u64::from(!ev.params.is_empty());
            with_duration += u64::from(ev.duration_ms.is_some());
            if json {
                println!(
                    "{}",
                    serde_json::json!({
                        "file": f, "sql": ev.sql, "params": ev.params, "at": ev.at_micros,
                        "duration_ms": ev.duration_ms, "session": ev.session, "txn": ev.txn,
                        "request": ev.request, "application": ev.application, "user": ev.user,
                        "database": ev.database, "first_line": ev.first_line,
                        "last_line": ev.last_line, "byte_start": ev.byte_start,
                        "byte_end": ev.byte_end,
                    })
                );
                continue;
            }
            if verbose {
                println!(
                    "  [{}-{}] session={:?} db={:?} user={:?} app={:?} txn={:?} at={:?} dur={:?} params={:?}\n    {}",
                    ev.first_line,
                    ev.last_line,
                    ev.session,
                    ev.database,
                    ev.user,
                    ev.application,
                    ev.txn,
                    ev.at_micros,
                    ev.duration_ms,
                    ev.params,
                    ev.sql.replace('\n', "\n    ")
                );
            }
        }
        total += n;
        let s = r.stats();
        if json {
            continue;
        }
        println!(
            "{f}\n  format={} statements={} (params {}, duration {}) lines={} bytes={} skipped={} problems={}",
            r.format(),
            s.statements,
            with_params,
            with_duration,
            s.lines,
            s.bytes,
            s.skipped_lines(),
            s.problem_count
        );
        for (k, v) in &s.skipped {
            println!("    skip {k}: {v}");
        }
        for p in &s.problems {
            println!("    problem line {}: {}", p.line, p.message);
        }
    }
    if files.len() > 1 {
        println!("TOTAL statements={total}");
    }
}
