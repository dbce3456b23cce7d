//! MySQL / MariaDB / Percona Server slow query log.
//!
//! An entry is a block of `# ` header lines (`# Time:`, `# User@Host:`,
//! `# Thread_id:`, `# Schema:`, `# Query_time:`, Percona/MariaDB attribute
//! lines, …) followed by optional `use db;` and `SET timestamp=N;` lines and
//! the statement, which runs until the next header. Inside a statement a `#`
//! line starts the next entry when the statement so far ends with `;` (MySQL
//! always writes one) or when it is `# Time:`, `# User@Host:`, `# Query_time:`
//! or `# Thread_id:`. Every `# Query_time` entry ends as exactly one
//! statement or one skip ("administrator command" for `# administrator
//! command: Quit;` and the like, "entry without statement" otherwise).
//!
//! Time: the entry's own ISO `# Time:` (5.7+, exact), else `SET timestamp=`
//! (epoch seconds), else its old-style `# Time:` (server local time, read as
//! UTC), else the time of the entry before (MySQL writes `# Time:` only when
//! the second changes). Database:
//! `Schema:`, else the entry's `use db;`, else the last `use` in the file
//! (MySQL writes `use` only when the database differs from the last one
//! written). Session: `Id:` or `Thread_id:`.

use super::lines::LineSource;
use super::time::{parse_iso, parse_mysql_old};
use super::{human_bytes, truncate_str, QueryEvent, ReadStats};

#[derive(Default)]
struct Entry {
    active: bool,
    first_line: u64,
    last_line: u64,
    byte_start: u64,
    byte_end: u64,
    own_time: Option<i64>,
    /// `own_time` came from a new-style ISO `# Time:` (UTC, exact).
    own_time_iso: bool,
    set_ts: Option<i64>,
    user: Option<String>,
    thread: Option<String>,
    schema: Option<String>,
    use_db: Option<String>,
    query_time: Option<f64>,
    has_qtime: bool,
    admin: bool,
    sql: String,
    in_sql: bool,
    truncated: bool,
}

pub(crate) struct Reader {
    src: LineSource,
    cap: usize,
    e: Entry,
    last_at: Option<i64>,
    cur_db: Option<String>,
    out: Option<QueryEvent>,
    eof: bool,
    bad_time_reported: bool,
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

/// Value after `key` in a header line, up to the next blank.
fn header_value<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let i = line.find(key)?;
    let rest = line[i + key.len()..].trim_start();
    let end = rest.find([' ', '\t']).unwrap_or(rest.len());
    Some(&rest[..end]).filter(|v| !v.is_empty())
}

fn strong_header(line: &str) -> bool {
    line.starts_with("# Time:")
        || line.starts_with("# User@Host:")
        || line.starts_with("# Query_time:")
        || line.starts_with("# Thread_id:")
}

impl Reader {
    pub fn new(src: LineSource, cap: usize) -> Self {
        Reader {
            src,
            cap,
            e: Entry::default(),
            last_at: None,
            cur_db: None,
            out: None,
            eof: false,
            bad_time_reported: false,
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
            self.line(stats);
        }
    }

    fn start(&mut self) {
        self.e = Entry {
            active: true,
            first_line: self.src.line_no,
            byte_start: self.src.line_start,
            ..Entry::default()
        };
    }

    fn extend(&mut self) {
        self.e.last_line = self.src.line_no;
        self.e.byte_end = self.src.pos;
    }

    fn line(&mut self, stats: &mut ReadStats) {
        let line = self.src.current_str();
        if is_banner(line) {
            self.finish(stats);
            stats.skip("server banner", 1);
            return;
        }
        if let Some(h) = line.strip_prefix('#') {
            let header = !self.e.in_sql
                || self.e.admin
                || self.e.sql.trim_end().ends_with(';')
                || strong_header(line);
            if header {
                let h = h.trim_start().to_string();
                self.header(stats, &h);
                return;
            }
        }
        if !self.e.active {
            self.start();
        }
        self.extend();
        let line = self.src.current_str();
        if self.e.sql.is_empty() && !self.e.admin {
            let t = line.trim();
            // `use db;` before `SET timestamp=` is MySQL's note of the database;
            // after it, it is the statement itself.
            let meta_use = self.e.set_ts.is_none();
            if let Some(db) = t
                .strip_prefix("use ")
                .and_then(|r| r.strip_suffix(';'))
                .filter(|_| meta_use)
            {
                let db = db.trim().trim_matches('`').to_string();
                self.cur_db = Some(db.clone());
                self.e.use_db = Some(db);
                return;
            }
            let lower_set = t.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("SET "));
            if lower_set && t.ends_with(';') {
                if let Some(ts) = header_value(t, "timestamp=") {
                    let ts = ts.trim_end_matches([';', ',']);
                    if let Ok(v) = ts.parse::<f64>() {
                        self.e.set_ts = super::time::epoch_to_micros(v);
                        return;
                    }
                }
            }
            if t.is_empty() {
                return;
            }
        }
        if self.e.truncated {
            return;
        }
        if !self.e.sql.is_empty() {
            self.e.sql.push('\n');
        }
        self.e.sql.push_str(line);
        if truncate_str(&mut self.e.sql, self.cap) || self.src.truncated {
            self.e.truncated = true;
            stats.problem(
                self.e.first_line,
                format!("statement truncated at {}", human_bytes(self.cap)),
            );
        }
        self.e.in_sql = true;
    }

    fn header(&mut self, stats: &mut ReadStats, h: &str) {
        let new_entry_key = h.starts_with("Time:")
            || h.starts_with("User@Host:")
            || h.starts_with("Thread_id:")
            || h.starts_with("Query_time:");
        if self.e.active && (self.e.in_sql || (self.e.has_qtime && new_entry_key)) {
            self.finish(stats);
        }
        if !self.e.active {
            self.start();
        }
        self.extend();
        let mut h = h;
        // "# Time: 071218 11:48:27 # User@Host: …" on one line.
        let mut second: Option<&str> = None;
        if h.starts_with("Time:") {
            if let Some(i) = h.find("# User@Host:") {
                second = Some(&h[i + 2..]);
                h = h[..i].trim_end();
            }
        }
        for part in std::iter::once(h).chain(second) {
            self.header_part(stats, part);
        }
    }

    fn header_part(&mut self, stats: &mut ReadStats, h: &str) {
        if let Some(t) = h.strip_prefix("Time:") {
            let t = t.trim();
            let iso = parse_iso(t).map(|(v, _)| v);
            let at = iso.or_else(|| parse_mysql_old(t).map(|(v, _)| v));
            match at {
                Some(v) => {
                    self.e.own_time = Some(v);
                    self.e.own_time_iso = iso.is_some();
                }
                None => {
                    if !self.bad_time_reported {
                        self.bad_time_reported = true;
                        stats.problem(self.src.line_no, format!("unreadable time: {t:?}"));
                    }
                }
            }
        } else if let Some(u) = h.strip_prefix("User@Host:") {
            let u = u.trim_start();
            let user = match u.find('[') {
                Some(0) => u[1..].split(']').next().unwrap_or(""),
                Some(i) => u[..i].trim(),
                None => u.split_whitespace().next().unwrap_or(""),
            };
            if !user.is_empty() {
                self.e.user = Some(user.to_string());
            }
            if let Some(id) = header_value(u, "Id:") {
                self.e.thread = Some(id.to_string());
            }
        } else if h.starts_with("Query_time:") {
            self.e.has_qtime = true;
            if let Some(q) = header_value(h, "Query_time:") {
                self.e.query_time = q.parse().ok();
            }
        } else if h.starts_with("administrator command:") {
            self.e.admin = true;
            self.e.in_sql = true;
        }
        if h.starts_with("Thread_id:") {
            if let Some(id) = header_value(h, "Thread_id:") {
                self.e.thread = Some(id.to_string());
            }
        }
        if h.starts_with("Thread_id:") || h.starts_with("Schema:") {
            if let Some(s) = header_value(h, "Schema:") {
                self.e.schema = Some(s.to_string());
            }
        }
    }

    /// Ends the current entry: one statement or one skip.
    fn finish(&mut self, stats: &mut ReadStats) {
        if !self.e.active {
            return;
        }
        let e = std::mem::take(&mut self.e);
        let lines = e.last_line + 1 - e.first_line.min(e.last_line);
        let mut sql = e.sql;
        while sql.ends_with('\n') {
            sql.pop();
        }
        if e.admin {
            stats.skip("administrator command", lines);
            return;
        }
        if sql.trim().is_empty() {
            stats.skip(
                if e.has_qtime {
                    "entry without statement"
                } else {
                    "header lines without entry"
                },
                lines,
            );
            return;
        }
        // An ISO `# Time:` is exact; `SET timestamp=` is the epoch the query
        // started; an old `# Time:` is server local time; else the time of the
        // entry before.
        let at = if e.own_time_iso {
            e.own_time
        } else {
            e.set_ts.or(e.own_time).or(self.last_at)
        };
        if at.is_some() {
            self.last_at = at;
        }
        self.out = Some(QueryEvent {
            sql,
            params: Vec::new(),
            at_micros: at,
            duration_ms: e.query_time.map(|q| (q * 1e6).round() / 1e3),
            session: e.thread,
            txn: None,
            request: None,
            application: None,
            user: e.user,
            database: e.schema.or(e.use_db).or_else(|| self.cur_db.clone()),
            first_line: e.first_line,
            last_line: e.last_line,
            byte_start: e.byte_start,
            byte_end: e.byte_end,
        });
    }
}
