//! `ormlint replay --profile`: query shapes ranked by total time, like
//! pt-query-digest's report, with the group where each shape cost most.

use std::io::{self, Write};

use serde_json::json;

use super::ReplayRun;
use crate::cli::UsageError;
use crate::report::Format;
use crate::sql::fingerprint::hash_hex;

/// How many shapes the human report lists.
const TOP: usize = 20;

pub fn print(run: &ReplayRun, format: Format) -> Result<(), UsageError> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    let timed = run.profile.iter().any(|p| p.timed > 0);
    if format == Format::Json {
        let shapes: Vec<_> = run
            .profile
            .iter()
            .map(|p| {
                json!({
                    "hash": hash_hex(p.hash),
                    "fingerprint": p.text,
                    "count": p.count,
                    "total_ms": p.total_ms,
                    "mean_ms": if p.timed > 0 { Some(p.total_ms / p.timed as f64) } else { None },
                    "p95_ms": p.p95_ms,
                    "distinct_values": p.distinct_values,
                    "distinct_values_exact": p.distinct_exact,
                    "worst_group": p.worst_group.as_ref().map(|(g, ms, n)| json!({"group": g, "total_ms": ms, "count": n})),
                    "first": {"path": run.logs.get(p.first.log as usize).map(|l| l.path.clone()), "line": p.first.first_line},
                })
            })
            .collect();
        let doc = json!({
            "version": 1,
            "tool": {"name": "ormlint", "version": env!("CARGO_PKG_VERSION")},
            "profile": shapes,
            "summary": {"files": run.summary.files, "statements": run.summary.statements, "shapes": run.profile.len(), "logs": run.summary.logs},
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        return Ok(());
    }
    let total: f64 = run.profile.iter().map(|p| p.total_ms).sum();
    let total_count: u64 = run.profile.iter().map(|p| p.count).sum();
    writeln!(
        out,
        "{} statements, {} distinct shapes{}",
        run.summary.statements,
        run.profile.len(),
        if timed {
            format!(", {total:.1} ms in all")
        } else {
            ", no durations in the log (ranked by count)".to_string()
        }
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "{:>4}  {:>16}  {:>9}  {:>6}  {:>10}  {:>10}  {:>10}  {:>8}  QUERY",
        "RANK", "HASH", "COUNT", "SHARE", "TOTAL ms", "MEAN ms", "P95 ms", "VALUES"
    )?;
    for (i, p) in run.profile.iter().take(TOP).enumerate() {
        let share = if timed && total > 0.0 {
            p.total_ms / total * 100.0
        } else if total_count > 0 {
            p.count as f64 / total_count as f64 * 100.0
        } else {
            0.0
        };
        let ms = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.2}"));
        let mean = if p.timed > 0 {
            Some(p.total_ms / p.timed as f64)
        } else {
            None
        };
        let values = if p.distinct_exact {
            p.distinct_values.to_string()
        } else {
            format!("{}+", p.distinct_values)
        };
        let text = crate::util::shorten(&p.text, 100);
        writeln!(
            out,
            "{:>4}  {}  {:>9}  {:>5.1}%  {:>10}  {:>10}  {:>10}  {:>8}  {}",
            i + 1,
            hash_hex(p.hash),
            p.count,
            share,
            if p.timed > 0 {
                format!("{:.1}", p.total_ms)
            } else {
                "-".into()
            },
            ms(mean),
            ms(p.p95_ms),
            values,
            text
        )?;
        if let Some((g, ms, n)) = &p.worst_group {
            if timed {
                let runs = crate::report::plural(*n as usize, "run");
                writeln!(out, "{:>20}worst in {g}: {runs}, {ms:.1} ms", "")?;
            } else {
                let runs = crate::report::plural(*n as usize, "run");
                writeln!(out, "{:>20}most in {g}: {runs}", "")?;
            }
        }
    }
    if run.profile.len() > TOP {
        writeln!(
            out,
            "… {} more shapes (--format json lists all)",
            run.profile.len() - TOP
        )?;
    }
    Ok(())
}
