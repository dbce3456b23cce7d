//! PostgreSQL csvlog (`log_destination = 'csvlog'`).
//!
//! RFC 4180 records; a quoted field may hold newlines and doubled quotes, so a
//! record ends at the first line end outside quotes. Columns are taken by
//! position, which every version from 9.0 (23 columns) to 14+ (26) shares:
//! log_time 0, user 1, database 2, pid 3, session_id 5, vxid 9, xid 10,
//! severity 11, message 13, detail 14, query 19, application_name 22.
//!
//! A quote left open would swallow the rest of the file; so while inside
//! quotes, a line that starts like a new record (`YYYY-MM-DD HH:MM:SS… zone,`)
//! ends the broken record, which is reported as "malformed csv record".

use super::lines::LineSource;
use super::pg_common::{hash_bytes, Assembler, Meta, Sev, Span};
use super::time::parse_iso;
use super::{QueryEvent, ReadStats};
use std::borrow::Cow;

pub(crate) struct Reader {
    src: LineSource,
    asm: Assembler,
    rec: String,
    rec_cap: usize,
    span: Span,
    quotes: u64,
    truncated: bool,
    active: bool,
    fields: Vec<(usize, usize, bool)>,
    eof: bool,
}

/// Does `line` look like the first line of a csvlog record (log_time, quoted
/// or not, then a comma)?
pub(crate) fn record_start(line: &str) -> bool {
    let (line, quoted) = match line.strip_prefix('"') {
        Some(l) => (l, true),
        None => (line, false),
    };
    match parse_iso(line) {
        Some((_, n)) => {
            let rest = &line.as_bytes()[n..];
            if quoted {
                rest.starts_with(b"\",")
            } else {
                rest.first() == Some(&b',')
            }
        }
        None => false,
    }
}

/// Splits a record into field ranges `(start, end, has_doubled_quotes)`.
/// Returns false when the quoting is broken (parsed leniently anyway).
pub(crate) fn split_fields(rec: &str, out: &mut Vec<(usize, usize, bool)>) -> bool {
    out.clear();
    let b = rec.as_bytes();
    let mut ok = true;
    let mut i = 0;
    loop {
        if b.get(i) == Some(&b'"') {
            let start = i + 1;
            let mut j = start;
            let mut esc = false;
            loop {
                match memchr::memchr(b'"', &b[j..]) {
                    Some(q) => {
                        let q = j + q;
                        if b.get(q + 1) == Some(&b'"') {
                            esc = true;
                            j = q + 2;
                        } else {
                            out.push((start, q, esc));
                            i = q + 1;
                            break;
                        }
                    }
                    None => {
                        out.push((start, b.len(), esc));
                        i = b.len();
                        ok = false;
                        break;
                    }
                }
            }
            if i < b.len() && b[i] != b',' {
                ok = false;
                i = memchr::memchr(b',', &b[i..]).map_or(b.len(), |c| i + c);
            }
        } else {
            let end = memchr::memchr(b',', &b[i..]).map_or(b.len(), |c| i + c);
            out.push((i, end, false));
            i = end;
        }
        if i >= b.len() {
            break;
        }
        i += 1; // the comma
        if i == b.len() {
            out.push((i, i, false));
            break;
        }
    }
    ok
}

impl Reader {
    pub fn new(src: LineSource, cap: usize) -> Self {
        Reader {
            src,
            asm: Assembler::new(cap),
            rec: String::new(),
            rec_cap: cap.saturating_add(64 << 10),
            span: Span::default(),
            quotes: 0,
            truncated: false,
            active: false,
            fields: Vec::new(),
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
                if self.active {
                    let complete = self.quotes % 2 == 0;
                    if !complete {
                        stats.problem(
                            self.span.first_line,
                            "truncated last entry (quoted field not closed)".to_string(),
                        );
                    }
                    self.finish_record(stats, complete);
                }
                self.asm.finish();
                self.eof = true;
                continue;
            }
            let line_no = self.src.line_no;
            self.src.warn_no_newline(stats);
            if self.active && record_start(self.src.current_str()) {
                // An unclosed quote ran into the next record.
                stats.problem(
                    self.span.first_line,
                    "malformed csv record (quote not closed)".to_string(),
                );
                self.finish_record(stats, false);
            }
            let line = self.src.current_str();
            let q = memchr::memchr_iter(b'"', line.as_bytes()).count() as u64;
            if !self.active {
                self.active = true;
                self.rec.clear();
                self.quotes = 0;
                self.truncated = false;
                self.span = Span {
                    first_line: line_no,
                    last_line: line_no,
                    byte_start: self.src.line_start,
                    byte_end: self.src.pos,
                };
            } else {
                self.span.last_line = line_no;
                self.span.byte_end = self.src.pos;
                if !self.truncated {
                    self.rec.push('\n');
                }
            }
            self.quotes += q;
            if self.src.truncated {
                self.truncated = true;
            }
            if !self.truncated || self.rec.is_empty() {
                if self.rec.len() + line.len() > self.rec_cap {
                    self.rec.push_str(line);
                    super::truncate_str(&mut self.rec, self.rec_cap);
                    self.truncated = true;
                } else {
                    self.rec.push_str(line);
                }
            }
            if self.quotes % 2 == 0 {
                self.finish_record(stats, true);
            }
        }
    }

    fn finish_record(&mut self, stats: &mut ReadStats, complete: bool) {
        self.active = false;
        let span = self.span;
        let well_formed = split_fields(&self.rec, &mut self.fields) && complete;
        let rec = self.rec.as_str();
        let fields = &self.fields;
        let get = |i: usize| -> Option<Cow<'_, str>> {
            let &(s, e, esc) = fields.get(i)?;
            let v = &rec[s..e];
            Some(if esc {
                Cow::Owned(v.replace("\"\"", "\""))
            } else {
                Cow::Borrowed(v)
            })
        };
        let sev = get(11).and_then(|s| Sev::from_word(&s));
        let (Some(sev), true) = (sev, fields.len() >= 14) else {
            stats.problem(span.first_line, "malformed csv record".to_string());
            stats.skip("malformed csv record", span.lines());
            return;
        };
        if !well_formed && complete {
            stats.problem(
                span.first_line,
                "malformed csv record (bad quoting)".to_string(),
            );
        }
        let pid = get(3);
        let session = get(5);
        let key = match (&session, &pid) {
            (Some(s), _) if !s.is_empty() => hash_bytes(s.as_bytes()),
            (_, Some(p)) if !p.is_empty() => hash_bytes(p.as_bytes()),
            _ => 0,
        };
        let message = get(13).unwrap_or(Cow::Borrowed(""));
        let detail = get(14).filter(|d| !d.is_empty());
        let query = get(19).filter(|d| !d.is_empty());
        let own = |v: Option<Cow<'_, str>>| v.filter(|s| !s.is_empty()).map(Cow::into_owned);
        let meta = || {
            let txn = match (own(get(9)), own(get(10))) {
                (Some(v), _) => Some(v),
                (None, Some(x)) if x != "0" => Some(x),
                _ => None,
            };
            Meta {
                at_micros: get(0).and_then(|t| parse_iso(&t).map(|(v, _)| v)),
                session: own(session.clone()).or_else(|| own(pid.clone())),
                txn,
                application: own(get(22)),
                user: own(get(1)),
                database: own(get(2)),
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
            self.truncated,
            meta,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields() {
        let mut v = Vec::new();
        let rec = "a,\"b,\"\"c\"\"\",,\"x\ny\",";
        assert!(split_fields(rec, &mut v));
        let got: Vec<&str> = v.iter().map(|&(s, e, _)| &rec[s..e]).collect();
        assert_eq!(got, vec!["a", "b,\"\"c\"\"", "", "x\ny", ""]);
        assert!(v[1].2);
        assert!(!split_fields("\"open", &mut v));
        assert!(record_start("2026-11-22 09:52:06.346 UTC,,,725"));
        assert!(!record_start("SELECT 1"));
        assert!(record_start("\"2026-05-16 05:11:50.269 UTC\",\"u\""));
    }
}
