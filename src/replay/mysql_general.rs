//! MySQL / MariaDB general query log.
//!
//! Old format: `YYMMDD HH:MM:SS\t   12 Query\tSELECT …`, where entries in the
//! same second drop the time and start with blanks (`\t\t   12 Query\t…`);
//! new format (5.7+): `2019-01-01T10:00:00.123456Z\t   12 Query\tSELECT …`.
//! An entry line is: a time or leading blanks, a thread id, a known command
//! word; any other line continues the previous entry (multi-line queries are
//! written verbatim). `Query` and `Execute` are statements; `Connect` (sets the
//! thread's user and database), `Init DB` (sets its database), `Quit` (forgets
//! the thread) and all other commands are skipped, counted by command.

use super::lines::LineSource;
use super::time::{parse_iso, parse_mysql_old};
use super::{human_bytes, truncate_str, QueryEvent, ReadStats};
use std::collections::HashMap;

const COMMANDS: &[&str] = &[
    "Binlog Dump GTID",
    "Reset Connection",
    "Register Slave",
    "Delayed insert",
    "Change user",
    "Binlog Dump",
    "Close stmt",
    "Connect Out",
    "Field List",
    "Processlist",
    "Reset stmt",
    "Set option",
    "Statistics",
    "Table Dump",
    "Create DB",
    "Long Data",
    "Drop DB",
    "Init DB",
    "Execute",
    "Prepare",
    "Connect",
    "Shutdown",
    "Refresh",
    "Daemon",
    "Debug",
    "Error",
    "Fetch",
    "Query",
    "Sleep",
    "Kill",
    "Ping",
    "Quit",
    "Time",
];

/// Parses an entry line: (time, thread id, command, argument).
pub(crate) fn parse_entry(line: &str) -> Option<(Option<i64>, &str, &'static str, &str)> {
    let b = line.as_bytes();
    let mut i;
    let mut at = None;
    if let Some((v, n)) = parse_iso(line) {
        at = Some(v);
        i = n;
    } else if let Some((v, n)) = parse_mysql_old(line) {
        at = Some(v);
        i = n;
    } else {
        i = 0;
    }
    let ws = b[i..]
        .iter()
        .take_while(|c| **c == b' ' || **c == b'\t')
        .count();
    if ws == 0 {
        return None;
    }
    i += ws;
    let ds = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i == ds || i >= b.len() || (b[i] != b' ' && b[i] != b'\t') {
        return None;
    }
    let thread = &line[ds..i];
    while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
        i += 1;
    }
    let rest = &line[i..];
    let cmd = COMMANDS.iter().find(|c| {
        rest.starts_with(**c)
            && matches!(
                rest.as_bytes().get(c.len()),
                None | Some(b' ') | Some(b'\t')
            )
    })?;
    let arg = rest[cmd.len()..].trim_start_matches([' ', '\t']);
    Some((at, thread, cmd, arg))
}

#[derive(Default)]
struct Entry {
    active: bool,
    at: Option<i64>,
    thread: String,
    cmd: &'static str,
    sql: String,
    first_line: u64,
    last_line: u64,
    byte_start: u64,
    byte_end: u64,
    truncated: bool,
}

#[derive(Default, Clone)]
struct Thread {
    user: Option<String>,
    db: Option<String>,
}

pub(crate) struct Reader {
    src: LineSource,
    cap: usize,
    e: Entry,
    last_time: Option<i64>,
    threads: HashMap<String, Thread>,
    out: Option<QueryEvent>,
    eof: bool,
}

fn is_banner(line: &str) -> bool {
    (line.contains(", Version: ") && line.trim_end().ends_with("started with:"))
        || line
            .get(..9)
            .is_some_and(|p| p.eq_ignore_ascii_case("tcp port:"))
        || (line.starts_with("Time")
            && line.contains("Id")
            && line.contains("Command")
            && line.trim_end().ends_with("Argument"))
}

impl Reader {
    pub fn new(src: LineSource, cap: usize) -> Self {
        Reader {
            src,
            cap,
            e: Entry::default(),
            last_time: None,
            threads: HashMap::new(),
            out: None,
            eof: false,
        }
    }

    pub fn next_event(&mut self, stats: &mut ReadStats) -> Option<QueryEvent> {
        loop {
            if let Some(ev) = self.out.take() {
                return Some(ev);
            }
            if self.eof {
                return None;
            }
            if !self.src.next_line(stats) {
                self.finish(stats);
                self.eof = true;
                continue;
            }
            self.src.warn_no_newline(stats);
            let line = self.src.current_str();
            if is_banner(line) {
                self.finish(stats);
                stats.skip("server banner", 1);
                continue;
            }
            if let Some((at, thread, cmd, arg)) = parse_entry(line) {
                let thread = thread.to_string();
                let arg = arg.to_string();
                self.finish(stats);
                if at.is_some() {
                    self.last_time = at;
                }
                self.e = Entry {
                    active: true,
                    at: at.or(self.last_time),
                    thread,
                    cmd,
                    first_line: self.src.line_no,
                    last_line: self.src.line_no,
                    byte_start: self.src.line_start,
                    byte_end: self.src.pos,
                    truncated: self.src.truncated,
                    sql: arg,
                };
                if truncate_str(&mut self.e.sql, self.cap) {
                    self.e.truncated = true;
                }
                continue;
            }
            if !self.e.active {
                stats.skip("unrecognized line", 1);
                continue;
            }
            self.e.last_line = self.src.line_no;
            self.e.byte_end = self.src.pos;
            if !self.e.truncated {
                self.e.sql.push('\n');
                self.e.sql.push_str(line);
                if truncate_str(&mut self.e.sql, self.cap) || self.src.truncated {
                    self.e.truncated = true;
                }
            }
        }
    }

    fn finish(&mut self, stats: &mut ReadStats) {
        if !self.e.active {
            return;
        }
        let e = std::mem::take(&mut self.e);
        let lines = e.last_line + 1 - e.first_line.min(e.last_line);
        match e.cmd {
            "Query" | "Execute" => {
                let mut sql = e.sql;
                while sql.ends_with('\n') {
                    sql.pop();
                }
                if sql.trim().is_empty() {
                    stats.skip("empty query", lines);
                    return;
                }
                if e.truncated {
                    stats.problem(
                        e.first_line,
                        format!("statement truncated at {}", human_bytes(self.cap)),
                    );
                }
                let t = self.threads.get(&e.thread).cloned().unwrap_or_default();
                self.out = Some(QueryEvent {
                    sql,
                    params: Vec::new(),
                    at_micros: e.at,
                    duration_ms: None,
                    session: Some(e.thread),
                    txn: None,
                    request: None,
                    application: None,
                    user: t.user,
                    database: t.db,
                    first_line: e.first_line,
                    last_line: e.last_line,
                    byte_start: e.byte_start,
                    byte_end: e.byte_end,
                });
            }
            "Connect" => {
                // "user@host on db using TCP/IP" (db may be empty)
                let arg = e.sql.trim();
                let mut t = Thread::default();
                if let Some((u, rest)) = arg.split_once('@') {
                    if !u.is_empty() && !u.contains(' ') {
                        t.user = Some(u.to_string());
                    }
                    if let Some((_, db)) = rest.split_once(" on ") {
                        let db = db.split_whitespace().next().unwrap_or("");
                        if !db.is_empty() && db != "using" {
                            t.db = Some(db.to_string());
                        }
                    }
                }
                if t.user.is_some() || t.db.is_some() {
                    if self.threads.len() >= 100_000 {
                        // Threads that never logged Quit: forget them rather than grow.
                        self.threads.clear();
                    }
                    self.threads.insert(e.thread, t);
                }
                stats.skip("connect", lines);
            }
            "Init DB" => {
                let db = e.sql.trim();
                if !db.is_empty() {
                    self.threads.entry(e.thread).or_default().db = Some(db.to_string());
                }
                stats.skip("init db", lines);
            }
            "Quit" => {
                self.threads.remove(&e.thread);
                stats.skip("quit", lines);
            }
            "Prepare" | "Close stmt" | "Reset stmt" | "Fetch" | "Long Data" => {
                stats.skip("prepared statement step", lines)
            }
            _ => stats.skip("other command", lines),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries() {
        let (at, th, cmd, arg) =
            parse_entry("051007 21:55:24\t     42 Connect     root@localhost on db1").unwrap();
        assert!(at.is_some());
        assert_eq!((th, cmd, arg), ("42", "Connect", "root@localhost on db1"));
        let (at, th, cmd, arg) =
            parse_entry("\t\t                 42 Query       SELECT foo ").unwrap();
        assert!(at.is_none());
        assert_eq!((th, cmd, arg), ("42", "Query", "SELECT foo "));
        let (_, th, cmd, _) =
            parse_entry("2018-09-07T18:45:40.101009+08:00\t257426 Quit\t").unwrap();
        assert_eq!((th, cmd), ("257426", "Quit"));
        assert!(parse_entry("                         FROM tbl").is_none());
        assert!(parse_entry("SELECT 1").is_none());
        let (_, _, cmd, arg) = parse_entry("\t\t   11 Init DB     my_webstats").unwrap();
        assert_eq!((cmd, arg), ("Init DB", "my_webstats"));
    }
}
