//! Renderers: they read diagnostics and the summary; they never decide anything.

pub mod github;
pub mod gitlab;
pub mod html;
pub mod human;
pub mod json;
pub mod sarif;

use serde::Serialize;

use crate::engine::{Diagnostic, FileDb, Location};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
    /// GitLab's Code Quality report (`artifacts: reports: codequality`).
    Gitlab,
    /// One self-contained page to read in a browser.
    Html,
}

/// Something the run could not read or judge: counted and shown, never dropped silently.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Skipped {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    pub reason: String,
}

/// Counts for the closing line and the JSON `summary`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Rust files (check, inspect) or log files (replay) read.
    pub files: u64,
    /// Statements read from logs.
    pub statements: u64,
    pub skipped: Vec<Skipped>,
    /// Per-log reading results (replay).
    pub logs: Vec<LogLine>,
}

/// How one log read: shown before the summary line and in JSON `summary.logs`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LogLine {
    pub path: String,
    pub format: String,
    pub statements: u64,
    pub lines: u64,
    /// Skipped lines by reason.
    pub skipped: std::collections::BTreeMap<String, u64>,
    pub problems: u64,
    /// Reading stopped before the end: the line and why (input lost).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<Stopped>,
}

/// Where and why a log's reading stopped early.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Stopped {
    pub line: u64,
    pub reason: String,
}

/// Everything a renderer needs.
pub struct Report<'a> {
    pub files: &'a FileDb,
    /// Sorted with [`crate::engine::diagnostic::sort`].
    pub diagnostics: &'a [Diagnostic],
    pub summary: &'a Summary,
}

impl Report<'_> {
    pub fn location(&self, d: &Diagnostic) -> Location {
        d.location(self.files)
    }
}

/// `1 warning`, `2 notes`.
pub(crate) fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// `1st`, `2nd`, `3rd`, `11th`, `22nd`.
pub(crate) fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// What a finding points at, independent of line numbers: the rule, the
/// path, and the whitespace-normalised text of the reported lines (for logs,
/// the query fingerprint). Used by SARIF `partialFingerprints` and baselines.
pub fn code_hash(d: &Diagnostic, files: &FileDb) -> u64 {
    code_hash_at(d, files, &d.location(files).path)
}

/// [`code_hash`] with the path given another way (GitLab's, relative to the
/// repository root, so that the hash does not depend on the folder ormlint
/// ran in).
pub fn code_hash_at(d: &Diagnostic, files: &FileDb, path: &str) -> u64 {
    let text = files
        .get(d.primary.file)
        .map(|f| f.lines_text(d.primary.range.clone()))
        .unwrap_or("");
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    // A finding in a log is its query shape, whatever the log is called.
    let path = if is_log_finding(path) { "" } else { path };
    stable_hash(&[d.rule, path, &text])
}

/// Findings in logs (not Rust files) are keyed by query shape alone.
pub fn is_log_finding(path: &str) -> bool {
    !path.ends_with(".rs")
}

/// A deterministic 64-bit FNV-1a hash, for fingerprints that must not change
/// between runs, machines or versions.
pub(crate) fn stable_hash(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0xff)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// A JSON document written while it is built: a long array (the findings)
/// is made one element at a time, so output of any size needs memory for
/// one element, not for the whole document twice (as a `Value` tree and as
/// text). The bytes are those of `serde_json::to_string_pretty` on the
/// same document.
pub(crate) enum Node<'a> {
    Value(serde_json::Value),
    /// Fields in the order written, which must be sorted, as serde_json
    /// sorts the keys of a `Value`.
    Object(Vec<(&'static str, Node<'a>)>),
    Array(Vec<Node<'a>>),
    Stream(std::cell::RefCell<Box<dyn Iterator<Item = serde_json::Value> + 'a>>),
}

impl<'a> Node<'a> {
    pub(crate) fn object(fields: Vec<(&'static str, Node<'a>)>) -> Node<'a> {
        debug_assert!(fields.windows(2).all(|w| w[0].0 < w[1].0), "keys in order");
        Node::Object(fields)
    }
}

impl Serialize for Node<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            Node::Value(v) => v.serialize(s),
            Node::Object(fields) => {
                let mut m = s.serialize_map(Some(fields.len()))?;
                for (k, v) in fields {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
            Node::Array(items) => s.collect_seq(items),
            Node::Stream(items) => {
                let mut items = items.borrow_mut();
                s.collect_seq(&mut *items)
            }
        }
    }
}

/// Writes `doc` pretty-printed, with a final newline.
pub(crate) fn write_json(doc: &Node<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::with_capacity(1 << 16, out);
    serde_json::to_writer_pretty(&mut w, doc)?;
    std::io::Write::write_all(&mut w, b"\n")?;
    std::io::Write::flush(&mut w)
}

/// A renderer's output as a string (tests, and formats that are small).
pub(crate) fn to_text(
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> String {
    let mut buf = Vec::new();
    let _ = write(&mut buf);
    String::from_utf8(buf).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn ordinals() {
        let got: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 103, 111]
            .into_iter()
            .map(super::ordinal)
            .collect();
        assert_eq!(
            got,
            [
                "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "103rd",
                "111th"
            ]
        );
    }
}
