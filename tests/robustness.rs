//! No input crashes or hangs ormlint: every fixture log and Rust file is
//! mutated many times (bytes flipped, cut, duplicated, quotes and comment
//! openers inserted) and run through the readers, the runtime analysis and
//! the static analysis. Deterministic: a fixed-seed generator, no clock.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use ormlint::config::Config;
use ormlint::engine::RuleSet;
use ormlint::replay::{LogFormat, LogReader, ReaderOptions};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const SNIPPETS: &[&[u8]] = &[
    b"'",
    b"\"",
    b"$$",
    b"/*",
    b"*/",
    b"--",
    b"\n",
    b"\r\n",
    b"\t",
    b"\\",
    b"\xff\xfe",
    b"{",
    b"}",
    b"(",
    b")",
    b";",
    b",",
    b"$1",
    b"E'",
    b"`",
    b"\0",
    b"DETAIL:  parameters: $1 = '",
    b"LOG:  statement: ",
    b"# Query_time: ",
    b"for x in y {",
    b"loop {",
    b".fetch_all(pool)",
    b"sqlx::query(&format!(\"{}\", x))",
];

fn mutate(data: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = data.to_vec();
    for _ in 0..1 + rng.below(6) {
        let at = rng.below(out.len() + 1);
        match rng.below(5) {
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] = rng.next() as u8;
            }
            1 => out.truncate(at),
            2 => {
                let s = SNIPPETS[rng.below(SNIPPETS.len())];
                out.splice(at..at, s.iter().copied());
            }
            3 if !out.is_empty() => {
                let end = (at + rng.below(200)).min(out.len());
                let chunk = out[at.min(end)..end].to_vec();
                out.splice(at..at, chunk);
            }
            _ => {
                let end = (at + rng.below(50)).min(out.len());
                out.drain(at.min(end)..end);
            }
        }
    }
    out
}

fn files(dir: &Path, ext: &[&str], out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, ext, out);
        } else if p
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| ext.contains(&x))
        {
            out.push(p);
        }
    }
}

#[test]
fn mutated_logs_never_crash_the_readers_or_the_analysis() {
    let mut logs = Vec::new();
    files(
        &common::root().join("testdata"),
        &["log", "jsonl", "csv", "json"],
        &mut logs,
    );
    assert!(logs.len() >= 10);
    let dir = common::temp_dir("fuzz-logs");
    let rules = RuleSet::all_defaults();
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let mut runs = 0;
    for log in &logs {
        let data = fs::read(log).unwrap();
        for round in 0..40 {
            let m = mutate(&data, &mut rng);
            let path = dir.join(format!(
                "m{round}.{}",
                log.extension().unwrap().to_string_lossy()
            ));
            fs::write(&path, &m).unwrap();
            // Every format forced, and detection.
            let mut formats: Vec<Option<LogFormat>> =
                LogFormat::ALL.iter().copied().map(Some).collect();
            formats.push(None);
            let format = formats[rng.below(formats.len())];
            let opts = ReaderOptions {
                format,
                ..Default::default()
            };
            if let Ok(reader) = LogReader::open(&path, &opts) {
                let n = reader.count();
                assert!(n <= m.len() + 1);
            }
            let ropts = ormlint::runtime::Options {
                reader: ReaderOptions {
                    format,
                    ..Default::default()
                },
                ..Default::default()
            };
            let _ = ormlint::runtime::run(std::slice::from_ref(&path), &ropts, &rules, &dir);
            runs += 1;
        }
    }
    assert!(runs >= 400, "{runs}");
}

#[test]
fn mutated_rust_never_crashes_the_static_analysis() {
    let mut sources = Vec::new();
    files(&common::root().join("testdata"), &["rs"], &mut sources);
    let dir = common::temp_dir("fuzz-rust");
    let rules = RuleSet::all_defaults();
    let mut rng = Rng(0x0dd_ba11_cafe_f00d);
    for (i, src) in sources.iter().enumerate() {
        let data = fs::read(src).unwrap();
        for round in 0..25 {
            let m = mutate(&data, &mut rng);
            fs::write(dir.join(format!("f{i}_{round}.rs")), &m).unwrap();
        }
    }
    let run = ormlint::check::run(std::slice::from_ref(&dir), &Config::default(), &rules, &dir);
    assert_eq!(run.summary.files as usize, sources.len() * 25);
}

#[test]
fn a_multi_megabyte_statement_is_read_and_judged() {
    let dir = common::temp_dir("huge");
    let values: Vec<String> = (0..250_000).map(|i| format!("({i}, 'name {i}')")).collect();
    let sql = format!("INSERT INTO t (id, name) VALUES {}", values.join(", "));
    assert!(sql.len() > 4_000_000);
    let line = serde_json::json!({"sql": sql, "session": "1"}).to_string();
    fs::write(dir.join("huge.jsonl"), format!("{line}\n{line}\n")).unwrap();
    let run = ormlint::runtime::run(
        &[dir.join("huge.jsonl")],
        &ormlint::runtime::Options::default(),
        &RuleSet::all_defaults(),
        &dir,
    );
    assert_eq!(run.summary.statements, 2);
    assert_eq!(run.profile.len(), 1);
    assert_eq!(run.profile[0].text, "insert into t(id, name) values (?, ?)");
}

/// Valid Rust that once crashed or stalled the semantic layer: a
/// `macro_rules!` that invokes itself (singly and twenty times per body), a
/// trait impl forwarding to the inherent method of the same name, nested
/// closures, a type alias cycle. Each must finish with findings or none.
#[test]
fn self_referential_code_finishes() {
    let cases: &[(&str, &str)] = &[
        (
            "recursive_macro",
            "macro_rules! m { (s $x:tt) => { m!$x }; (z) => { 0 } }\npub fn f() -> i32 { m!(s (s (s (z)))) }\n",
        ),
        (
            "macro_calling_itself_twenty_times",
            &format!(
                "macro_rules! m {{ ($x:expr) => {{{{ {} }}}}; (@ $x:expr) => {{ $x }} }}\npub fn f() {{ m!(1) }}\n",
                "let _ = m!(@ $x); ".repeat(20)
            ),
        ),
        (
            "forwarding_impl",
            "use rusqlite::Connection;\npub struct Foo { label: &'static str }\npub trait Named { fn name(&self) -> &str; }\nimpl Named for Foo { fn name(&self) -> &str { self.name() } }\nimpl Foo { pub fn name(&self) -> &str { self.label } }\npub fn run(c: &Connection, f: &Foo) { c.execute(&format!(\"SELECT * FROM {}\", f.name()), []).unwrap(); }\n",
        ),
        (
            "alias_cycle",
            "use rusqlite::Connection;\ntype A = B;\ntype B = A;\npub fn f(c: &A, ids: &[i64]) { for i in ids { let _ = c.execute(\"DELETE FROM t WHERE id = ?1\", [i]); } }\n",
        ),
    ];
    for (name, src) in cases {
        let dir = common::temp_dir(&format!("self-ref-{name}"));
        fs::create_dir_all(dir.join("src")).unwrap();
        fs::write(
            dir.join("Cargo.toml"),
            "[package]\nname = \"x\"\nversion = \"0.1.0\"\n\n[dependencies]\nrusqlite = \"0.31\"\n",
        )
        .unwrap();
        fs::write(dir.join("src/lib.rs"), src).unwrap();
        let out = common::ormlint(&dir, &["check", "--format", "json", "."]);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{name}: {:?}\n{}",
            out.status,
            common::stderr(&out)
        );
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(doc["diagnostics"].is_array(), "{name}");
    }
}

/// A million nested brackets: in Rust, the file is skipped with a located
/// note before syn could overflow its stack, and the rest of the crate is
/// still judged; in a logged statement, the statement is read and the run
/// goes on. Human output names the place of a 2 MB line, not the line.
#[test]
fn a_million_nested_brackets_are_skipped_or_read_never_a_stack_overflow() {
    let deep = format!("{}1{}", "(".repeat(1_000_000), ")".repeat(1_000_000));
    let dir = common::temp_dir("deep-nesting");
    rusqlite_crate(&dir);
    fs::write(
        dir.join("src/deep.rs"),
        format!("pub fn f() -> i32 {{ {deep} }}\n"),
    )
    .unwrap();
    fs::write(
        dir.join("src/lib.rs"),
        "mod deep;\nuse rusqlite::Connection;\npub fn g(c: &Connection, ids: &[i64]) { for i in ids { let _ = c.execute(\"DELETE FROM t WHERE id = ?1\", [i]); } }\n",
    )
    .unwrap();
    let out = common::ormlint(&dir, &["check", "--format", "json", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules = common::rules_of(&doc);
    assert_eq!(rules, ["parse-error", "write-in-loop"]);
    let skipped = &doc["summary"]["skipped"][0];
    assert_eq!(skipped["path"], "src/deep.rs");
    assert!(skipped["reason"]
        .as_str()
        .unwrap()
        .contains("nested deeper than 256"));

    let human = common::ormlint(&dir, &["check", "."]);
    let text = common::stdout(&human);
    assert!(text.contains("at src/deep.rs:1:"), "{text}");
    assert!(
        text.contains("(a line of 2000024 bytes, not shown)"),
        "{text}"
    );
    assert!(
        text.len() < 4000,
        "the long line is not printed: {} bytes",
        text.len()
    );

    let log = format!(
        "2026-01-01 00:00:00.000 UTC [1] LOG:  statement: SELECT {deep} FROM t\n\
         2026-01-01 00:00:00.001 UTC [1] LOG:  statement: SELECT * FROM users WHERE id = 5\n"
    );
    fs::write(dir.join("deep.log"), log).unwrap();
    let run = ormlint::runtime::run(
        &[dir.join("deep.log")],
        &ormlint::runtime::Options::default(),
        &RuleSet::all_defaults(),
        &dir,
    );
    assert_eq!(run.summary.statements, 2);
    assert_eq!(run.profile.len(), 2);
}

/// A Rust file over 5 MiB (generated code) is skipped with a note naming
/// the limit; the rest of the crate is judged.
#[test]
fn a_rust_file_over_the_size_limit_is_skipped_with_a_note() {
    let dir = common::temp_dir("huge-rust");
    rusqlite_crate(&dir);
    let body: String = (0..250_000)
        .map(|i| format!("pub const C{i}: i64 = {i};\n"))
        .collect();
    assert!(body.len() > ormlint::source::MAX_RUST_FILE_BYTES);
    fs::write(dir.join("src/generated.rs"), body).unwrap();
    fs::write(
        dir.join("src/lib.rs"),
        "mod generated;\nuse rusqlite::Connection;\npub fn g(c: &Connection, ids: &[i64]) { for i in ids { let _ = c.execute(\"DELETE FROM t WHERE id = ?1\", [i]); } }\n",
    )
    .unwrap();
    let out = common::ormlint(&dir, &["check", "--format", "json", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let skipped = &doc["summary"]["skipped"][0];
    assert_eq!(skipped["path"], "src/generated.rs");
    assert!(
        skipped["reason"]
            .as_str()
            .unwrap()
            .contains("over the 5 MiB read"),
        "{skipped}"
    );
    assert!(doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["rule"] == "write-in-loop"));
}

/// A crate folder that depends on rusqlite, with an empty `src/`.
fn rusqlite_crate(dir: &Path) {
    fs::create_dir_all(dir.join("src")).unwrap();
    fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"x\"\nversion = \"0.1.0\"\n\n[dependencies]\nrusqlite = \"0.31\"\n",
    )
    .unwrap();
}
