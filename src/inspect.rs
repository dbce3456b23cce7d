//! `ormlint inspect`: every database call site, one row each.

use std::io::{self, Write};

use serde_json::json;

use crate::cli::UsageError;
use crate::engine::Location;
use crate::report::Format;
use crate::source::Analysis;

struct Row {
    loc: Location,
    orm: String,
    operation: &'static str,
    method: String,
    tables: Vec<String>,
    loop_depth: usize,
    via: Vec<String>,
    function: Option<String>,
    sql: Option<String>,
}

fn rows(a: &Analysis) -> Vec<Row> {
    let mut rows: Vec<Row> = a
        .sites
        .iter()
        .filter(|s| s.executes && s.via.is_empty())
        .map(|s| Row {
            loc: Location::of(&s.span, &a.files),
            orm: s.orm.clone(),
            operation: s.operation.as_str(),
            method: s.method.clone(),
            tables: s.tables.clone(),
            loop_depth: s.loops.len(),
            via: Vec::new(),
            function: s.function.clone(),
            sql: s
                .sql
                .as_deref()
                .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
                .or_else(|| s.derived_sql.as_ref().map(|d| format!("≈ {d}"))),
        })
        .collect();
    // Calls in loops that reach a query through other functions.
    for s in a.sites.iter().filter(|s| s.executes && !s.via.is_empty()) {
        rows.push(Row {
            loc: Location::of(&s.span, &a.files),
            orm: s.orm.clone(),
            operation: s.operation.as_str(),
            method: s.via.first().map(|h| h.callee.clone()).unwrap_or_default(),
            tables: s.tables.clone(),
            loop_depth: s.loops.len(),
            via: s.via.iter().map(|h| h.callee.clone()).collect(),
            function: s.function.clone(),
            sql: s
                .sql
                .clone()
                .or_else(|| s.derived_sql.as_ref().map(|d| format!("≈ {d}"))),
        });
    }
    rows.sort_by(|a, b| (&a.loc, &a.method).cmp(&(&b.loc, &b.method)));
    rows
}

pub fn print(a: &Analysis, format: Format) -> Result<(), UsageError> {
    let rows = rows(a);
    let mut out = io::BufWriter::new(io::stdout().lock());
    if format == Format::Json {
        let sites: Vec<_> = rows
            .iter()
            .map(|r| {
                json!({
                    "path": r.loc.path,
                    "line": r.loc.line,
                    "column": r.loc.column,
                    "orm": r.orm,
                    "operation": r.operation,
                    "method": r.method,
                    "tables": r.tables,
                    "in_loop": r.loop_depth > 0,
                    "loop_depth": r.loop_depth,
                    "via": r.via,
                    "function": r.function,
                    "sql": r.sql,
                })
            })
            .collect();
        let doc = json!({"version": 1, "sites": sites, "summary": {"files": a.files_seen, "sites": rows.len()}});
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        return Ok(());
    }
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            [
                format!("{}:{}", r.loc.path, r.loc.line),
                r.orm.clone(),
                r.operation.to_string(),
                if r.tables.is_empty() {
                    "-".into()
                } else {
                    r.tables.join(",")
                },
                match (r.loop_depth, r.via.is_empty()) {
                    (0, _) => "-".into(),
                    (n, true) => format!("loop×{n}"),
                    (n, false) => format!("loop×{n} via {}", r.via.join("→")),
                },
                r.sql.clone().unwrap_or_else(|| format!(".{}()", r.method)),
            ]
        })
        .collect();
    let header = ["LOCATION", "ORM", "OP", "TABLES", "LOOP", "SQL / CALL"];
    let mut widths = [0usize; 5];
    for (i, w) in widths.iter_mut().enumerate() {
        *w = cells
            .iter()
            .map(|c| c[i].chars().count())
            .chain([header[i].len()])
            .max()
            .unwrap_or(0);
    }
    let line = |c: [&str; 6]| {
        let mut s = String::new();
        for i in 0..5 {
            s.push_str(c[i]);
            s.push_str(&" ".repeat(widths[i] - c[i].chars().count() + 2));
        }
        s.push_str(c[5]);
        s
    };
    writeln!(out, "{}", line(header))?;
    for c in &cells {
        writeln!(out, "{}", line([&c[0], &c[1], &c[2], &c[3], &c[4], &c[5]]))?;
    }
    writeln!(
        out,
        "{} database call sites in {} files",
        rows.len(),
        a.files_seen
    )?;
    Ok(())
}
