//! PostgreSQL JSON logs, one object per line:
//!
//! * native jsonlog (PostgreSQL 15+): `timestamp`, `user`, `dbname`, `pid`,
//!   `session_id`, `vxid`, `txid`, `error_severity`, `message`, `detail`,
//!   `statement`, `application_name`;
//! * CloudNativePG: the csvlog columns under `record` (`log_time`,
//!   `user_name`, `database_name`, `process_id`, `session_id`,
//!   `virtual_transaction_id`, `transaction_id`, `error_severity`, `message`,
//!   `detail`, `query`, `application_name`); other operator lines are skipped;
//! * Google Cloud SQL (Cloud Logging export): a stderr line in `textPayload`,
//!   read like the stderr format, with the entry's `timestamp` as the time when
//!   the prefix has none. Cloud Logging exports are often newest-first; a
//!   message split over several entries is joined in file order only.

use super::lines::LineSource;
use super::pg_common::{hash_bytes, Assembler, Meta, Sev, Span};
use super::pg_prefix::PrefixTemplate;
use super::pg_stderr::{LinePos, StderrState};
use super::time::{epoch_to_micros, parse_any};
use super::{QueryEvent, ReadStats};
use serde_json::{Map, Value};
use std::borrow::Cow;

pub(crate) struct Reader {
    src: LineSource,
    asm: Assembler,
    text: StderrState,
    eof: bool,
}

/// A scalar JSON value as text (strings borrowed, numbers/bools printed).
pub(crate) fn scalar(v: &Value) -> Option<Cow<'_, str>> {
    match v {
        Value::String(s) => Some(Cow::Borrowed(s.as_str())),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(Cow::Owned(b.to_string())),
        _ => None,
    }
}

/// First of `keys` present in `o` with a non-empty scalar value.
pub(crate) fn field<'a>(o: &'a Map<String, Value>, keys: &[&str]) -> Option<Cow<'a, str>> {
    keys.iter()
        .filter_map(|k| o.get(*k))
        .filter_map(scalar)
        .find(|s| !s.is_empty())
}

/// Time of a JSON value: string (ISO / PostgreSQL style / epoch text) or epoch number.
pub(crate) fn json_time(v: &Value) -> Option<i64> {
    match v {
        Value::String(s) => parse_any(s),
        Value::Number(n) => n.as_f64().and_then(epoch_to_micros),
        _ => None,
    }
}

impl Reader {
    pub fn new(src: LineSource, tpl: Option<PrefixTemplate>, cap: usize) -> Self {
        Reader {
            src,
            asm: Assembler::new(cap),
            text: StderrState::new(tpl, cap),
            eof: false,
        }
    }

    pub fn next_event(&mut self, stats: &mut ReadStats) -> Option<QueryEvent> {
        loop {
            if let Some(ev) = self.asm.pop(self.src.line_no) {
                return Some(ev);
            }
            if self.eof {
                return None;
            }
            if !self.src.next_line(stats) {
                self.text.flush(&mut self.asm, stats);
                self.asm.finish();
                self.eof = true;
                continue;
            }
            let line = self.src.current_str();
            let span = Span {
                first_line: self.src.line_no,
                last_line: self.src.line_no,
                byte_start: self.src.line_start,
                byte_end: self.src.pos,
            };
            if line.trim().is_empty() {
                stats.skip("blank line", 1);
                continue;
            }
            let v: Value = match serde_json::from_str(line) {
                Ok(v) => v,
                Err(e) => {
                    let msg = self.src.json_error(&e);
                    stats.problem(span.first_line, msg);
                    stats.skip("invalid JSON line", 1);
                    continue;
                }
            };
            let Value::Object(top) = &v else {
                stats.skip("JSON line is not an object", 1);
                continue;
            };
            if let Some(Value::String(text)) = top.get("textPayload") {
                let at = top.get("timestamp").and_then(json_time);
                let pos = LinePos {
                    line_no: span.first_line,
                    start: span.byte_start,
                    end: span.byte_end,
                    truncated: false,
                };
                for (i, part) in text.split('\n').enumerate() {
                    let part = part.strip_suffix('\r').unwrap_or(part);
                    if i > 0 {
                        // An embedded newline: PostgreSQL would have written a TAB after it.
                        let cont = if part.starts_with('\t') {
                            Cow::Borrowed(part)
                        } else {
                            Cow::Owned(format!("\t{part}"))
                        };
                        self.text.feed(&mut self.asm, stats, &cont, pos, at);
                    } else {
                        self.text.feed(&mut self.asm, stats, part, pos, at);
                    }
                }
                continue;
            }
            let rec = match top.get("record") {
                Some(Value::Object(r)) => r,
                _ => top,
            };
            let Some(sev) = field(rec, &["error_severity"]).and_then(|s| Sev::from_word(&s)) else {
                stats.skip("not a postgres log record", 1);
                continue;
            };
            // A JSON record stands alone: end any textPayload record first.
            self.text.flush(&mut self.asm, stats);
            let pid = field(rec, &["pid", "process_id"]);
            let session = field(rec, &["session_id"]);
            let key = match (&session, &pid) {
                (Some(s), _) => hash_bytes(s.as_bytes()),
                (None, Some(p)) => hash_bytes(p.as_bytes()),
                _ => 0,
            };
            let message = field(rec, &["message"]).unwrap_or(Cow::Borrowed(""));
            let detail = field(rec, &["detail"]);
            let query = field(rec, &["statement", "query"]);
            let meta = || {
                let own = |k: &[&str]| field(rec, k).map(Cow::into_owned);
                let txn = match (
                    own(&["vxid", "virtual_transaction_id"]),
                    own(&["txid", "transaction_id"]),
                ) {
                    (Some(v), _) => Some(v),
                    (None, Some(x)) if x != "0" => Some(x),
                    _ => None,
                };
                Meta {
                    at_micros: ["timestamp", "log_time"]
                        .iter()
                        .filter_map(|k| rec.get(*k))
                        .find_map(json_time),
                    session: session.clone().or_else(|| pid.clone()).map(Cow::into_owned),
                    txn,
                    application: own(&["application_name"]),
                    user: own(&["user", "user_name"]),
                    database: own(&["dbname", "database_name"]),
                }
            };
            self.asm.main_record(
                stats,
                key,
                sev,
                &message,
                detail.as_deref(),
                query.as_deref(),
                span,
                false,
                meta,
            );
        }
    }
}
