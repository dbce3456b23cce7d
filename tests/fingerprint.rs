//! Data-driven tests of the SQL fingerprint: `testdata/fingerprint/*.txt`.

use ormlint::sql::fingerprint::{fingerprint, hash_bytes, hash_hex, lex, Fingerprinter, TokenKind};
use std::path::PathBuf;

fn data(name: &str) -> String {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "testdata", "fingerprint", name]
        .iter()
        .collect();
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `\n` `\r` `\t` `\s` `\\` are escapes; any other backslash is itself.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('s') => out.push(' '),
            Some('\\') => out.push('\\'),
            _ => {
                out.push('\\');
                continue;
            }
        }
        chars.next();
    }
    out
}

/// Blocks of non-comment lines separated by blank lines, with line numbers.
fn blocks(text: &str) -> Vec<Vec<(usize, &str)>> {
    let mut all = Vec::new();
    let mut cur = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            if !cur.is_empty() {
                all.push(std::mem::take(&mut cur));
            }
        } else if !line.starts_with('#') {
            cur.push((i + 1, line));
        }
    }
    if !cur.is_empty() {
        all.push(cur);
    }
    all
}

#[derive(Default, Debug)]
struct Case {
    line: usize,
    name: String,
    input: Option<String>,
    expect: Option<String>,
    params: Option<usize>,
    literals: Option<Vec<String>>,
    tags: Option<Vec<(String, String)>>,
}

fn parse_cases() -> Vec<Case> {
    let text = data("cases.txt");
    let mut cases = Vec::new();
    for block in blocks(&text) {
        let mut c = Case {
            line: block[0].0,
            ..Case::default()
        };
        for (n, line) in block {
            let (key, value) = line
                .split_once(':')
                .unwrap_or_else(|| panic!("cases.txt:{n}: no `key:`"));
            let value = unescape(value.strip_prefix(' ').unwrap_or(value));
            match key {
                "name" => c.name = value,
                "input" => c.input = Some(value),
                "expect" => c.expect = Some(value),
                "params" => c.params = Some(value.parse().expect("params: number")),
                "literal" => c.literals.get_or_insert_with(Vec::new).push(value),
                "literals" if value == "none" => c.literals = Some(Vec::new()),
                "tag" => {
                    let (k, v) = value
                        .split_once(" => ")
                        .unwrap_or_else(|| panic!("cases.txt:{n}: tag: key => value"));
                    c.tags
                        .get_or_insert_with(Vec::new)
                        .push((k.to_string(), v.to_string()));
                }
                "tags" if value == "none" => c.tags = Some(Vec::new()),
                _ => panic!("cases.txt:{n}: unknown key {key:?}"),
            }
        }
        assert!(c.input.is_some(), "cases.txt:{}: no input", c.line);
        assert!(c.expect.is_some(), "cases.txt:{}: no expect", c.line);
        cases.push(c);
    }
    cases
}

#[test]
fn cases_file_has_enough_cases() {
    let cases = parse_cases();
    assert!(cases.len() >= 60, "only {} cases", cases.len());
}

#[test]
fn cases_expected_text_and_facts() {
    // One Fingerprinter for all cases: buffer reuse must not leak state.
    let mut fpr = Fingerprinter::new();
    let mut failures = Vec::new();
    for c in parse_cases() {
        let input = c.input.as_deref().unwrap_or_default();
        let expect = c.expect.as_deref().unwrap_or_default();
        let hash = fpr.run(input);
        let at = format!("cases.txt:{} ({})", c.line, c.name);
        if fpr.text() != expect {
            failures.push(format!(
                "{at}\n   input: {input:?}\n  expect: {expect:?}\n     got: {:?}",
                fpr.text()
            ));
            continue;
        }
        assert_eq!(hash, hash_bytes(expect.as_bytes()), "{at}: hash of text");
        let one = fingerprint(input);
        assert_eq!(one.text, expect, "{at}: fingerprint() agrees");
        assert_eq!(one.hash, hash, "{at}: fingerprint() hash agrees");
        if let Some(p) = c.params {
            assert_eq!(fpr.param_count(), p, "{at}: params");
        }
        if let Some(lits) = &c.literals {
            let got: Vec<&str> = fpr.literals().iter().map(|r| &input[r.clone()]).collect();
            assert_eq!(got, *lits, "{at}: literals");
        }
        let got_tags = fpr.tags().to_vec();
        if let Some(tags) = &c.tags {
            assert_eq!(got_tags, *tags, "{at}: tags");
        }
        assert_eq!(one.tags, got_tags, "{at}: fingerprint() tags agree");
    }
    assert!(
        failures.is_empty(),
        "{} failing cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn same_groups_share_and_groups_differ() {
    let text = data("same.txt");
    let mut reps: Vec<(usize, String)> = Vec::new();
    let mut fpr = Fingerprinter::new();
    for block in blocks(&text) {
        let (first_line, first) = block[0];
        let want = fpr.run(&unescape(first));
        let want_text = fpr.text().to_string();
        for &(n, stmt) in &block[1..] {
            let got = fpr.run(&unescape(stmt));
            assert_eq!(
                (fpr.text(), got),
                (want_text.as_str(), want),
                "same.txt:{n} differs from line {first_line}"
            );
        }
        for (line, other) in &reps {
            assert_ne!(
                other, &want_text,
                "same.txt: group at line {first_line} equals group at line {line}"
            );
        }
        reps.push((first_line, want_text));
    }
    assert!(reps.len() >= 10);
}

#[test]
fn different_groups_all_differ() {
    let text = data("different.txt");
    let mut groups = 0;
    for block in blocks(&text) {
        groups += 1;
        let fps: Vec<(usize, _)> = block
            .iter()
            .map(|&(n, s)| (n, fingerprint(&unescape(s))))
            .collect();
        for (i, (na, a)) in fps.iter().enumerate() {
            for (nb, b) in &fps[i + 1..] {
                assert_ne!(a.text, b.text, "different.txt:{na} and :{nb} share a text");
                assert_ne!(a.hash, b.hash, "different.txt:{na} and :{nb} share a hash");
            }
        }
    }
    assert!(groups >= 10);
}

#[test]
fn hash_hex_is_16_lowercase_digits() {
    assert_eq!(hash_hex(0), "0000000000000000");
    assert_eq!(hash_hex(0xDEAD_BEEF), "00000000deadbeef");
    assert_eq!(hash_hex(u64::MAX), "ffffffffffffffff");
}

// --- robustness: no panic, no hang, tokens tile the input -----------------

fn check_no_panic(sql: &str, fpr: &mut Fingerprinter) {
    let mut pos = 0;
    for t in lex(sql) {
        assert_eq!(t.start, pos, "token gap in {sql:?}");
        assert!(
            t.end > t.start && t.end <= sql.len(),
            "bad token in {sql:?}"
        );
        assert!(sql.is_char_boundary(t.end));
        pos = t.end;
    }
    assert_eq!(pos, sql.len());
    let h = fpr.run(sql);
    assert_eq!(h, hash_bytes(fpr.text().as_bytes()));
    for r in fpr.literals() {
        assert!(
            sql.get(r.clone()).is_some(),
            "literal range off a boundary in {sql:?}"
        );
    }
}

const TRICKY: &[&str] = &[
    "select 'a\\'b', E'\\\\', $$x$$, $t$ $ $t$, \"q\"\"q\", `b``b`, [c]]d] from t",
    "/* a /* b */ c */ select 1 -- x\n# y\nselect 2; /*!40001 select 3 */ /*k='v%2',j='\\''*/",
    "insert into t values (1, 'x'), (2, default), ((select 1), now()) on conflict do nothing",
    "select * from t where a in (1, (2), ((3)), $1::uuid[], null) and b = any(array[[1,2],[3]])",
    "select a[1:2], :x, ::y, ?|, ?&, @@s.v, @p, #>, #-, -1, +.5e-3, 0x, 0b2, 1e, 1.e5",
    "SELECT naïve, 'é\\', \"日本\", `ü`, [ß] FROM café WHERE x = 'C:\\' AND y = '\\'",
    "limit 1, 2; limit ?, ; values (; in (; array[; ) ] ) ] ;;; ",
];

#[test]
fn every_prefix_and_suffix_is_safe() {
    let mut fpr = Fingerprinter::new();
    for sql in TRICKY {
        for (i, _) in sql.char_indices().chain([(sql.len(), ' ')]) {
            check_no_panic(&sql[..i], &mut fpr);
            check_no_panic(&sql[i..], &mut fpr);
        }
    }
}

#[test]
fn random_inputs_are_safe() {
    // Deterministic xorshift over an alphabet rich in SQL punctuation.
    const ALPHABET: &[&str] = &[
        "'", "\"", "`", "[", "]", "(", ")", ",", ";", ".", ":", "::", "$", "$$", "$a$", "?", "@",
        "@@", "#", "--", "/*", "*/", "/*!", "*", "-", "+", "=", "<", ">", "|", "\\", "\n", " ",
        "1", "0x", "e", "E'", "N'", "in", "IN (", "values", "VALUES (", "limit", "array[", "a",
        "Z", "é", "日", "true", "null", "default", "select", "%", "k='v'", "\t", "\0",
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut fpr = Fingerprinter::new();
    let mut sql = String::new();
    for _ in 0..3000 {
        sql.clear();
        let len = (next() % 40) as usize;
        for _ in 0..len {
            sql.push_str(ALPHABET[(next() % ALPHABET.len() as u64) as usize]);
        }
        check_no_panic(&sql, &mut fpr);
        // Determinism.
        let a = fpr.run(&sql);
        let t = fpr.text().to_string();
        assert_eq!(fingerprint(&sql).hash, a);
        assert_eq!(fingerprint(&sql).text, t);
    }
}

#[test]
fn pathological_inputs_finish() {
    // Each is about 1 MB; a quadratic algorithm would not finish in time
    // for the test run. (Debug build: keep sizes modest.)
    let n = 100_000;
    let inputs = [
        "(".repeat(n),
        ")".repeat(n),
        "[".repeat(n),
        "/* /* */ ".repeat(n / 4),
        "/*".repeat(n),
        "'\\".repeat(n),
        "$a$ ".repeat(n / 2),
        "$".repeat(n),
        format!("select * from t where a in ({})", "1,".repeat(n)),
        format!("insert into t values {}", "(1, 'x'),".repeat(n / 4)),
        format!("insert into t values {}", "(1),(2, 3),".repeat(n / 4)),
        "[a".repeat(n),
        "select 'C:\\' , ".repeat(n / 8),
        "-".repeat(n),
        "#".repeat(n),
        "\"".repeat(n + 1),
    ];
    let mut fpr = Fingerprinter::new();
    for sql in &inputs {
        let start = std::time::Instant::now();
        check_no_panic(sql, &mut fpr);
        assert!(
            start.elapsed().as_secs() < 20,
            "too slow on {:?}…",
            &sql[..20.min(sql.len())]
        );
    }
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let sql = format!("select {}1{}", "(".repeat(200_000), ")".repeat(200_000));
    let f = fingerprint(&sql);
    assert!(f.text.starts_with("select ((("));
    assert!(f.text.ends_with(")))"));
    assert_eq!(f.text.len(), "select ?".len() + 400_000);
}

#[test]
fn lexer_token_kinds() {
    let sql = "SELECT \"A\", `b`, 'c', 1.5, $1, ::, (, /* d */ -- e\n#f\n ¿";
    let kinds: Vec<TokenKind> = lex(sql)
        .filter(|t| t.kind != TokenKind::Whitespace)
        .map(|t| t.kind)
        .collect();
    use TokenKind::*;
    assert_eq!(
        kinds,
        vec![
            Word,
            QuotedIdent,
            Punct,
            QuotedIdent,
            Punct,
            String,
            Punct,
            Number,
            Punct,
            Param,
            Punct,
            Operator,
            Punct,
            Punct,
            Punct,
            Comment,
            Comment,
            Comment,
            Word
        ]
    );
}

#[test]
fn warmed_up_fingerprinter_reuses_its_buffers() {
    // Capacity does not grow once the largest statement was seen.
    let stmts = [
        "SELECT * FROM t WHERE a IN (1,2,3) /*a='b',c='d'*/",
        "INSERT INTO t VALUES (1,2),(3,4),(5,now())",
        "select 1",
    ];
    let mut fpr = Fingerprinter::new();
    for s in stmts {
        fpr.run(s);
    }
    let hashes: Vec<u64> = stmts.iter().map(|s| fpr.run(s)).collect();
    for _ in 0..10 {
        for (s, h) in stmts.iter().zip(&hashes) {
            assert_eq!(fpr.run(s), *h);
        }
    }
}
