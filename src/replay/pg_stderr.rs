//! PostgreSQL stderr logs (`log_destination = 'stderr'`), any `log_line_prefix`.
//!
//! A line whose text has a severity marker (`LOG:  `, `ERROR:  `, `DETAIL:  `,
//! …) after a prefix starts a record; a line starting with a TAB continues the
//! previous record (PostgreSQL writes every newline of a message as `"\n\t"`;
//! the TAB is removed again). Other lines (`pg_ctl` chatter, blank lines) are
//! skipped as "unrecognized line". Records are paired per session by
//! [`super::pg_common::Assembler`]; see there for what becomes a statement.

use super::lines::LineSource;
use super::pg_common::{Assembler, Sev, Span};
use super::pg_prefix::{find_marker, heuristic, Fields, PrefixTemplate};
use super::{QueryEvent, ReadStats};

/// Line-to-record state of the stderr format (also used for Cloud SQL's
/// `textPayload`, which carries stderr lines).
pub(crate) struct StderrState {
    tpl: Option<PrefixTemplate>,
    cap: usize,
    active: bool,
    sev: Sev,
    prefix: String,
    msg: String,
    span: Span,
    truncated: bool,
    fallback_at: Option<i64>,
    mismatch_reported: bool,
}

/// Where the line being fed sits.
#[derive(Clone, Copy)]
pub(crate) struct LinePos {
    pub line_no: u64,
    pub start: u64,
    pub end: u64,
    pub truncated: bool,
}

impl StderrState {
    pub fn new(tpl: Option<PrefixTemplate>, cap: usize) -> Self {
        StderrState {
            tpl,
            cap,
            active: false,
            sev: Sev::Log,
            prefix: String::new(),
            msg: String::new(),
            span: Span::default(),
            truncated: false,
            fallback_at: None,
            mismatch_reported: false,
        }
    }

    /// Feeds one line; `fallback_at` is a time to use when the prefix has none.
    pub fn feed(
        &mut self,
        asm: &mut Assembler,
        stats: &mut ReadStats,
        line: &str,
        pos: LinePos,
        fallback_at: Option<i64>,
    ) {
        let is_cont = line.starts_with('\t');
        let marker = if is_cont { None } else { find_marker(line) };
        match marker {
            Some((ps, sev, ms)) => {
                self.flush(asm, stats);
                self.active = true;
                self.sev = sev;
                self.prefix.clear();
                self.prefix.push_str(&line[..ps]);
                self.msg.clear();
                self.msg.push_str(&line[ms..]);
                self.truncated = pos.truncated;
                if super::truncate_str(&mut self.msg, self.cap) {
                    self.truncated = true;
                }
                self.fallback_at = fallback_at;
                self.span = Span {
                    first_line: pos.line_no,
                    last_line: pos.line_no,
                    byte_start: pos.start,
                    byte_end: pos.end,
                };
            }
            None if self.active && (is_cont || line.starts_with(' ')) => {
                let text = line.strip_prefix('\t').unwrap_or(line);
                if !self.truncated {
                    self.msg.push('\n');
                    self.msg.push_str(text);
                    if super::truncate_str(&mut self.msg, self.cap) || pos.truncated {
                        self.truncated = true;
                    }
                }
                self.span.last_line = pos.line_no;
                self.span.byte_end = pos.end;
            }
            None if is_cont => stats.skip("continuation line without a record", 1),
            None if line.trim().is_empty() => stats.skip("blank line", 1),
            None => stats.skip("unrecognized line", 1),
        }
    }

    /// Hands the record being built (if any) to the assembler.
    pub fn flush(&mut self, asm: &mut Assembler, stats: &mut ReadStats) {
        if !self.active {
            return;
        }
        self.active = false;
        let f: Fields<'_> = match &self.tpl {
            Some(t) => match t.match_prefix(&self.prefix) {
                Some(f) => f,
                None => {
                    if !self.mismatch_reported {
                        self.mismatch_reported = true;
                        stats.problem(
                            self.span.first_line,
                            "line does not match the given log_line_prefix (fields guessed)"
                                .to_string(),
                        );
                    }
                    heuristic(&self.prefix)
                }
            },
            None => heuristic(&self.prefix),
        };
        let key = f.key();
        let fallback = self.fallback_at;
        let meta = || {
            let mut m = f.meta();
            if m.at_micros.is_none() {
                m.at_micros = fallback;
            }
            m
        };
        if self.sev.is_secondary() {
            asm.secondary_record(
                stats,
                key,
                self.sev,
                &self.msg,
                self.span,
                self.truncated,
                meta,
            );
        } else {
            asm.main_record(
                stats,
                key,
                self.sev,
                &self.msg,
                None,
                None,
                self.span,
                self.truncated,
                meta,
            );
        }
    }
}

pub(crate) struct Reader {
    src: LineSource,
    asm: Assembler,
    st: StderrState,
    eof: bool,
}

impl Reader {
    pub fn new(src: LineSource, tpl: Option<PrefixTemplate>, cap: usize) -> Self {
        Reader {
            src,
            asm: Assembler::new(cap),
            st: StderrState::new(tpl, cap),
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
                self.st.flush(&mut self.asm, stats);
                self.asm.finish();
                self.eof = true;
                continue;
            }
            let line = self.src.current_str();
            let pos = LinePos {
                line_no: self.src.line_no,
                start: self.src.line_start,
                end: self.src.pos,
                truncated: self.src.truncated,
            };
            self.src.warn_no_newline(stats);
            self.st.feed(&mut self.asm, stats, line, pos, None);
        }
    }
}
