//! Integration tests of the log readers on the fixtures in `testdata/logs/`.

use ormlint::replay::{
    detect_format, LogFormat, LogReader, QueryEvent, ReadStats, ReaderOptions, MAX_PROBLEMS,
};
use std::io::{Cursor, Write};
use std::path::PathBuf;

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/logs")
        .join(rel)
}

fn read_with(rel: &str, opts: &ReaderOptions) -> (LogFormat, Vec<QueryEvent>, ReadStats) {
    let mut r = LogReader::open(&fixture(rel), opts).expect("open fixture");
    let evs: Vec<QueryEvent> = r.by_ref().collect();
    (r.format(), evs, r.stats().clone())
}

fn read(rel: &str) -> (LogFormat, Vec<QueryEvent>, ReadStats) {
    read_with(rel, &ReaderOptions::default())
}

fn read_bytes(data: Vec<u8>, opts: &ReaderOptions) -> (LogFormat, Vec<QueryEvent>, ReadStats) {
    let mut r = LogReader::from_reader(Box::new(Cursor::new(data)), opts).expect("reader");
    let evs: Vec<QueryEvent> = r.by_ref().collect();
    (r.format(), evs, r.stats().clone())
}

fn skipped(st: &ReadStats, reason: &str) -> u64 {
    st.skipped.get(reason).copied().unwrap_or(0)
}

fn lines(ev: &QueryEvent) -> (u64, u64) {
    (ev.first_line, ev.last_line)
}

fn s(v: &str) -> Option<String> {
    Some(v.to_string())
}

/// Epoch micros of a UTC civil time (test-side arithmetic).
fn utc(y: i64, mo: i64, d: i64, h: i64, mi: i64, sec: i64, us: i64) -> i64 {
    let days_before_month = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    let mut days = (y - 1970) * 365 + ((y - 1969) / 4);
    days += days_before_month[(mo - 1) as usize] + d - 1;
    if mo > 2 && y % 4 == 0 {
        days += 1;
    }
    ((days * 24 + h) * 60 + mi) * 60_000_000 + sec * 1_000_000 + us
}

#[test]
fn pg_stderr_interleaved_sessions() {
    let (fmt, evs, st) = read("postgres/interleaved.log");
    assert_eq!(fmt, LogFormat::PgStderr);
    assert_eq!(st.lines, 30);
    assert_eq!(st.statements, 8);
    assert_eq!(evs.len(), 8);
    let sql: Vec<&str> = evs.iter().map(|e| e.sql.as_str()).collect();
    assert_eq!(
        sql,
        vec![
            "SELECT id, email FROM users WHERE id = $1",
            "SELECT * FROM orders WHERE user_id = $1 AND status = $2",
            "SELECT p.id,\n       p.title\nFROM posts p\nWHERE p.author_id = 7\n",
            "UPDATE users SET name = $1 WHERE id = $2",
            "SELECT * FROM carts WHERE id = 1",
            "SELECT * FORM users WHERE name = 'x' OR '1'='1'",
            "SELECT * FROM big ORDER BY 1",
            "COMMIT",
        ]
    );
    // Two pids interleave execute + DETAIL: each gets its own parameters.
    let a = &evs[0];
    assert_eq!(a.params, vec![s("42")]);
    assert_eq!(a.session, s("65e1a7c0.1005"));
    assert_eq!(lines(a), (3, 5));
    assert_eq!(a.txn, s("3/2"));
    assert_eq!(
        (a.user.as_deref(), a.database.as_deref()),
        (Some("app_user"), Some("shop"))
    );
    assert_eq!(a.application, s("shop"));
    assert_eq!(a.at_micros, Some(utc(2024, 3, 1, 10, 0, 1, 100_000)));
    let b = &evs[1];
    assert_eq!(b.params, vec![s("7"), None]);
    assert_eq!(b.session, s("65e1a7c0.1006"));
    assert_eq!(lines(b), (4, 6));
    // Multi-line statement; its lone `duration:` comes five lines later.
    assert_eq!(lines(&evs[2]), (7, 11));
    assert_eq!(evs[2].duration_ms, Some(1.25));
    // parse/bind skipped, execute keeps its params (quote undoubled) and duration.
    assert_eq!(evs[3].params, vec![s("O'Brien"), s("42")]);
    assert_eq!(evs[3].duration_ms, Some(0.48));
    assert_eq!(lines(&evs[3]), (15, 16));
    // ERROR + STATEMENT never logged before: yielded, spanning both lines.
    assert_eq!(lines(&evs[5]), (22, 23));
    // The temporary-file STATEMENT is context; the statement counts once.
    assert_eq!(evs[6].duration_ms, Some(52.0));
    assert_eq!(lines(&evs[6]), (27, 27));
    assert_eq!(skipped(&st, "parse/bind step"), 2);
    assert_eq!(skipped(&st, "detail"), 1);
    assert_eq!(skipped(&st, "duration (attached to its statement)"), 2);
    assert_eq!(skipped(&st, "error context (statement already logged)"), 1);
    assert_eq!(skipped(&st, "statement context"), 1);
    assert_eq!(skipped(&st, "unrecognized line"), 1);
    assert_eq!(skipped(&st, "checkpoint"), 1);
    assert_eq!(skipped(&st, "connection"), 1);
    assert_eq!(skipped(&st, "disconnection"), 1);
    assert_eq!(st.problem_count, 0);
    assert_eq!(
        st.bytes,
        std::fs::metadata(fixture("postgres/interleaved.log"))
            .unwrap()
            .len()
    );
    // Heuristics stop an app name at a blank; the real prefix keeps it.
    assert_eq!(evs[7].application, s("shop"));
    let opts = ReaderOptions {
        log_line_prefix: Some("%m [%p] %q%u@%d %c %v %x app=%a ".into()),
        ..ReaderOptions::default()
    };
    let (_, with_prefix, st2) = read_with("postgres/interleaved.log", &opts);
    assert_eq!(with_prefix.len(), 8);
    assert_eq!(with_prefix[7].application, s("shop web"));
    assert_eq!(with_prefix[0], evs[0]);
    assert_eq!(st2.problem_count, 0);
}

#[test]
fn pg_stderr_crlf_bad_utf8_truncated() {
    let (fmt, evs, st) = read("postgres/crlf_badutf8_truncated.log");
    assert_eq!(fmt, LogFormat::PgStderr);
    assert_eq!(evs.len(), 3);
    assert_eq!(evs[0].sql, "SELECT 'caf\u{FFFD}'");
    assert_eq!(evs[1].sql, "SELECT 1\nFROM dual");
    assert_eq!(
        evs[2].sql,
        "SELECT id FROM t WHERE\nname = 'cut off in the midd"
    );
    assert_eq!(lines(&evs[2]), (4, 5));
    assert_eq!(evs[2].session, s("78"));
    assert_eq!(evs[0].user, s("alice"));
    // CET is a named zone: read as UTC.
    assert_eq!(evs[0].at_micros, Some(utc(2024, 3, 1, 10, 0, 0, 0)));
    let msgs: Vec<(u64, &str)> = st
        .problems
        .iter()
        .map(|p| (p.line, p.message.as_str()))
        .collect();
    assert_eq!(
        msgs,
        vec![
            (1, "invalid UTF-8 (replaced)"),
            (5, "last line has no newline (truncated?)")
        ]
    );
}

#[test]
fn pg_stderr_rds_prefix_and_single_space() {
    let (_, evs, st) = read("postgres/rds.log");
    assert_eq!(evs.len(), 2);
    assert_eq!(evs[0].sql, "SELECT * FROM t1;");
    assert_eq!(evs[0].duration_ms, Some(0.054));
    assert_eq!(evs[0].session, s("24743"));
    assert_eq!(
        (evs[1].user.as_deref(), evs[1].database.as_deref()),
        (Some("user"), Some("my_db"))
    );
    assert_eq!(skipped(&st, "checkpoint"), 1);
    let opts = ReaderOptions {
        log_line_prefix: Some("%t:%r:%u@%d:[%p]:".into()),
        ..ReaderOptions::default()
    };
    let (_, evs2, st2) = read_with("postgres/rds.log", &opts);
    assert_eq!(evs, evs2);
    assert_eq!(st2.problem_count, 0);
}

#[test]
fn pg_csv_pg14() {
    let (fmt, evs, st) = read("postgres-csv/pg14.csv");
    assert_eq!(fmt, LogFormat::PgCsv);
    assert_eq!(st.lines, 13);
    assert_eq!(evs.len(), 5);
    let e = &evs[0];
    assert_eq!(
        e.sql,
        "SELECT \"u\".id,\n       \"u\".email\nFROM users u\nWHERE u.name = $1 AND u.note = $2"
    );
    assert_eq!(e.params, vec![s("a \"quoted\", name"), s("line1\nline2")]);
    assert_eq!(lines(e), (2, 6));
    assert_eq!(e.duration_ms, Some(2.5)); // a later lone `duration:` row
    assert_eq!(e.session, s("65e1a7c0.1005"));
    assert_eq!(e.txn, s("3/2"));
    assert_eq!(e.at_micros, Some(utc(2024, 3, 1, 10, 0, 1, 0)));
    assert_eq!(evs[1].sql, "SELECT 1");
    assert_eq!(evs[2].sql, "SELECT * FORM t"); // error-only statement
    assert_eq!(lines(&evs[2]), (9, 9));
    assert_eq!(evs[3].sql, "SELECT 2");
    assert_eq!(evs[4].sql, "SELECT 3");
    assert_eq!(evs[4].params, vec![s("3")]);
    assert_eq!(evs[4].duration_ms, Some(0.2));
    assert_eq!(skipped(&st, "error (statement already logged)"), 1);
    assert_eq!(skipped(&st, "parse/bind step"), 1);
    assert_eq!(st.problem_count, 0);
}

#[test]
fn pg_csv_crlf_bad_utf8_truncated_record() {
    let (fmt, evs, st) = read("postgres-csv/pg11_crlf_badutf8_truncated.csv");
    assert_eq!(fmt, LogFormat::PgCsv);
    assert_eq!(evs.len(), 3);
    assert_eq!(evs[0].sql, "SELECT 'caf\u{FFFD}'");
    assert_eq!(evs[0].application, s("legacy")); // column 22 of a 23-column record
    assert_eq!(evs[1].sql, "SELECT a,\n b\nFROM t");
    assert_eq!(lines(&evs[1]), (2, 4));
    assert_eq!(evs[2].sql, "SELECT 'never\nclosed");
    assert_eq!(lines(&evs[2]), (5, 6));
    assert!(st
        .problems
        .iter()
        .any(|p| p.line == 1 && p.message == "invalid UTF-8 (replaced)"));
    assert!(st
        .problems
        .iter()
        .any(|p| p.line == 5 && p.message.starts_with("truncated last entry")));
}

#[test]
fn pg_csv_unclosed_quote_resyncs_at_next_record() {
    let good = "2024-03-01 10:00:01.000 UTC,\"u\",\"d\",7,\"h\",65e1a7c0.7,1,\"idle\",2024-03-01 10:00:00 UTC,3/1,0,LOG,00000,\"statement: SELECT 1\",,,,,,,,,\"a\"";
    let bad = "2024-03-01 10:00:00.000 UTC,\"u\",\"d\",7,\"h\",65e1a7c0.7,1,\"idle\",2024-03-01 10:00:00 UTC,3/1,0,LOG,00000,\"statement: SELECT 'oops";
    let data = format!("{bad}\n{good}\n");
    let opts = ReaderOptions {
        format: Some(LogFormat::PgCsv),
        ..ReaderOptions::default()
    };
    let (_, evs, st) = read_bytes(data.into_bytes(), &opts);
    assert_eq!(evs.last().map(|e| e.sql.as_str()), Some("SELECT 1"));
    assert_eq!(evs.last().map(|e| e.first_line), Some(2));
    assert!(st.problem_count >= 1);
}

#[test]
fn pg_jsonlog() {
    let (fmt, evs, st) = read("postgres-json/jsonlog.json");
    assert_eq!(fmt, LogFormat::PgJson);
    assert_eq!(evs.len(), 3);
    assert_eq!(evs[0].sql, "SELECT id\nFROM users\nWHERE id = $1");
    assert_eq!(evs[0].params, vec![s("42")]);
    assert_eq!(evs[0].application, s("web"));
    assert_eq!(evs[0].txn, s("3/2"));
    assert_eq!(lines(&evs[0]), (2, 2));
    assert_eq!(evs[1].sql, "SELECT * FORM users");
    assert_eq!(evs[1].txn, s("3/3"));
    assert_eq!(evs[2].duration_ms, Some(3.0));
    assert_eq!(skipped(&st, "invalid JSON line"), 2);
    assert_eq!(st.problems.len(), 2);
    assert_eq!(st.problems[0].line, 4);
    assert_eq!(st.problems[1].line, 6);
    assert!(st.problems[1].message.starts_with("truncated last line"));
}

#[test]
fn pg_json_wrappers() {
    let (fmt, evs, st) = read("postgres-json/cnpg.json");
    assert_eq!(fmt, LogFormat::PgJson);
    assert_eq!(evs.len(), 2);
    assert_eq!(evs[0].sql, "SELECT 1");
    assert_eq!(evs[0].duration_ms, Some(0.097));
    assert_eq!(evs[0].session, s("65e1a7c0.258"));
    assert_eq!(evs[0].database, s("app"));
    assert_eq!(evs[1].sql, "SELECT FROM WHERE");
    assert_eq!(skipped(&st, "not a postgres log record"), 1);

    let (fmt, evs, st) = read("postgres-json/cloudsql.json");
    assert_eq!(fmt, LogFormat::PgJson);
    assert_eq!(evs.len(), 1);
    assert_eq!(evs[0].sql, "SELECT *\nFROM t1");
    assert_eq!(evs[0].session, s("202"));
    assert_eq!(evs[0].user, s("alice"));
    assert_eq!(evs[0].at_micros, Some(utc(2024, 3, 1, 10, 0, 0, 250_000)));
    assert_eq!(skipped(&st, "connection"), 1);
}

#[test]
fn mysql_slow() {
    let (fmt, evs, st) = read("mysql-slow/slow.log");
    assert_eq!(fmt, LogFormat::MysqlSlow);
    assert_eq!(st.lines, 35);
    let sql: Vec<&str> = evs.iter().map(|e| e.sql.as_str()).collect();
    assert_eq!(
        sql,
        vec![
            "SELECT * FROM users WHERE id = 1;",
            "UPDATE orders\nSET status = 'paid' -- caf\u{FFFD}\nWHERE id = 7;",
            "SELECT COUNT(*) FROM big;",
            "SELECT 'trunc",
        ]
    );
    assert_eq!(lines(&evs[0]), (4, 9));
    assert_eq!(evs[0].session, s("12"));
    assert_eq!(evs[0].user, s("shop"));
    assert_eq!(evs[0].database, s("shop"));
    assert_eq!(evs[0].duration_ms, Some(1.5));
    assert_eq!(evs[0].at_micros, Some(1_709_287_200_000_000));
    assert_eq!(evs[1].database, s("shop")); // the last `use` carries over
    assert_eq!(evs[1].at_micros, Some(1_709_287_201_000_000));
    assert_eq!(evs[2].database, s("reports")); // Schema:
    assert_eq!(evs[2].session, s("15")); // Thread_id:
    assert_eq!(evs[2].at_micros, Some(utc(2024, 3, 1, 10, 0, 6, 1)));
    assert_eq!(evs[2].duration_ms, Some(1000.0));
    assert_eq!(lines(&evs[3]), (31, 35));
    assert_eq!(skipped(&st, "administrator command"), 4);
    assert_eq!(skipped(&st, "server banner"), 6);
    let msgs: Vec<(u64, &str)> = st
        .problems
        .iter()
        .map(|p| (p.line, p.message.as_str()))
        .collect();
    assert_eq!(
        msgs,
        vec![
            (14, "invalid UTF-8 (replaced)"),
            (35, "last line has no newline (truncated?)")
        ]
    );
}

#[test]
fn mysql_general_old_format() {
    let (fmt, evs, st) = read("mysql-general/general_old.log");
    assert_eq!(fmt, LogFormat::MysqlGeneral);
    assert_eq!(evs.len(), 3);
    assert_eq!(
        evs[0].sql,
        "SELECT name\n                         FROM users\n                         WHERE id = 1"
    );
    assert_eq!(lines(&evs[0]), (5, 7));
    assert_eq!(evs[0].session, s("42"));
    assert_eq!(evs[0].user, s("shop"));
    assert_eq!(evs[0].database, s("shop"));
    assert_eq!(evs[0].at_micros, Some(utc(2024, 3, 1, 10, 0, 0, 0)));
    assert_eq!(evs[1].sql, "SELECT COUNT(*) FROM big");
    assert_eq!(evs[1].database, s("reports")); // Init DB
    assert_eq!(evs[1].user, s("report"));
    assert_eq!(evs[2].sql, "SELECT * FROM t WHERE id = 5"); // Execute
    assert_eq!(evs[2].at_micros, Some(utc(2024, 3, 1, 10, 0, 1, 0)));
    assert_eq!(skipped(&st, "connect"), 2);
    assert_eq!(skipped(&st, "init db"), 1);
    assert_eq!(skipped(&st, "prepared statement step"), 2);
    assert_eq!(skipped(&st, "quit"), 1);
    assert_eq!(skipped(&st, "server banner"), 3);
}

#[test]
fn mysql_general_new_format_crlf() {
    let (fmt, evs, st) = read("mysql-general/general_new_crlf.log");
    assert_eq!(fmt, LogFormat::MysqlGeneral);
    assert_eq!(evs.len(), 3);
    assert_eq!(
        evs[0].sql,
        "SELECT * FROM orders WHERE note = 'd\u{FFFD}j\u{FFFD}'"
    );
    assert_eq!(evs[0].database, s("orders"));
    assert_eq!(evs[0].user, s("api"));
    // +08:00 is applied.
    assert_eq!(evs[0].at_micros, Some(utc(2024, 3, 1, 10, 0, 0, 500)));
    assert_eq!(evs[1].sql, "INSERT INTO log (msg)\nVALUES ('two\nlines')");
    assert_eq!(lines(&evs[1]), (3, 5));
    assert_eq!(evs[1].session, s("8"));
    assert_eq!(evs[2].sql, "SELECT 'cut");
    assert_eq!(st.problem_count, 2);
}

#[test]
fn json_lines() {
    let (fmt, evs, st) = read("jsonl/app.jsonl");
    assert_eq!(fmt, LogFormat::JsonLines);
    assert_eq!(evs.len(), 5);
    let e = &evs[0];
    assert_eq!(e.sql, "SELECT * FROM users WHERE id = $1");
    assert_eq!(e.params, vec![s("42")]);
    assert_eq!(e.duration_ms, Some(1.5));
    assert_eq!(e.session, s("conn-1"));
    assert_eq!(e.request, s("req-9"));
    assert_eq!(e.txn, s("tx-1"));
    assert_eq!(e.application, s("api"));
    assert_eq!(e.user, s("svc"));
    assert_eq!(e.database, s("shop"));
    assert_eq!(e.at_micros, Some(utc(2024, 3, 1, 10, 0, 0, 500_000)));
    // Object params ordered by the number in their names; null → None.
    assert_eq!(evs[1].params, vec![s("7"), s("x"), None]);
    assert_eq!(evs[1].session, s("17"));
    assert_eq!(evs[1].request, s("abc"));
    assert_eq!(evs[1].duration_ms, Some(2.0));
    // Epoch seconds, milliseconds, microseconds.
    assert_eq!(evs[1].at_micros, Some(1_709_287_201_000_000));
    assert_eq!(evs[2].at_micros, Some(1_709_287_202_000_000));
    assert_eq!(evs[3].at_micros, Some(1_709_287_203_000_000));
    assert_eq!(evs[3].params, vec![s("3"), s("n")]); // by name: age, name
    assert_eq!(evs[4].sql, "SELECT 'caf\u{FFFD}'");
    assert_eq!(evs[4].duration_ms, Some(1.5));
    assert_eq!(evs[4].at_micros, Some(utc(2024, 3, 1, 8, 0, 5, 0)));
    assert_eq!(lines(&evs[4]), (8, 8));
    assert_eq!(skipped(&st, "invalid JSON line"), 2);
    assert_eq!(skipped(&st, "no SQL field"), 1);
    let lines_with_problems: Vec<u64> = st.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines_with_problems, vec![5, 6, 8, 9]);
}

#[test]
fn ten_megabyte_statement_and_cap() {
    let big = "x".repeat(10 << 20);
    let data = format!(
        "2024-03-01 10:00:00 UTC [1] LOG:  statement: SELECT '{big}'\n\t|| 'tail'\n2024-03-01 10:00:01 UTC [1] LOG:  statement: SELECT 2\n"
    );
    let (_, evs, st) = read_bytes(data.clone().into_bytes(), &ReaderOptions::default());
    assert_eq!(evs.len(), 2);
    assert_eq!(evs[0].sql.len(), (10 << 20) + 19);
    assert!(evs[0].sql.ends_with("'\n|| 'tail'"));
    assert_eq!(st.problem_count, 0);

    let opts = ReaderOptions {
        max_statement_bytes: 1 << 20,
        ..ReaderOptions::default()
    };
    let (_, evs, st) = read_bytes(data.into_bytes(), &opts);
    assert_eq!(evs.len(), 2);
    // The cap applies to the record's message ("statement: …").
    assert!(evs[0].sql.len() <= 1 << 20 && evs[0].sql.len() > (1 << 20) - 64);
    assert_eq!(lines(&evs[0]), (1, 2));
    assert_eq!(evs[1].sql, "SELECT 2");
    assert_eq!(evs[1].first_line, 3);
    assert_eq!(st.lines, 3);
    assert_eq!(st.problems.len(), 1);
    assert_eq!(st.problems[0].line, 1);
    assert_eq!(st.problems[0].message, "statement truncated at 1 MiB");
}

#[test]
fn huge_statement_in_every_format_is_capped() {
    let big = "y".repeat(3 << 20);
    let cases: Vec<(LogFormat, String)> = vec![
        (LogFormat::MysqlSlow, format!("# Query_time: 1.0  Lock_time: 0\nSELECT '{big}';\n# Query_time: 1.0  Lock_time: 0\nSELECT 2;\n")),
        (LogFormat::MysqlGeneral, format!("2024-03-01T10:00:00Z\t1 Query\tSELECT '{big}'\n2024-03-01T10:00:00Z\t1 Query\tSELECT 2\n")),
        (LogFormat::PgCsv, format!("2024-03-01 10:00:00 UTC,,,1,,65e1a7c0.1,1,,,,0,LOG,00000,\"statement: SELECT '{big}'\",,,,,,,,,\"\"\n2024-03-01 10:00:00 UTC,,,1,,65e1a7c0.1,2,,,,0,LOG,00000,\"statement: SELECT 2\",,,,,,,,,\"\"\n")),
        (LogFormat::PgJson, format!("{{\"pid\":1,\"error_severity\":\"LOG\",\"message\":\"statement: SELECT '{big}'\"}}\n{{\"pid\":1,\"error_severity\":\"LOG\",\"message\":\"statement: SELECT 2\"}}\n")),
        (LogFormat::JsonLines, format!("{{\"sql\":\"SELECT '{big}'\"}}\n{{\"sql\":\"SELECT 2\"}}\n")),
    ];
    for (fmt, data) in cases {
        let opts = ReaderOptions {
            format: Some(fmt),
            max_statement_bytes: 4 << 20,
            ..ReaderOptions::default()
        };
        let (_, evs, st) = read_bytes(data.clone().into_bytes(), &opts);
        assert_eq!(evs.len(), 2, "{fmt}");
        assert!(evs[0].sql.len() > 3 << 20, "{fmt}");
        assert_eq!(st.problem_count, 0, "{fmt}");
        let opts = ReaderOptions {
            max_statement_bytes: 1 << 20,
            ..opts
        };
        let (_, evs, st) = read_bytes(data.into_bytes(), &opts);
        assert_eq!(
            evs.last().map(|e| e.sql.trim_end_matches(';')),
            Some("SELECT 2"),
            "{fmt}"
        );
        assert!(st.problem_count >= 1, "{fmt}");
        assert!(evs.iter().all(|e| e.sql.len() <= 1 << 20), "{fmt}");
        assert!(
            st.problems.iter().any(|p| p.line == 1 || p.line == 2),
            "{fmt}: {:?}",
            st.problems
        );
    }
}

#[test]
fn gzip_is_undone_by_magic_bytes() {
    let raw = std::fs::read(fixture("postgres/interleaved.log")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&raw).unwrap();
    let packed = gz.finish().unwrap();
    let (fmt, evs, st) = read_bytes(packed.clone(), &ReaderOptions::default());
    let (_, plain, _) = read("postgres/interleaved.log");
    assert_eq!(fmt, LogFormat::PgStderr);
    assert_eq!(evs, plain);
    assert_eq!(st.bytes, raw.len() as u64);
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("interleaved.log.gz");
    std::fs::write(&path, packed).unwrap();
    let mut r = LogReader::open(&path, &ReaderOptions::default()).unwrap();
    assert_eq!(r.by_ref().count(), 8);
}

#[test]
fn detection_and_failure_message() {
    for (rel, fmt) in [
        ("postgres/interleaved.log", LogFormat::PgStderr),
        ("postgres/rds.log", LogFormat::PgStderr),
        ("postgres-csv/pg14.csv", LogFormat::PgCsv),
        (
            "postgres-csv/pg11_crlf_badutf8_truncated.csv",
            LogFormat::PgCsv,
        ),
        ("postgres-json/jsonlog.json", LogFormat::PgJson),
        ("postgres-json/cnpg.json", LogFormat::PgJson),
        ("postgres-json/cloudsql.json", LogFormat::PgJson),
        ("mysql-slow/slow.log", LogFormat::MysqlSlow),
        ("mysql-general/general_old.log", LogFormat::MysqlGeneral),
        (
            "mysql-general/general_new_crlf.log",
            LogFormat::MysqlGeneral,
        ),
        ("jsonl/app.jsonl", LogFormat::JsonLines),
    ] {
        let head = std::fs::read(fixture(rel)).unwrap();
        assert_eq!(detect_format(&head), Some(fmt), "{rel}");
    }
    let err = LogReader::from_reader(
        Box::new(Cursor::new(
            b"just some text\nnothing like a log\n".to_vec(),
        )),
        &ReaderOptions::default(),
    )
    .err()
    .expect("undetectable");
    let msg = err.to_string();
    assert!(msg.contains("--log-format"), "{msg}");
    for f in LogFormat::ALL {
        assert!(msg.contains(f.name()), "{msg}");
    }
    // Empty input is not an error: no statements, one problem.
    let (_, evs, st) = read_bytes(Vec::new(), &ReaderOptions::default());
    assert!(evs.is_empty());
    assert_eq!(st.problem_count, 1);
}

#[test]
fn reader_is_send() {
    fn send<T: Send>() {}
    send::<LogReader>();
    send::<QueryEvent>();
}

#[test]
fn format_names_round_trip() {
    for f in LogFormat::ALL {
        assert_eq!(LogFormat::parse(f.name()), Some(*f));
    }
    assert_eq!(LogFormat::parse("csvlog"), Some(LogFormat::PgCsv));
    assert_eq!(LogFormat::parse("nope"), None);
}

#[test]
fn problems_are_capped_but_counted() {
    let mut data = Vec::new();
    for i in 0..100 {
        data.extend_from_slice(format!("{{\"sql\":\"SELECT {i} -- ").as_bytes());
        data.push(0xff);
        data.extend_from_slice(b"\"}\n");
    }
    let (_, evs, st) = read_bytes(data, &ReaderOptions::default());
    assert_eq!(evs.len(), 100);
    assert_eq!(st.problem_count, 100);
    assert_eq!(st.problems.len(), MAX_PROBLEMS);
    assert_eq!(st.problems[19].line, 20);
}

/// Statements held for a later DETAIL or duration come out in log order even
/// when one session stays silent for a long time.
#[test]
fn held_statements_keep_log_order() {
    let mut log = String::from("2024-03-01 10:00:00 UTC [1] LOG:  statement: SELECT 'first'\n");
    for i in 0..7000 {
        log.push_str(&format!(
            "2024-03-01 10:00:01 UTC [2] LOG:  statement: SELECT {i}\n"
        ));
    }
    let (_, evs, _) = read_bytes(log.into_bytes(), &ReaderOptions::default());
    assert_eq!(evs.len(), 7001);
    assert_eq!(evs[0].sql, "SELECT 'first'");
    assert!(evs.windows(2).all(|w| w[0].first_line < w[1].first_line));
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Every reader on cut, shuffled and corrupted fixtures: no panic, no hang.
#[test]
fn never_panics_on_mangled_input() {
    let rels = [
        "postgres/interleaved.log",
        "postgres-csv/pg14.csv",
        "postgres-json/jsonlog.json",
        "mysql-slow/slow.log",
        "mysql-general/general_old.log",
        "jsonl/app.jsonl",
    ];
    let rounds: usize = std::env::var("FUZZ_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for rel in rels {
        let base = std::fs::read(fixture(rel)).unwrap();
        for round in 0..rounds {
            let mut data = base.clone();
            match round % 5 {
                0 => data.truncate((rng.next() as usize) % (base.len() + 1)),
                1 => {
                    for _ in 0..20 {
                        if data.is_empty() {
                            break;
                        }
                        let i = (rng.next() as usize) % data.len();
                        data[i] = (rng.next() & 0xff) as u8;
                    }
                }
                4 => {
                    data = (0..(rng.next() % 4096))
                        .map(|_| (rng.next() & 0xff) as u8)
                        .collect();
                }
                2 => {
                    let i = (rng.next() as usize) % data.len();
                    let j = (rng.next() as usize) % data.len();
                    let (a, b) = (i.min(j), i.max(j));
                    data.drain(a..b);
                }
                _ => {
                    for _ in 0..30 {
                        let i = (rng.next() as usize) % data.len();
                        let chars = b"\"'\t\n\r$:,[]{}\\";
                        data.insert(i, chars[(rng.next() as usize) % chars.len()]);
                    }
                }
            }
            if let Ok(mut r) = LogReader::from_reader(
                Box::new(Cursor::new(data.clone())),
                &ReaderOptions::default(),
            ) {
                assert!(r.by_ref().count() as u64 <= r.stats().lines + 1);
            }
            for fmt in LogFormat::ALL {
                let cap = if round % 2 == 0 { 64 } else { 1 << 20 };
                let opts = ReaderOptions {
                    format: Some(*fmt),
                    max_statement_bytes: cap,
                    log_line_prefix: (round % 3 == 0)
                        .then(|| "%m [%p] %q%u@%d %c %v %x app=%a ".to_string()),
                };
                let (_, evs, st) = read_bytes(data.clone(), &opts);
                assert!(evs.len() as u64 <= st.lines + 1);
                assert!(evs
                    .iter()
                    .all(|e| e.first_line <= e.last_line && e.sql.len() <= cap));
                assert!(evs
                    .iter()
                    .all(|e| e.byte_start <= e.byte_end && e.byte_end <= st.bytes));
            }
        }
    }
}
