//! A progress line on standard error for long runs: bytes read (replay) or
//! files visited (check), rate and ETA. Only on a terminal and never with
//! `--quiet`; it erases itself when done.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

pub struct Progress {
    enabled: bool,
    start: Instant,
    last: Instant,
    label: String,
    total: Option<u64>,
    bytes: bool,
}

fn human(n: f64, bytes: bool) -> String {
    if !bytes {
        return format!("{n:.0}");
    }
    let units = ["B", "KB", "MB", "GB", "TB"];
    let mut v = n;
    let mut u = 0;
    while v >= 1000.0 && u + 1 < units.len() {
        v /= 1000.0;
        u += 1;
    }
    format!("{v:.1} {}", units[u])
}

impl Progress {
    /// A progress line for `label`, shown only when standard error is a terminal.
    pub fn new(label: &str, total: Option<u64>, bytes: bool, quiet: bool) -> Self {
        let now = Instant::now();
        Progress {
            enabled: !quiet && std::io::stderr().is_terminal(),
            start: now,
            last: now,
            label: label.to_string(),
            total,
            bytes,
        }
    }

    /// A progress line that never shows.
    pub fn hidden() -> Self {
        Self::new("", None, false, true)
    }

    /// Redraws at most ten times a second.
    pub fn update(&mut self, done: u64) {
        if !self.enabled || self.last.elapsed() < Duration::from_millis(100) {
            return;
        }
        self.last = Instant::now();
        let secs = self.start.elapsed().as_secs_f64().max(1e-3);
        let rate = done as f64 / secs;
        let unit = if self.bytes { "/s" } else { " files/s" };
        let mut line = format!("\r{}: {}", self.label, human(done as f64, self.bytes));
        if let Some(total) = self.total.filter(|t| *t > 0) {
            let pct = (done as f64 / total as f64 * 100.0).min(100.0);
            let eta = if rate > 0.0 {
                (total.saturating_sub(done)) as f64 / rate
            } else {
                0.0
            };
            line.push_str(&format!(
                " / {} ({pct:.0}%), {}{unit}, ETA {eta:.0}s",
                human(total as f64, self.bytes),
                human(rate, self.bytes)
            ));
        } else {
            line.push_str(&format!(", {}{unit}", human(rate, self.bytes)));
        }
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "{line}\x1b[K");
        let _ = err.flush();
    }

    /// Erases the line.
    pub fn finish(&mut self) {
        if self.enabled {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[K");
            let _ = err.flush();
        }
    }
}
