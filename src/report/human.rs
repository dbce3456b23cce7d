//! Human output: codespan-reporting diagnostics and a closing summary line.

use std::io;

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::Files;
use codespan_reporting::term::{self, termcolor::WriteColor, Config};

use super::{plural, Report};
use crate::engine::{Diagnostic, FileDb, Severity, Span};

/// A line longer than this (minified or generated code, a statement of
/// megabytes on one log line) is not printed under a finding: its place is.
const MAX_SNIPPET_LINE: usize = 1000;

/// `path:line:column` of a span whose line is too long to show, if it is.
fn long_line(files: &FileDb, span: &Span) -> Option<String> {
    let line = files.line_index(span.file, span.range.start).ok()?;
    let last = files.line_index(span.file, span.range.end).ok()?;
    // A span over several lines prints its first and last: either counts.
    let range = [line, last]
        .into_iter()
        .filter_map(|l| files.line_range(span.file, l).ok())
        .max_by_key(|r| r.len())?;
    if range.len() <= MAX_SNIPPET_LINE {
        return None;
    }
    let loc = files.location(span.file, span.range.start).ok()?;
    Some(format!(
        "{}:{}:{} (a line of {} bytes, not shown)",
        files.name(span.file),
        loc.line_number,
        loc.column_number,
        range.len()
    ))
}

fn to_codespan(d: &Diagnostic, files: &FileDb) -> CsDiagnostic<usize> {
    let severity = match d.severity {
        Severity::Error => CsSeverity::Error,
        Severity::Warning => CsSeverity::Warning,
        Severity::Note => CsSeverity::Note,
    };
    let mut labels = Vec::new();
    let mut notes = Vec::new();
    match long_line(files, &d.primary) {
        None => labels.push(
            Label::primary(d.primary.file, d.primary.range.clone()).with_message(&d.primary_label),
        ),
        Some(at) if d.primary_label.is_empty() => notes.push(format!("at {at}")),
        Some(at) => notes.push(format!("at {at}: {}", d.primary_label)),
    }
    for l in &d.related {
        match long_line(files, &l.span) {
            None => labels
                .push(Label::secondary(l.span.file, l.span.range.clone()).with_message(&l.message)),
            Some(at) => notes.push(format!("at {at}: {}", l.message)),
        }
    }
    notes.extend(d.notes.iter().map(|n| format!("note: {n}")));
    if let Some(reason) = &d.suppressed {
        notes.push(format!(
            "note: suppressed by `ormlint-ignore`{}",
            if reason.is_empty() {
                String::new()
            } else {
                format!(": {reason}")
            }
        ));
    }
    if let Some(help) = &d.help {
        notes.push(format!("help: {help}"));
    }
    CsDiagnostic::new(severity)
        .with_code(d.rule)
        .with_message(&d.message)
        .with_labels(labels)
        .with_notes(notes)
}

/// Summary entries that say how the input was read and planned (which
/// planner proved what, what a pg_stat_statements export cannot show):
/// printed, but not counted as skipped.
fn is_note(path: &str) -> bool {
    matches!(path, "explain" | "pg_stat_statements")
}

/// Writes every diagnostic, then (unless `quiet`) the summary line.
pub fn render(report: &Report<'_>, out: &mut dyn WriteColor, quiet: bool) -> io::Result<()> {
    let config = Config::default();
    for d in report.diagnostics {
        term::emit_to_write_style(out, &config, report.files, &to_codespan(d, report.files))
            .map_err(io::Error::other)?;
    }
    if !quiet {
        for s in report
            .summary
            .skipped
            .iter()
            .filter(|s| s.path == "schema replay" || is_note(&s.path))
        {
            writeln!(out, "{}", s.reason)?;
        }
        for l in &report.summary.logs {
            let skipped: u64 = l.skipped.values().sum();
            let mut line = format!(
                "{}: {}, {} statements in {} lines",
                l.path, l.format, l.statements, l.lines
            );
            if skipped > 0 {
                let reasons: Vec<String> =
                    l.skipped.iter().map(|(r, n)| format!("{n} {r}")).collect();
                line.push_str(&format!("; skipped {}", reasons.join(", ")));
            }
            if l.problems > 0 {
                line.push_str(&format!("; {} problems", l.problems));
            }
            if let Some(st) = &l.stopped {
                line.push_str(&format!(
                    "; READING STOPPED at line {} ({}): the rest of the log was not read",
                    st.line, st.reason
                ));
            }
            writeln!(out, "{line}")?;
        }
        writeln!(out, "{}", summary_line(report))?;
    }
    Ok(())
}

/// `ormlint: 2 warnings, 1 note in 14 files`.
pub fn summary_line(report: &Report<'_>) -> String {
    let count = |s: Severity| {
        report
            .diagnostics
            .iter()
            .filter(|d| d.severity == s && d.suppressed.is_none())
            .count()
    };
    let mut parts = Vec::new();
    for (sev, word) in [
        (Severity::Error, "error"),
        (Severity::Warning, "warning"),
        (Severity::Note, "note"),
    ] {
        let n = count(sev);
        if n > 0 {
            parts.push(plural(n, word));
        }
    }
    let found = if parts.is_empty() {
        "no findings".to_string()
    } else {
        parts.join(", ")
    };
    let s = report.summary;
    let mut line = format!("ormlint: {found} in {}", plural(s.files as usize, "file"));
    if s.statements > 0 {
        line.push_str(&format!(", {}", plural(s.statements as usize, "statement")));
    }
    let skipped = s.skipped.iter().filter(|k| !is_note(&k.path)).count();
    if skipped > 0 {
        line.push_str(&format!(", {skipped} skipped"));
    }
    line
}

/// Renders without colour, for tests and snapshots.
pub fn to_string(report: &Report<'_>, quiet: bool) -> String {
    let mut buf = term::termcolor::NoColor::new(Vec::new());
    // Writing to a Vec cannot fail.
    let _ = render(report, &mut buf, quiet);
    String::from_utf8_lossy(&buf.into_inner()).into_owned()
}
