//! Where SQL text comes from: constants, `format!` arguments, appended
//! pieces, and the SQL helpers shared with the other passes.

use super::*;

/// `String::new()`, `String::with_capacity(n)`, `String::default()`: no text.
fn empty_text(e: &Expr) -> bool {
    matches!(e, Expr::Call(c) if matches!(&*c.func, Expr::Path(p) if {
        let segs: Vec<String> = p.path.segments.iter().map(|s| s.ident.to_string()).collect();
        segs.len() == 2 && segs[0] == "String" && matches!(segs[1].as_str(), "new" | "with_capacity" | "default")
    }))
}

/// How much a taint says about outside text reaching the SQL.
fn taint_rank(t: &[crate::source::facts::Taint]) -> u8 {
    use crate::source::facts::Taint;
    t.iter()
        .map(|x| match x {
            Taint::Source { .. } | Taint::Parsed { .. } => 4,
            Taint::Param { .. } => 3,
            Taint::Row { .. } | Taint::Call { .. } | Taint::Field { .. } => 2,
            Taint::Unknown => 1,
        })
        .max()
        .unwrap_or(0)
}

/// The dynamic pieces of one text: the riskiest names the finding (a
/// number never beats text), every piece's taint travels with it.
fn merge_pieces(pieces: Vec<TextSource>) -> TextSource {
    let mut all = Vec::new();
    let mut best: Option<TextSource> = None;
    let key = |s: &TextSource| match s {
        TextSource::Dynamic { numeric, taint, .. } => (!*numeric, taint_rank(taint)),
        _ => (false, 0),
    };
    for p in pieces {
        if let TextSource::Dynamic { taint, .. } = &p {
            for t in taint {
                if !all.contains(t) {
                    all.push(t.clone());
                }
            }
        }
        if best.as_ref().is_none_or(|b| key(&p) > key(b)) {
            best = Some(p);
        }
    }
    match best {
        Some(TextSource::Dynamic {
            what,
            numeric,
            at,
            how,
            ..
        }) => TextSource::Dynamic {
            what,
            numeric,
            at,
            how,
            taint: all,
        },
        _ => TextSource::Constant,
    }
}

impl<'ast> FileVisitor<'ast, '_> {
    // ---- where SQL text comes from -----------------------------------

    /// Where the text given to a sink comes from.
    pub(super) fn text_source(&self, e: &'ast Expr, depth: usize) -> TextSource {
        if depth > 8 {
            return TextSource::Unknown;
        }
        match unwrap_expr(e) {
            Expr::Lit(_) => TextSource::Constant,
            Expr::Macro(m) => self.macro_source(&m.mac, depth),
            Expr::Binary(b) if matches!(b.op, syn::BinOp::Add(_)) => {
                let l = self.text_source(&b.left, depth + 1);
                if let TextSource::Dynamic { .. } = l {
                    return l;
                }
                match self.value_source(&b.right, "+", depth + 1) {
                    TextSource::Constant if l == TextSource::Constant => TextSource::Constant,
                    TextSource::Constant => self.value_source(&b.left, "+", depth + 1),
                    other => other,
                }
            }
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                match name.as_str() {
                    "as_str" | "as_ref" | "to_string" | "to_owned" | "clone" | "into"
                    | "borrow" | "trim" | "deref" | "as_bytes" | "to_lowercase"
                    | "to_uppercase" | "join" => self.text_source(&m.receiver, depth + 1),
                    "replace" | "replacen" => {
                        let base = self.text_source(&m.receiver, depth + 1);
                        if let TextSource::Dynamic { .. } = base {
                            return base;
                        }
                        for a in m.args.iter().skip(1) {
                            if let d @ TextSource::Dynamic { .. } =
                                self.value_source(a, "replace", depth + 1)
                            {
                                return d;
                            }
                        }
                        base
                    }
                    _ => TextSource::Unknown,
                }
            }
            Expr::Path(p) if p.path.segments.len() == 1 => {
                let name = p.path.segments[0].ident.to_string();
                self.name_source(&name, range_of(e), depth, false)
            }
            Expr::Path(p) => {
                let last = last_ident(&p.path);
                if is_screaming(&last) {
                    TextSource::Constant
                } else {
                    TextSource::Unknown
                }
            }
            Expr::Block(b) => match b.block.stmts.last() {
                Some(Stmt::Expr(e, None)) => self.text_source(e, depth + 1),
                _ => TextSource::Unknown,
            },
            Expr::If(_) | Expr::Match(_) => TextSource::Unknown,
            _ => TextSource::Unknown,
        }
    }

    /// The text of a named variable: constants, then its `let` and appends.
    /// With `as_value`, a variable we cannot see (a parameter) is dynamic.
    pub(super) fn name_source(
        &self,
        name: &str,
        at: Range<usize>,
        depth: usize,
        as_value: bool,
    ) -> TextSource {
        // A `&'static str` parameter or local is text fixed at build time.
        if let Some(TyExpr::Known(t)) = self.scopes.last().and_then(|s| s.tys.get(name)) {
            if t.path == crate::source::types::STATIC_STR {
                return TextSource::Constant;
            }
        }
        if self.consts.contains(name) || is_screaming(name) {
            return TextSource::Constant;
        }
        let scope = self.scopes.last();
        // Checked against an allow-list by a guard before this point.
        if scope.is_some_and(|s| s.validated.contains(name)) {
            return TextSource::Dynamic {
                what: name.to_string(),
                numeric: false,
                at,
                how: "format!".into(),
                taint: Vec::new(),
            };
        }
        let bound = scope.and_then(|s| s.bindings.get(name));
        let appends = scope.and_then(|s| s.appends.get(name));
        if let Some(bound) = bound {
            let mut result = TextSource::Constant;
            // Every dynamic piece, from the bindings and what was appended.
            let mut pieces = Vec::new();
            for b in bound {
                let src = if as_value {
                    self.value_source(b, "format!", depth + 1)
                } else {
                    self.text_source(b, depth + 1)
                };
                match src {
                    d @ TextSource::Dynamic { .. } => pieces.push(d),
                    TextSource::Unknown => result = TextSource::Unknown,
                    TextSource::Constant => {}
                }
            }
            for append in appends.into_iter().flatten() {
                let src = match append {
                    Append::Value(e, how) => self.value_source(e, how, depth + 1),
                    Append::Resolved(src) => src.clone(),
                };
                if let d @ TextSource::Dynamic { .. } = src {
                    pieces.push(d);
                }
            }
            if !pieces.is_empty() {
                return merge_pieces(pieces);
            }
            if as_value && result == TextSource::Unknown {
                return self.dynamic(name.to_string(), at, "format!", name);
            }
            return result;
        }
        if as_value {
            return self.dynamic(name.to_string(), at, "format!", name);
        }
        TextSource::Unknown
    }

    pub(super) fn dynamic(
        &self,
        what: String,
        at: Range<usize>,
        how: &str,
        name: &str,
    ) -> TextSource {
        TextSource::Dynamic {
            numeric: self.is_numeric_name(name),
            taint: if name.is_empty() {
                vec![crate::source::facts::Taint::Unknown]
            } else {
                self.taint_of_name(name, at.clone(), 0)
            },
            what,
            at,
            how: how.to_string(),
        }
    }

    /// A value that becomes part of SQL text: constant, or dynamic naming it.
    pub(super) fn value_source(&self, e: &'ast Expr, how: &str, depth: usize) -> TextSource {
        if depth > 8 {
            return TextSource::Unknown;
        }
        let inner = unwrap_expr(e);
        if const_text_shape(inner) || empty_text(inner) {
            return TextSource::Constant;
        }
        match inner {
            Expr::Lit(_) => TextSource::Constant,
            Expr::Path(p) if p.path.segments.len() == 1 => {
                let name = p.path.segments[0].ident.to_string();
                match self.name_source(&name, range_of(e), depth, true) {
                    TextSource::Dynamic {
                        what,
                        numeric,
                        at,
                        taint,
                        ..
                    } => TextSource::Dynamic {
                        what,
                        numeric,
                        at,
                        how: how.to_string(),
                        taint,
                    },
                    other => other,
                }
            }
            Expr::MethodCall(m)
                if matches!(
                    m.method.to_string().as_str(),
                    "replace"
                        | "replacen"
                        | "trim"
                        | "to_string"
                        | "to_owned"
                        | "as_str"
                        | "clone"
                        | "to_lowercase"
                        | "to_uppercase"
                        | "into"
                ) && matches!(
                    self.value_source(&m.receiver, how, depth + 1),
                    TextSource::Dynamic { .. }
                ) =>
            {
                self.value_source(&m.receiver, how, depth + 1)
            }
            _ => match self.text_source(inner, depth + 1) {
                TextSource::Constant => TextSource::Constant,
                d @ TextSource::Dynamic { .. } => d,
                TextSource::Unknown => {
                    let r = range_of(inner);
                    if let Some(t) = self.ty_expr(inner, 0) {
                        self.dyn_values.borrow_mut().push((r.clone(), t));
                    }
                    let numeric = match inner {
                        Expr::MethodCall(m) => {
                            matches!(m.method.to_string().as_str(), "len" | "count")
                                || matches!(unwrap_expr(&m.receiver), Expr::Path(p) if p.path.get_ident().is_some_and(|i| self.is_numeric_name(&i.to_string())))
                        }
                        Expr::Field(_) => false,
                        _ => false,
                    };
                    TextSource::Dynamic {
                        what: self.src(&r),
                        numeric,
                        at: r,
                        how: how.to_string(),
                        taint: self.taint_of(inner, 0),
                    }
                }
            },
        }
    }

    pub(super) fn macro_source(&self, mac: &syn::Macro, depth: usize) -> TextSource {
        let name = macro_name(mac);
        match name.as_str() {
            "concat" | "stringify" | "include_str" | "env" => TextSource::Constant,
            "query" | "query_as" | "query_scalar" | "query_file" | "query_file_as"
            | "query_unchecked" | "query_as_unchecked" => TextSource::Constant,
            "format" | "format_args" => {
                let Some(args) = macro_args(mac) else {
                    return TextSource::Unknown;
                };
                self.format_source(&args, mac, depth)
            }
            _ => TextSource::Unknown,
        }
    }

    /// `format!(fmt, args…)`: constant only when every piece is.
    pub(super) fn format_source(
        &self,
        args: &[Expr],
        mac: &syn::Macro,
        depth: usize,
    ) -> TextSource {
        let Some(Expr::Lit(syn::ExprLit {
            lit: Lit::Str(fmt), ..
        })) = args.first()
        else {
            return TextSource::Unknown;
        };
        // Every dynamic piece: the one most likely to carry outside text
        // is named, and the taint of all of them travels on.
        let mut pieces: Vec<TextSource> = Vec::new();
        let template = fmt.value();
        // Arguments are parsed from the macro's tokens, so their spans are real.
        for (value, key) in keyed_format_args(&args[1..]) {
            // Quotes doubled in a value that is not put between those
            // quotes (`LISTEN {}` with `name.replace('"', "\"\"")`): the
            // doubling quotes nothing.
            if let Some((quote, inner)) = super::taint::escaped_quote(value) {
                if !inside_quotes(&template, &key, quote) {
                    let mut taint = self.taint_of(inner, 0);
                    taint.retain(|t| *t != crate::source::facts::Taint::Unknown);
                    if !taint.is_empty() {
                        pieces.push(TextSource::Dynamic {
                            what: self.src(&range_of(inner)),
                            numeric: false,
                            at: range_of(value),
                            how: "format!".into(),
                            taint,
                        });
                        continue;
                    }
                }
            }
            let src = self.value_source_owned(value, depth);
            if let d @ TextSource::Dynamic { .. } = src {
                pieces.push(d);
            }
        }
        // Inline captures: `{name}` with no matching named argument.
        let named: HashSet<String> = args[1..]
            .iter()
            .filter_map(|a| match a {
                Expr::Assign(asg) => match &*asg.left {
                    Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        for cap in inline_captures(&fmt.value()) {
            if named.contains(&cap) {
                continue;
            }
            let at = range_of(&mac.tokens);
            if let TextSource::Dynamic {
                what,
                numeric,
                at: found,
                taint,
                ..
            } = self.name_source(&cap, at.clone(), depth, true)
            {
                // The value's type travels with it to its new location.
                let ty = self
                    .dyn_values
                    .borrow()
                    .iter()
                    .rev()
                    .find(|(r, _)| *r == found)
                    .map(|(_, t)| t.clone());
                if let Some(t) = ty {
                    self.dyn_values.borrow_mut().push((range_of(fmt), t));
                }
                pieces.push(TextSource::Dynamic {
                    what,
                    numeric,
                    at: range_of(fmt),
                    how: "format!".into(),
                    taint,
                });
            }
        }
        merge_pieces(pieces)
    }

    /// `value_source` for expressions parsed out of a macro body (not `'ast`).
    pub(super) fn value_source_owned(&self, e: &Expr, depth: usize) -> TextSource {
        let inner = unwrap_expr(e);
        if const_text_shape(inner) {
            return TextSource::Constant;
        }
        match inner {
            Expr::Lit(_) => TextSource::Constant,
            Expr::Path(p) if p.path.segments.len() == 1 => {
                let name = p.path.segments[0].ident.to_string();
                self.name_source(&name, range_of(inner), depth, true)
            }
            Expr::Path(p) => {
                let last = last_ident(&p.path);
                if is_screaming(&last) {
                    TextSource::Constant
                } else {
                    self.dynamic(self.src(&range_of(inner)), range_of(inner), "format!", "")
                }
            }
            Expr::Macro(m) if matches!(macro_name(&m.mac).as_str(), "concat" | "stringify") => {
                TextSource::Constant
            }
            Expr::MethodCall(m) if matches!(m.method.to_string().as_str(), "len" | "count") => {
                TextSource::Dynamic {
                    what: self.src(&range_of(inner)),
                    numeric: true,
                    at: range_of(inner),
                    how: "format!".into(),
                    taint: Vec::new(),
                }
            }
            Expr::MethodCall(m)
                if matches!(
                    m.method.to_string().as_str(),
                    "to_string" | "as_str" | "clone" | "to_owned"
                ) =>
            {
                let src = self.value_source_owned(&m.receiver, depth + 1);
                match src {
                    TextSource::Dynamic { numeric, taint, .. } => TextSource::Dynamic {
                        what: self.src(&range_of(inner)),
                        numeric,
                        at: range_of(inner),
                        how: "format!".into(),
                        taint,
                    },
                    other => other,
                }
            }
            _ => {
                if let Some(t) = self.ty_expr(inner, 0) {
                    self.dyn_values.borrow_mut().push((range_of(inner), t));
                }
                TextSource::Dynamic {
                    what: self.src(&range_of(inner)),
                    numeric: false,
                    at: range_of(inner),
                    how: "format!".into(),
                    taint: self.taint_of(inner, 0),
                }
            }
        }
    }
}

/// Keywords after which a value names a table, column or other object.
pub(super) const IDENTIFIER_KEYWORDS: &[&str] = &[
    "from",
    "join",
    "into",
    "update",
    "table",
    "database",
    "schema",
    "type",
    "index",
    "exists",
    "pragma",
    "view",
    "sequence",
    "truncate",
    "by",
    "column",
    "extension",
    "role",
    "user",
    "as",
    "references",
    "listen",
    "unlisten",
    "notify",
];

/// Statements whose every spliced part is a keyword or a setting, which
/// no bind parameter can carry: `SET statement_timeout = {ms}`,
/// `SAVEPOINT {name}`, `BEGIN {mode}`.
const SETTING_STATEMENTS: &[&str] = &[
    "set ",
    "reset ",
    "pragma ",
    "savepoint ",
    "release ",
    "rollback to ",
    "begin ",
    "start transaction",
    "show ",
];

/// For each placeholder of a format string: its argument key (a name, or
/// the positional index as text) and where it stands: an identifier
/// (`FROM {table}`, `"{column}"`, `ORDER BY {col}`), a keyword or setting
/// (`SET x = {v}`, `SAVEPOINT {sp}`, `ORDER BY c {dir}`), else a value.
pub(super) fn placeholder_contexts(fmt: &str) -> Vec<(String, SqlPosition)> {
    let statement = fmt.trim_start().to_ascii_lowercase();
    let setting_statement = SETTING_STATEMENTS.iter().any(|k| statement.starts_with(k));
    placeholders(fmt)
        .into_iter()
        .map(|(key, at)| {
            let before = fmt[..at.start].trim_end();
            let quoted = before.ends_with('"') || before.ends_with('`') || before.ends_with('[');
            let word = last_word(before);
            let dotted = before.ends_with('.');
            // `PRAGMA table_info({table})` names a table.
            let called = before.ends_with('(') && statement.starts_with("pragma ");
            // `ORDER BY {col} {dir}`: a word after a sort key is ASC or DESC.
            let after_sort_key = before.ends_with('}')
                && before
                    .to_ascii_lowercase()
                    .rfind("order by")
                    .is_some_and(|o| {
                        !before[o..].contains(',')
                            || before[o..]
                                .rsplit(',')
                                .next()
                                .is_some_and(|t| t.contains('}'))
                    });
            let position = if quoted || dotted || called {
                SqlPosition::Identifier
            } else if setting_statement
                || after_sort_key
                || matches!(word.as_str(), "savepoint" | "level" | "nulls")
            {
                SqlPosition::Setting
            } else if IDENTIFIER_KEYWORDS.contains(&word.as_str()) {
                SqlPosition::Identifier
            } else {
                SqlPosition::Value
            };
            (key, position)
        })
        .collect()
}

/// Each placeholder of a format string: its argument key (a name, or the
/// positional index as text) and its span, braces included.
pub(super) fn placeholders(fmt: &str) -> Vec<(String, Range<usize>)> {
    let mut out = Vec::new();
    let b = fmt.as_bytes();
    let (mut i, mut next_pos) = (0, 0usize);
    while i < b.len() {
        if b[i] == b'{' && b.get(i + 1) == Some(&b'{') {
            i += 2;
            continue;
        }
        if b[i] != b'{' {
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut j = start;
        while j < b.len() && b[j] != b'}' && b[j] != b':' {
            j += 1;
        }
        let key = fmt[start..j].trim().to_string();
        let key = if key.is_empty() {
            next_pos += 1;
            (next_pos - 1).to_string()
        } else {
            key
        };
        while j < b.len() && b[j] != b'}' {
            j += 1;
        }
        out.push((key, i..(j + 1).min(b.len())));
        i = j + 1;
    }
    out
}

/// The arguments of a `format!` after its template, each with the key
/// its placeholders use: `name` for `name = v`, else its position.
pub(super) fn keyed_format_args(args: &[Expr]) -> Vec<(&Expr, String)> {
    let mut position = 0;
    args.iter()
        .map(|a| match a {
            Expr::Assign(asg) => (
                &*asg.right,
                match &*asg.left {
                    Expr::Path(p) => path_string(&p.path),
                    _ => String::new(),
                },
            ),
            other => {
                position += 1;
                (other, (position - 1).to_string())
            }
        })
        .collect()
}

/// Does every placeholder for `key` sit inside a literal quoted with
/// `quote` (`"{}"`, `'%{}%'`, `'{a}{b}'`)? Doubling a quote inside a value
/// quotes it only there.
pub(super) fn inside_quotes(fmt: &str, key: &str, quote: char) -> bool {
    let mut any = false;
    for (k, at) in placeholders(fmt) {
        if k != key {
            continue;
        }
        any = true;
        // An odd count of quote characters before it: inside a literal (a
        // doubled quote inside the literal counts twice).
        if fmt[..at.start].matches(quote).count() % 2 == 0 {
            return false;
        }
    }
    any
}

/// The SQL word just before a point of a format string, lowercased.
fn last_word(before: &str) -> String {
    before
        .rsplit(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// SQL keywords that open a statement, for literals passed to driver calls.
pub(super) fn looks_like_sql(t: &str) -> bool {
    let first = t
        .trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(
        first.as_str(),
        "select"
            | "insert"
            | "update"
            | "delete"
            | "with"
            | "create"
            | "drop"
            | "alter"
            | "pragma"
            | "begin"
            | "commit"
            | "rollback"
            | "replace"
            | "upsert"
            | "vacuum"
            | "analyze"
            | "explain"
            | "truncate"
            | "grant"
            | "set"
            | "show"
            | "copy"
            | "call"
            | "merge"
            | "savepoint"
            | "release"
    )
}

/// `{name}` and `{name:?}` captures in a format string.
pub(super) fn inline_captures(fmt: &str) -> Vec<String> {
    let mut out = Vec::new();
    let b = fmt.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'{' {
            if b.get(i + 1) == Some(&b'{') {
                i += 2;
                continue;
            }
            let start = i + 1;
            let mut j = start;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            let name = &fmt[start..j];
            if !name.is_empty() && !name.as_bytes()[0].is_ascii_digit() {
                out.push(name.to_string());
            }
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

pub fn parse_operation(s: Option<&str>) -> Operation {
    match s {
        Some("select") => Operation::Select,
        Some("insert") => Operation::Insert,
        Some("update") => Operation::Update,
        Some("delete") => Operation::Delete,
        Some("raw") => Operation::Raw,
        _ => Operation::Other,
    }
}

/// The statement kind from SQL text's first keyword.
pub fn sql_operation(sql: &str) -> Option<Operation> {
    let first = sql
        .trim_start_matches(|c: char| c.is_whitespace() || c == '(')
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()?
        .to_ascii_lowercase();
    Some(match first.as_str() {
        "select" | "with" | "values" | "show" | "explain" => Operation::Select,
        "insert" | "replace" | "upsert" => Operation::Insert,
        "update" => Operation::Update,
        "delete" => Operation::Delete,
        "" => return None,
        _ => Operation::Other,
    })
}

/// Tables named after FROM / JOIN / INTO / UPDATE in SQL text.
pub fn sql_tables(sql: &str) -> Vec<String> {
    let words: Vec<&str> = sql
        .split(|c: char| c.is_whitespace() || c == ',' || c == '(' || c == ')' || c == ';')
        .filter(|w| !w.is_empty())
        .collect();
    let mut out = Vec::new();
    for w in words.windows(2) {
        let kw = w[0].to_ascii_lowercase();
        if matches!(kw.as_str(), "from" | "join" | "into" | "update") {
            let name = w[1].trim_matches(|c| c == '"' || c == '`' || c == '[' || c == ']');
            let name = name.rsplit('.').next().unwrap_or(name).trim_matches('"');
            if !name.is_empty()
                && name.chars().all(|c| c.is_alphanumeric() || c == '_')
                && !matches!(
                    name.to_ascii_lowercase().as_str(),
                    "select" | "lateral" | "only" | "unnest"
                )
            {
                out.push(name.to_string());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// SQL that already fetches many rows at once: `= ANY($1)`, `IN (…)`, a `JOIN`.
pub fn sql_is_batched(sql: &str) -> bool {
    let s: String = sql
        .to_ascii_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    s.contains("any(")
        || s.contains("any (")
        || s.contains(" in (")
        || s.contains(" in(")
        || s.contains("unnest(")
        || s.contains("rarray(")
}
