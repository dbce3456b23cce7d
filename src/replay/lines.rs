//! Streaming physical-line source shared by all readers.
//!
//! Reads with `fill_buf` + `memchr`, copies each line into one reused buffer,
//! strips `\n` and a trailing `\r`, caps a line at a byte limit (the rest is
//! read and counted but dropped), and hands out `&str`: invalid UTF-8 is
//! replaced (`U+FFFD`) and recorded as a located problem.

use super::ReadStats;
use std::io::{BufRead, ErrorKind};

pub(crate) struct LineSource {
    inner: Box<dyn BufRead + Send>,
    /// The current line; its allocation is reused for the next one.
    line: String,
    cap: usize,
    /// 1-based number of the current line (0 before the first).
    pub line_no: u64,
    /// Byte offset where the current line starts.
    pub line_start: u64,
    /// Byte offset just past the current line (after its `\n`).
    pub pos: u64,
    /// The current line was longer than the cap and was cut.
    pub truncated: bool,
    /// The current line ended at end of input without a `\n`.
    pub no_newline: bool,
    eof: bool,
}

impl LineSource {
    pub fn new(inner: Box<dyn BufRead + Send>, cap: usize) -> Self {
        LineSource {
            inner,
            line: String::with_capacity(4096),
            cap: cap.max(16),
            line_no: 0,
            line_start: 0,
            pos: 0,
            truncated: false,
            no_newline: false,
            eof: false,
        }
    }

    /// Records the missing final newline of the current line, if it has one missing: a log
    /// cut short mid-write usually ends this way.
    pub fn warn_no_newline(&self, stats: &mut ReadStats) {
        if self.no_newline {
            stats.problem(
                self.line_no,
                "last line has no newline (truncated?)".to_string(),
            );
        }
    }

    /// The problem text for a current line that is not valid JSON, naming the likelier cause
    /// when the line was cut (end of input, or the length cap).
    pub fn json_error(&self, e: &serde_json::Error) -> String {
        if self.no_newline {
            format!("truncated last line: invalid JSON ({e})")
        } else if self.truncated {
            "line longer than max_statement_bytes: cannot parse JSON".to_string()
        } else {
            format!("invalid JSON: {e}")
        }
    }

    /// Reads the next line (see [`Self::current_str`]); false at end of input (or after a read error,
    /// which is recorded as a problem).
    pub fn next_line(&mut self, stats: &mut ReadStats) -> bool {
        if self.eof {
            return false;
        }
        if super::interrupted() {
            stats.stop(
                self.line_no + 1,
                "interrupted (SIGINT): reading stopped".into(),
            );
            self.eof = true;
            return false;
        }
        let mut buf = std::mem::take(&mut self.line).into_bytes();
        if buf.capacity() > (1 << 20) {
            buf = Vec::with_capacity(4096);
        }
        buf.clear();
        self.truncated = false;
        self.no_newline = false;
        let start = self.pos;
        let mut read_any = false;
        let mut newline = false;
        loop {
            let avail = match self.inner.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => {
                    stats.stop(
                        self.line_no + 1,
                        format!("read error: {e}: reading stopped"),
                    );
                    self.eof = true;
                    break;
                }
            };
            if avail.is_empty() {
                self.eof = true;
                // Ctrl-C also ends the program that fed a pipe: its end is
                // the interrupt's, not the log's.
                if super::interrupted() {
                    stats.stop(
                        self.line_no + 1,
                        "interrupted (SIGINT): reading stopped".into(),
                    );
                }
                break;
            }
            read_any = true;
            let (take, used, done) = match memchr::memchr(b'\n', avail) {
                Some(i) => (i, i + 1, true),
                None => (avail.len(), avail.len(), false),
            };
            let room = self.cap.saturating_sub(buf.len());
            if take > room {
                buf.extend_from_slice(&avail[..room]);
                self.truncated = true;
            } else {
                buf.extend_from_slice(&avail[..take]);
            }
            self.inner.consume(used);
            self.pos += used as u64;
            if done {
                newline = true;
                break;
            }
        }
        if !read_any {
            return false;
        }
        self.line_no += 1;
        self.line_start = start;
        stats.lines += 1;
        stats.bytes = self.pos;
        if !newline {
            self.no_newline = true;
        }
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
        if self.truncated {
            // Cut on a character boundary so truncation is not misreported as bad UTF-8.
            if let Err(e) = std::str::from_utf8(&buf) {
                if e.error_len().is_none() {
                    buf.truncate(e.valid_up_to());
                }
            }
        }
        self.line = match String::from_utf8(buf) {
            Ok(s) => s,
            Err(e) => {
                stats.problem(self.line_no, "invalid UTF-8 (replaced)".to_string());
                String::from_utf8_lossy(e.as_bytes()).into_owned()
            }
        };
        true
    }

    /// The current line again (after `next_line` returned it).
    pub fn current_str(&self) -> &str {
        &self.line
    }
}
