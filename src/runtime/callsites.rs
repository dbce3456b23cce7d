//! `replay --source DIR`: the Rust call sites that can send a runtime
//! finding's query, found by comparing the logged shape with the SQL each
//! call site has (a literal, the SQL derived from a Diesel or SeaORM
//! chain, or the `format!` string that builds it). Query tags that name a
//! file and line of the source win over any comparison.
//!
//! A shape and a call site match on what ORMs keep stable: the statement
//! kind, the tables, and the columns the statement filters on and how
//! (`=`, a list, a range, `IS NULL`). The select list, quoting, qualifiers,
//! parentheses and bind-parameter style are ignored (Diesel lists every
//! column and quotes each name where a chain reads as `SELECT *`). What is
//! left of the text after `FROM` breaks ties (`LIMIT`, `ORDER BY`).

use std::collections::{BTreeMap, BTreeSet};

use crate::engine::{Diagnostic, FileDb, Label, Operation, Span};
use crate::sql::analyze::{analyze, ColumnUse};
use crate::sql::fingerprint::{fingerprint, lex, TokenKind};

/// What a statement is matched on.
#[derive(Debug, Default)]
struct Shape {
    operation: Option<Operation>,
    tables: BTreeSet<String>,
    /// Filtered columns and how (`=`, list, range, null test, join).
    filters: BTreeSet<(String, &'static str)>,
    /// The normalized words after the first `FROM` (or the whole statement
    /// for writes), without quotes, qualifiers and parentheses.
    tail: Vec<String>,
}

impl Shape {
    fn of(sql: &str) -> Shape {
        let text = fingerprint(sql).text;
        let a = analyze(&text);
        let w = words(&text);
        let lists = list_columns(&w);
        let filters = a
            .columns
            .iter()
            .filter_map(|c| {
                let how = match c.usage {
                    ColumnUse::Equality if lists.contains(&c.column) => "list",
                    ColumnUse::Equality => "=",
                    ColumnUse::Range => "range",
                    ColumnUse::Null => "null",
                    ColumnUse::Join => "join",
                    ColumnUse::Order => return None,
                };
                Some((c.column.clone(), how))
            })
            .collect();
        let tail = match w.iter().position(|x| x == "from") {
            Some(i) => w[i..].to_vec(),
            None => w.clone(),
        };
        let mut shape = Shape {
            operation: a.operation,
            tables: a.tables.iter().cloned().collect(),
            filters,
            tail,
        };
        // A statement the parser rejects (a value that broke its quoting)
        // still names its kind and its table.
        if a.error.is_some() {
            shape.operation = crate::source::visit::sql_operation(&text);
            let after = |k: &str| w.iter().position(|x| x == k).and_then(|i| w.get(i + 1));
            let table = match shape.operation {
                Some(Operation::Select | Operation::Delete) => after("from"),
                Some(Operation::Insert) => after("into"),
                Some(Operation::Update) => after("update"),
                _ => None,
            };
            shape.tables.extend(table.cloned());
            // And the columns it compares: the word before each operator
            // after `WHERE`.
            if let Some(at) = w.iter().position(|x| x == "where") {
                for i in at + 2..w.len() {
                    let how = match w[i].as_str() {
                        "=" => "=",
                        "<" | ">" | "<=" | ">=" | "like" | "ilike" | "between" => "range",
                        "in" => "list",
                        _ => continue,
                    };
                    if w[i - 1].chars().all(|c| c.is_alphanumeric() || c == '_') && w[i - 1] != "?"
                    {
                        shape.filters.insert((w[i - 1].clone(), how));
                    }
                }
            }
        }
        shape
    }
}

/// SQL derived from a builder chain, with its stand-ins (`IN (...)`,
/// `<parent>_id`) made parseable.
fn parseable(derived: &str) -> String {
    derived
        .replace("(...)", "(1)")
        .replace("<parent>", "parent")
}

/// Columns compared with a list: `col IN (…)`, `col = ANY(…)`.
fn list_columns(words: &[String]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, w) in words.iter().enumerate() {
        let list = match w.as_str() {
            "in" => i >= 1 && words.get(i - 1).is_some_and(|p| p != "not"),
            "any" => i >= 1 && words[i - 1] == "=",
            _ => false,
        };
        if list {
            let back = if w == "any" { 2 } else { 1 };
            if let Some(col) = i.checked_sub(back).and_then(|j| words.get(j)) {
                out.insert(col.clone());
            }
        }
    }
    out
}

/// The statement's words, lower-case, without quotes, qualifiers
/// (`orders.id` → `id`), parentheses and commas.
fn words(text: &str) -> Vec<String> {
    let tokens: Vec<&str> = lex(text)
        .filter(|t| !matches!(t.kind, TokenKind::Whitespace | TokenKind::Comment))
        .map(|t| t.text(text))
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i];
        // A qualifier: the word before a `.` that another word follows.
        if tokens.get(i + 1) == Some(&".") && tokens.get(i + 2).is_some() {
            i += 2;
            continue;
        }
        if !matches!(t, "(" | ")" | ",") {
            out.push(t.trim_matches(|c| c == '"' || c == '`').to_lowercase());
        }
        i += 1;
    }
    out
}

/// How alike two word lists are: shared words over all words (0 to 1).
fn similarity(a: &[String], b: &[String]) -> f64 {
    fn count(v: &[String]) -> BTreeMap<&str, usize> {
        let mut m: BTreeMap<&str, usize> = BTreeMap::new();
        for w in v {
            *m.entry(w.as_str()).or_default() += 1;
        }
        m
    }
    let (ca, cb) = (count(a), count(b));
    let mut shared = 0;
    let mut all = 0;
    for (w, &n) in &ca {
        let m = cb.get(w).copied().unwrap_or(0);
        shared += n.min(m);
        all += n.max(m);
    }
    all += cb
        .iter()
        .filter(|(w, _)| !ca.contains_key(*w))
        .map(|(_, &n)| n)
        .sum::<usize>();
    if all == 0 {
        0.0
    } else {
        shared as f64 / all as f64
    }
}

/// A `format!` string with each hole (`{term}`, `{}`) as the number 1:
/// the logged statement has a value there, and both fingerprint to `?`
/// (`'%{term}%'` is one string literal either way).
fn fill_holes(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                for c in chars.by_ref() {
                    if c == '}' {
                        break;
                    }
                }
                out.push('1');
            }
            c => out.push(c),
        }
    }
    out
}

/// One call site that runs SQL whose text is known.
pub struct CallSite {
    /// Path as shown, and the span of the call in it.
    path: String,
    source_id: crate::engine::FileId,
    range: std::ops::Range<usize>,
    line: usize,
    in_loop: bool,
    /// The SQL is built with `format!`: values are written into its text.
    inline: bool,
    shape: Shape,
    /// Calls in loops elsewhere that reach this one through functions
    /// (`for p in posts { author_of(p) }`): file, span, path and line.
    loop_calls: Vec<(crate::engine::FileId, std::ops::Range<usize>, String, usize)>,
}

/// The call sites of a static analysis that run a query whose SQL is known.
pub fn index(a: &crate::source::Analysis) -> Vec<CallSite> {
    let mut out: Vec<CallSite> = a
        .sites
        .iter()
        .filter(|s| s.executes && s.via.is_empty() && !s.in_test)
        .filter_map(|s| {
            let sql = s
                .sql
                .clone()
                .or_else(|| s.derived_sql.as_deref().map(parseable))
                .or_else(|| s.sql_template.as_deref().map(fill_holes))?;
            let mut shape = Shape::of(&sql);
            if shape.tables.is_empty() {
                shape.tables = s.tables.iter().map(|t| t.to_lowercase()).collect();
            }
            if shape.operation.is_none() && s.operation != Operation::Other {
                shape.operation = Some(s.operation);
            }
            let loc = crate::engine::Location::of(&s.span, &a.files);
            Some(CallSite {
                path: loc.path.clone(),
                source_id: s.span.file,
                range: s.span.range.clone(),
                line: loc.line,
                in_loop: !s.loops.is_empty(),
                inline: s.sql.is_none() && s.derived_sql.is_none(),
                shape,
                loop_calls: Vec::new(),
            })
        })
        .collect();
    // A call in a loop that ends at a site: the loop a per-element finding
    // is about, when the query itself sits in a function of its own.
    for s in a
        .sites
        .iter()
        .filter(|s| s.executes && !s.in_test && !s.loops.is_empty())
    {
        let Some(last) = s.via.last() else {
            continue;
        };
        let Some(site) = out.iter_mut().find(|c| {
            c.source_id == last.span.file
                && c.range.start < last.span.range.end
                && last.span.range.start < c.range.end
        }) else {
            continue;
        };
        let loc = crate::engine::Location::of(&s.span, &a.files);
        site.loop_calls.push((
            s.span.file,
            s.span.range.clone(),
            loc.path.clone(),
            loc.line,
        ));
    }
    for c in &mut out {
        c.loop_calls.sort_by(|x, y| (&x.2, x.3).cmp(&(&y.2, y.3)));
        c.loop_calls.dedup_by(|x, y| x.2 == y.2 && x.3 == y.3);
    }
    out.sort_by(|x, y| (&x.path, x.line).cmp(&(&y.path, y.line)));
    out
}

/// How well a call site's SQL matches a logged shape; `None`: it cannot
/// send it (another kind of statement, or none of its tables).
fn score(logged: &Shape, site: &CallSite, how: Sent) -> Option<f64> {
    let s = &site.shape;
    if logged.operation.is_none() || logged.operation != s.operation {
        return None;
    }
    if logged.tables.is_disjoint(&s.tables) {
        return None;
    }
    let mut score = if logged.tables == s.tables { 4.0 } else { 2.0 };
    let shared = logged.filters.intersection(&s.filters).count();
    score += if logged.filters == s.filters {
        4.0
    } else if shared == 0 && !(logged.filters.is_empty() || s.filters.is_empty()) {
        // It filters on other columns: another query on the same table.
        return None;
    } else {
        let all = logged.filters.union(&s.filters).count() as f64;
        3.0 * shared as f64 / all.max(1.0)
    };
    score += 2.0 * similarity(&logged.tail, &s.tail);
    match how {
        Sent::PerElement if site.in_loop || !site.loop_calls.is_empty() => score += 1.0,
        // Values in the text come from SQL built with them, not from a
        // call that binds them.
        Sent::Inline if site.inline => score += 2.0,
        Sent::Inline => score -= 2.0,
        _ => {}
    }
    Some(score)
}

/// What a finding says of how its statement was sent.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sent {
    /// Once per element of something (N+1, a write per row).
    PerElement,
    /// With its values written into the text (spliced or inlined).
    Inline,
    Unknown,
}

/// The file and line a statement's query tags name: `file` and `line`,
/// or a `path:line` in `source_location` or `line` (Rails, marginalia).
fn tagged_place(tags: &BTreeMap<String, String>) -> Option<(String, usize)> {
    let split = |v: &str| {
        let mut parts = v.splitn(3, ':');
        let path = parts.next()?.trim();
        let line = parts.next()?.trim().parse().ok()?;
        (!path.is_empty()).then(|| (path.to_string(), line))
    };
    if let (Some(f), Some(l)) = (tags.get("file"), tags.get("line")) {
        if let Ok(n) = l.trim().parse() {
            return Some((f.trim().to_string(), n));
        }
    }
    ["source_location", "line", "file"]
        .iter()
        .find_map(|k| tags.get(*k).and_then(|v| split(v)))
}

/// The source file a tag's path names (the same path, or one ending in the
/// other, as tags are often relative to another root), and that line's bytes.
fn find_line(
    source: &FileDb,
    path: &str,
    line: usize,
) -> Option<(crate::engine::FileId, std::ops::Range<usize>)> {
    let want = path.trim_start_matches("./").trim_start_matches('/');
    if want.is_empty() || line == 0 {
        return None;
    }
    let id = (0..source.len()).find(|&id| {
        let name = source.name(id).trim_start_matches("./");
        name == want || name.ends_with(&format!("/{want}")) || want.ends_with(&format!("/{name}"))
    })?;
    Some((id, source.get(id)?.line_text_range(line)?))
}

/// The id in `files` of source file `id`, added the first time.
fn file_in(
    files: &mut FileDb,
    added: &mut BTreeMap<crate::engine::FileId, crate::engine::FileId>,
    source: &FileDb,
    id: crate::engine::FileId,
) -> crate::engine::FileId {
    *added.entry(id).or_insert_with(|| match source.get(id) {
        Some(f) => files.add(f.name.clone(), f.source.clone()),
        None => files.add(source.name(id).to_string(), String::new()),
    })
}

/// Adds to each finding whose query shape is known the call sites that can
/// send it, best first, as related locations; their files join `files`.
pub fn attach(
    diagnostics: &mut [Diagnostic],
    files: &mut FileDb,
    sites: &[CallSite],
    source: &FileDb,
) {
    let mut added: BTreeMap<crate::engine::FileId, crate::engine::FileId> = BTreeMap::new();
    let mut shapes: BTreeMap<String, Shape> = BTreeMap::new();
    for d in diagnostics.iter_mut() {
        // Query tags that name the file and line win over any match.
        if let Some((file, line)) = d
            .query
            .as_ref()
            .and_then(|q| q.tags.as_ref())
            .and_then(tagged_place)
        {
            if let Some((src, range)) = find_line(source, &file, line) {
                let id = file_in(files, &mut added, source, src);
                d.related.push(Label {
                    span: Span::new(id, range),
                    message: "sent from here, per its query tags".to_string(),
                });
                continue;
            }
        }
        let Some(text) = d.query.as_ref().and_then(|q| q.fingerprint.clone()) else {
            continue;
        };
        let logged = shapes
            .entry(text.clone())
            .or_insert_with(|| Shape::of(&text));
        let how = match d.rule {
            "n-plus-one" | "write-in-loop" => Sent::PerElement,
            "sql-injection" => Sent::Inline,
            _ => Sent::Unknown,
        };
        let mut ranked: Vec<(f64, &CallSite)> = sites
            .iter()
            .filter_map(|s| Some((score(logged, s, how)?, s)))
            .collect();
        // Best first; equal scores in path and line order.
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
        let Some(&(best, _)) = ranked.first() else {
            continue;
        };
        // Only the matches as good as the best, less a rounding margin.
        let top: Vec<&CallSite> = ranked
            .iter()
            .take_while(|(s, _)| best - s < 1e-9)
            .map(|(_, c)| *c)
            .take(3)
            .collect();
        let tied = ranked.iter().filter(|(s, _)| best - s < 1e-9).count();
        for (i, c) in top.iter().enumerate() {
            let id = file_in(files, &mut added, source, c.source_id);
            let message = if tied == 1 {
                "likely sent from here".to_string()
            } else if i == 0 {
                format!(
                    "sent from here or from {} that match{} as well",
                    crate::report::plural(tied - 1, "other call site"),
                    if tied == 2 { "es" } else { "" }
                )
            } else {
                "or from here".to_string()
            };
            d.related.push(Label {
                span: Span::new(id, c.range.clone()),
                message,
            });
            if how == Sent::PerElement && !c.in_loop {
                for (file, range, _, _) in c.loop_calls.iter().take(2) {
                    let lid = file_in(files, &mut added, source, *file);
                    d.related.push(Label {
                        span: Span::new(lid, range.clone()),
                        message: "called once per element here".to_string(),
                    });
                }
            }
        }
        if tied > 1 {
            d.notes.push(format!(
                "{tied} call sites in the source can send this query; the log does not say which of them did"
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diesel_text_matches_its_chain() {
        let logged = Shape::of(
            r#"SELECT "orders"."id", "orders"."customer_id" FROM "orders" WHERE ("orders"."customer_id" = $1) ORDER BY "orders"."id" DESC LIMIT $2"#,
        );
        let chain = Shape::of(
            "SELECT * FROM orders WHERE orders.customer_id = ? ORDER BY orders.id DESC LIMIT ?",
        );
        assert_eq!(logged.tables, chain.tables);
        assert_eq!(logged.filters, chain.filters);
        assert_eq!(logged.tail, chain.tail);
    }

    #[test]
    fn a_list_is_not_one_value() {
        let one = Shape::of("SELECT id FROM items WHERE order_id = $1");
        let any = Shape::of("SELECT id FROM items WHERE order_id = ANY($1)");
        let list = Shape::of("SELECT id FROM items WHERE order_id IN ($1, $2, $3)");
        assert_ne!(one.filters, any.filters);
        assert_eq!(any.filters, list.filters);
    }
}
