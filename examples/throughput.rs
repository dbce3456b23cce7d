//! Throughput check: generates a realistic PostgreSQL stderr log in memory
//! (sessions interleaving; `execute` + `DETAIL: parameters`, simple
//! statements, multi-line statements, `duration:` lines, connection noise)
//! and times reading it.
//!
//! `cargo run --release --example throughput -- [STATEMENTS] [--file PATH]`
//! (default 1,000,000 statements; `--file` also writes the log there and
//! times reading it back from disk).

use ormlint::replay::{LogReader, ReaderOptions};
use std::io::{Cursor, Write};
use std::time::Instant;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn generate(n: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity((n * 330) as usize);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let sessions = 64u64;
    let mut vxid = vec![0u64; sessions as usize];
    let mut ms: u64 = 0;
    let mut written = 0u64;
    while written < n {
        ms += rng.below(3);
        let s = rng.below(sessions);
        vxid[s as usize] += 1;
        let pid = 10_000 + s;
        let ts = format!(
            "2026-11-22 {:02}:{:02}:{:02}.{:03} UTC",
            (ms / 3_600_000) % 24,
            (ms / 60_000) % 60,
            (ms / 1000) % 60,
            ms % 1000
        );
        let prefix = format!(
            "{ts} [{pid}] app_user@shop 6b02bb47.{pid:x} {}/{} 0 app=web ",
            s + 3,
            vxid[s as usize]
        );
        let id = rng.below(100_000);
        match rng.below(100) {
            0..=49 => {
                writeln!(
                    out,
                    "{prefix}LOG:  execute <unnamed>: SELECT users.id, users.name, users.email FROM users WHERE users.id = $1::INTEGER AND users.active = $2"
                )
                .ok();
                writeln!(out, "{prefix}DETAIL:  parameters: $1 = '{id}', $2 = 't'").ok();
            }
            50..=74 => {
                writeln!(
                    out,
                    "{prefix}LOG:  statement: SELECT count(*) FROM orders WHERE customer_id = {id} AND status = 'open'"
                )
                .ok();
            }
            75..=89 => {
                writeln!(
                    out,
                    "{prefix}LOG:  execute _pg3_{}: SELECT posts.id, posts.title, posts.body ",
                    id % 7
                )
                .ok();
                out.extend_from_slice(b"\tFROM posts \n\tJOIN users ON users.id = posts.author_id \n\tWHERE posts.author_id = $1 \n\tORDER BY posts.published_at DESC \n\tLIMIT $2\n");
                writeln!(out, "{prefix}DETAIL:  parameters: $1 = '{id}', $2 = '20'").ok();
            }
            90..=97 => {
                writeln!(
                    out,
                    "{prefix}LOG:  duration: {}.{:03} ms  statement: UPDATE carts SET updated_at = now() WHERE id = {id}",
                    rng.below(50),
                    rng.below(1000)
                )
                .ok();
            }
            _ => {
                writeln!(out, "{prefix}LOG:  statement: BEGIN").ok();
                writeln!(out, "{prefix}LOG:  duration: 0.{:03} ms", rng.below(1000)).ok();
                written += 1;
                if written < n {
                    writeln!(out, "{prefix}LOG:  statement: COMMIT").ok();
                }
            }
        }
        written += 1;
        if rng.below(1000) == 0 {
            writeln!(out, "{ts} [{pid}] LOG:  checkpoint starting: time").ok();
        }
    }
    out
}

fn read(r: LogReader) -> (u64, u64, u64, std::time::Duration) {
    let t = Instant::now();
    let mut r = r;
    let mut n = 0u64;
    let mut bytes = 0u64;
    for ev in r.by_ref() {
        n += 1;
        bytes += ev.sql.len() as u64;
    }
    let el = t.elapsed();
    std::hint::black_box(bytes);
    (n, r.stats().lines, r.stats().bytes, el)
}

fn report(what: &str, (n, lines, bytes, el): (u64, u64, u64, std::time::Duration)) {
    let s = el.as_secs_f64();
    println!(
        "{what}: {n} statements, {lines} lines, {:.1} MB in {:.3} s = {:.0} statements/s, {:.0} MB/s",
        bytes as f64 / 1e6,
        s,
        n as f64 / s,
        bytes as f64 / 1e6 / s
    );
}

fn main() -> std::io::Result<()> {
    let mut n = 1_000_000u64;
    let mut file: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--file" {
            file = args.next();
        } else if let Ok(v) = a.replace('_', "").parse() {
            n = v;
        }
    }
    let t = Instant::now();
    let data = generate(n);
    println!(
        "generated {:.1} MB in {:.2} s",
        data.len() as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    let opts = ReaderOptions::default();
    for round in 1..=3 {
        let r = LogReader::from_reader(Box::new(Cursor::new(data.clone())), &opts)?;
        report(&format!("in memory, run {round}"), read(r));
    }
    let prefix = ReaderOptions {
        log_line_prefix: Some("%m [%p] %q%u@%d %c %v %x app=%a ".to_string()),
        ..ReaderOptions::default()
    };
    let r = LogReader::from_reader(Box::new(Cursor::new(data.clone())), &prefix)?;
    report("in memory, given log_line_prefix", read(r));
    if let Some(path) = file {
        std::fs::write(&path, &data)?;
        let r = LogReader::open(std::path::Path::new(&path), &opts)?;
        report("from file", read(r));
    }
    Ok(())
}
