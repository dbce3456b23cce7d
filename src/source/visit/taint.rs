//! Where a value's text may come from, as far as one function shows:
//! outside input (the sources of `rules/sources.toml`), a database row, a
//! parameter (its callers decide, in the graph pass), or nothing outside
//! (literals, constants, numbers, generated ids, quoting functions).

use super::*;
use crate::source::facts::{FieldWrite, Taint};
use crate::source::sources;

/// A route's parameters that the framework fills, not the request.
const ROUTE_STATE: &[&str] = &[
    "State",
    "Data",
    "Extension",
    "Db",
    "DbConn",
    "Connection",
    "Pool",
    "PgPool",
    "SqlitePool",
    "MySqlPool",
    "DatabaseConnection",
    "CookieJar",
    "Config",
];

/// Steps one taint computation may take: for the text given to a sink, and
/// for each argument of each call.
const TAINT_BUDGET: usize = 4000;
const ARG_BUDGET: usize = 200;

/// Locals that never carry text from outside: numbers and friends.
const SAFE_TYPES: &[&str] = &[
    "bool",
    "char",
    "Uuid",
    "DateTime",
    "NaiveDate",
    "NaiveDateTime",
    "NaiveTime",
    "Duration",
    "Instant",
    "SystemTime",
    "OffsetDateTime",
    "PrimitiveDateTime",
    "Date",
    "Time",
];

/// Methods that hand their receiver's text on (changed in form, not in
/// origin).
/// Methods whose result is hex digits only.
const HEX_METHODS: &[&str] = &["to_hex", "encode_hex", "encode_hex_upper", "to_hex_string"];

/// Does the closure's body use one of its parameters other than through a
/// hex method (`c.to_hex()`)? Read from the tokens, so uses inside
/// `format!` (`{x}`, `x.len()`) count too. Names are not resolved here: a
/// parameter's taint is the elements', which the scopes do not hold.
fn closure_uses_params(c: &syn::ExprClosure) -> bool {
    use proc_macro2::{TokenStream, TokenTree};
    use quote::ToTokens;
    let mut names = Vec::new();
    for p in &c.inputs {
        pat_names(p, &mut names);
    }
    if names.is_empty() {
        return false;
    }
    fn scan(ts: TokenStream, names: &[String]) -> bool {
        let tokens: Vec<TokenTree> = ts.into_iter().collect();
        for (i, t) in tokens.iter().enumerate() {
            match t {
                TokenTree::Ident(id) if names.iter().any(|n| id == n) => {
                    let hex = matches!(tokens.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == '.')
                        && matches!(tokens.get(i + 2), Some(TokenTree::Ident(m)) if HEX_METHODS.iter().any(|h| m == h));
                    if !hex {
                        return true;
                    }
                }
                TokenTree::Literal(l) => {
                    let text = l.to_string();
                    if names.iter().any(|n| {
                        text.contains(&format!("{{{n}}}")) || text.contains(&format!("{{{n}:"))
                    }) {
                        return true;
                    }
                }
                TokenTree::Group(g) if scan(g.stream(), names) => return true,
                _ => {}
            }
        }
        false
    }
    scan(c.body.to_token_stream(), &names)
}

const PASS_METHODS: &[&str] = &[
    "to_string",
    "to_owned",
    "as_str",
    "as_ref",
    "as_deref",
    "clone",
    "into",
    "trim",
    "trim_start",
    "trim_end",
    "to_lowercase",
    "to_uppercase",
    "unwrap",
    "expect",
    "unwrap_or",
    "unwrap_or_default",
    "unwrap_or_else",
    "ok_or",
    "ok_or_else",
    "borrow",
    "deref",
    "join",
    "concat",
    "into_inner",
    "get_ref",
    "0",
    "replace",
    "replacen",
    "lines",
    "split",
    "collect",
    "iter",
    "into_iter",
    "map",
    "cloned",
    "copied",
    "first",
    "last",
    "nth",
    "next",
    "as_slice",
    "display",
    "to_str",
    "to_string_lossy",
    "chars",
    "rev",
    "take",
    "skip",
    "filter",
    "get",
];

/// Row accessors: a value read from a query result.
const ROW_METHODS: &[&str] = &["get", "try_get", "get_unwrap", "get_ref", "get_unchecked"];

/// Names a query result is usually bound to.
fn rowish(name: &str) -> bool {
    matches!(name, "row" | "db_row")
}

/// `replace(q, qq)` where `q` is a quote and `qq` the quote doubled or
/// escaped with a backslash.
fn escapes_quotes(args: &syn::punctuated::Punctuated<Expr, syn::Token![,]>) -> bool {
    doubled_quote(args).is_some()
}

/// The quote character a `replace` doubles or escapes, if it does.
fn doubled_quote(args: &syn::punctuated::Punctuated<Expr, syn::Token![,]>) -> Option<char> {
    let text = |e: &Expr| match unwrap_expr(e) {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(s), ..
        }) => Some(s.value()),
        Expr::Lit(syn::ExprLit {
            lit: Lit::Char(c), ..
        }) => Some(c.value().to_string()),
        _ => None,
    };
    let (Some(from), Some(to)) = (
        args.first().and_then(text),
        args.iter().nth(1).and_then(text),
    ) else {
        return None;
    };
    let doubled = (from == "'" || from == "\"")
        && (to == format!("{from}{from}") || to == format!("\\{from}"));
    doubled.then(|| from.chars().next()).flatten()
}

/// `self.name`: the field's name.
fn self_field(e: &Expr) -> Option<String> {
    match unwrap_expr(e) {
        Expr::Field(f) => match (unwrap_expr(&f.base), &f.member) {
            (Expr::Path(p), syn::Member::Named(field)) if p.path.is_ident("self") => {
                Some(field.to_string())
            }
            _ => None,
        },
        _ => None,
    }
}

/// Does the expression use the name `name` anywhere (`x.as_ref()`,
/// `if let Some(x) = x { x.item } else { .. }`)?
fn names_ident(e: &Expr, name: &str) -> bool {
    struct Find<'n> {
        name: &'n str,
        found: bool,
    }
    impl<'x> syn::visit::Visit<'x> for Find<'_> {
        fn visit_path(&mut self, p: &'x syn::Path) {
            self.found |= p.is_ident(self.name);
        }
    }
    let mut f = Find { name, found: false };
    syn::visit::Visit::visit_expr(&mut f, e);
    f.found
}

/// `x.replace('"', "\"\"")`: the quote character it doubles, and `x`.
pub(super) fn escaped_quote(e: &Expr) -> Option<(char, &Expr)> {
    match unwrap_expr(e) {
        Expr::MethodCall(m) if m.method == "replace" => {
            Some((doubled_quote(&m.args)?, &m.receiver))
        }
        _ => None,
    }
}

fn push_all(out: &mut Vec<Taint>, more: Vec<Taint>) {
    for t in more {
        if !out.contains(&t) {
            out.push(t);
        }
    }
}

impl FileVisitor<'_, '_> {
    /// The taint of a call's argument, for the callers' side of the graph
    /// pass: a smaller budget (every call pays it), and nothing to do for
    /// literals and closures.
    pub(super) fn taint_of_arg(&self, e: &Expr) -> Vec<Taint> {
        match unwrap_expr(e) {
            Expr::Lit(_) | Expr::Closure(_) => Vec::new(),
            e => {
                self.taint_memo.borrow_mut().clear();
                self.taint_budget.set(ARG_BUDGET);
                // What the graph pass cannot follow further says nothing.
                let mut t = self.taint_of(e, 1);
                t.retain(|x| *x != Taint::Unknown);
                t
            }
        }
    }

    /// The taint of an expression: the union of what its parts carry.
    pub(super) fn taint_of(&self, e: &Expr, depth: usize) -> Vec<Taint> {
        if depth == 0 {
            self.taint_memo.borrow_mut().clear();
            self.taint_budget.set(TAINT_BUDGET);
        }
        let left = self.taint_budget.get();
        if depth > 24 || left == 0 {
            return vec![Taint::Unknown];
        }
        self.taint_budget.set(left - 1);
        let src = sources::active();
        // Spans name the expression itself, not its `.await` or `?`.
        let e = unwrap_expr(e);
        match e {
            Expr::Lit(_) => Vec::new(),
            Expr::Path(p) if p.path.segments.len() == 1 => {
                let name = p.path.segments[0].ident.to_string();
                self.taint_of_name(&name, range_of(e), depth)
            }
            Expr::Path(p) => {
                let last = last_ident(&p.path);
                if is_screaming(&last) || last.chars().next().is_some_and(char::is_uppercase) {
                    // A constant, or an enum variant.
                    Vec::new()
                } else {
                    vec![Taint::Unknown]
                }
            }
            Expr::Field(f) => {
                // A field of `self`: what the workspace stores in it.
                if matches!(unwrap_expr(&f.base), Expr::Path(p) if p.path.is_ident("self")) {
                    let owner = self.impl_ty.last().cloned().flatten();
                    return match (owner, self_field(e)) {
                        _ if self.is_validated(e) => Vec::new(),
                        (Some(owner), Some(field)) => vec![Taint::Field {
                            owner,
                            field,
                            at: range_of(e),
                        }],
                        _ => vec![Taint::Unknown],
                    };
                }
                if self.is_validated(e) {
                    return Vec::new();
                }
                self.taint_of(&f.base, depth + 1)
            }
            Expr::MethodCall(m) => {
                let method = m.method.to_string();
                if matches!(method.as_str(), "len" | "count" | "is_empty" | "is_some") {
                    return Vec::new();
                }
                // `s.replace('\'', "''")`, `s.replace('"', "\"\"")`: quotes
                // doubled (or escaped), the SQL way of quoting text.
                if method == "replace" && escapes_quotes(&m.args) {
                    return Vec::new();
                }
                // `xs.iter().map(|x| format!("x'{}'", x.to_hex()))`: the
                // elements are what the closure makes of them; when that
                // carries nothing (a placeholder, hex digits), neither does
                // the result.
                if matches!(method.as_str(), "map" | "flat_map" | "filter_map") {
                    if let Some(Expr::Closure(c)) = m.args.first() {
                        if !closure_uses_params(c) && self.taint_of(&c.body, depth + 1).is_empty() {
                            return Vec::new();
                        }
                    }
                }
                // Hex digits only (`commitment.to_hex()`, `bytes.encode_hex()`):
                // nothing in them can end a literal or start SQL.
                if HEX_METHODS.contains(&method.as_str()) {
                    return Vec::new();
                }
                let recv_ty = self.ty_expr(&m.receiver, 0).and_then(|t| match t {
                    TyExpr::Known(k) => Some(k.path),
                    _ => None,
                });
                if let Some(s) = src.by_method(&method, recv_ty.as_deref()) {
                    // `matches.get_one::<String>("table")` on `ArgMatches`,
                    // or on a receiver whose type is not written.
                    if recv_ty.is_some()
                        || !s.on.is_empty() && self.named_like(&m.receiver, "matches")
                    {
                        return vec![Taint::Source {
                            kind: s.kind.clone(),
                            what: s.what.clone(),
                            at: range_of(e),
                        }];
                    }
                }
                if ROW_METHODS.contains(&method.as_str())
                    && (recv_ty.as_deref().is_some_and(|t| t.ends_with("Row"))
                        || matches!(unwrap_expr(&m.receiver), Expr::Path(p) if p.path.get_ident().is_some_and(|i| rowish(&i.to_string()))))
                {
                    return vec![Taint::Row { at: range_of(e) }];
                }
                if PASS_METHODS.contains(&method.as_str()) {
                    let mut out = self.taint_of(&m.receiver, depth + 1);
                    if matches!(method.as_str(), "unwrap_or" | "replace" | "join") {
                        for a in &m.args {
                            push_all(&mut out, self.taint_of(a, depth + 1));
                        }
                    }
                    return out;
                }
                // The result of a query run right here: rows.
                if self.runs_query_within(range_of(e)) {
                    return vec![Taint::Row { at: range_of(e) }];
                }
                // A call into the workspace (`self.category_by_name(c)`):
                // the graph pass looks at what it runs.
                let mut out = vec![Taint::Call { at: range_of(e) }];
                // Anything else computes a new value from the receiver:
                // its text still comes from there.
                push_all(&mut out, self.taint_of(&m.receiver, depth + 1));
                out
            }
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else {
                    return vec![Taint::Unknown];
                };
                let segs: Vec<String> = p
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                let full = self.imports.resolve_path(&segs);
                let written = segs.join("::");
                if src.is_sanitizer(&full) || src.is_sanitizer(&written) {
                    return Vec::new();
                }
                if src.is_generated(&full) || src.is_generated(&written) {
                    return Vec::new();
                }
                if let Some(s) = src.by_function(&full).or_else(|| src.by_function(&written)) {
                    return vec![Taint::Source {
                        kind: s.kind.clone(),
                        what: s.what.clone(),
                        at: range_of(e),
                    }];
                }
                // `Some(x)`, `String::from(x)`, `Cow::Borrowed(x)`: the argument's.
                let last = segs.last().map(String::as_str).unwrap_or("");
                // `Cli::parse()`: input when `Cli` derives a parser (the
                // graph pass knows the workspace's derives).
                if segs.len() >= 2
                    && matches!(
                        last,
                        "parse" | "try_parse" | "parse_from" | "try_parse_from" | "from_args"
                    )
                {
                    return vec![Taint::Parsed {
                        ty: segs[segs.len() - 2].clone(),
                        at: range_of(e),
                    }];
                }
                // A fresh empty value: `String::new()`, `Vec::with_capacity(n)`.
                if segs.len() == 2
                    && matches!(last, "new" | "with_capacity" | "default")
                    && segs[0].chars().next().is_some_and(char::is_uppercase)
                    && c.args
                        .iter()
                        .all(|a| self.taint_of(a, depth + 1).is_empty())
                {
                    return Vec::new();
                }
                if matches!(last, "Some" | "Ok" | "from" | "new" | "Borrowed" | "Owned")
                    && c.args.len() == 1
                {
                    return self.taint_of(&c.args[0], depth + 1);
                }
                if self.runs_query_within(range_of(e)) {
                    return vec![Taint::Row { at: range_of(e) }];
                }
                // A library function (`serde_json::to_string(&msg)`,
                // `hex::encode(x)`) turns its arguments into its result.
                if self.imports.is_external(&full) {
                    let mut out = Vec::new();
                    for a in &c.args {
                        push_all(&mut out, self.taint_of(a, depth + 1));
                    }
                    return out;
                }
                // What a function of the workspace returns: the graph pass
                // looks at what it runs.
                vec![Taint::Call { at: range_of(e) }]
            }
            Expr::Macro(m) => {
                let name = macro_name(&m.mac);
                if matches!(
                    name.as_str(),
                    "concat" | "stringify" | "include_str" | "env"
                ) {
                    return Vec::new();
                }
                let Some(args) = macro_args(&m.mac) else {
                    return vec![Taint::Unknown];
                };
                let mut out = Vec::new();
                let template = match args.first() {
                    Some(Expr::Lit(syn::ExprLit {
                        lit: Lit::Str(s), ..
                    })) => Some(s.value()),
                    _ => None,
                };
                // The template's inline captures (`{name}`), then the
                // arguments; a first argument that is no template is one.
                let rest = match &template {
                    Some(t) => {
                        for cap in inline_captures(t) {
                            push_all(
                                &mut out,
                                self.taint_of_name(&cap, range_of(&m.mac.tokens), depth + 1),
                            );
                        }
                        args.get(1..).unwrap_or_default()
                    }
                    None => &args[..],
                };
                for (v, key) in super::text::keyed_format_args(rest) {
                    // Quotes doubled in a value the text does not put
                    // between those quotes quote nothing.
                    match (escaped_quote(v), &template) {
                        (Some((quote, inner)), Some(t))
                            if !super::text::inside_quotes(t, &key, quote) =>
                        {
                            push_all(&mut out, self.taint_of(inner, depth + 1))
                        }
                        _ => push_all(&mut out, self.taint_of(v, depth + 1)),
                    }
                }
                out
            }
            Expr::Binary(b) => {
                let mut out = self.taint_of(&b.left, depth + 1);
                push_all(&mut out, self.taint_of(&b.right, depth + 1));
                out
            }
            Expr::Unary(u) => self.taint_of(&u.expr, depth + 1),
            // A `match` or `if` whose every branch is a literal picks a
            // constant (`BEGIN {mode}` from a match on a kind).
            Expr::Match(mt) => {
                let mut out = Vec::new();
                for arm in &mt.arms {
                    push_all(&mut out, self.taint_of(&arm.body, depth + 1));
                }
                out
            }
            Expr::If(i) => {
                let mut out = Vec::new();
                if let Some(Stmt::Expr(e, None)) = i.then_branch.stmts.last() {
                    push_all(&mut out, self.taint_of(e, depth + 1));
                }
                if let Some((_, els)) = &i.else_branch {
                    push_all(&mut out, self.taint_of(els, depth + 1));
                }
                out
            }
            Expr::Block(b) => match b.block.stmts.last() {
                Some(Stmt::Expr(e, None)) => self.taint_of(e, depth + 1),
                _ => vec![Taint::Unknown],
            },
            Expr::Array(a) => {
                let mut out = Vec::new();
                for x in &a.elems {
                    push_all(&mut out, self.taint_of(x, depth + 1));
                }
                out
            }
            Expr::Tuple(t) => {
                let mut out = Vec::new();
                for x in &t.elems {
                    push_all(&mut out, self.taint_of(x, depth + 1));
                }
                out
            }
            Expr::Index(ix) => self.taint_of(&ix.expr, depth + 1),
            Expr::Closure(_) | Expr::Range(_) | Expr::Repeat(_) => Vec::new(),
            _ => vec![Taint::Unknown],
        }
    }

    /// Does a query that reads run within this range (a `let` bound to
    /// `sqlx::query_scalar(..).fetch_one(pool)`)?
    fn runs_query_within(&self, r: Range<usize>) -> bool {
        self.facts.sites.iter().any(|s| {
            s.executes && !s.operation.is_write() && r.start <= s.span.start && s.span.end <= r.end
        })
    }

    /// Is the expression a path whose name contains `word`?
    fn named_like(&self, e: &Expr, word: &str) -> bool {
        matches!(unwrap_expr(e), Expr::Path(p) if p.path.get_ident().is_some_and(|i| i.to_string().contains(word)))
    }

    /// The taint of a local name: a parameter (a source by its type or
    /// its route, else its callers decide), a `let` (what it was bound
    /// to), a constant, a number.
    pub(super) fn taint_of_name(&self, name: &str, at: Range<usize>, depth: usize) -> Vec<Taint> {
        if depth == 0 {
            self.taint_memo.borrow_mut().clear();
            self.taint_budget.set(TAINT_BUDGET);
        }
        if let Some(t) = self.taint_memo.borrow().get(name) {
            return t.clone();
        }
        // A cycle (`s = s + x`) meets this placeholder; a `let` that
        // shadows a parameter (`let name = name.as_ref()`) reads the
        // parameter.
        let shadowed = self
            .scopes
            .last()
            .and_then(|s| s.bindings.get(name)?.first().copied())
            .filter(|first| names_ident(first, name))
            .and_then(|_| self.param_taint(name, at.clone()))
            .unwrap_or_default();
        self.taint_memo
            .borrow_mut()
            .insert(name.to_string(), shadowed);
        let t = self.taint_of_name_uncached(name, at, depth);
        self.taint_memo
            .borrow_mut()
            .insert(name.to_string(), t.clone());
        t
    }

    fn taint_of_name_uncached(&self, name: &str, at: Range<usize>, depth: usize) -> Vec<Taint> {
        if self.consts.contains(name) || is_screaming(name) || self.is_numeric_name(name) {
            return Vec::new();
        }
        let Some(scope) = self.scopes.last() else {
            return vec![Taint::Unknown];
        };
        // Checked against an allow-list by a guard before this point.
        if scope.validated.contains(name) {
            return Vec::new();
        }
        if let Some(TyExpr::Known(t)) = scope.tys.get(name) {
            if t.path == crate::source::types::STATIC_STR
                || NUMERIC_TYPES.contains(&t.path.as_str())
                || SAFE_TYPES.contains(&t.name())
            {
                return Vec::new();
            }
        }
        if let Some(bound) = scope.bindings.get(name) {
            let mut out = Vec::new();
            for b in bound {
                push_all(&mut out, self.taint_of(b, depth + 1));
            }
            for append in scope.appends.get(name).into_iter().flatten() {
                match append {
                    Append::Value(e, _) => push_all(&mut out, self.taint_of(e, depth + 1)),
                    Append::Resolved(TextSource::Dynamic { taint, .. }) => {
                        push_all(&mut out, taint.clone())
                    }
                    Append::Resolved(_) => {}
                }
            }
            return out;
        }
        if let Some(t) = self.param_taint(name, at.clone()) {
            return t;
        }
        // A loop's or closure's element, what `if let`/`match` unpacked.
        if let Some(e) = scope.from.get(name) {
            return self.taint_of(e, depth + 1);
        }
        if rowish(name) {
            return vec![Taint::Row { at }];
        }
        // A loop variable, a `match` or `if let` binding, a closure
        // parameter: not followed.
        vec![Taint::Unknown]
    }

    /// The taint of the enclosing function's parameter `name`: a source by
    /// its type or its route, else its callers decide.
    fn param_taint(&self, name: &str, at: Range<usize>) -> Option<Vec<Taint>> {
        let scope = self.scopes.last()?;
        if let Some(&index) = scope.param_index.get(name) {
            let src = sources::active();
            // A parameter of a type that holds request data, or of a route.
            if let Some(s) = scope.param_types.get(name).and_then(|t| src.by_type(t)) {
                return Some(vec![Taint::Source {
                    kind: s.kind.clone(),
                    what: s.what.clone(),
                    at: scope.param_spans.get(name).cloned().unwrap_or(at),
                }]);
            }
            let state = scope.param_types.get(name).is_some_and(|t| {
                let last = t.rsplit("::").next().unwrap_or(t);
                ROUTE_STATE.contains(&last)
            });
            if let (Some(route), false) = (&scope.route, state) {
                return Some(vec![Taint::Source {
                    kind: route.0.clone(),
                    what: route.1.clone(),
                    at: scope.param_spans.get(name).cloned().unwrap_or(at),
                }]);
            }
            return Some(vec![Taint::Param {
                index,
                name: name.to_string(),
            }]);
        }
        None
    }

    /// Has a guard checked this field path (`form.email`) in this block?
    fn is_validated(&self, e: &Expr) -> bool {
        super::checked_place(e)
            .is_some_and(|p| self.scopes.last().is_some_and(|s| s.validated.contains(&p)))
    }

    /// `self.f = v` and `T { f: v }` / `Self { f: v }`: what each field is
    /// given here, for the taint of `self.f` read in another function.
    /// Only text can carry SQL: fields given numbers or literals record an
    /// empty taint, which keeps them untainted.
    pub(super) fn record_field_writes(&mut self, e: &Expr) {
        let impl_ty = self.impl_ty.last().cloned().flatten();
        let mut writes: Vec<(String, String, Range<usize>, &Expr)> = Vec::new();
        match e {
            Expr::Assign(a) => {
                if let (Some(field), Some(owner)) = (self_field(&a.left), &impl_ty) {
                    writes.push((owner.clone(), field, range_of(e), &a.right));
                }
            }
            // `name.clone_into(&mut self.f)` (`unwrap_expr` sees through the `&mut`).
            Expr::MethodCall(m) => {
                if let (Some(field), Some(owner)) = (m.args.first().and_then(self_field), &impl_ty)
                {
                    writes.push((owner.clone(), field, range_of(e), &m.receiver));
                }
            }
            Expr::Struct(st) => {
                let name = last_ident(&st.path);
                let owner = if name == "Self" { impl_ty } else { Some(name) };
                if let Some(owner) = owner {
                    for f in &st.fields {
                        if let syn::Member::Named(field) = &f.member {
                            writes.push((
                                owner.clone(),
                                field.to_string(),
                                range_of(&f.expr),
                                &f.expr,
                            ));
                        }
                    }
                }
            }
            _ => {}
        }
        for (owner, field, at, value) in writes {
            let mut taint = self.taint_of(value, 0);
            taint.retain(|t| *t != Taint::Unknown);
            // A constant, a number, what cannot be followed: nothing to say.
            if taint.is_empty() {
                continue;
            }
            let func = self.fn_index();
            self.facts.field_writes.push(FieldWrite {
                owner,
                field,
                func,
                at,
                taint,
            });
        }
    }
}
