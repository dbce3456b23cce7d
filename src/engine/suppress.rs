//! Inline suppressions in Rust source:
//!
//! ```text
//! // ormlint-ignore n-plus-one -- at most three regions      (this line or the next)
//! // ormlint-ignore-file sql-injection, write-in-loop -- migration script
//! ```
//!
//! A suppression must name at least one known rule; the reason after `--`
//! is kept and shown in SARIF. One that silences nothing is reported by
//! `unused-ignore`.

use super::diagnostic::{Diagnostic, Severity, Span};
use super::files::{FileDb, FileId};
use super::registry;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    pub file: FileId,
    /// 1-based line of the comment.
    pub line: usize,
    /// Byte range of the comment, for diagnostics about it.
    pub span: std::ops::Range<usize>,
    pub rules: Vec<String>,
    pub whole_file: bool,
    pub reason: String,
}

/// A malformed suppression: no rule, or an unknown one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadSuppression {
    pub file: FileId,
    pub span: std::ops::Range<usize>,
    pub message: String,
}

/// Finds the suppression comments of one file.
pub fn scan(file: FileId, text: &str) -> (Vec<Suppression>, Vec<BadSuppression>) {
    let (mut good, mut bad) = (Vec::new(), Vec::new());
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        let Some(at) = line.find("ormlint-ignore") else {
            continue;
        };
        // Only in a comment: `//` or `/*` before it on the line.
        let before = &line[..at];
        if !(before.contains("//") || before.contains("/*")) {
            continue;
        }
        let rest = &line[at + "ormlint-ignore".len()..];
        let (whole_file, rest) = match rest.strip_prefix("-file") {
            Some(r) => (true, r),
            None => (false, rest),
        };
        if !rest.starts_with([' ', '\t']) && !rest.trim().is_empty() {
            continue; // `ormlint-ignored`, some other word
        }
        let rest = rest.trim_end().trim_end_matches("*/").trim();
        let (ids, reason) = match rest.split_once("--") {
            Some((ids, reason)) => (ids, reason.trim().to_string()),
            None => (rest, String::new()),
        };
        let span = start + at..start + line.trim_end().len();
        let rules: Vec<String> = ids
            .split([',', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        if rules.is_empty() {
            bad.push(BadSuppression {
                file,
                span,
                message: "`ormlint-ignore` names no rule; write `// ormlint-ignore RULE -- reason`"
                    .into(),
            });
            continue;
        }
        if let Some(unknown) = rules.iter().find(|r| registry::find(r).is_none()) {
            bad.push(BadSuppression {
                file,
                span,
                message: format!(
                    "in `ormlint-ignore`: {}",
                    registry::unknown_rule_message(unknown)
                ),
            });
            continue;
        }
        let rules = rules
            .iter()
            .filter_map(|r| registry::find(r).map(|x| x.meta().id.to_string()))
            .collect();
        good.push(Suppression {
            file,
            line: i + 1,
            span,
            rules,
            whole_file,
            reason,
        });
    }
    (good, bad)
}

/// Marks diagnostics silenced by a suppression (`suppressed = Some(reason)`)
/// and returns the suppressions that silenced nothing.
pub fn apply(
    diagnostics: &mut [Diagnostic],
    sups: &[Suppression],
    files: &FileDb,
) -> Vec<Suppression> {
    let mut used = vec![false; sups.len()];
    for d in diagnostics.iter_mut() {
        let loc = d.location(files);
        for (i, s) in sups.iter().enumerate() {
            let here = s.file == d.primary.file
                && (s.whole_file || s.line == loc.line || s.line + 1 == loc.line);
            if here && s.rules.iter().any(|r| r == d.rule) {
                d.suppressed = Some(s.reason.clone());
                used[i] = true;
                break;
            }
        }
    }
    sups.iter()
        .zip(used)
        .filter(|(_, u)| !u)
        .map(|(s, _)| s.clone())
        .collect()
}

/// The diagnostics about suppressions themselves.
pub fn report(
    unused: &[Suppression],
    bad: &[BadSuppression],
    severity: Option<Severity>,
) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = bad
        .iter()
        .map(|b| {
            Diagnostic::new(
                "unused-ignore",
                Severity::Error,
                b.message.clone(),
                Span::new(b.file, b.span.clone()),
            )
        })
        .collect();
    if let Some(severity) = severity {
        out.extend(unused.iter().map(|s| {
            let mut d = Diagnostic::new(
                "unused-ignore",
                severity,
                format!(
                    "`ormlint-ignore{}` for `{}` silences nothing",
                    if s.whole_file { "-file" } else { "" },
                    s.rules.join("`, `")
                ),
                Span::new(s.file, s.span.clone()),
            );
            d.help = Some(
                "remove the comment, or move it onto (or just above) the reported line".into(),
            );
            d
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_forms() {
        let text = "fn a() {}\n// ormlint-ignore n-plus-one -- small loop\nx();\n/* ormlint-ignore-file sql-injection, write-in-loop */\n// ormlint-ignore\n// ormlint-ignore n-plus-on -- typo\nlet s = \"ormlint-ignore n-plus-one\";\n";
        let (good, bad) = scan(0, text);
        assert_eq!(good.len(), 2);
        assert_eq!(
            (good[0].line, good[0].rules.clone(), good[0].reason.as_str()),
            (2, vec!["n-plus-one".to_string()], "small loop")
        );
        assert!(good[1].whole_file);
        assert_eq!(good[1].rules, vec!["sql-injection", "write-in-loop"]);
        assert_eq!(bad.len(), 2);
        assert!(bad[0].message.contains("names no rule"));
        assert!(bad[1].message.contains("did you mean `n-plus-one`"));
    }
}
