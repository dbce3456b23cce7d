//! Generic JSON lines: one JSON object per line, written by an application
//! or a proxy. Recognised fields (the first present wins):
//!
//! | field | keys | value |
//! |---|---|---|
//! | SQL (required) | `sql`, `query`, `statement` | string |
//! | parameters | `params`, `parameters`, `binds` | array of scalars (`null` → absent value), or an object name → value, ordered by the number in the name (`$1`, `p2`, `3`) when every name has one, else by name |
//! | time | `ts`, `timestamp`, `time`, `at` | RFC 3339 / `YYYY-MM-DD HH:MM:SS[.f][ zone]` string, or epoch number (seconds, ms, µs or ns, by magnitude) |
//! | duration | `duration_ms`, `duration` (both milliseconds), `duration_us` (µs) | number or numeric string |
//! | session | `session`, `session_id`, `connection`, `connection_id`, `conn_id`, `pid` | string or number |
//! | request | `request`, `request_id`, `trace_id` | string or number |
//! | transaction | `txn`, `txn_id`, `transaction`, `transaction_id`, `xid` | string or number |
//! | application | `app`, `application`, `application_name` | string |
//! | user | `user`, `username` | string |
//! | database | `db`, `database`, `dbname` | string |
//!
//! Non-scalar parameter values are kept as their JSON text. A line that is not
//! JSON, not an object, or has no SQL field is skipped with a located problem.

use super::lines::LineSource;
use super::pg_json::{field, json_time, scalar};
use super::{human_bytes, truncate_str, QueryEvent, ReadStats};
use serde_json::Value;
use std::borrow::Cow;

pub(crate) struct Reader {
    src: LineSource,
    cap: usize,
    eof: bool,
}

fn param(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        other => Some(match scalar(other) {
            Some(s) => s.into_owned(),
            None => other.to_string(),
        }),
    }
}

fn trailing_number(k: &str) -> Option<u64> {
    let digits = k.bytes().rev().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return None;
    }
    k[k.len() - digits..].parse().ok()
}

fn params(v: &Value) -> Vec<Option<String>> {
    match v {
        Value::Array(a) => a.iter().map(param).collect(),
        Value::Object(o) => {
            let mut items: Vec<(&String, &Value)> = o.iter().collect();
            if items.iter().all(|(k, _)| trailing_number(k).is_some()) {
                items.sort_by_key(|(k, _)| trailing_number(k));
            }
            items.into_iter().map(|(_, v)| param(v)).collect()
        }
        other => vec![param(other)],
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl Reader {
    pub fn new(src: LineSource, cap: usize) -> Self {
        Reader {
            src,
            cap,
            eof: false,
        }
    }

    pub fn next_event(&mut self, stats: &mut ReadStats) -> Option<QueryEvent> {
        loop {
            if self.eof || !self.src.next_line(stats) {
                self.eof = true;
                return None;
            }
            let line_no = self.src.line_no;
            let line = self.src.current_str();
            if line.trim().is_empty() {
                stats.skip("blank line", 1);
                continue;
            }
            let v: Value = match serde_json::from_str(line) {
                Ok(v) => v,
                Err(e) => {
                    let msg = self.src.json_error(&e);
                    stats.problem(line_no, msg);
                    stats.skip("invalid JSON line", 1);
                    continue;
                }
            };
            let Value::Object(o) = &v else {
                stats.problem(line_no, "JSON line is not an object".to_string());
                stats.skip("JSON line is not an object", 1);
                continue;
            };
            let Some(sql) = field(o, &["sql", "query", "statement"]) else {
                stats.problem(line_no, "no sql/query/statement field".to_string());
                stats.skip("no SQL field", 1);
                continue;
            };
            let mut sql = sql.into_owned();
            if truncate_str(&mut sql, self.cap) {
                stats.problem(
                    line_no,
                    format!("statement truncated at {}", human_bytes(self.cap)),
                );
            }
            let own = |k: &[&str]| field(o, k).map(Cow::into_owned);
            let duration_ms = o
                .get("duration_ms")
                .or_else(|| o.get("duration"))
                .and_then(number)
                .or_else(|| o.get("duration_us").and_then(number).map(|u| u / 1000.0));
            let ev = QueryEvent {
                sql,
                params: ["params", "parameters", "binds"]
                    .iter()
                    .find_map(|k| o.get(*k))
                    .map(params)
                    .unwrap_or_default(),
                at_micros: ["ts", "timestamp", "time", "at"]
                    .iter()
                    .filter_map(|k| o.get(*k))
                    .find_map(json_time),
                duration_ms,
                session: own(&[
                    "session",
                    "session_id",
                    "connection",
                    "connection_id",
                    "conn_id",
                    "pid",
                ]),
                txn: own(&["txn", "txn_id", "transaction", "transaction_id", "xid"]),
                request: own(&["request", "request_id", "trace_id"]),
                application: own(&["app", "application", "application_name"]),
                user: own(&["user", "username"]),
                database: own(&["db", "database", "dbname"]),
                first_line: line_no,
                last_line: line_no,
                byte_start: self.src.line_start,
                byte_end: self.src.pos,
            };
            self.src.warn_no_newline(stats);
            return Some(ev);
        }
    }
}
