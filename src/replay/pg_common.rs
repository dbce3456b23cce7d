//! What the three PostgreSQL readers share: message classification, bind
//! parameter parsing, and the [`Assembler`] that pairs records of one session.
//!
//! Policy (all three formats):
//! * `statement: …` and `execute <name>: …` (optionally after `duration: X ms  `)
//!   are statements. `execute fetch from …` (another fetch from an open portal)
//!   and `parse …`/`bind …` steps are skipped, so nothing is counted twice.
//! * A `DETAIL:  parameters: $1 = '…'` record (stderr) attaches to the statement
//!   just logged by the same session; csv/json carry it in the record itself.
//! * A lone `duration: X ms` (`log_duration`, or `log_min_duration_statement`
//!   after `log_statement` already logged the text) attaches to the statement
//!   still held for that session. To allow that, a statement is held until the
//!   same session logs another record, or [`WINDOW_LINES`] lines pass; events
//!   still come out in log order.
//! * `ERROR`/`FATAL`/`PANIC` + `STATEMENT:` (stderr) or the `query` column
//!   (csv/json): if the text equals the session's last logged statement it is
//!   skipped as "error context"; otherwise the statement was never logged (it
//!   failed to parse, or only errors are logged) and it is yielded, spanning
//!   the ERROR record through the STATEMENT line. `STATEMENT:` after a
//!   non-error record (e.g. `temporary file`) is skipped as "statement
//!   context": the statement is logged again when it finishes.

use super::{human_bytes, truncate_str, QueryEvent, ReadStats};
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};

/// Lines a statement is held waiting for its session's next record.
pub(crate) const WINDOW_LINES: u64 = 5_000;
/// Most statements held at once.
const MAX_QUEUE: usize = 10_000;
/// Session states kept before idle ones are pruned.
const SESSION_LIMIT: usize = 100_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sev {
    Log,
    Error,
    Fatal,
    Panic,
    Warning,
    Notice,
    Info,
    Debug,
    Detail,
    Statement,
    Hint,
    Context,
    Query,
    Location,
}

impl Sev {
    pub fn from_word(w: &str) -> Option<Sev> {
        Some(match w {
            "LOG" => Sev::Log,
            "ERROR" => Sev::Error,
            "FATAL" => Sev::Fatal,
            "PANIC" => Sev::Panic,
            "WARNING" => Sev::Warning,
            "NOTICE" => Sev::Notice,
            "INFO" => Sev::Info,
            "DEBUG" | "DEBUG1" | "DEBUG2" | "DEBUG3" | "DEBUG4" | "DEBUG5" => Sev::Debug,
            "DETAIL" => Sev::Detail,
            "STATEMENT" => Sev::Statement,
            "HINT" => Sev::Hint,
            "CONTEXT" => Sev::Context,
            "QUERY" => Sev::Query,
            "LOCATION" => Sev::Location,
            _ => return None,
        })
    }

    /// Records that belong to the record before them (stderr only).
    pub fn is_secondary(self) -> bool {
        matches!(
            self,
            Sev::Detail | Sev::Statement | Sev::Hint | Sev::Context | Sev::Query | Sev::Location
        )
    }

    fn is_error(self) -> bool {
        matches!(self, Sev::Error | Sev::Fatal | Sev::Panic)
    }
}

/// Where a record sits in the input.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Span {
    pub first_line: u64,
    pub last_line: u64,
    pub byte_start: u64,
    pub byte_end: u64,
}

impl Span {
    pub fn lines(&self) -> u64 {
        self.last_line + 1 - self.first_line.min(self.last_line)
    }
}

/// Record fields other than the message, owned (built only for statements).
#[derive(Clone, Debug, Default)]
pub(crate) struct Meta {
    pub at_micros: Option<i64>,
    pub session: Option<String>,
    pub txn: Option<String>,
    pub application: Option<String>,
    pub user: Option<String>,
    pub database: Option<String>,
}

/// A record's message, classified.
#[derive(Debug, PartialEq)]
pub(crate) enum Msg<'a> {
    Stmt { sql: &'a str, duration: Option<f64> },
    ParseBind,
    PortalFetch,
    LoneDuration(f64),
    Plan,
    Other,
}

fn parse_duration(s: &str) -> Option<(f64, &str)> {
    let rest = s.strip_prefix("duration: ")?;
    let sp = rest.find(' ')?;
    let v: f64 = rest[..sp].parse().ok()?;
    let after = &rest[sp + 1..];
    let (mult, after) = if let Some(a) = after.strip_prefix("ms") {
        (1.0, a)
    } else if let Some(a) = after.strip_prefix("s") {
        (1000.0, a)
    } else if let Some(a) = after.strip_prefix("us") {
        (0.001, a)
    } else {
        return None;
    };
    Some((v * mult, after.trim_start_matches(' ')))
}

pub(crate) fn classify(msg: &str) -> Msg<'_> {
    let (duration, rest) = match parse_duration(msg) {
        Some((d, rest)) => {
            if rest.is_empty() {
                return Msg::LoneDuration(d);
            }
            (Some(d), rest)
        }
        None => (None, msg),
    };
    if let Some(sql) = rest.strip_prefix("statement: ") {
        return Msg::Stmt { sql, duration };
    }
    if let Some(r) = rest.strip_prefix("execute ") {
        if r.starts_with("fetch from ") {
            return Msg::PortalFetch;
        }
        if let Some(i) = r.find(": ") {
            return Msg::Stmt {
                sql: &r[i + 2..],
                duration,
            };
        }
        return Msg::Other;
    }
    if rest.starts_with("parse ") || rest.starts_with("bind ") {
        return Msg::ParseBind;
    }
    if duration.is_some() && rest.starts_with("plan:") {
        return Msg::Plan;
    }
    if let Some(sql) = rest.strip_prefix("statement:") {
        // "statement:" with an empty statement (some drivers send "").
        return Msg::Stmt { sql, duration };
    }
    Msg::Other
}

/// Parses `$1 = '42', $2 = NULL, $3 = 'it''s'` (the text after `parameters: `).
pub(crate) fn parse_params(s: &str) -> Vec<Option<String>> {
    let b = s.as_bytes();
    let mut out: Vec<Option<String>> = Vec::new();
    let mut i = 0;
    let mut next_index = 1usize;
    loop {
        while i < b.len() && (b[i] == b' ' || b[i] == b',' || b[i] == b'\n' || b[i] == b'\t') {
            i += 1;
        }
        if i >= b.len() || b[i] != b'$' {
            break;
        }
        i += 1;
        let ds = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let idx: usize = s[ds..i].parse().unwrap_or(next_index);
        if !s[i..].starts_with(" = ") {
            break;
        }
        i += 3;
        let value = if s[i..].starts_with("NULL") {
            i += 4;
            None
        } else if b.get(i) == Some(&b'\'') {
            i += 1;
            let mut v = String::new();
            let mut seg = i;
            loop {
                match memchr::memchr(b'\'', &b[i..]) {
                    Some(q) => {
                        let q = i + q;
                        if b.get(q + 1) == Some(&b'\'') {
                            v.push_str(&s[seg..q + 1]);
                            i = q + 2;
                            seg = i;
                        } else {
                            v.push_str(&s[seg..q]);
                            i = q + 1;
                            break;
                        }
                    }
                    None => {
                        // Unterminated (truncated record): keep what is there.
                        v.push_str(&s[seg..]);
                        i = b.len();
                        break;
                    }
                }
            }
            Some(v)
        } else {
            // Unquoted value (not produced by PostgreSQL, accepted anyway).
            let end = s[i..].find(", $").map(|e| i + e).unwrap_or(b.len());
            let v = s[i..end].to_string();
            i = end;
            Some(v)
        };
        if idx == 0 || idx > 65_536 {
            break;
        }
        if idx > out.len() {
            out.resize(idx, None);
        }
        out[idx - 1] = value;
        next_index = idx + 1;
    }
    out
}

/// Fast non-cryptographic hash (FxHash-style, 8 bytes at a time).
pub(crate) fn hash_bytes(b: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h: u64 = b.len() as u64;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    for &c in chunks.remainder() {
        h = (h.rotate_left(5) ^ c as u64).wrapping_mul(K);
    }
    h | 1
}

#[derive(Default)]
pub(crate) struct IdHasher(u64);
impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = hash_bytes(bytes);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}
pub(crate) type IdMap<V> = HashMap<u64, V, BuildHasherDefault<IdHasher>>;

#[derive(Clone, Copy)]
enum Last {
    Nothing,
    Event(u64),
    Error { line: u64, byte: u64 },
    Other,
}

struct Sess {
    pending: Option<u64>,
    last: Last,
    last_sql: u64,
}

struct Slot {
    ev: QueryEvent,
    done: bool,
}

/// Pairs the records of each session into statements, in log order.
pub(crate) struct Assembler {
    queue: VecDeque<Slot>,
    base: u64,
    sessions: IdMap<Sess>,
    session_limit: usize,
    cap: usize,
}

impl Assembler {
    pub fn new(cap: usize) -> Self {
        Assembler {
            queue: VecDeque::new(),
            base: 0,
            sessions: IdMap::default(),
            session_limit: SESSION_LIMIT,
            cap,
        }
    }

    fn slot(&mut self, seq: u64) -> Option<&mut Slot> {
        if seq < self.base {
            return None;
        }
        self.queue.get_mut((seq - self.base) as usize)
    }

    fn sess(&mut self, key: u64) -> &mut Sess {
        if self.sessions.len() >= self.session_limit && !self.sessions.contains_key(&key) {
            let base = self.base;
            self.sessions
                .retain(|_, s| s.pending.is_some_and(|p| p >= base));
            self.session_limit = (self.sessions.len() * 2).max(SESSION_LIMIT);
        }
        self.sessions.entry(key).or_insert(Sess {
            pending: None,
            last: Last::Nothing,
            last_sql: 0,
        })
    }

    fn push(&mut self, ev: QueryEvent, done: bool) -> u64 {
        let seq = self.base + self.queue.len() as u64;
        self.queue.push_back(Slot { ev, done });
        seq
    }

    fn make_event(
        &self,
        stats: &mut ReadStats,
        sql: &str,
        truncated: bool,
        span: Span,
        meta: Meta,
    ) -> QueryEvent {
        let mut s = sql.to_string();
        if truncate_str(&mut s, self.cap) || truncated {
            stats.problem(
                span.first_line,
                format!("statement truncated at {}", human_bytes(self.cap)),
            );
        }
        QueryEvent {
            sql: s,
            params: Vec::new(),
            at_micros: meta.at_micros,
            duration_ms: None,
            session: meta.session,
            txn: meta.txn,
            request: None,
            application: meta.application,
            user: meta.user,
            database: meta.database,
            first_line: span.first_line,
            last_line: span.last_line,
            byte_start: span.byte_start,
            byte_end: span.byte_end,
        }
    }

    /// A record that stands on its own (every csv/json record; stderr records
    /// other than DETAIL/STATEMENT/HINT/CONTEXT/QUERY/LOCATION).
    #[allow(clippy::too_many_arguments)]
    pub fn main_record(
        &mut self,
        stats: &mut ReadStats,
        key: u64,
        sev: Sev,
        msg: &str,
        detail: Option<&str>,
        query: Option<&str>,
        span: Span,
        truncated: bool,
        meta: impl FnOnce() -> Meta,
    ) {
        let class = if sev == Sev::Log {
            classify(msg)
        } else {
            Msg::Other
        };
        // The session's held statement is complete now, unless this is its duration.
        let pending = self.sess(key).pending.take();
        if let Some(p) = pending {
            if let Msg::LoneDuration(d) = class {
                if let Some(slot) = self.slot(p) {
                    if slot.ev.duration_ms.is_none() {
                        slot.ev.duration_ms = Some(d);
                        slot.done = true;
                        self.sess(key).last = Last::Other;
                        stats.skip("duration (attached to its statement)", span.lines());
                        return;
                    }
                }
            }
            if let Some(slot) = self.slot(p) {
                slot.done = true;
            }
        }
        match class {
            Msg::Stmt { sql, .. } if sql.trim().is_empty() => {
                self.sess(key).last = Last::Other;
                stats.skip("empty statement", span.lines());
            }
            Msg::Stmt { sql, duration } => {
                let mut ev = self.make_event(stats, sql, truncated, span, meta());
                ev.duration_ms = duration;
                if let Some(d) = detail {
                    if let Some(p) = d.strip_prefix("parameters: ") {
                        ev.params = parse_params(p);
                    }
                }
                let h = hash_bytes(ev.sql.as_bytes());
                let seq = self.push(ev, false);
                let s = self.sess(key);
                s.pending = Some(seq);
                s.last = Last::Event(seq);
                s.last_sql = h;
            }
            Msg::ParseBind => {
                self.sess(key).last = Last::Other;
                stats.skip("parse/bind step", span.lines());
            }
            Msg::PortalFetch => {
                self.sess(key).last = Last::Other;
                stats.skip("execute fetch from open portal", span.lines());
            }
            Msg::LoneDuration(_) => {
                self.sess(key).last = Last::Other;
                stats.skip("duration without statement", span.lines());
            }
            Msg::Plan => {
                self.sess(key).last = Last::Other;
                stats.skip("auto_explain plan", span.lines());
            }
            Msg::Other if sev.is_error() => match query.filter(|q| !q.is_empty()) {
                Some(q) => {
                    let h = hash_bytes(q.as_bytes());
                    if self.sess(key).last_sql == h {
                        stats.skip("error (statement already logged)", span.lines());
                    } else {
                        let ev = self.make_event(stats, q, truncated, span, meta());
                        self.push(ev, true);
                        self.sess(key).last_sql = h;
                    }
                    self.sess(key).last = Last::Other;
                }
                None => {
                    self.sess(key).last = Last::Error {
                        line: span.first_line,
                        byte: span.byte_start,
                    };
                    stats.skip(
                        if sev == Sev::Error {
                            "error"
                        } else {
                            "fatal/panic"
                        },
                        span.lines(),
                    );
                }
            },
            Msg::Other => {
                self.sess(key).last = Last::Other;
                let reason = other_reason(sev, msg);
                stats.skip(reason, span.lines());
                if reason == "disconnection" {
                    self.sessions.remove(&key);
                }
            }
        }
    }

    /// A stderr DETAIL/STATEMENT/HINT/CONTEXT/QUERY/LOCATION record: belongs to
    /// the session's previous record.
    #[allow(clippy::too_many_arguments)]
    pub fn secondary_record(
        &mut self,
        stats: &mut ReadStats,
        key: u64,
        sev: Sev,
        msg: &str,
        span: Span,
        truncated: bool,
        meta: impl FnOnce() -> Meta,
    ) {
        let last = self.sess(key).last;
        match sev {
            Sev::Detail => {
                if let (Last::Event(seq), Some(p)) = (last, msg.strip_prefix("parameters: ")) {
                    if let Some(slot) = self.slot(seq) {
                        if slot.ev.params.is_empty() {
                            slot.ev.params = parse_params(p);
                            slot.ev.last_line = slot.ev.last_line.max(span.last_line);
                            slot.ev.byte_end = slot.ev.byte_end.max(span.byte_end);
                            return;
                        }
                    }
                }
                stats.skip("detail", span.lines());
            }
            Sev::Statement => match last {
                Last::Error { line, byte } => {
                    let h = hash_bytes(msg.as_bytes());
                    let s = self.sess(key);
                    s.last = Last::Other;
                    if s.last_sql == h {
                        stats.skip("error context (statement already logged)", span.lines());
                    } else {
                        s.last_sql = h;
                        let full = Span {
                            first_line: line,
                            byte_start: byte,
                            ..span
                        };
                        let ev = self.make_event(stats, msg, truncated, full, meta());
                        self.push(ev, true);
                    }
                }
                _ => stats.skip("statement context", span.lines()),
            },
            _ => stats.skip("hint/context", span.lines()),
        }
    }

    /// Next complete event, if any; `line` is the current input line (for the window).
    pub fn pop(&mut self, line: u64) -> Option<QueryEvent> {
        let long = self.queue.len() > MAX_QUEUE;
        let front = self.queue.front_mut()?;
        if !front.done && (line.saturating_sub(front.ev.last_line) > WINDOW_LINES || long) {
            front.done = true;
        }
        if front.done {
            self.base += 1;
            return self.queue.pop_front().map(|s| s.ev);
        }
        None
    }

    /// End of input: everything held is complete.
    pub fn finish(&mut self) {
        for s in self.queue.iter_mut() {
            s.done = true;
        }
    }
}

fn other_reason(sev: Sev, msg: &str) -> &'static str {
    match sev {
        Sev::Log => {
            if msg.starts_with("connection ") || msg.starts_with("replication connection") {
                "connection"
            } else if msg.starts_with("disconnection:") {
                "disconnection"
            } else if msg.starts_with("checkpoint") || msg.starts_with("restartpoint") {
                "checkpoint"
            } else if msg.starts_with("automatic vacuum")
                || msg.starts_with("automatic analyze")
                || msg.starts_with("automatic aggressive vacuum")
            {
                "autovacuum"
            } else if msg.starts_with("temporary file") {
                "temporary file"
            } else if msg.starts_with("process ") && msg.contains("Lock") {
                "lock wait"
            } else {
                "other log message"
            }
        }
        Sev::Warning | Sev::Notice | Sev::Info | Sev::Debug => "warning/notice/info",
        Sev::Error => "error",
        Sev::Fatal | Sev::Panic => "fatal/panic",
        _ => "hint/context",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params() {
        assert_eq!(
            parse_params("$1 = '42', $2 = NULL, $3 = 'it''s', $4 = 'a\nb'"),
            vec![
                Some("42".into()),
                None,
                Some("it's".into()),
                Some("a\nb".into())
            ]
        );
        assert_eq!(parse_params("$2 = 'x'"), vec![None, Some("x".into())]);
        assert_eq!(
            parse_params("$1 = 'unterminated"),
            vec![Some("unterminated".into())]
        );
        assert_eq!(parse_params("garbage"), Vec::<Option<String>>::new());
        assert_eq!(parse_params("$1 = ''''"), vec![Some("'".into())]);
    }

    #[test]
    fn classify_messages() {
        assert_eq!(
            classify("duration: 1.5 ms  statement: SELECT 1"),
            Msg::Stmt {
                sql: "SELECT 1",
                duration: Some(1.5)
            }
        );
        assert_eq!(
            classify("execute <unnamed>: SELECT $1"),
            Msg::Stmt {
                sql: "SELECT $1",
                duration: None
            }
        );
        assert_eq!(
            classify("execute S_1/C_2: SELECT 2"),
            Msg::Stmt {
                sql: "SELECT 2",
                duration: None
            }
        );
        assert_eq!(classify("duration: 0.5 ms"), Msg::LoneDuration(0.5));
        assert_eq!(
            classify("duration: 0.054 ms statement: SELECT"),
            Msg::Stmt {
                sql: "SELECT",
                duration: Some(0.054)
            }
        );
        assert_eq!(
            classify("duration: 1.1 ms  bind S_1: SELECT"),
            Msg::ParseBind
        );
        assert_eq!(
            classify("execute fetch from S_1/C_2: SELECT"),
            Msg::PortalFetch
        );
        assert_eq!(classify("checkpoint starting: time"), Msg::Other);
    }
}
