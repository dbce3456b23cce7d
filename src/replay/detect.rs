//! Format detection from the first lines of a log.

use super::mysql_general::parse_entry;
use super::pg_common::Sev;
use super::pg_csv::{record_start, split_fields};
use super::pg_prefix::find_marker;
use super::LogFormat;
use serde_json::Value;

/// Lines looked at.
const MAX_LINES: usize = 400;

fn json_kind(line: &str) -> Option<LogFormat> {
    let Ok(Value::Object(o)) = serde_json::from_str::<Value>(line) else {
        return None;
    };
    let rec = match o.get("record") {
        Some(Value::Object(r)) => r,
        _ => &o,
    };
    if rec.contains_key("error_severity") || matches!(o.get("textPayload"), Some(Value::String(_)))
    {
        return Some(LogFormat::PgJson);
    }
    if ["sql", "query", "statement"]
        .iter()
        .any(|k| matches!(o.get(*k), Some(Value::String(_))))
    {
        return Some(LogFormat::JsonLines);
    }
    None
}

fn is_csv_record(line: &str) -> bool {
    if !record_start(line) {
        return false;
    }
    let mut f = Vec::new();
    split_fields(line, &mut f);
    f.get(11)
        .is_some_and(|&(s, e, _)| Sev::from_word(&line[s..e]).is_some())
}

/// Guesses the format from the start of a log (a few KB are enough). Each
/// line votes for the format it fits; the most votes win. `None` when no line
/// fits any format.
pub fn detect_format(head: &[u8]) -> Option<LogFormat> {
    let text = String::from_utf8_lossy(head);
    let mut lines: Vec<&str> = text.split('\n').take(MAX_LINES + 1).collect();
    if lines.len() > MAX_LINES || (!head.ends_with(b"\n") && lines.len() > 1) {
        lines.pop(); // possibly cut
    }
    // One line longer than the whole head (a multi-megabyte statement):
    // judge it by its start.
    if lines.len() == 1 && !head.ends_with(b"\n") {
        let l = lines[0];
        if l.starts_with('{') {
            if l.contains("\"error_severity\"") {
                return Some(LogFormat::PgJson);
            }
            if ["\"sql\"", "\"query\"", "\"statement\""]
                .iter()
                .any(|k| l.contains(k))
            {
                return Some(LogFormat::JsonLines);
            }
        }
        if l.starts_with("# Time:")
            || l.starts_with("# User@Host:")
            || l.starts_with("# Query_time:")
        {
            return Some(LogFormat::MysqlSlow);
        }
        if find_marker(l).is_some() {
            return Some(LogFormat::PgStderr);
        }
    }
    let mut votes = [0u32; 6];
    let idx = |f: LogFormat| LogFormat::ALL.iter().position(|g| *g == f).unwrap_or(0);
    for line in lines {
        let l = line.strip_suffix('\r').unwrap_or(line);
        if l.trim().is_empty() {
            continue;
        }
        if l.starts_with('{') {
            if let Some(f) = json_kind(l) {
                votes[idx(f)] += 1;
            }
            continue;
        }
        if l.starts_with("# Time:")
            || l.starts_with("# User@Host:")
            || l.starts_with("# Query_time:")
            || l.starts_with("# Thread_id:")
        {
            votes[idx(LogFormat::MysqlSlow)] += 2;
        } else if is_csv_record(l) {
            votes[idx(LogFormat::PgCsv)] += 1;
        } else if parse_entry(l).is_some() {
            votes[idx(LogFormat::MysqlGeneral)] += 1;
        } else if !l.starts_with('\t') && find_marker(l).is_some() {
            votes[idx(LogFormat::PgStderr)] += 1;
        }
    }
    let (best, n) = votes
        .iter()
        .enumerate()
        .max_by_key(|(i, n)| (**n, std::cmp::Reverse(*i)))?;
    if *n == 0 {
        return None;
    }
    LogFormat::ALL.get(best).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects() {
        assert_eq!(
            detect_format(
                b"2019-10-21 12:03:31.311 MSK [5133] LOG:  duration: 0.007 ms  statement: BEGIN;\n"
            ),
            Some(LogFormat::PgStderr)
        );
        assert_eq!(
            detect_format(b"2026-11-22 09:52:06.346 UTC,,,725,,6b02bb46.2d5,1,,2026-11-22 09:52:06 UTC,,0,LOG,00000,\"x\",,,,,,,,,\"\",\"postmaster\",,0\n"),
            Some(LogFormat::PgCsv)
        );
        assert_eq!(
            detect_format(b"{\"timestamp\":\"2026-11-22 09:52:06.346 UTC\",\"error_severity\":\"LOG\",\"message\":\"x\"}\n"),
            Some(LogFormat::PgJson)
        );
        assert_eq!(
            detect_format(b"{\"sql\":\"SELECT 1\"}\n"),
            Some(LogFormat::JsonLines)
        );
        assert_eq!(
            detect_format(b"# Time: 071015 21:43:52\n# User@Host: root[root] @ localhost []\n"),
            Some(LogFormat::MysqlSlow)
        );
        assert_eq!(
            detect_format(b"2016-06-07T19:07:02.558581Z    4 Query\tSET x = 1\n"),
            Some(LogFormat::MysqlGeneral)
        );
        assert_eq!(detect_format(b"hello world\n"), None);
        assert_eq!(detect_format(b""), None);
        assert_eq!(detect_format(&[0xff, 0xfe, 0x00, 0x01]), None);
    }
}
