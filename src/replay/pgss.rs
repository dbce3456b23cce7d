//! `replay --pg-stat-statements FILE`: an export of PostgreSQL's
//! `pg_stat_statements` view, for databases whose statement log cannot be
//! had (managed PostgreSQL). One row per normalised statement: its text
//! (constants already `$n`), calls, total and mean time, rows.
//!
//! Read as exported by psql, in either form:
//!
//! ```text
//! \copy (SELECT * FROM pg_stat_statements) TO 'pgss.csv' CSV HEADER
//! \copy (SELECT row_to_json(s) FROM pg_stat_statements s) TO 'pgss.json'
//! ```
//!
//! (a JSON array, `json_agg(s)`, is read too). PostgreSQL 13 renamed the
//! time columns: `total_exec_time`/`mean_exec_time` (13+) and
//! `total_time`/`mean_time` (before) are both read.

use std::path::Path;

use super::pg_csv::split_fields;

/// One statement of the view.
#[derive(Clone, Debug, PartialEq)]
pub struct StatRow {
    pub query: String,
    pub calls: u64,
    /// Total execution time, in milliseconds.
    pub total_ms: f64,
    pub rows: u64,
    /// Where the row starts in the file (1-based line).
    pub line: u64,
}

#[derive(Clone, Debug, Default)]
pub struct StatFile {
    pub rows: Vec<StatRow>,
    /// Rows that could not be read: (line, why).
    pub problems: Vec<(u64, String)>,
    pub lines: u64,
    pub bytes: u64,
}

/// Reads an export; an unreadable file or one with no query column is an
/// error, a bad row is a problem and the rest is read.
pub fn read(path: &Path) -> Result<StatFile, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse(&bytes)
}

/// Reads an export from its bytes (invalid UTF-8 is replaced).
pub fn parse(bytes: &[u8]) -> Result<StatFile, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = String::from_utf8_lossy(bytes);
    let mut out = if text.trim_start().starts_with(['[', '{']) {
        read_json(&text)?
    } else {
        read_csv(&text)?
    };
    out.bytes = bytes.len() as u64;
    out.lines = text.lines().count() as u64;
    Ok(out)
}

/// The time columns under either name.
const TOTAL: [&str; 2] = ["total_exec_time", "total_time"];
const MEAN: [&str; 2] = ["mean_exec_time", "mean_time"];

fn row_of(get: &dyn Fn(&str) -> Option<String>, line: u64) -> Result<Option<StatRow>, String> {
    let Some(query) = get("query") else {
        return Err("no `query` value".into());
    };
    let num = |names: &[&str]| -> Result<Option<f64>, String> {
        for n in names {
            if let Some(v) = get(n) {
                if v.is_empty() {
                    return Ok(None);
                }
                return v
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .map(Some)
                    .ok_or_else(|| {
                        format!("`{n}` is not a number: `{}`", crate::util::shorten(&v, 20))
                    });
            }
        }
        Ok(None)
    };
    // Beyond 2^53 a count is no longer exact, and sums of such would overflow.
    const MAX: f64 = 9_007_199_254_740_992.0;
    let calls = num(&["calls"])?.unwrap_or(0.0).max(0.0);
    if calls > MAX {
        return Err(format!("`calls` is out of range: {calls}"));
    }
    let calls = calls as u64;
    let total = match num(&TOTAL)? {
        Some(t) => t,
        None => num(&MEAN)?.unwrap_or(0.0) * calls as f64,
    };
    let rows = num(&["rows"])?.unwrap_or(0.0).clamp(0.0, MAX) as u64;
    // `<insufficient privilege>` rows and statements never called say
    // nothing about the workload.
    if calls == 0 || query.starts_with('<') {
        return Ok(None);
    }
    Ok(Some(StatRow {
        query,
        calls,
        total_ms: total.max(0.0),
        rows,
        line,
    }))
}

fn read_csv(text: &str) -> Result<StatFile, String> {
    let mut out = StatFile::default();
    let mut records = records(text);
    let Some((_, header)) = records.next() else {
        return Err("empty pg_stat_statements export".into());
    };
    let mut fields = Vec::new();
    split_fields(header, &mut fields);
    let names: Vec<String> = fields
        .iter()
        .map(|&(a, b, _)| header[a..b].trim().to_ascii_lowercase())
        .collect();
    if !names.iter().any(|n| n == "query") {
        return Err(
            "no `query` column: export with `CSV HEADER` (see `ormlint replay --help`)".into(),
        );
    }
    for (line, rec) in records {
        if rec.trim().is_empty() {
            continue;
        }
        if !split_fields(rec, &mut fields) {
            out.problems.push((line, "broken quoting".into()));
            continue;
        }
        let get = |name: &str| -> Option<String> {
            let i = names.iter().position(|n| n == name)?;
            let &(a, b, doubled) = fields.get(i)?;
            let v = &rec[a..b];
            Some(if doubled {
                v.replace("\"\"", "\"")
            } else {
                v.to_string()
            })
        };
        match row_of(&get, line) {
            Ok(Some(r)) => out.rows.push(r),
            Ok(None) => {}
            Err(e) => out.problems.push((line, e)),
        }
    }
    Ok(out)
}

/// CSV records with their first line: a newline inside quotes (a query
/// over several lines) does not end one.
fn records(text: &str) -> impl Iterator<Item = (u64, &str)> {
    let mut rest = text;
    let mut line = 1u64;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let b = rest.as_bytes();
        let mut quoted = false;
        let mut end = b.len();
        for (i, &c) in b.iter().enumerate() {
            match c {
                b'"' => quoted = !quoted,
                b'\n' if !quoted => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        let rec = rest[..end].trim_end_matches('\r');
        let first = line;
        line += rest[..end].matches('\n').count() as u64 + 1;
        rest = rest.get(end + 1..).unwrap_or("");
        Some((first, rec))
    })
}

fn read_json(text: &str) -> Result<StatFile, String> {
    let mut out = StatFile::default();
    let value_of = |o: &serde_json::Map<String, serde_json::Value>, k: &str| -> Option<String> {
        match o.get(k)? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            serde_json::Value::Null => Some(String::new()),
            other => Some(other.to_string()),
        }
    };
    let take = |o: &serde_json::Map<String, serde_json::Value>, line: u64, out: &mut StatFile| {
        match row_of(&|k| value_of(o, k), line) {
            Ok(Some(r)) => out.rows.push(r),
            Ok(None) => {}
            Err(e) => out.problems.push((line, e)),
        }
    };
    if text.trim_start().starts_with('[') {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not a JSON array of rows: {e}"))?;
        for o in v.as_array().into_iter().flatten() {
            match o.as_object() {
                Some(o) => take(o, 1, &mut out),
                None => out
                    .problems
                    .push((1, "an array element is not an object".into())),
            }
        }
    } else {
        for (i, l) in text.lines().enumerate() {
            let line = i as u64 + 1;
            if l.trim().is_empty() {
                continue;
            }
            // `\copy … TO` writes COPY's text format, which escapes every
            // backslash of the JSON again (`\\n`); read it unescaped, else
            // as it is (`psql -At` output).
            let parsed = copy_unescaped(l)
                .and_then(|u| serde_json::from_str::<serde_json::Value>(&u).ok())
                .map_or_else(|| serde_json::from_str::<serde_json::Value>(l), Ok);
            match parsed {
                Ok(serde_json::Value::Object(o)) => take(&o, line, &mut out),
                Ok(_) => out.problems.push((line, "not a JSON object".into())),
                Err(e) => out.problems.push((line, format!("not JSON: {e}"))),
            }
        }
    }
    Ok(out)
}

/// A line of COPY's text format with its backslash escapes undone; `None`
/// when it has none.
fn copy_unescaped(line: &str) -> Option<String> {
    if !line.contains('\\') {
        return None;
    }
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('v') => out.push('\u{b}'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_from_postgres_13_and_later() {
        let csv = "userid,dbid,toplevel,queryid,query,plans,total_plan_time,calls,total_exec_time,mean_exec_time,rows\n\
            10,5,t,-42,\"SELECT a, b\nFROM t WHERE s = $1 AND n = 'x'\"\"y'\",0,0,12,30.5,2.54,12\n\
            10,5,t,7,<insufficient privilege>,0,0,3,1,0.3,3\n\
            10,5,t,8,SELECT $1,0,0,oops,1,1,1\n";
        let f = read_csv(csv).unwrap();
        assert_eq!(
            f.rows,
            [StatRow {
                query: "SELECT a, b\nFROM t WHERE s = $1 AND n = 'x'\"y'".into(),
                calls: 12,
                total_ms: 30.5,
                rows: 12,
                line: 2,
            }]
        );
        assert_eq!(
            f.problems,
            [(5, "`calls` is not a number: `oops`".to_string())]
        );
    }

    /// Random pieces of CSV, JSON and COPY text: no panic, no hang.
    #[test]
    fn any_bytes_are_read_or_refused() {
        let pieces: [&[u8]; 14] = [
            b"query",
            b",",
            b"\"",
            b"\n",
            b"\\",
            b"calls",
            b"{",
            b"}",
            b"[",
            b"1e309",
            b"\"query\":",
            b"-",
            b"\xff",
            b"total_time",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            let mut input = Vec::new();
            let n = (seed >> 59) as usize;
            for _ in 0..n {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                input.extend_from_slice(pieces[(seed % pieces.len() as u64) as usize]);
            }
            if let Ok(f) = parse(&input) {
                assert!(f.rows.iter().all(|r| r.calls > 0 && r.total_ms >= 0.0));
            }
        }
    }

    #[test]
    fn json_from_postgres_12_and_earlier() {
        let json = "{\"query\":\"SELECT * FROM t WHERE id = $1\",\"calls\":4,\"total_time\":2.0,\"mean_time\":0.5,\"rows\":4}\n\
            not json\n\
            {\"query\":\"SELECT 1\",\"calls\":2,\"mean_time\":1.5,\"rows\":2}\n";
        let f = read_json(json).unwrap();
        assert_eq!(f.rows.len(), 2);
        assert_eq!((f.rows[0].calls, f.rows[0].total_ms), (4, 2.0));
        // Only the mean: total is calls × mean.
        assert_eq!((f.rows[1].total_ms, f.rows[1].line), (3.0, 3));
        assert_eq!(f.problems.len(), 1);
        assert_eq!(f.problems[0].0, 2);
        // As `\copy (SELECT row_to_json(s) …) TO 'f'` writes it.
        let copied = r#"{"query":"SELECT a\\nFROM t WHERE b = \\"x\\"","calls":1,"total_exec_time":1.5,"rows":1}"#;
        assert_eq!(
            read_json(copied).unwrap().rows[0].query,
            "SELECT a\nFROM t WHERE b = \"x\""
        );
        let arr = "[{\"query\":\"SELECT 2\",\"calls\":1,\"total_exec_time\":0.25,\"rows\":1}]";
        assert_eq!(read_json(arr).unwrap().rows[0].total_ms, 0.25);
    }
}
