//! Attack shapes in logged SQL text, found on the token stream (never by
//! regex over raw text, so quotes and comments are respected).

use crate::sql::fingerprint::{lex, Token, TokenKind};

/// One piece of evidence that a statement carries an injection payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payload {
    pub kind: &'static str,
    /// Byte range of the evidence in the statement.
    pub range: std::ops::Range<usize>,
    /// What was found, without literal values (safe to show).
    pub shape: String,
}

const SLEEP_FUNCTIONS: &[&str] = &[
    "pg_sleep",
    "sleep",
    "benchmark",
    "pg_sleep_for",
    "dbms_lock.sleep",
    "receive_message",
];
const DANGEROUS_STACKED: &[&str] = &[
    "drop", "delete", "update", "insert", "alter", "truncate", "create", "grant", "revoke", "exec",
    "execute", "shutdown", "copy", "select", "declare", "waitfor", "set", "load", "call",
];
const PROBE_FUNCTIONS: &[&str] = &[
    "extractvalue",
    "updatexml",
    "load_file",
    "xp_cmdshell",
    "utl_inaddr",
    "get_host_address",
    "pg_read_file",
    "pg_ls_dir",
    "lo_import",
    "dbms_pipe",
    "name_const",
    "geometrycollection",
    "multipoint",
    "multipolygon",
    "linestring",
    "version",
    "database",
    "user",
    "system_user",
    "sys_context",
    "dbms_xmlgen",
    "xmltype",
    "ctxsys",
];

/// Open parentheses before this point: an appended `UNION` sits at depth 0.
fn paren_depth(before: &[Token], sql: &str) -> i64 {
    before
        .iter()
        .fold(0i64, |d, t| match (t.kind, t.text(sql)) {
            (TokenKind::Punct, "(") => d + 1,
            (TokenKind::Punct, ")") => d - 1,
            _ => d,
        })
}

/// Is the position inside a WHERE / HAVING / ON condition, or after a
/// UNION or `;` (text an attacker reaches by closing a value)?
fn in_condition(before: &[Token], sql: &str) -> bool {
    before.iter().rev().take(64).any(|t| {
        t.kind == TokenKind::Word
            && ["where", "having", "or", "and", "union"]
                .iter()
                .any(|w| t.text(sql).eq_ignore_ascii_case(w))
            || t.kind == TokenKind::Punct && t.text(sql) == ";"
    })
}

const BREAKOUT_WORDS: &[&str] = &[
    "or",
    "and",
    "union",
    "select",
    "exec",
    "execute",
    "having",
    "order",
    "group",
    "waitfor",
    "declare",
    "insert",
    "update",
    "delete",
    "drop",
    "into",
    "from",
    "where",
    "like",
    "sleep",
    "benchmark",
    "procedure",
    "limit",
    "xor",
    "rlike",
    "regexp",
    "div",
    "is",
    "in",
    "not",
];

/// Operators that compare or combine two constants in injected conditions.
const CONST_OPS: &[&str] = &[
    "=", "<>", "!=", "<", ">", "<=", ">=", "<=>", "|", "&", "^", "*", "||", "div", "regexp",
    "rlike", "like", "sounds", "xor",
];

const SENSITIVE: &[&str] = &[
    "information_schema",
    "pg_catalog",
    "pg_shadow",
    "pg_user",
    "pg_authid",
    "mysql",
    "sys",
    "sysobjects",
    "syscolumns",
    "sqlite_master",
];

fn word_eq(t: &Token, sql: &str, w: &str) -> bool {
    t.kind == TokenKind::Word && t.text(sql).eq_ignore_ascii_case(w)
}

fn is_literal(t: &Token) -> bool {
    matches!(t.kind, TokenKind::String | TokenKind::Number)
}

/// Literal text without quotes, for comparing `'a'='a'` and `1=1`.
fn literal_value<'a>(t: &Token, sql: &'a str) -> &'a str {
    let s = t.text(sql);
    s.trim_matches('\'').trim_matches('"')
}

/// `1=1`, `(1 = 1)`, `0 = 1`, `1 <> 1`: what query builders write for an
/// empty filter or an empty `IN` list, at any place in a condition. An
/// injected probe picks other constants (`AND 1=2`, `AND 4821=4821`).
fn builder_constants(a: &Token, op: &str, b: &Token, sql: &str) -> bool {
    let bit = |t: &Token| t.kind == TokenKind::Number && matches!(t.text(sql), "0" | "1");
    bit(a) && bit(b) && matches!(op, "=" | "<>" | "!=")
}

pub fn find(sql: &str) -> Vec<Payload> {
    let tokens: Vec<Token> = lex(sql)
        .filter(|t| t.kind != TokenKind::Whitespace)
        .collect();
    let mut out = Vec::new();
    let n = tokens.len();
    for i in 0..n {
        let t = &tokens[i];
        // Tautology: OR <lit> <cmp> <lit> with equal literals, or OR <true literal>.
        if word_eq(t, sql, "or") && i + 1 < n {
            if i + 3 < n && is_literal(&tokens[i + 1]) && is_literal(&tokens[i + 3]) {
                let op = tokens[i + 2].text(sql);
                let a = literal_value(&tokens[i + 1], sql);
                let b = literal_value(&tokens[i + 3], sql);
                let always = match op {
                    "=" | "<=" | ">=" | "like" | "LIKE" => a == b,
                    "<>" | "!=" => a != b,
                    ">" => a
                        .parse::<f64>()
                        .ok()
                        .zip(b.parse::<f64>().ok())
                        .is_some_and(|(x, y)| x > y),
                    "<" => a
                        .parse::<f64>()
                        .ok()
                        .zip(b.parse::<f64>().ok())
                        .is_some_and(|(x, y)| x < y),
                    _ => false,
                };
                if always {
                    out.push(Payload {
                        kind: "tautology",
                        range: t.start..tokens[i + 3].end,
                        shape: format!("`OR ? {op} ?`, a condition that is always true"),
                    });
                    continue;
                }
            }
            let next = &tokens[i + 1];
            let ends = i + 2 >= n
                || tokens[i + 2].kind == TokenKind::Comment
                || tokens[i + 2].text(sql) == ";";
            if (next.kind == TokenKind::Number && literal_value(next, sql) != "0"
                || word_eq(next, sql, "true"))
                && ends
            {
                out.push(Payload {
                    kind: "tautology",
                    range: t.start..next.end,
                    shape: "`OR <true>` at the end of the condition".into(),
                });
            }
        }
        // Comment that truncates the statement right after a string literal.
        if t.kind == TokenKind::String && i + 1 < n {
            let c = &tokens[i + 1];
            let text = c.text(sql);
            if c.kind == TokenKind::Comment && (text.starts_with("--") || text.starts_with('#')) {
                let rest_is_code = text.contains('\'')
                    || text.to_ascii_lowercase().contains(" and ")
                    || text.to_ascii_lowercase().contains(" or ");
                let last = i + 2 >= n;
                if rest_is_code || last {
                    out.push(Payload {
                        kind: "comment-truncation",
                        range: t.start..c.end,
                        shape: "a comment right after a quoted value cuts off the rest of the statement".into(),
                    });
                }
            }
        }
        // A line comment that swallows a quote: the rest of the original
        // statement (its closing quote) was commented out.
        if t.kind == TokenKind::Comment && i > 0 {
            let text = t.text(sql);
            if (text.starts_with("--") || text.starts_with('#'))
                && text.contains('\'')
                && !out.iter().any(|p| p.kind == "comment-truncation")
            {
                out.push(Payload {
                    kind: "comment-truncation",
                    range: t.start..t.end,
                    shape: "a line comment that swallows a quote, cutting off the rest of the statement".into(),
                });
            }
        }
        // `OR '1'`, `AND 1` at the end of a condition: a bare value as a boolean operand.
        if (word_eq(t, sql, "or") || word_eq(t, sql, "and") || word_eq(t, sql, "xor"))
            && i + 1 < n
            && is_literal(&tokens[i + 1])
        {
            let after = tokens.get(i + 2);
            let compares = after.is_some_and(|a| {
                matches!(a.kind, TokenKind::Operator)
                    || a.kind == TokenKind::Word
                        && [
                            "is", "in", "like", "ilike", "between", "regexp", "rlike", "not",
                            "sounds", "div",
                        ]
                        .iter()
                        .any(|w| a.text(sql).eq_ignore_ascii_case(w))
            });
            if !compares && !out.iter().any(|p| p.kind == "tautology") {
                out.push(Payload {
                    kind: "tautology",
                    range: t.start..tokens[i + 1].end,
                    shape: "a bare value as a boolean operand (`OR '1'`)".into(),
                });
            }
        }
        // Two constants compared inside a condition: `'' >= ''`, `'a' DIV 'b'`
        // (`WHERE 1=1`, which query builders emit, is left alone).
        if is_literal(t) && i > 0 && in_condition(&tokens[..i], sql) {
            let mut j = i + 1;
            if j < n
                && CONST_OPS
                    .iter()
                    .any(|o| tokens[j].text(sql).eq_ignore_ascii_case(o))
            {
                j += 1;
                while j < n && matches!(tokens[j].text(sql), "!" | "-" | "+" | "~") {
                    j += 1;
                }
                let builder_idiom = word_eq(&tokens[i - 1], sql, "where")
                    || j == i + 2
                        && j < n
                        && builder_constants(t, tokens[i + 1].text(sql), &tokens[j], sql);
                if j < n
                    && is_literal(&tokens[j])
                    && !builder_idiom
                    && !out
                        .iter()
                        .any(|p| p.kind == "tautology" || p.kind == "boolean-probe")
                {
                    out.push(Payload {
                        kind: "constant-comparison",
                        range: t.start..tokens[j].end,
                        shape: "two constants compared inside a condition".into(),
                    });
                }
            }
        }
        // A quoted value glued to SQL keywords: `name = 'x'or'1'`, `'a'union select`.
        if t.kind == TokenKind::String && i + 1 < n {
            let next = &tokens[i + 1];
            if next.start == t.end && next.kind == TokenKind::Word {
                let w = next.text(sql).to_ascii_lowercase();
                if BREAKOUT_WORDS.contains(&w.as_str()) {
                    out.push(Payload {
                        kind: "quote-breakout",
                        range: t.start..next.end,
                        shape: format!(
                            "a quoted value followed directly by `{}`",
                            w.to_ascii_uppercase()
                        ),
                    });
                } else if !out.iter().any(|p| p.kind == "broken-quote") {
                    // `name = 'Dana O'Brien'`: no SQL glues a word to the
                    // end of a string; an apostrophe in a spliced value
                    // closed it early (PostgreSQL rejects it: `syntax error
                    // at or near "Brien"`; MySQL's log keeps the text).
                    out.push(Payload {
                        kind: "broken-quote",
                        range: t.start..next.end,
                        shape: "a quoted value ends inside a word: an apostrophe in the value closed the literal early".into(),
                    });
                }
            }
        }
        // Boolean probes: `AND 1=1`, `AND 1=2` (not the `WHERE 1=1` builders emit).
        if word_eq(t, sql, "and")
            && i + 3 < n
            && is_literal(&tokens[i + 1])
            && is_literal(&tokens[i + 3])
            && matches!(tokens[i + 2].text(sql), "=" | "<>" | "!=" | ">" | "<")
            && literal_value(&tokens[i + 1], sql).len() < 12
            && !builder_constants(&tokens[i + 1], tokens[i + 2].text(sql), &tokens[i + 3], sql)
        {
            out.push(Payload {
                kind: "boolean-probe",
                range: t.start..tokens[i + 3].end,
                shape: "`AND ? = ?` comparing two constants, a blind-injection probe".into(),
            });
        }
        // `/**/` used as whitespace to slip keywords past filters.
        if t.kind == TokenKind::Comment
            && t.text(sql).starts_with("/*")
            && t.text(sql)
                .trim_start_matches("/*")
                .trim_start_matches('!')
                .trim_end_matches("*/")
                .trim()
                .len()
                <= 1
            && i > 0
            && i + 1 < n
        {
            out.push(Payload {
                kind: "comment-evasion",
                range: t.start..t.end,
                shape: "an empty comment between keywords".into(),
            });
        }
        // Stacked statements: `;` followed by another statement.
        if t.kind == TokenKind::Punct && t.text(sql) == ";" && i + 1 < n {
            let next = &tokens[i + 1];
            if next.kind == TokenKind::Word {
                let kw = next.text(sql).to_ascii_lowercase();
                let before_has_value = tokens[..i].iter().any(is_literal)
                    || tokens[..i].iter().any(|x| word_eq(x, sql, "where"));
                if DANGEROUS_STACKED.contains(&kw.as_str()) && before_has_value {
                    out.push(Payload {
                        kind: "stacked",
                        range: t.start..next.end,
                        shape: format!(
                            "a second statement (`{}`) after `;`",
                            kw.to_ascii_uppercase()
                        ),
                    });
                }
            }
        }
        // UNION SELECT appended after a literal.
        let compared = i >= 2
            && (matches!(
                tokens[i - 2].text(sql),
                "=" | "<" | ">" | "<=" | ">=" | "<>" | "!="
            ) || word_eq(&tokens[i - 2], sql, "like")
                || word_eq(&tokens[i - 2], sql, "ilike"));
        if word_eq(t, sql, "union")
            && i > 0
            && is_literal(&tokens[i - 1])
            && compared
            && paren_depth(&tokens[..i], sql) == 0
        {
            let mut j = i + 1;
            if j < n && (word_eq(&tokens[j], sql, "all") || word_eq(&tokens[j], sql, "distinct")) {
                j += 1;
            }
            if j < n && word_eq(&tokens[j], sql, "select") {
                let tail = &tokens[j + 1..];
                let literal_columns = tail
                    .first()
                    .is_some_and(|x| is_literal(x) || word_eq(x, sql, "null"));
                let sensitive = tail.iter().any(|x| {
                    x.kind == TokenKind::Word
                        && SENSITIVE
                            .iter()
                            .any(|s| x.text(sql).eq_ignore_ascii_case(s))
                });
                let trailing_comment = tokens.last().is_some_and(|x| x.kind == TokenKind::Comment);
                if literal_columns || sensitive || trailing_comment {
                    out.push(Payload {
                        kind: "union",
                        range: t.start..tokens[j].end,
                        shape: "`UNION SELECT` appended after a value".into(),
                    });
                }
            }
        }
        // Time-based payloads and probe functions, inside a condition (a
        // plain `SELECT sleep(2)` from an admin is not an injection).
        if t.kind == TokenKind::Word
            && i + 1 < n
            && tokens[i + 1].text(sql) == "("
            && in_condition(&tokens[..i], sql)
        {
            let name = t.text(sql).to_ascii_lowercase();
            let name = name.rsplit('.').next().unwrap_or(&name).to_string();
            if PROBE_FUNCTIONS.contains(&name.as_str()) {
                out.push(Payload {
                    kind: "probe-function",
                    range: t.start..tokens[i + 1].end,
                    shape: format!("a call to `{name}(…)` inside a condition, an error- or data-extraction probe"),
                });
            }
            if SLEEP_FUNCTIONS.contains(&name.as_str()) {
                out.push(Payload {
                    kind: "time-delay",
                    range: t.start..tokens[i + 1].end,
                    shape: format!("a call to `{name}(…)`, a time-delay probe"),
                });
            }
        }
        if word_eq(t, sql, "waitfor") && i + 1 < n && word_eq(&tokens[i + 1], sql, "delay") {
            out.push(Payload {
                kind: "time-delay",
                range: t.start..tokens[i + 1].end,
                shape: "`WAITFOR DELAY`, a time-delay probe".into(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(sql: &str) -> Vec<&'static str> {
        find(sql).into_iter().map(|p| p.kind).collect()
    }

    #[test]
    fn finds_payloads() {
        assert_eq!(
            kinds("SELECT * FROM users WHERE name = '' OR '1'='1'"),
            ["tautology"]
        );
        assert_eq!(
            kinds("SELECT * FROM users WHERE id = 1 OR 1=1"),
            ["tautology"]
        );
        assert_eq!(
            kinds("SELECT * FROM u WHERE name = 'x' OR ''=''"),
            ["tautology"]
        );
        assert_eq!(
            kinds("SELECT * FROM users WHERE name = 'admin'--' AND pw = 'x'"),
            ["comment-truncation"]
        );
        assert_eq!(
            kinds("SELECT * FROM posts WHERE id = 5; DROP TABLE posts"),
            ["stacked"]
        );
        assert_eq!(
            kinds("SELECT title FROM posts WHERE id = 5 UNION SELECT password FROM users--"),
            ["union"]
        );
        assert_eq!(
            kinds("SELECT * FROM t WHERE id = 1 AND pg_sleep(5) IS NULL"),
            ["time-delay"]
        );
        assert_eq!(
            kinds("SELECT * FROM t WHERE id = 1; WAITFOR DELAY '0:0:5'"),
            ["stacked", "time-delay"]
        );
        assert_eq!(
            kinds("SELECT * FROM u WHERE name = 'x'or'1'='1'"),
            ["quote-breakout", "tautology"]
        );
        assert_eq!(
            kinds("SELECT * FROM posts WHERE id = 5 AND 1=2"),
            ["boolean-probe"]
        );
        assert_eq!(
            kinds("SELECT * FROM posts WHERE id = 5 AND 4821=4821"),
            ["boolean-probe"]
        );
        assert_eq!(
            kinds("SELECT * FROM posts WHERE id = 5 AND (3=3)"),
            ["constant-comparison"]
        );
        assert_eq!(
            kinds("SELECT * FROM u WHERE name = '' OR '' AND active"),
            ["tautology"]
        );
        assert_eq!(
            kinds("SELECT * FROM u WHERE name = 'a' -- ' AND pw = 'b'"),
            ["comment-truncation"]
        );
        assert_eq!(
            kinds("SELECT * FROM u WHERE id = 1 AND extractvalue(1, 2)"),
            ["probe-function"]
        );
        assert_eq!(
            kinds("SELECT * FROM u WHERE name = '' >= ''"),
            ["constant-comparison"]
        );
        assert_eq!(
            kinds("SELECT * FROM u WHERE id = 1 union/**/select 1"),
            ["comment-evasion"]
        );
        assert_eq!(
            kinds("SELECT id FROM customers WHERE name = 'Dana O'Brien' /*request_id='r9'*/"),
            ["broken-quote"]
        );
    }

    #[test]
    fn leaves_benign_sql_alone() {
        for sql in [
            "SELECT * FROM users WHERE id = $1 OR email = $2",
            "SELECT * FROM users WHERE a = 1 OR b = 2",
            "SELECT 'a -- not a comment' FROM t",
            "SELECT a FROM x WHERE y = 1 UNION SELECT a FROM z WHERE w = 2",
            "BEGIN; SELECT 1; COMMIT",
            "SELECT * FROM t WHERE s = 'it''s' /*request_id='r1'*/",
            "UPDATE t SET sleep_minutes = 5 WHERE id = 3",
            "SELECT sleep(2)",
            "SELECT * FROM t WHERE 1=1 AND a = $1",
            "SELECT id FROM customers WHERE (1 = 1) AND email = 'a@b.c'",
            "SELECT * FROM t WHERE a = $1 AND 1=1 ORDER BY id",
            "SELECT * FROM t WHERE a = 'x' AND (0 = 1)",
            "SELECT * FROM t WHERE (a = 2 OR 1 <> 1) AND b = 3",
            "SELECT name FROM (SELECT lower(name) AS name FROM s WHERE c != 'x' UNION ALL SELECT 'all') ss WHERE substring(name, 1, 7) = 'log_min'",
            "SELECT count(*) FROM t WHERE version = $1 AND deleted = false",
            "SELECT * FROM t WHERE created_at > '2024-01-01'::date AND kind = 'a'",
            "SELECT E'a\\'b' FROM t WHERE n = N'x' AND c = _utf8'y' COLLATE utf8_bin",
        ] {
            assert!(find(sql).is_empty(), "{sql}: {:?}", find(sql));
        }
    }
}
