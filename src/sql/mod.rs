//! The SQL core shared by both front ends: the fingerprint lexer (hot path)
//! and `sqlparser` analysis, cached per fingerprint.

pub mod analyze;
pub mod fingerprint;

use std::io::{self, BufRead, Write};

use crate::cli::UsageError;
use crate::report::Format;

pub use fingerprint::{fingerprint, hash_hex, Fingerprint};

/// `ormlint fingerprint`: one line per statement, `HASH<TAB>TEXT`.
pub fn print_fingerprints(args: &[String], format: Format) -> Result<(), UsageError> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut json = Vec::new();
    let mut emit = |sql: &str, out: &mut dyn Write| -> io::Result<()> {
        let fp = fingerprint(sql);
        if format == Format::Json {
            json.push(serde_json::json!({
                "hash": hash_hex(fp.hash),
                "fingerprint": fp.text,
                "tags": fp.tags.iter().map(|(k, v)| serde_json::json!({"key": k, "value": v})).collect::<Vec<_>>(),
            }));
            Ok(())
        } else {
            writeln!(out, "{}\t{}", hash_hex(fp.hash), fp.text)
        }
    };
    if args.is_empty() {
        let stdin = io::stdin();
        let mut buf = Vec::new();
        let mut lock = stdin.lock();
        loop {
            buf.clear();
            if lock.read_until(b'\n', &mut buf)? == 0 {
                break;
            }
            let line = String::from_utf8_lossy(&buf);
            let line = line.trim_end_matches(['\n', '\r']);
            if line.trim().is_empty() {
                continue;
            }
            emit(line, &mut out)?;
        }
    } else {
        for sql in args {
            emit(sql, &mut out)?;
        }
    }
    if format == Format::Json {
        writeln!(out, "{}", serde_json::to_string_pretty(&json)?)?;
    }
    out.flush()?;
    Ok(())
}
