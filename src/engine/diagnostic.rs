//! The one diagnostic model every front end feeds and every renderer reads.

use std::fmt;
use std::ops::Range;

use serde::Serialize;

use super::files::{FileDb, FileId};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "note" => Some(Severity::Note),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A byte range in one file of the [`FileDb`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    pub file: FileId,
    pub range: Range<usize>,
}

impl Span {
    pub fn new(file: FileId, range: Range<usize>) -> Self {
        Span { file, range }
    }
}

/// A secondary location with its own message: the loop, the parent query, a repeat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// What is known about the query a finding is about.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct QueryInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orm: Option<String>,
    /// Runtime: the query tags the reported statement carried (sqlcommenter,
    /// Rails QueryLogs/marginalia), %XX-decoded: the keys that name code,
    /// or all of them with `--show-values`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<std::collections::BTreeMap<String, String>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub rule: &'static str,
    pub severity: Severity,
    /// rustc style: a lowercase fragment, no full stop.
    pub message: String,
    pub primary: Span,
    /// Short text under the primary caret; empty for none.
    pub primary_label: String,
    pub related: Vec<Label>,
    pub help: Option<String>,
    /// Longer evidence lines printed as `= note:` (plans, repeats, values).
    pub notes: Vec<String>,
    pub query: Option<QueryInfo>,
    /// Silenced by an `ormlint-ignore` comment, with its reason.
    pub suppressed: Option<String>,
    /// With `--baseline`: `"new"` or `"unchanged"` (SARIF `baselineState`).
    pub baseline: Option<&'static str>,
    /// The loop a per-element finding belongs to (its innermost loop's
    /// header): findings of one rule in one loop are reported as one.
    pub per_loop: Option<Span>,
    /// The query sits behind a branch in its loop: when a loop's findings
    /// are merged, one that runs on every turn leads.
    pub conditional: bool,
    /// For a taint finding: the steps from where the text enters to the
    /// sink, in order (SARIF `codeFlows`).
    pub flow: Vec<Label>,
    /// For a runtime N+1: the statements of its request in log order, with
    /// their durations (the HTML report draws them as a waterfall).
    pub timeline: Vec<Step>,
}

/// One statement of a [`Diagnostic::timeline`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// Its first line in the log.
    pub line: u64,
    /// Its duration in microseconds, when the log has one.
    pub micros: Option<u64>,
    /// The parent query (whose rows drive the loop), not a repeat.
    pub parent: bool,
}

impl Diagnostic {
    pub fn new(rule: &'static str, severity: Severity, message: String, primary: Span) -> Self {
        Diagnostic {
            rule,
            severity,
            message,
            primary,
            primary_label: String::new(),
            related: Vec::new(),
            help: None,
            notes: Vec::new(),
            query: None,
            suppressed: None,
            baseline: None,
            per_loop: None,
            conditional: false,
            flow: Vec::new(),
            timeline: Vec::new(),
        }
    }

    /// (path, line, column, end line, end column) of the primary location.
    pub fn location(&self, files: &FileDb) -> Location {
        Location::of(&self.primary, files)
    }
}

/// A resolved, 1-based location.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

impl Location {
    pub fn of(span: &Span, files: &FileDb) -> Location {
        let Some(file) = files.get(span.file) else {
            return Location {
                path: "<unknown>".into(),
                line: 1,
                column: 1,
                end_line: 1,
                end_column: 1,
            };
        };
        let (line, column) = file.position(span.range.start);
        let (end_line, end_column) = file.position(span.range.end.max(span.range.start));
        Location {
            path: file.name.clone(),
            line,
            column,
            end_line,
            end_column,
        }
    }
}

/// Sorts diagnostics by path, line, column, rule, then message, so the same
/// input gives the same bytes out.
pub fn sort(diags: &mut [Diagnostic], files: &FileDb) {
    diags.sort_by_cached_key(|d| {
        let loc = d.location(files);
        (
            loc.path,
            loc.line,
            loc.column,
            d.rule,
            loc.end_line,
            loc.end_column,
            d.message.clone(),
        )
    });
}
