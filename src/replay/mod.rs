//! Streaming readers that turn captured database query logs into [`QueryEvent`]s.
//!
//! [`LogReader`] opens a file (`-` is stdin), undoes gzip transparently (by the
//! magic bytes, whatever the name), detects the format from the first 64 KiB
//! unless one is given, and then streams: memory is bounded by the longest
//! entry (capped at [`ReaderOptions::max_statement_bytes`]) and a small window
//! of entries held back to attach a later `DETAIL` or `duration` line, never
//! by the size of the log.
//!
//! | format | name | module |
//! |---|---|---|
//! | PostgreSQL stderr, any `log_line_prefix` | `postgres` | `pg_stderr` (+ `pg_prefix`) |
//! | PostgreSQL csvlog (9.0–17 column layouts) | `postgres-csv` | `pg_csv` |
//! | PostgreSQL jsonlog, CloudNativePG, Cloud SQL | `postgres-json` | `pg_json` |
//! | MySQL/MariaDB general query log | `mysql-general` | `mysql_general` |
//! | MySQL/MariaDB/Percona slow query log | `mysql-slow` | `mysql_slow` |
//! | generic JSON lines | `jsonl` | `jsonl` (its doc lists the fields) |
//!
//! What becomes a statement in PostgreSQL logs (bind parameters, `duration`,
//! `ERROR` + `STATEMENT`) is described in `pg_common`. Times are Unix epoch
//! microseconds; numeric zone offsets are applied and named zones (`UTC`,
//! `CET`, …) are read as UTC (see `time`).
//!
//! Readers never panic on input: bad bytes, broken records and truncated
//! entries become located [`Problem`]s and skip counts in [`ReadStats`]; every
//! line is either part of a yielded statement or counted under a skip reason.

mod detect;
mod event;
mod jsonl;
mod lines;
mod mysql_general;
mod mysql_slow;
mod pg_common;
mod pg_csv;
mod pg_json;
mod pg_prefix;
mod pg_stderr;
pub mod pgss;
mod time;

pub use detect::detect_format;
pub use event::QueryEvent;
pub use pg_prefix::PrefixTemplate;
pub use time::{epoch_to_micros, parse_iso};

use lines::LineSource;
use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::path::Path;

/// The log formats ormlint can read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LogFormat {
    PgStderr,
    PgCsv,
    PgJson,
    MysqlGeneral,
    MysqlSlow,
    JsonLines,
    /// An export of `pg_stat_statements` (`--pg-stat-statements`): read by
    /// [`pgss`], never detected or chosen with `--log-format`.
    PgStatStatements,
}

impl LogFormat {
    pub const ALL: &'static [LogFormat] = &[
        LogFormat::PgStderr,
        LogFormat::PgCsv,
        LogFormat::PgJson,
        LogFormat::MysqlGeneral,
        LogFormat::MysqlSlow,
        LogFormat::JsonLines,
    ];

    /// The name used on the command line (`--log-format`).
    pub fn name(&self) -> &'static str {
        match self {
            LogFormat::PgStderr => "postgres",
            LogFormat::PgCsv => "postgres-csv",
            LogFormat::PgJson => "postgres-json",
            LogFormat::MysqlGeneral => "mysql-general",
            LogFormat::MysqlSlow => "mysql-slow",
            LogFormat::JsonLines => "jsonl",
            LogFormat::PgStatStatements => "pg_stat_statements",
        }
    }

    /// Accepts the canonical names and a few obvious aliases, case-insensitively.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_lowercase().replace('_', "-");
        Some(match s.as_str() {
            "postgres" | "postgresql" | "pg" | "pg-stderr" | "postgres-stderr" | "stderr" => {
                LogFormat::PgStderr
            }
            "postgres-csv" | "postgresql-csv" | "pg-csv" | "csvlog" | "csv" => LogFormat::PgCsv,
            "postgres-json" | "postgresql-json" | "pg-json" | "jsonlog" => LogFormat::PgJson,
            "mysql-general" | "general" | "mysql-general-log" => LogFormat::MysqlGeneral,
            "mysql-slow" | "slow" | "mysql-slowlog" | "mysql-slow-log" => LogFormat::MysqlSlow,
            "jsonl" | "json-lines" | "jsonlines" | "ndjson" | "json" => LogFormat::JsonLines,
            _ => return None,
        })
    }
}

impl std::fmt::Display for LogFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How to read a log.
#[derive(Clone, Debug)]
pub struct ReaderOptions {
    /// The format; detected from the first 64 KiB when `None`.
    pub format: Option<LogFormat>,
    /// PostgreSQL `log_line_prefix` (`%m [%p] %q%u@%d `…); recognised
    /// heuristically when `None`.
    pub log_line_prefix: Option<String>,
    /// Longest statement kept; longer ones are cut, reported, and the rest of
    /// the entry is skipped (lines still counted).
    pub max_statement_bytes: usize,
}

/// Default cap on one statement: 16 MiB (a bulk `INSERT` of ~100k rows;
/// what lies beyond is counted, not kept: memory stays a small multiple of it).
pub const DEFAULT_MAX_STATEMENT_BYTES: usize = 16 << 20;

impl Default for ReaderOptions {
    fn default() -> Self {
        ReaderOptions {
            format: None,
            log_line_prefix: None,
            max_statement_bytes: DEFAULT_MAX_STATEMENT_BYTES,
        }
    }
}

/// A located problem in the input (1-based line; 0 = the input as a whole).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub line: u64,
    pub message: String,
}

/// How many problems are kept with their location; `problem_count` counts all.
pub const MAX_PROBLEMS: usize = 20;

/// What a reader saw. Complete once the iterator has returned `None`.
#[derive(Clone, Debug, Default)]
pub struct ReadStats {
    /// Physical lines read.
    pub lines: u64,
    /// Statements yielded.
    pub statements: u64,
    /// Bytes read (after decompression).
    pub bytes: u64,
    /// Lines passed over, by reason (a skipped multi-line entry counts all its lines).
    pub skipped: BTreeMap<&'static str, u64>,
    /// The first [`MAX_PROBLEMS`] problems.
    pub problems: Vec<Problem>,
    pub problem_count: u64,
    /// Where reading stopped before the end of the input, and why: an I/O
    /// error, a truncated compressed stream, an interrupt. Input *lost*,
    /// unlike lines skipped by design.
    pub stopped: Option<Problem>,
}

/// Set by SIGINT (see [`stop_on_interrupt`]): readers stop at the next line,
/// and what was read so far is analysed and reported.
static INTERRUPTED: std::sync::LazyLock<std::sync::Arc<std::sync::atomic::AtomicBool>> =
    std::sync::LazyLock::new(Default::default);

/// Has an interrupt asked the readers to stop?
pub fn interrupted() -> bool {
    INTERRUPTED.load(std::sync::atomic::Ordering::Relaxed)
}

/// The first SIGINT stops reading (the findings so far are still made and
/// printed); a second one ends the process at once, with status 130.
pub fn stop_on_interrupt() {
    use signal_hook::consts::SIGINT;
    // Registered first: runs on the second signal, when the flag is set.
    let _ = signal_hook::flag::register_conditional_shutdown(SIGINT, 130, INTERRUPTED.clone());
    let _ = signal_hook::flag::register(SIGINT, INTERRUPTED.clone());
}

impl ReadStats {
    pub(crate) fn problem(&mut self, line: u64, message: String) {
        self.problem_count += 1;
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(Problem { line, message });
        }
    }

    /// Reading stopped here: the rest of the input is lost.
    pub(crate) fn stop(&mut self, line: u64, message: String) {
        self.problem(line, message.clone());
        if self.stopped.is_none() {
            self.stopped = Some(Problem { line, message });
        }
    }

    pub(crate) fn skip(&mut self, reason: &'static str, lines: u64) {
        if lines > 0 {
            *self.skipped.entry(reason).or_insert(0) += lines;
        }
    }

    /// Total skipped lines over all reasons.
    pub fn skipped_lines(&self) -> u64 {
        self.skipped.values().sum()
    }
}

enum Inner {
    PgStderr(Box<pg_stderr::Reader>),
    PgCsv(Box<pg_csv::Reader>),
    PgJson(Box<pg_json::Reader>),
    MysqlSlow(Box<mysql_slow::Reader>),
    MysqlGeneral(Box<mysql_general::Reader>),
    JsonLines(Box<jsonl::Reader>),
    Empty,
}

/// A streaming log reader: an iterator of [`QueryEvent`]s.
pub struct LogReader {
    format: LogFormat,
    stats: ReadStats,
    inner: Inner,
}

const HEAD_BYTES: usize = 64 << 10;
const BUF_BYTES: usize = 256 << 10;

fn read_head(r: &mut dyn Read, n: usize) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(n);
    r.take(n as u64).read_to_end(&mut head)?;
    Ok(head)
}

impl LogReader {
    /// Opens `path` (`-` = stdin). Gzip is undone by its magic bytes. Fails
    /// when the file cannot be read or its format cannot be detected (the
    /// message names the formats tried and suggests `--log-format`); an empty
    /// input is not an error: it yields nothing and records one problem.
    pub fn open(path: &Path, opts: &ReaderOptions) -> io::Result<LogReader> {
        let r: Box<dyn Read + Send> = if path.as_os_str() == "-" {
            Box::new(io::stdin())
        } else {
            Box::new(std::fs::File::open(path)?)
        };
        Self::build(r, opts, &path.display().to_string())
    }

    /// Reads from any buffered reader (gzip still undone by magic bytes).
    pub fn from_reader(r: Box<dyn BufRead + Send>, opts: &ReaderOptions) -> io::Result<LogReader> {
        Self::build(Box::new(r), opts, "input")
    }

    fn build(
        mut r: Box<dyn Read + Send>,
        opts: &ReaderOptions,
        name: &str,
    ) -> io::Result<LogReader> {
        let mut head = read_head(&mut r, HEAD_BYTES)?;
        let mut stream: Box<dyn Read + Send> = Box::new(Cursor::new(head.clone()).chain(r));
        if head.starts_with(&[0x1f, 0x8b]) {
            let mut gz: Box<dyn Read + Send> = Box::new(flate2::read::MultiGzDecoder::new(stream));
            head = read_head(&mut gz, HEAD_BYTES)
                .map_err(|e| io::Error::new(e.kind(), format!("{name}: gzip: {e}")))?;
            stream = Box::new(Cursor::new(head.clone()).chain(gz));
        }
        let mut stats = ReadStats::default();
        let format = match opts.format.or_else(|| detect_format(&head)) {
            Some(f) => f,
            None if head.iter().all(|b| b.is_ascii_whitespace()) => {
                stats.problem(0, "empty input".to_string());
                return Ok(LogReader {
                    format: LogFormat::PgStderr,
                    stats,
                    inner: Inner::Empty,
                });
            }
            None => {
                let tried: Vec<&str> = LogFormat::ALL.iter().map(|f| f.name()).collect();
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "{name}: cannot tell the log format from its first lines (tried {}); \
                         pass --log-format FORMAT",
                        tried.join(", ")
                    ),
                ));
            }
        };
        let cap = opts.max_statement_bytes.max(16);
        let src = LineSource::new(
            Box::new(BufReader::with_capacity(BUF_BYTES, stream)),
            cap.saturating_add(64 << 10),
        );
        let inner = match format {
            LogFormat::PgStderr => {
                let tpl = opts.log_line_prefix.as_deref().map(PrefixTemplate::parse);
                Inner::PgStderr(Box::new(pg_stderr::Reader::new(src, tpl, cap)))
            }
            LogFormat::PgCsv => Inner::PgCsv(Box::new(pg_csv::Reader::new(src, cap))),
            LogFormat::PgJson => {
                let tpl = opts.log_line_prefix.as_deref().map(PrefixTemplate::parse);
                Inner::PgJson(Box::new(pg_json::Reader::new(src, tpl, cap)))
            }
            LogFormat::MysqlSlow => Inner::MysqlSlow(Box::new(mysql_slow::Reader::new(src, cap))),
            LogFormat::MysqlGeneral => {
                Inner::MysqlGeneral(Box::new(mysql_general::Reader::new(src, cap)))
            }
            LogFormat::JsonLines => Inner::JsonLines(Box::new(jsonl::Reader::new(src, cap))),
            LogFormat::PgStatStatements => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "{name}: a pg_stat_statements export is read with --pg-stat-statements"
                    ),
                ))
            }
        };
        Ok(LogReader {
            format,
            stats,
            inner,
        })
    }

    pub fn format(&self) -> LogFormat {
        self.format
    }

    /// Counts so far; complete once the iterator is exhausted.
    pub fn stats(&self) -> &ReadStats {
        &self.stats
    }
}

impl Iterator for LogReader {
    type Item = QueryEvent;

    fn next(&mut self) -> Option<QueryEvent> {
        let st = &mut self.stats;
        let ev = match &mut self.inner {
            Inner::PgStderr(r) => r.next_event(st),
            Inner::PgCsv(r) => r.next_event(st),
            Inner::PgJson(r) => r.next_event(st),
            Inner::MysqlSlow(r) => r.next_event(st),
            Inner::MysqlGeneral(r) => r.next_event(st),
            Inner::JsonLines(r) => r.next_event(st),
            Inner::Empty => None,
        };
        if ev.is_some() {
            self.stats.statements += 1;
        }
        ev
    }
}

/// Cuts `s` to at most `max` bytes on a character boundary; true if it cut.
pub(crate) fn truncate_str(s: &mut String, max: usize) -> bool {
    if s.len() <= max {
        return false;
    }
    let mut n = max;
    while n > 0 && !s.is_char_boundary(n) {
        n -= 1;
    }
    s.truncate(n);
    true
}

/// Human size for messages ("256 MiB", "1000 bytes").
pub(crate) fn human_bytes(n: usize) -> String {
    if n >= (1 << 20) && n % (1 << 20) == 0 {
        format!("{} MiB", n >> 20)
    } else if n >= (1 << 10) && n % (1 << 10) == 0 {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}
