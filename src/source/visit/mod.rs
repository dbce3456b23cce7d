//! The one visit of a parsed file: recognizes database calls from the shape of
//! their receiver chains (no types), tracks the loops and iterator closures
//! around them, follows `let` bindings for SQL text, and records calls to
//! other functions for the crate-level call graph.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use proc_macro2::Span;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Expr, Lit, Pat, Stmt, Type};

use super::facts::{
    CallRaw, CallTarget, Evidence, FileFacts, FnInfo, LoopRaw, SiteRaw, StructInfo, TextSource,
};
use super::macros::{MacroBodies, Piece};
use super::orm::{ExecSpec, OrmSpec};
use super::types::{self, Imports, Ty, TyExpr};
use crate::engine::{LoopKind, Operation, SqlPosition};

mod recognize;
mod taint;
mod text;
mod type_recipes;

use text::*;
use type_recipes::*;

/// Iterator and stream adapters whose closure runs once per element.
const ADAPTERS: &[&str] = &[
    "map",
    "for_each",
    "filter_map",
    "flat_map",
    "then",
    "and_then",
    "fold",
    "try_fold",
    "try_for_each",
    "filter",
    "any",
    "all",
    "find_map",
    "scan",
    "take_while",
    "skip_while",
    "inspect",
    "map_while",
    "try_filter_map",
    "try_filter",
    "partition",
    "reduce",
    "try_map",
    "map_ok",
    "and_then_ok",
    "par_map",
    "position",
    "find",
    "max_by_key",
    "min_by_key",
    "sorted_by_key",
    "group_by",
    "flat_map_iter",
    "retain",
    "retain_mut",
    "dedup_by_key",
];

/// Methods that turn a value into an iterator or stream, or keep it one.
const ITER_SOURCES: &[&str] = &[
    "iter",
    "into_iter",
    "iter_mut",
    "par_iter",
    "into_par_iter",
    "par_iter_mut",
    "drain",
    "chunks",
    "chunks_exact",
    "windows",
    "keys",
    "values",
    "values_mut",
    "into_values",
    "into_keys",
    "lines",
    "split",
    "split_whitespace",
    "bytes",
    "char_indices",
    "chars",
    "into_stream",
    "par_chunks",
    "par_bridge",
    "rchunks",
    "split_terminator",
];

/// Adapters that keep an iterator an iterator (walked through to find the source).
const ITER_PASS: &[&str] = &[
    "map",
    "filter",
    "filter_map",
    "enumerate",
    "zip",
    "skip",
    "take",
    "rev",
    "chain",
    "flat_map",
    "flatten",
    "cloned",
    "copied",
    "peekable",
    "step_by",
    "inspect",
    "dedup",
    "sorted",
    "unique",
    "take_while",
    "skip_while",
    "map_while",
    "then",
    "and_then",
    "buffered",
    "buffer_unordered",
    "chunks",
    "fuse",
    "boxed",
    "with_position",
];

/// Functions that start an iterator or stream: `stream::iter(ids)`, `iter::repeat(x)`.
const ITER_FUNCTIONS: &[&str] = &[
    "iter",
    "repeat",
    "once",
    "from_iter",
    "iter_ok",
    "unfold",
    "repeat_with",
    "successors",
    "from_fn",
];

/// Method names too common on std types to resolve by name alone.
pub const COMMON_METHODS: &[&str] = &[
    "status",
    "id",
    "idx",
    "name",
    "key",
    "value",
    "kind",
    "data",
    "body",
    "text",
    "json",
    "path",
    "url",
    "host",
    "port",
    "tag",
    "tags",
    "get_ref",
    "as_slice",
    "to_vec",
    "get",
    "get_mut",
    "set",
    "insert",
    "remove",
    "push",
    "pop",
    "contains",
    "len",
    "is_empty",
    "iter",
    "map",
    "filter",
    "first",
    "last",
    "find",
    "clone",
    "to_string",
    "into",
    "from",
    "as_ref",
    "as_mut",
    "unwrap",
    "expect",
    "extend",
    "append",
    "entry",
    "keys",
    "values",
    "send",
    "recv",
    "lock",
    "read",
    "write",
    "next",
    "collect",
    "join",
    "split",
    "parse",
    "format",
    "sort",
    "dedup",
    "retain",
    "clear",
    "take",
    "replace",
    "flush",
    "close",
    "open",
    "spawn",
    "new",
    "default",
    "run",
    "call",
    "build",
    "apply",
    "update",
    "delete",
    "save",
    "load",
    "fetch",
    "query",
    "execute",
    "handle",
    "process",
    "with",
    "all",
    "any",
    "count",
    "sum",
    "max",
    "min",
    "add",
    "sub",
    "drop",
    "start",
    "stop",
    "init",
    "reset",
    "wait",
    "poll",
    "try_into",
    "try_from",
    "eq",
    "cmp",
    "hash",
    "fmt",
    "borrow",
    "deref",
    "index",
    "and_then",
    "or_else",
    "ok",
    "err",
    "is_some",
    "is_none",
    "is_ok",
    "is_err",
    "then",
    "into_iter",
    "to_owned",
    "as_str",
    "trim",
    "starts_with",
    "ends_with",
    "chars",
    "bytes",
];

/// Methods of the standard library's types (options, results, strings,
/// collections, iterators, conversions) that are never worth a call record,
/// whatever the receiver: a workspace method of one of these names is
/// still found through a plain or typed receiver in `COMMON_METHODS`'s way.
const STD_ONLY: &[&str] = &[
    "clone",
    "to_string",
    "to_owned",
    "into",
    "as_ref",
    "as_mut",
    "as_str",
    "as_bytes",
    "unwrap",
    "expect",
    "unwrap_or",
    "unwrap_or_else",
    "unwrap_or_default",
    "unwrap_err",
    "map",
    "map_err",
    "and_then",
    "or_else",
    "ok",
    "err",
    "ok_or",
    "ok_or_else",
    "is_some",
    "is_none",
    "is_ok",
    "is_err",
    "iter",
    "into_iter",
    "iter_mut",
    "collect",
    "len",
    "is_empty",
    "push",
    "push_str",
    "contains",
    "contains_key",
    "extend",
    "join",
    "split",
    "trim",
    "starts_with",
    "ends_with",
    "parse",
    "fmt",
    "eq",
    "ne",
    "cmp",
    "partial_cmp",
    "hash",
    "borrow",
    "borrow_mut",
    "deref",
    "chars",
    "bytes",
    "keys",
    "values",
    "entry",
    "or_insert",
    "or_insert_with",
    "or_default",
    "to_vec",
    "cloned",
    "copied",
    "filter",
    "filter_map",
    "enumerate",
    "zip",
    "rev",
    "skip",
    "take",
    "first",
    "last",
    "sort",
    "sort_by",
    "sort_by_key",
    "sort_unstable",
    "dedup",
    "clear",
    "context",
    "with_context",
    "to_lowercase",
    "to_uppercase",
    "replace",
    "as_slice",
    "min",
    "max",
    "sum",
    "count",
    "any",
    "all",
    "fold",
    "position",
    "flatten",
    "flat_map",
    "chain",
    "for_each",
    "try_into",
    "as_deref",
    "as_deref_mut",
    "get_or_insert_with",
    "then",
    "then_some",
    "map_or",
    "map_or_else",
    "is_some_and",
    "is_none_or",
    "unwrap_unchecked",
    "into_inner",
    "to_str",
    "to_string_lossy",
    "display",
    "as_secs",
    "as_millis",
    "elapsed",
    "with_capacity",
    "reserve",
    "truncate",
    "insert_str",
    "find",
    "rfind",
    "strip_prefix",
    "strip_suffix",
    "split_once",
    "lines",
    "as_path",
    "to_path_buf",
    "exists",
    "is_file",
    "is_dir",
    "file_name",
    "extension",
    "parent",
    "pop",
    "len_utf8",
    "abs",
    "saturating_sub",
    "saturating_add",
    "checked_add",
    "checked_sub",
    "wrapping_add",
    "pow",
];

/// Types whose values are numbers or booleans: text made from them cannot carry quotes.
pub(crate) const NUMERIC_TYPES: &[&str] = &[
    "i8",
    "i16",
    "i32",
    "i64",
    "i128",
    "isize",
    "u8",
    "u16",
    "u32",
    "u64",
    "u128",
    "usize",
    "f32",
    "f64",
    "bool",
    "NonZeroU32",
    "NonZeroU64",
    "NonZeroI64",
    "NonZeroUsize",
];

fn span_range(span: Span) -> Range<usize> {
    span.byte_range()
}

fn range_of<T: Spanned>(node: &T) -> Range<usize> {
    span_range(node.span())
}

/// Word-wise match: `db_pool` matches `pool`, `conn` matches `conn`.
fn name_matches(name: &str, words: &[String]) -> bool {
    let lower = name.to_ascii_lowercase();
    words.iter().any(|w| {
        lower == *w
            || lower
                .split('_')
                .any(|part| part == w || part.strip_suffix('s') == Some(w))
            || (w.len() >= 4 && lower.contains(w.as_str()))
    })
}

fn path_string(path: &syn::Path) -> String {
    path.segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

/// `a::b::c` ends with `b::c` on whole segments.
pub(crate) fn path_ends_with(path: &str, suffix: &str) -> bool {
    path.len() >= suffix.len()
        && path.ends_with(suffix)
        && (path.len() == suffix.len() || path[..path.len() - suffix.len()].ends_with("::"))
}

fn unwrap_expr(mut e: &Expr) -> &Expr {
    loop {
        e = match e {
            Expr::Await(a) => &a.base,
            Expr::Try(t) => &t.expr,
            Expr::Paren(p) => &p.expr,
            Expr::Reference(r) => &r.expr,
            Expr::Group(g) => &g.expr,
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => &u.expr,
            Expr::Cast(c) => &c.expr,
            _ => return e,
        };
    }
}

fn macro_name(mac: &syn::Macro) -> String {
    last_ident(&mac.path)
}

/// The last identifier of a path (`crate::db::QUERY` → `QUERY`); empty for an empty path.
fn last_ident(path: &syn::Path) -> String {
    path.segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default()
}

/// Comma-separated expressions inside a macro call, when they parse.
fn macro_args(mac: &syn::Macro) -> Option<Vec<Expr>> {
    mac.parse_body_with(Punctuated::<Expr, syn::Token![,]>::parse_terminated)
        .ok()
        .map(|p| p.into_iter().collect())
}

/// The variable at the root of a method chain (`q.bind(x).bind(y)` → `q`).
fn root_ident(e: &Expr) -> Option<String> {
    match unwrap_expr(e) {
        Expr::MethodCall(m) => root_ident(&m.receiver),
        Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
        _ => None,
    }
}

/// Text that is the same on every run whatever the sizes involved:
/// placeholder lists like `vec!["?"; n].join(", ")` or `"?, ".repeat(n)`.
fn const_text_shape(e: &Expr) -> bool {
    match unwrap_expr(e) {
        Expr::Lit(_) => true,
        Expr::Repeat(r) => const_text_shape(&r.expr),
        Expr::Array(a) => a.elems.iter().all(const_text_shape),
        Expr::Macro(m) => {
            let name = macro_name(&m.mac);
            if matches!(name.as_str(), "concat" | "stringify") {
                return true;
            }
            if name != "vec" {
                return false;
            }
            // `vec![lit; n]` or `vec![lit, lit]`.
            let tokens: Vec<proc_macro2::TokenTree> = m.mac.tokens.clone().into_iter().collect();
            match tokens.as_slice() {
                [proc_macro2::TokenTree::Literal(_), proc_macro2::TokenTree::Punct(p), ..]
                    if p.as_char() == ';' =>
                {
                    true
                }
                _ => macro_args(&m.mac).is_some_and(|a| a.iter().all(const_text_shape)),
            }
        }
        Expr::MethodCall(m) => match m.method.to_string().as_str() {
            "join" | "concat" => {
                const_text_shape(&m.receiver) && m.args.iter().all(const_text_shape)
            }
            "repeat" | "to_string" | "to_owned" | "into" | "clone" | "as_str" => {
                const_text_shape(&m.receiver)
            }
            _ => false,
        },
        _ => false,
    }
}

fn is_screaming(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// The last path segment of a type, through references: `&mut QueryBuilder<'_, Pg>` → `QueryBuilder`.
fn type_name(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        Type::Reference(r) => type_name(&r.elem),
        Type::Paren(p) => type_name(&p.elem),
        _ => None,
    }
}

/// Names bound by a pattern (`(a, b)`, `Some(x)`, `Row { id, .. }`).
/// Does the pattern bind anything `mut`?
fn pat_has_mut(p: &Pat) -> bool {
    match p {
        Pat::Ident(i) => i.mutability.is_some(),
        Pat::Tuple(t) => t.elems.iter().any(pat_has_mut),
        Pat::TupleStruct(t) => t.elems.iter().any(pat_has_mut),
        Pat::Type(t) => pat_has_mut(&t.pat),
        Pat::Reference(r) => pat_has_mut(&r.pat),
        _ => false,
    }
}

fn pat_names(p: &Pat, out: &mut Vec<String>) {
    match p {
        Pat::Ident(i) => out.push(i.ident.to_string()),
        Pat::Tuple(t) => t.elems.iter().for_each(|e| pat_names(e, out)),
        Pat::TupleStruct(t) => t.elems.iter().for_each(|e| pat_names(e, out)),
        Pat::Struct(s) => s.fields.iter().for_each(|f| pat_names(&f.pat, out)),
        Pat::Reference(r) => pat_names(&r.pat, out),
        Pat::Type(t) => pat_names(&t.pat, out),
        Pat::Slice(s) => s.elems.iter().for_each(|e| pat_names(e, out)),
        Pat::Or(o) => o.cases.iter().for_each(|e| pat_names(e, out)),
        _ => {}
    }
}

/// Methods that split a collection into batches: a loop over their output
/// runs one query per batch, not per element.
const BATCH_SOURCES: &[&str] = &[
    "chunks",
    "chunks_exact",
    "par_chunks",
    "rchunks",
    "array_chunks",
    "chunks_mut",
    "batching",
    "chunk_by",
    "ready_chunks",
    "try_chunks",
];

fn type_is_numeric(ty: &Type) -> bool {
    match ty {
        Type::Path(p) => p
            .path
            .segments
            .last()
            .is_some_and(|s| NUMERIC_TYPES.contains(&s.ident.to_string().as_str())),
        Type::Reference(r) => type_is_numeric(&r.elem),
        Type::Paren(p) => type_is_numeric(&p.elem),
        _ => false,
    }
}

/// The receiver chain of a call: method names, path segments and macro names,
/// root first to last call, with the root's name when it is a variable.
#[derive(Default, Debug)]
struct Chain<'ast> {
    tokens: Vec<String>,
    root_name: Option<String>,
    /// Call and macro nodes along the chain, for SQL literals and table names.
    nodes: Vec<&'ast Expr>,
}

impl Chain<'_> {
    fn has(&self, markers: &[String]) -> bool {
        self.tokens.iter().any(|t| {
            markers
                .iter()
                .any(|m| m == t || (m.contains("::") && path_ends_with(t, m)))
        })
    }

    /// A method from `names` called anywhere in the chain, arguments included
    /// (`filter(users::id.eq_any(ids))`).
    fn calls_any(&self, names: &[String]) -> bool {
        struct Find<'n> {
            names: &'n [String],
            found: bool,
        }
        impl<'ast> Visit<'ast> for Find<'_> {
            fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
                if self.names.iter().any(|n| m.method == n.as_str()) {
                    self.found = true;
                }
                visit::visit_expr_method_call(self, m);
            }
            fn visit_path(&mut self, p: &'ast syn::Path) {
                if p.segments
                    .last()
                    .is_some_and(|s| self.names.iter().any(|n| s.ident == n.as_str()))
                {
                    self.found = true;
                }
            }
        }
        let mut f = Find {
            names,
            found: false,
        };
        for n in &self.nodes {
            match n {
                Expr::MethodCall(m) => {
                    if names.iter().any(|x| m.method == x.as_str()) {
                        return true;
                    }
                    for a in &m.args {
                        f.visit_expr(a);
                    }
                }
                Expr::Call(c) => {
                    f.visit_expr(&c.func);
                    for a in &c.args {
                        f.visit_expr(a);
                    }
                }
                _ => {}
            }
        }
        f.found
    }
    fn has_str(&self, markers: &[&str]) -> bool {
        self.tokens.iter().any(|t| markers.contains(&t.as_str()))
    }
}

enum Append<'ast> {
    Value(&'ast Expr, &'static str),
    Resolved(TextSource),
}

struct FnScope<'ast> {
    idx: Option<usize>,
    bindings: HashMap<String, Vec<&'ast Expr>>,
    /// `s.push_str(e)`, `s += e`, `write!(s, …)`: text appended to a binding.
    appends: HashMap<String, Vec<Append<'ast>>>,
    numeric: HashSet<String>,
    params: HashSet<String>,
    /// Declared type (last path segment) of parameters and annotated `let`s.
    types: HashMap<String, String>,
    /// Query builders that had rows pushed in bulk (`push_values`, `separated`).
    batched_vars: HashSet<String>,
    /// Locals a guard has validated (`if !is_valid_name(n) { return Err(..) }`,
    /// `validate(&n)?;`): they cannot carry SQL syntax after it.
    validated: HashSet<String>,
    /// How to find each local's type: parameters, `let`s, loop variables.
    tys: HashMap<String, TyExpr>,
    /// Locals that may hold something else on each turn of a loop: bound
    /// inside a loop, or declared `mut`.
    unstable: HashSet<String>,
    /// Parameters (not `self`) by position, and where each is declared;
    /// a pattern's names (`Query(q): Query<Search>`) share its parameter.
    param_index: HashMap<String, usize>,
    param_spans: HashMap<String, Range<usize>>,
    /// The written type of each parameter, resolved through the imports
    /// (`axum::extract::Query`).
    param_types: HashMap<String, String>,
    /// A route handler (`#[get("/…")]`): its parameters come from the
    /// request — (source kind, in words).
    route: Option<(String, String)>,
    /// Names a pattern takes out of a value: a loop's element, a closure's
    /// element, what `if let`/`match` unpacks — their text is the value's.
    from: HashMap<String, &'ast Expr>,
}

impl<'ast> FnScope<'ast> {
    /// Each name `pat` binds comes out of `e`.
    fn unpacks(&mut self, pat: &Pat, e: &'ast Expr) {
        let mut names = Vec::new();
        pat_names(pat, &mut names);
        for n in names {
            self.from.insert(n, e);
        }
    }

    fn new(idx: Option<usize>) -> Self {
        FnScope {
            idx,
            bindings: HashMap::new(),
            appends: HashMap::new(),
            numeric: HashSet::new(),
            params: HashSet::new(),
            types: HashMap::new(),
            batched_vars: HashSet::new(),
            validated: HashSet::new(),
            tys: HashMap::new(),
            unstable: HashSet::new(),
            param_index: HashMap::new(),
            param_spans: HashMap::new(),
            param_types: HashMap::new(),
            route: None,
            from: HashMap::new(),
        }
    }
}

pub struct FileVisitor<'ast, 'a> {
    specs: &'a [OrmSpec],
    /// ORMs this file may use, in preference order.
    active: Vec<usize>,
    text: &'a str,
    pub facts: FileFacts,
    loops: Vec<LoopRaw>,
    scopes: Vec<FnScope<'ast>>,
    impl_ty: Vec<Option<String>>,
    consts: HashSet<String>,
    macros: &'ast MacroBodies,
    /// Method names any active ORM knows (execute or sink), for a quick reject.
    db_methods: HashSet<&'a str>,
    /// Last path segments of functions any active ORM knows.
    db_functions: HashSet<&'a str>,
    /// The variable a `while let` loop walks (`while let Some(id) = next`).
    walked_var: Option<String>,
    /// Inside the right side of an assignment to `walked_var`.
    sequential: usize,
    /// The SQL argument of the site being recorded, for `push_site`.
    pending_sql_arg: Option<&'ast Expr>,
    /// Macro bodies being visited, one inside another.
    macro_depth: usize,
    /// For the next loop: a constant caps its elements (`.take(3)`).
    pending_bounded: Option<bool>,
    /// Types of values found dynamic in SQL text, by their byte range.
    dyn_values: std::cell::RefCell<Vec<(Range<usize>, TyExpr)>>,
    /// One taint computation's memo of names (also cutting cycles) and
    /// its budget of steps: bindings can fan out.
    taint_memo: std::cell::RefCell<HashMap<String, Vec<crate::source::facts::Taint>>>,
    taint_budget: std::cell::Cell<usize>,
    /// Inside a branch of a loop body that leaves the loop (`return`,
    /// `break`): it runs at most once, not per element.
    diverging: usize,
    /// Set by the item visitors for `enter_fn`: the fn is `pub`, and a
    /// route attribute's source.
    pending_pub: bool,
    pending_route: Option<(String, String)>,
    /// Inside an error path: an `Err(..)` arm, `if let Err(..)`, the `else`
    /// of `if let Ok(..)`, a `map_err`/`or_else(|e| …)` closure.
    on_error: usize,
    /// Branches (`if`, `match` arms) entered inside the innermost loop.
    branch: usize,
    /// Inside code that runs only on a cache miss (`or_insert_with`, the
    /// `None` arm of `cache.get(..)`, after a cache-hit guard).
    memo: usize,
    /// Inside the receiver of `.buffered(n)`: its adapters run per element
    /// as concurrent tasks, a fan-out rather than a request-time N+1.
    fan_out: usize,
    /// The file's `use` declarations, and which path roots are local.
    imports: Imports,
    /// Generic parameters in scope and their bounds (impl, then fn).
    generics: Vec<HashMap<String, Vec<Ty>>>,
    /// The trait of the impl being visited.
    impl_trait: Vec<Option<String>>,
    /// Inside test code: the whole file, or items marked as tests.
    test_depth: usize,
    /// Visit test items at all (else they are skipped: nothing in them is
    /// reported, and production code never calls them).
    tests: bool,
}

impl<'ast, 'a> FileVisitor<'ast, 'a> {
    /// Whether test items are visited.
    pub fn with_tests(mut self, yes: bool) -> Self {
        self.tests = yes;
        self
    }

    /// Marks the whole file as test code (a file under `tests/`, say).
    pub fn in_test_file(mut self, yes: bool) -> Self {
        self.test_depth = usize::from(yes);
        self
    }

    pub fn new(
        specs: &'a [OrmSpec],
        active: Vec<usize>,
        text: &'a str,
        macros: &'ast MacroBodies,
        imports: Imports,
    ) -> Self {
        FileVisitor {
            imports,
            test_depth: 0,
            tests: true,
            generics: vec![HashMap::new()],
            impl_trait: Vec::new(),
            specs,
            active: active.clone(),
            text,
            facts: FileFacts::default(),
            loops: Vec::new(),
            scopes: vec![FnScope::new(None)],
            impl_ty: Vec::new(),
            consts: HashSet::new(),
            macros,
            walked_var: None,
            sequential: 0,
            pending_sql_arg: None,
            dyn_values: Default::default(),
            taint_memo: Default::default(),
            taint_budget: Default::default(),
            macro_depth: 0,
            pending_bounded: None,
            diverging: 0,
            pending_pub: false,
            pending_route: None,
            on_error: 0,
            branch: 0,
            memo: 0,
            fan_out: 0,
            db_methods: active
                .iter()
                .flat_map(|&i| {
                    let s = &specs[i];
                    s.execute
                        .iter()
                        .flat_map(|e| e.methods.iter())
                        .chain(s.sink.iter().flat_map(|x| x.methods.iter()))
                        .map(String::as_str)
                })
                .collect(),
            db_functions: active
                .iter()
                .flat_map(|&i| {
                    let s = &specs[i];
                    s.execute
                        .iter()
                        .flat_map(|e| e.functions.iter())
                        .chain(s.sink.iter().flat_map(|x| x.functions.iter()))
                        .map(|f| f.rsplit("::").next().unwrap_or(f))
                })
                .collect(),
        }
    }

    fn src(&self, r: &Range<usize>) -> String {
        let s = self.text.get(r.clone()).unwrap_or("");
        let s: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
        crate::util::shorten(&s, 60)
    }

    fn scope(&mut self) -> &mut FnScope<'ast> {
        // The file scope is pushed in `new` and never popped.
        let last = self.scopes.len() - 1;
        &mut self.scopes[last]
    }

    fn lookup(&self, name: &str) -> Option<&Vec<&'ast Expr>> {
        self.scopes.last().and_then(|s| s.bindings.get(name))
    }

    fn is_numeric_name(&self, name: &str) -> bool {
        self.scopes.last().is_some_and(|s| s.numeric.contains(name))
    }

    // ---- loops ------------------------------------------------------------

    /// [`is_cache_hit_guard`], also when the lookup was bound to a local
    /// first (`let hit = cache.get(&k); if let Some(v) = hit { return v }`).
    fn cache_hit_guard(&self, stmt: &Stmt) -> bool {
        if is_cache_hit_guard(stmt) {
            return true;
        }
        let Stmt::Expr(Expr::If(i), _) = stmt else {
            return false;
        };
        let looked_up = |e: &Expr| match unwrap_expr(e) {
            Expr::Path(p) => p.path.get_ident().is_some_and(|id| {
                self.lookup(&id.to_string())
                    .is_some_and(|b| b.iter().any(|x| has_cache_lookup(x)))
            }),
            _ => false,
        };
        let hit = match &*i.cond {
            Expr::Let(l) => looked_up(&l.expr),
            Expr::MethodCall(m) if m.method == "is_some" => looked_up(&m.receiver),
            _ => false,
        };
        hit && i.else_branch.is_none()
            && i.then_branch.stmts.iter().any(|s| match s {
                Stmt::Expr(e, _) => expr_leaves(e) || matches!(e, Expr::Continue(_)),
                _ => false,
            })
    }

    /// A collection inside a value whose declared type is configuration
    /// (`import: &ReputationImportSettings` … `for i in &import.issuers`).
    fn of_configuration_type(&self, e: &Expr) -> bool {
        let mut cur = unwrap_expr(e);
        let root = loop {
            cur = match cur {
                Expr::MethodCall(m) => &m.receiver,
                Expr::Field(f) => &f.base,
                Expr::Path(p) => break p.path.get_ident().map(|i| i.to_string()),
                _ => break None,
            };
            cur = unwrap_expr(cur);
        };
        let Some(root) = root else {
            return false;
        };
        self.scopes
            .last()
            .and_then(|s| s.types.get(&root))
            .is_some_and(|t| {
                ["Settings", "Config", "Configuration", "Conf"]
                    .iter()
                    .any(|w| t.ends_with(w))
            })
    }

    /// [`fixed_list`], also through a local bound to one
    /// (`let checks = [("a", "b"), …]; for (t, c) in checks`).
    fn fixed_list_local(&self, e: &Expr) -> bool {
        if fixed_list(e) || names_configuration(e) || self.of_configuration_type(e) {
            return true;
        }
        let mut inner = unwrap_expr(e);
        while let Expr::MethodCall(m) = inner {
            // A walk up one path's parents (`path.ancestors()`): as long
            // as the path is deep, not as the data is large.
            if matches!(m.method.to_string().as_str(), "ancestors" | "components") {
                return true;
            }
            if !matches!(
                m.method.to_string().as_str(),
                "iter" | "into_iter" | "copied" | "cloned" | "enumerate" | "rev" | "flatten"
            ) {
                return false;
            }
            inner = unwrap_expr(&m.receiver);
        }
        match inner {
            Expr::Path(p) => p.path.get_ident().is_some_and(|id| {
                self.lookup(&id.to_string())
                    .is_some_and(|b| b.len() == 1 && fixed_list(b[0]))
            }),
            _ => false,
        }
    }

    fn with_loop(
        &mut self,
        kind: LoopKind,
        header: Range<usize>,
        vars: Vec<String>,
        (batched, over_data): (bool, bool),
        f: impl FnOnce(&mut Self),
    ) {
        let bounded = self.pending_bounded.take().unwrap_or(false);
        let branch = std::mem::take(&mut self.branch);
        self.loops.push(LoopRaw {
            kind,
            header,
            vars,
            batched,
            over_data,
            bounded,
        });
        f(self);
        self.loops.pop();
        self.branch = branch;
    }

    fn enter_fn(&mut self, sig: &'ast syn::Signature, body: Option<&'ast syn::Block>) {
        let name = sig.ident.to_string();
        let span = range_of(&sig.ident);
        let inputs = &sig.inputs;
        let owner = self.impl_ty.last().cloned().flatten();
        let key = match &owner {
            Some(o) => format!("{o}::{name}"),
            None => name.clone(),
        };
        let has_self = inputs.iter().any(|i| matches!(i, syn::FnArg::Receiver(_)));
        let params = inputs.len() - usize::from(has_self);
        let outer = self.generics.last().cloned().unwrap_or_default();
        let generics = types::generic_bounds(&sig.generics, &self.imports, &outer);
        let ret = types::return_ty(sig, &self.imports, &generics);
        self.facts.fns.push(FnInfo {
            key,
            name,
            owner,
            span,
            params,
            has_self,
            trait_name: self.impl_trait.last().cloned().flatten(),
            ret,
            public: std::mem::take(&mut self.pending_pub),
            ret_taint: Vec::new(),
            param_names: inputs
                .iter()
                .filter_map(|i| match i {
                    syn::FnArg::Typed(pt) => Some(match &*pt.pat {
                        Pat::Ident(pi) => pi.ident.to_string(),
                        _ => "_".to_string(),
                    }),
                    syn::FnArg::Receiver(_) => None,
                })
                .collect(),
            has_body: body.is_some(),
            param_tys: inputs
                .iter()
                .filter_map(|i| match i {
                    syn::FnArg::Typed(pt) => Some(types::ty_of(&pt.ty, &self.imports, &generics)),
                    syn::FnArg::Receiver(_) => None,
                })
                .collect(),
            ret_recipe: None,
        });
        let route = self.pending_route.take();
        let Some(body) = body else { return };
        self.generics.push(generics);
        let mut scope = FnScope::new(Some(self.facts.fns.len() - 1));
        scope.route = route;
        let typed = inputs.iter().filter(|i| matches!(i, syn::FnArg::Typed(_)));
        for (index, input) in typed.enumerate() {
            if let syn::FnArg::Typed(pt) = input {
                let written =
                    written_type_path(&pt.ty).map(|segs| self.imports.resolve_path(&segs));
                let mut names = Vec::new();
                pat_names(&pt.pat, &mut names);
                for n in names {
                    scope.param_index.insert(n.clone(), index);
                    scope.param_spans.insert(n.clone(), range_of(pt));
                    if let Some(w) = &written {
                        scope.param_types.insert(n, w.clone());
                    }
                }
                if let Pat::Ident(pi) = &*pt.pat {
                    let n = pi.ident.to_string();
                    if type_is_numeric(&pt.ty) {
                        scope.numeric.insert(n.clone());
                    }
                    if let Some(t) = type_name(&pt.ty) {
                        scope.types.insert(n.clone(), t);
                    }
                    if let Some(t) = self.ty(&pt.ty) {
                        scope.tys.insert(n.clone(), TyExpr::Known(t));
                    }
                    scope.params.insert(n);
                }
            }
        }
        let saved_loops = std::mem::take(&mut self.loops);
        self.scopes.push(scope);
        if let [Stmt::Expr(tail, None)] = body.stmts.as_slice() {
            let recipe = self.ty_expr(tail, 0);
            if let Some(f) = self.facts.fns.last_mut() {
                f.ret_recipe = recipe;
            }
        }
        let me = self.facts.fns.len() - 1;
        self.visit_block(body);
        // Where what it returns comes from (its tail): its parameters,
        // outside input, rows — for sql-injection across calls.
        if let Some(Stmt::Expr(tail, None)) = body.stmts.last() {
            let mut t = self.taint_of(tail, 0);
            t.retain(|x| !matches!(x, crate::source::facts::Taint::Unknown));
            if let Some(f) = self.facts.fns.get_mut(me) {
                f.ret_taint = t;
            }
        }
        self.scopes.pop();
        self.generics.pop();
        self.loops = saved_loops;
    }
}

/// The segments of a written type's path, through references
/// (`&web::Query<T>` → `["web", "Query"]`).
fn written_type_path(t: &Type) -> Option<Vec<String>> {
    match t {
        Type::Reference(r) => written_type_path(&r.elem),
        Type::Paren(p) => written_type_path(&p.elem),
        Type::Path(p) => Some(
            p.path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect(),
        ),
        _ => None,
    }
}

/// Does an item derive one of these (`#[derive(Debug, Parser)]`)?
fn derives_any(attrs: &[syn::Attribute], want: impl Fn(&str) -> bool) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("derive")
            && matches!(&a.meta, syn::Meta::List(l) if l.tokens.clone().into_iter().any(|t| {
                matches!(t, proc_macro2::TokenTree::Ident(i) if want(&i.to_string()))
            }))
    })
}

/// A route attribute (`#[get("/users/<name>")]`, `#[actix_web::post(..)]`,
/// `#[oai(path = ..)]` is not one): the source its parameters are.
fn route_source(attrs: &[syn::Attribute]) -> Option<(String, String)> {
    let src = crate::source::sources::active();
    attrs.iter().find_map(|a| {
        let name = last_ident(a.path());
        // A route attribute carries its path: `#[get("/x")]`.
        let has_path =
            matches!(&a.meta, syn::Meta::List(l) if l.tokens.to_string().starts_with('"'));
        if !has_path {
            return None;
        }
        src.route_attribute(&name)
            .map(|s| (s.kind.clone(), s.what.clone()))
    })
}

/// Does this block leave the enclosing loop or function on every path
/// through its top level (`return`, `break`, or ending in one)?
fn block_leaves(b: &syn::Block) -> bool {
    b.stmts.iter().any(|s| match s {
        Stmt::Expr(e, _) => expr_leaves(e),
        _ => false,
    })
}

fn expr_leaves(e: &Expr) -> bool {
    match e {
        Expr::Return(_) | Expr::Break(_) => true,
        Expr::Block(b) => block_leaves(&b.block),
        Expr::Macro(m) => matches!(
            macro_name(&m.mac).as_str(),
            "panic" | "bail" | "unreachable"
        ),
        _ => false,
    }
}

/// Does a `loop` body stop at its first success (a retry or connect loop)?
fn loop_exits_on_success(body: &syn::Block) -> bool {
    struct Finder {
        found: bool,
        in_success_arm: usize,
    }
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr_match(&mut self, m: &'ast syn::ExprMatch) {
            self.visit_expr(&m.expr);
            for arm in &m.arms {
                let success = pat_is_success(&arm.pat);
                self.in_success_arm += usize::from(success);
                self.visit_expr(&arm.body);
                self.in_success_arm -= usize::from(success);
            }
        }
        fn visit_expr_if(&mut self, i: &'ast syn::ExprIf) {
            let success = matches!(&*i.cond, Expr::Let(l) if pat_is_success(&l.pat));
            self.visit_expr(&i.cond);
            self.in_success_arm += usize::from(success);
            self.visit_block(&i.then_branch);
            self.in_success_arm -= usize::from(success);
            if let Some((_, e)) = &i.else_branch {
                self.visit_expr(e);
            }
        }
        fn visit_expr_break(&mut self, b: &'ast syn::ExprBreak) {
            if self.in_success_arm > 0 || b.expr.is_some() {
                self.found = true;
            }
        }
        fn visit_expr_return(&mut self, r: &'ast syn::ExprReturn) {
            if self.in_success_arm > 0
                || r.expr.as_deref().is_some_and(|e| matches!(e, Expr::Call(c) if matches!(&*c.func, Expr::Path(p) if p.path.is_ident("Ok") || p.path.is_ident("Some"))))
            {
                self.found = true;
            }
        }
        // Nested loops and closures have their own exits.
        fn visit_expr_loop(&mut self, _: &'ast syn::ExprLoop) {}
        fn visit_expr_for_loop(&mut self, _: &'ast syn::ExprForLoop) {}
        fn visit_expr_while(&mut self, _: &'ast syn::ExprWhile) {}
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    }
    // An unconditional exit at the top level: the body runs once.
    for stmt in &body.stmts {
        if let Stmt::Expr(Expr::Break(_) | Expr::Return(_), _) = stmt {
            return true;
        }
    }
    let mut f = Finder {
        found: false,
        in_success_arm: 0,
    };
    f.visit_block(body);
    f.found
}

/// Does the pattern bind a name that is used (not `_` or `_e`)?
fn binds_a_name(p: &Pat) -> bool {
    let mut names = Vec::new();
    pat_names(p, &mut names);
    names.iter().any(|n| !n.starts_with('_'))
}

/// `Err(e)` (also behind a guard or in an or-pattern): error handling,
/// which names the error. `Err(_)` does not: "when it fails, do this to
/// the element" is a filter (`Err(_) => delete(record.id)`), per element.
fn pat_is_error(p: &Pat) -> bool {
    match p {
        Pat::Guard(g) => pat_is_error(&g.pat),
        Pat::TupleStruct(ts) => {
            ts.path.segments.last().is_some_and(|s| s.ident == "Err")
                && ts.elems.iter().any(binds_a_name)
        }
        Pat::Or(o) => o.cases.iter().all(pat_is_error),
        _ => false,
    }
}

fn pat_is_success(p: &Pat) -> bool {
    match p {
        Pat::Guard(g) => pat_is_success(&g.pat),
        Pat::TupleStruct(ts) => ts
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "Ok" || s.ident == "Some"),
        Pat::Or(o) => o.cases.iter().any(pat_is_success),
        _ => false,
    }
}

pub use text::{parse_operation, sql_is_batched, sql_operation, sql_tables};

impl<'ast> Visit<'ast> for FileVisitor<'ast, '_> {
    fn visit_item_const(&mut self, i: &'ast syn::ItemConst) {
        self.consts.insert(i.ident.to_string());
        visit::visit_item_const(self, i);
    }

    fn visit_item_static(&mut self, i: &'ast syn::ItemStatic) {
        self.consts.insert(i.ident.to_string());
        visit::visit_item_static(self, i);
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        self.within_item(&i.attrs, |v| v.visit_impl_inner(i));
    }

    fn visit_item_trait(&mut self, i: &'ast syn::ItemTrait) {
        self.facts.traits.push(i.ident.to_string());
        self.visit_trait_inner(i);
    }

    fn visit_item_struct(&mut self, i: &'ast syn::ItemStruct) {
        self.visit_struct_inner(i);
    }

    fn visit_item_type(&mut self, i: &'ast syn::ItemType) {
        if let Some(t) = self.ty(&i.ty) {
            self.facts.aliases.push((i.ident.to_string(), t));
        }
    }
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        // Nested fn items do not belong to an enclosing impl.
        self.within_item(&f.attrs, |v| {
            v.pending_pub = matches!(f.vis, syn::Visibility::Public(_));
            v.pending_route = route_source(&f.attrs);
            v.impl_ty.push(None);
            v.impl_trait.push(None);
            v.enter_fn(&f.sig, Some(&f.block));
            v.impl_trait.pop();
            v.impl_ty.pop();
        });
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.within_item(&f.attrs, |v| {
            v.pending_pub = matches!(f.vis, syn::Visibility::Public(_));
            v.pending_route = route_source(&f.attrs);
            v.enter_fn(&f.sig, Some(&f.block))
        });
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        self.within_item(&m.attrs, |v| visit::visit_item_mod(v, m));
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        // A declaration without a body still tells what the method returns.
        self.enter_fn(&f.sig, f.default.as_ref());
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        // A new binding is not the value a guard checked.
        if !self.scopes.is_empty() {
            let mut names = Vec::new();
            pat_names(&l.pat, &mut names);
            let scope = self.scope();
            for n in names {
                scope.validated.remove(&n);
            }
        }
        if let Some(init) = &l.init {
            self.visit_expr(&init.expr);
            if let Some((_, diverge)) = &init.diverge {
                self.visit_expr(diverge);
            }
        }
        let init_ty = l.init.as_ref().and_then(|i| self.ty_expr(&i.expr, 0));
        // `let Some(x) = e else { … }` binds what `e` holds.
        self.bind_pattern(&l.pat, init_ty);
        // A local bound in a loop, or `mut`, may change from turn to turn.
        {
            let mut names = Vec::new();
            pat_names(&l.pat, &mut names);
            let in_loop = !self.loops.is_empty();
            let muts = pat_has_mut(&l.pat);
            let scope = self.scope();
            for n in names {
                if in_loop || muts {
                    scope.unstable.insert(n);
                } else {
                    scope.unstable.remove(&n);
                }
            }
        }
        // `let (sql, params) = build(filter)`: each name comes from the
        // call (enough to know what it is built from).
        if let (Pat::Tuple(t), Some(init)) = (&l.pat, &l.init) {
            let mut names = Vec::new();
            t.elems.iter().for_each(|p| pat_names(p, &mut names));
            let scope = self.scope();
            for n in names {
                scope.appends.remove(&n);
                scope.bindings.insert(n, vec![&*init.expr]);
            }
        }
        let (name, ty) = match &l.pat {
            Pat::Ident(pi) => (Some(pi.ident.to_string()), None),
            Pat::Type(pt) => match &*pt.pat {
                Pat::Ident(pi) => (Some(pi.ident.to_string()), Some(&*pt.ty)),
                _ => (None, None),
            },
            _ => (None, None),
        };
        if let Some(name) = name {
            let scope = self.scope();
            scope.appends.remove(&name);
            match &l.init {
                // `let q = q.unwrap()` shadows `q` with what it held: keep
                // the earlier binding for the walk to its origin.
                Some(init) if root_ident(&init.expr).as_deref() == Some(name.as_str()) => {
                    scope
                        .bindings
                        .entry(name.clone())
                        .or_default()
                        .push(&*init.expr);
                }
                Some(init) => {
                    scope.bindings.insert(name.clone(), vec![&*init.expr]);
                }
                None => {
                    scope.bindings.remove(&name);
                }
            }
            match ty.and_then(type_name) {
                Some(t) => {
                    scope.types.insert(name.clone(), t);
                }
                None => {
                    scope.types.remove(&name);
                }
            }
            if ty.is_some_and(type_is_numeric) {
                scope.numeric.insert(name);
            } else {
                let numeric_init = l.init.as_ref().is_some_and(|i| {
                    matches!(
                        &*i.expr,
                        Expr::Lit(syn::ExprLit {
                            lit: Lit::Int(_) | Lit::Float(_) | Lit::Bool(_),
                            ..
                        })
                    )
                });
                if numeric_init {
                    scope.numeric.insert(name);
                } else {
                    scope.numeric.remove(&name);
                }
            }
        }
    }

    fn visit_expr(&mut self, e: &'ast Expr) {
        if matches!(e, Expr::Assign(_) | Expr::Struct(_))
            || matches!(e, Expr::MethodCall(m) if m.method == "clone_into")
        {
            self.record_field_writes(e);
        }
        // `n = other` after a guard: `n` is no longer what was checked.
        if let Expr::Assign(a) = e {
            if let Some(n) = checked_place(&a.left) {
                if !self.scopes.is_empty() {
                    self.scope().validated.remove(&n);
                }
            }
        }
        // `if row.slug.is_none() { UPDATE … SET slug = … }`: a lazy
        // backfill, which writes each row once, ever (decided once here).
        let fills_gap = matches!(e, Expr::If(i) if backfill(&i.cond, &i.then_branch));
        match e {
            Expr::MethodCall(m) => {
                let method = m.method.to_string();
                let concurrent = CONCURRENT_METHODS.contains(&method.as_str());
                self.fan_out += usize::from(concurrent);
                self.visit_expr(&m.receiver);
                self.fan_out -= usize::from(concurrent);
                self.record_method_call(m, e);
                if matches!(method.as_str(), "push_values" | "push_tuples" | "separated") {
                    if let Expr::Path(p) = unwrap_expr(&m.receiver) {
                        if let Some(id) = p.path.get_ident() {
                            let name = id.to_string();
                            self.scope().batched_vars.insert(name);
                        }
                    }
                }
                // Text appended to a local SQL string.
                if matches!(method.as_str(), "push_str" | "push") {
                    if let (Expr::Path(p), Some(arg)) = (unwrap_expr(&m.receiver), m.args.first()) {
                        if let Some(id) = p.path.get_ident() {
                            let name = id.to_string();
                            let how = if method == "push_str" {
                                "push_str"
                            } else {
                                "push"
                            };
                            if self.scope().bindings.contains_key(&name) {
                                self.scope()
                                    .appends
                                    .entry(name)
                                    .or_default()
                                    .push(Append::Value(arg, how));
                            }
                        }
                    }
                }
                // `retain` runs its closure per element of the collection it
                // is called on, which need not look like an iterator.
                let adapter = ADAPTERS.contains(&method.as_str())
                    && (self.is_iterish(&m.receiver, 0)
                        || matches!(method.as_str(), "retain" | "retain_mut")
                        || self.known_collection(&m.receiver));
                let batched_source = adapter && self.chain(&m.receiver).has_str(BATCH_SOURCES);
                // A spawned task per element, or a lookup only on a cache miss.
                // `.map_err(|e| log(conn, e))`, `r.or_else(|e| retry(e))`:
                // closures that run only when the result is an error.
                let names_error = |a: &Expr| matches!(a, Expr::Closure(c) if c.inputs.len() == 1 && binds_a_name(&c.inputs[0]));
                let on_err = matches!(
                    method.as_str(),
                    "map_err" | "inspect_err" | "or_else" | "unwrap_or_else"
                ) && m.args.first().is_some_and(names_error);
                if on_err {
                    self.on_error += 1;
                    m.args.iter().for_each(|a| self.visit_expr(a));
                    self.on_error -= 1;
                    return;
                }
                let spawn = SPAWN_METHODS.contains(&method.as_str())
                    || (adapter && self.fan_out > 0 && !m.args.iter().any(closure_takes_key));
                let memo = MEMO_METHODS.contains(&method.as_str());
                if spawn || memo {
                    let saved = if spawn {
                        std::mem::take(&mut self.loops)
                    } else {
                        self.loops.clone()
                    };
                    let fan_out = std::mem::take(&mut self.fan_out);
                    self.memo += usize::from(memo);
                    m.args.iter().for_each(|a| self.visit_expr(a));
                    self.memo -= usize::from(memo);
                    self.loops = saved;
                    self.fan_out = fan_out;
                    return;
                }
                for (ai, arg) in m.args.iter().enumerate() {
                    // A closure handed to a method: its parameters are what
                    // the method's signature gives them.
                    if let (false, Expr::Closure(c)) = (adapter, arg) {
                        // `conn.prepare(sql).and_then(|stmt| stmt.execute(..))`:
                        // the parameter is the statement prepared on the receiver.
                        if let (Some(Pat::Ident(pi)), Expr::MethodCall(pm)) =
                            (c.inputs.first(), unwrap_expr(&m.receiver))
                        {
                            if matches!(method.as_str(), "and_then" | "map")
                                && recognize::PREPARE_METHODS
                                    .contains(&pm.method.to_string().as_str())
                            {
                                self.scope()
                                    .bindings
                                    .insert(pi.ident.to_string(), vec![&*m.receiver]);
                            }
                        }
                        if let Some(r) = self.ty_expr(&m.receiver, 0) {
                            for (pi, p) in c.inputs.iter().enumerate() {
                                let t =
                                    TyExpr::ClosureArg(Box::new(r.clone()), method.clone(), ai, pi);
                                self.bind_pattern(p, Some(t));
                            }
                        }
                    }
                    if adapter && matches!(arg, Expr::Closure(_) | Expr::Path(_)) {
                        let header = range_of(&m.method);
                        let mut vars = Vec::new();
                        if let Expr::Closure(c) = arg {
                            c.inputs.iter().for_each(|p| pat_names(p, &mut vars));
                            // The closure's first parameter is the element
                            // (`fold`'s is the accumulator: its second).
                            let elem = self
                                .ty_expr(&m.receiver, 0)
                                .map(|t| TyExpr::Element(Box::new(t)));
                            let at = usize::from(matches!(
                                method.as_str(),
                                "fold" | "try_fold" | "scan" | "reduce"
                            ));
                            if let Some(p) = c.inputs.iter().nth(at) {
                                self.bind_pattern(p, elem);
                                self.scope().unpacks(p, &m.receiver);
                            }
                        }
                        let over_data = !self.fixed_list_local(&m.receiver);
                        self.pending_bounded = Some(capped_by_constant(&m.receiver));
                        self.with_loop(
                            LoopKind::Adapter(method.clone()),
                            header,
                            vars,
                            (batched_source, over_data),
                            |v| v.visit_expr(arg),
                        );
                    } else {
                        self.visit_expr(arg);
                    }
                }
            }
            Expr::Call(c) => {
                self.record_call(c, e);
                if is_spawn_path(&c.func) {
                    // One task per element runs concurrently on its own:
                    // not the request-time N+1.
                    self.visit_expr(&c.func);
                    let saved = std::mem::take(&mut self.loops);
                    c.args.iter().for_each(|a| self.visit_expr(a));
                    self.loops = saved;
                } else {
                    visit::visit_expr_call(self, c);
                }
            }
            Expr::ForLoop(f) => {
                self.visit_expr(&f.expr);
                let header = range_of(&f.for_token).start..range_of(&f.expr).end;
                if loop_exits_on_success(&f.body) {
                    // `for attempt in 0..5 { match connect() { Ok(c) => return c, … } }`
                    self.visit_block(&f.body);
                } else {
                    let mut vars = Vec::new();
                    pat_names(&f.pat, &mut vars);
                    let batched =
                        self.chain(&f.expr).has_str(BATCH_SOURCES) || names_batch(&vars, false);
                    let elem = self
                        .ty_expr(&f.expr, 0)
                        .map(|t| TyExpr::Element(Box::new(t)));
                    self.bind_pattern(&f.pat, elem);
                    self.scope().unpacks(&f.pat, &f.expr);
                    let over_data = !self.fixed_list_local(&f.expr);
                    // An entry of the configuration is configuration too
                    // (`for issuer in &settings.issuers { for key in &issuer.keys`).
                    if names_configuration(&f.expr) || self.of_configuration_type(&f.expr) {
                        for v in &vars {
                            self.scope().types.insert(v.clone(), "Configuration".into());
                        }
                    }
                    self.pending_bounded = Some(capped_by_constant(&f.expr));
                    self.with_loop(LoopKind::For, header, vars, (batched, over_data), |v| {
                        v.visit_block(&f.body)
                    });
                }
            }
            Expr::While(w) => {
                let kind = if matches!(&*w.cond, Expr::Let(_)) {
                    LoopKind::WhileLet
                } else {
                    LoopKind::While
                };
                self.visit_expr(&w.cond);
                let header = range_of(&w.while_token).start..range_of(&w.cond).end;
                let mut vars = Vec::new();
                // `while let Some(id) = next { next = query(id) }` walks a
                // chain one row at a time: each query needs the previous result.
                let mut walked = None;
                if let Expr::Let(l) = &*w.cond {
                    pat_names(&l.pat, &mut vars);
                    // `while let Some(row) = rows.next()?`
                    let held = self.ty_expr(&l.expr, 0);
                    self.bind_pattern(&l.pat, held);
                    self.scope().unpacks(&l.pat, &l.expr);
                    if let Expr::Path(p) = unwrap_expr(&l.expr) {
                        walked = p.path.get_ident().map(|i| i.to_string());
                    }
                }
                let saved = std::mem::replace(&mut self.walked_var, walked);
                let over_data = while_over_data(&w.cond, &w.body);
                let batched = names_batch(&vars, kind == LoopKind::WhileLet);
                self.with_loop(kind, header, vars, (batched, over_data), |v| {
                    v.visit_block(&w.body)
                });
                self.walked_var = saved;
            }
            Expr::Loop(l) => {
                if loop_exits_on_success(&l.body) {
                    self.visit_block(&l.body);
                } else {
                    let header = range_of(&l.loop_token);
                    let over_data = pulls_elements(&l.body);
                    self.with_loop(
                        LoopKind::Loop,
                        header,
                        Vec::new(),
                        (false, over_data),
                        |v| v.visit_block(&l.body),
                    );
                }
            }
            Expr::Binary(b) if matches!(b.op, syn::BinOp::AddAssign(_)) => {
                if let Expr::Path(p) = unwrap_expr(&b.left) {
                    if let Some(id) = p.path.get_ident() {
                        let name = id.to_string();
                        if self.scope().bindings.contains_key(&name) {
                            self.scope()
                                .appends
                                .entry(name)
                                .or_default()
                                .push(Append::Value(&b.right, "+="));
                        }
                    }
                }
                visit::visit_expr(self, e);
            }
            Expr::Assign(a) => {
                let mut target = None;
                if let Expr::Path(p) = unwrap_expr(&a.left) {
                    if let Some(id) = p.path.get_ident() {
                        let name = id.to_string();
                        if let Some(b) = self.scope().bindings.get_mut(&name) {
                            b.push(&a.right);
                        }
                        target = Some(name);
                    }
                }
                let sequential = target.is_some() && target == self.walked_var;
                self.visit_expr(&a.left);
                self.sequential += usize::from(sequential);
                self.visit_expr(&a.right);
                self.sequential -= usize::from(sequential);
            }
            Expr::Macro(m) => self.visit_macro(&m.mac),
            // `if let Some(user) = find_user(..)?`: `user` holds what the value holds.
            Expr::Let(l) => {
                self.visit_expr(&l.expr);
                let held = self.ty_expr(&l.expr, 0);
                self.bind_pattern(&l.pat, held);
                self.scope().unpacks(&l.pat, &l.expr);
            }
            // Inside a loop, a branch that leaves the loop runs at most once.
            Expr::If(i)
                if !self.loops.is_empty()
                    || cache_miss_branches(&i.cond) != (false, false)
                    || matches!(&*i.cond, Expr::Let(l) if pat_is_error(&l.pat))
                    || fills_gap =>
            {
                self.visit_expr(&i.cond);
                // A cache miss: `if !seen.contains_key(&k) { … }`, or the
                // `else` of `if let Some(v) = cache.get(&k)`.
                let (then_miss, else_miss) = cache_miss_branches(&i.cond);
                // `if x.is_none() { x = Some(load(..)) }`: filled once.
                // …unless `x` is made anew on every turn of the loop.
                let then_miss = then_miss
                    || fills_gap
                    || lazy_init(&i.cond, &i.then_branch).is_some_and(|x| {
                        let header = self.loops.last().map_or(0, |l| l.header.start);
                        !self.scopes.last().is_some_and(|s| {
                            s.bindings
                                .get(&x)
                                .is_some_and(|b| b.iter().any(|e| range_of(*e).start > header))
                        })
                    });
                let in_loop = !self.loops.is_empty();
                let leaves = in_loop && block_leaves(&i.then_branch);
                // `if let Err(e) = r { … }`.
                let then_err = matches!(&*i.cond, Expr::Let(l) if pat_is_error(&l.pat));
                self.branch += usize::from(in_loop);
                self.diverging += usize::from(leaves);
                self.memo += usize::from(then_miss);
                self.on_error += usize::from(then_err);
                self.visit_block(&i.then_branch);
                self.on_error -= usize::from(then_err);
                self.memo -= usize::from(then_miss);
                self.diverging -= usize::from(leaves);
                if let Some((_, els)) = &i.else_branch {
                    let leaves =
                        in_loop && matches!(&**els, Expr::Block(b) if block_leaves(&b.block));
                    self.diverging += usize::from(leaves);
                    self.memo += usize::from(else_miss);
                    self.visit_expr(els);
                    self.memo -= usize::from(else_miss);
                    self.diverging -= usize::from(leaves);
                }
                self.branch -= usize::from(in_loop);
            }
            Expr::Match(mt)
                if !self.loops.is_empty()
                    || has_cache_lookup(&mt.expr)
                    || mt.arms.iter().any(|a| pat_is_error(&a.pat)) =>
            {
                self.visit_expr(&mt.expr);
                // `match cache.get(&k) { Some(v) => …, None => lookup(..) }`
                let memo = has_cache_lookup(&mt.expr);
                let in_loop = !self.loops.is_empty();
                let branches = usize::from(in_loop && mt.arms.len() > 1);
                for arm in &mt.arms {
                    self.scope().unpacks(&arm.pat, &mt.expr);
                    let miss = memo && is_miss_pattern(&arm.pat);
                    let leaves = in_loop && expr_leaves(&arm.body);
                    let err = pat_is_error(&arm.pat);
                    self.branch += branches;
                    self.diverging += usize::from(leaves);
                    self.memo += usize::from(miss);
                    self.on_error += usize::from(err);
                    self.visit_expr(&arm.body);
                    self.on_error -= usize::from(err);
                    self.memo -= usize::from(miss);
                    self.diverging -= usize::from(leaves);
                    self.branch -= branches;
                }
            }
            _ => {
                // What a `match` arm unpacks is the scrutinee's (`Some(rec)
                // => …`), also outside loops.
                if let Expr::Match(mt) = e {
                    for arm in &mt.arms {
                        self.scope().unpacks(&arm.pat, &mt.expr);
                    }
                }
                visit::visit_expr(self, e)
            }
        }
    }

    /// After a cache-hit guard (`if let Some(v) = cache.get(&k) { return v; }`,
    /// `if seen.contains_key(&k) { continue; }`), the rest of the block
    /// runs only on a miss: a query there is memoized, not per element.
    fn visit_block(&mut self, b: &'ast syn::Block) {
        let mut memo = 0;
        // A check holds for the rest of its block only.
        let validated = self.scopes.last().map(|s| s.validated.clone());
        for stmt in &b.stmts {
            self.visit_stmt(stmt);
            if let Some(name) = validation_guard(stmt) {
                self.scope().validated.insert(name);
            }
            if memo == 0 && self.cache_hit_guard(stmt) {
                memo = 1;
                self.memo += 1;
            }
        }
        if let (Some(v), Some(scope)) = (validated, self.scopes.last_mut()) {
            scope.validated = v;
        }
        self.memo -= memo;
    }

    fn visit_stmt_macro(&mut self, s: &'ast syn::StmtMacro) {
        self.visit_macro(&s.mac);
    }

    fn visit_item_macro(&mut self, m: &'ast syn::ItemMacro) {
        self.visit_macro(&m.mac);
    }
}

impl<'ast> FileVisitor<'ast, '_> {
    /// Visits an item's contents, marking test items (`#[test]`,
    /// `#[cfg(test)]`) as test code, or skipping them when test code is not
    /// analysed.
    fn within_item(&mut self, attrs: &[syn::Attribute], f: impl FnOnce(&mut Self)) {
        let test = is_test_item(attrs);
        if test && !self.tests {
            return;
        }
        self.test_depth += usize::from(test);
        f(self);
        self.test_depth -= usize::from(test);
    }

    fn visit_impl_inner(&mut self, i: &'ast syn::ItemImpl) {
        let ty = match &*i.self_ty {
            Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        };
        let tr = i
            .trait_
            .as_ref()
            .and_then(|(p, _)| p.segments.last().map(|s| s.ident.to_string()));
        if let (Some(tr), Some(ty)) = (&tr, &ty) {
            self.facts.impls.push((tr.clone(), ty.clone()));
        }
        let outer = self.generics.last().cloned().unwrap_or_default();
        let mut g = types::generic_bounds(&i.generics, &self.imports, &outer);
        if let Some(t) = &ty {
            // `impl<S: Storage> Db<S>`: `self` is a `Db` of some `Storage`.
            let full = types::ty_of(&i.self_ty, &self.imports, &g)
                .filter(|f| f.name() == t)
                // An impl for an external type (`impl Ext for rusqlite::Connection`)
                // keeps the crate path: `self` is rusqlite's connection.
                .map(|f| {
                    let path = if f.root().is_some() {
                        f.path.clone()
                    } else {
                        t.clone()
                    };
                    Ty::with(path, f.args)
                })
                .unwrap_or_else(|| Ty::named(t.clone()));
            g.insert("Self".into(), vec![full]);
        }
        self.generics.push(g);
        self.impl_ty.push(ty);
        self.impl_trait.push(tr);
        visit::visit_item_impl(self, i);
        self.impl_trait.pop();
        self.impl_ty.pop();
        self.generics.pop();
    }

    fn visit_trait_inner(&mut self, i: &'ast syn::ItemTrait) {
        let name = i.ident.to_string();
        let outer = self.generics.last().cloned().unwrap_or_default();
        let mut g = types::generic_bounds(&i.generics, &self.imports, &outer);
        g.insert(
            "Self".into(),
            vec![Ty::with("dyn", vec![Ty::named(name.clone())])],
        );
        self.generics.push(g);
        self.impl_ty.push(Some(name.clone()));
        self.impl_trait.push(Some(name));
        visit::visit_item_trait(self, i);
        self.impl_trait.pop();
        self.impl_ty.pop();
        self.generics.pop();
    }

    fn visit_struct_inner(&mut self, i: &'ast syn::ItemStruct) {
        // `#[derive(Parser)] struct Cli { … }`: filled from the command line.
        if derives_any(&i.attrs, |d| {
            crate::source::sources::active().by_derive(d).is_some()
        }) {
            self.facts.cli_structs.push(i.ident.to_string());
        }
        let outer = self.generics.last().cloned().unwrap_or_default();
        let mut g = types::generic_bounds(&i.generics, &self.imports, &outer);
        // The struct's own type parameters, by position: a field of type
        // `S` takes the type the impl or the local gives `S`.
        for (k, p) in i.generics.type_params().enumerate() {
            g.insert(p.ident.to_string(), vec![Ty::named(format!("${k}"))]);
        }
        let fields = i
            .fields
            .iter()
            .enumerate()
            .filter_map(|(k, f)| {
                let name = f
                    .ident
                    .as_ref()
                    .map_or_else(|| k.to_string(), |n| n.to_string());
                let ty = types::ty_of(&f.ty, &self.imports, &g)?;
                Some((name, ty))
            })
            .collect();
        self.facts.structs.push(StructInfo {
            name: i.ident.to_string(),
            fields,
        });
        visit::visit_item_struct(self, i);
    }
}

impl<'ast> FileVisitor<'ast, '_> {
    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let name = macro_name(mac);
        // `write!(sql, "…{}", x)` appends to a local SQL string.
        if matches!(name.as_str(), "write" | "writeln") {
            if let Some(args) = macro_args(mac) {
                if let Some(Expr::Path(p)) = args.first().map(unwrap_expr) {
                    if let Some(id) = p.path.get_ident() {
                        let target = id.to_string();
                        if self.scope().bindings.contains_key(&target) {
                            let src = self.format_source(&args[1..], mac, 0);
                            let mut src = src;
                            if let TextSource::Dynamic { how, .. } = &mut src {
                                *how = "write!".into();
                            }
                            self.scope()
                                .appends
                                .entry(target)
                                .or_default()
                                .push(Append::Resolved(src));
                        }
                    }
                }
            }
            return;
        }
        // Code inside other macro calls (`vec![…]`, `join!(…)`, a wrapper
        // macro's block, items a `macro_rules!` expands to), parsed once
        // before the visit.
        let macros = self.macros;
        if self.macro_depth >= 32 {
            return;
        }
        self.macro_depth += 1;
        let format = matches!(name.as_str(), "format" | "format_args");
        for piece in macros.get(mac).unwrap_or_default() {
            match piece {
                // `format!("{id}", id = user.name)`: the value, not an
                // assignment to a local `id`.
                Piece::Exprs(es) if format => es.iter().for_each(|e| match e {
                    Expr::Assign(a) => self.visit_expr(&a.right),
                    e => self.visit_expr(e),
                }),
                Piece::Exprs(es) => es.iter().for_each(|e| self.visit_expr(e)),
                Piece::Stmts(ss) => ss.iter().for_each(|st| self.visit_stmt(st)),
                Piece::Items(is) => is.iter().for_each(|i| self.visit_item(i)),
            }
        }
        self.macro_depth -= 1;
    }
}

/// Attributes that make an item test code: `#[test]`, `#[tokio::test]`,
/// `#[sqlx::test]`, `#[rstest]`, `#[bench]`, `#[cfg(test)]`.
pub fn is_test_item(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        let path = a.path();
        let last = path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        if matches!(
            last.as_str(),
            "test" | "rstest" | "bench" | "test_case" | "quickcheck" | "proptest"
        ) {
            return true;
        }
        if path.is_ident("cfg") {
            if let syn::Meta::List(l) = &a.meta {
                // `cfg(test)`, `cfg(all(test, …))`; not `cfg(not(test))`.
                let t = l.tokens.to_string();
                return t
                    .split(|c: char| !c.is_alphanumeric() && c != '_')
                    .any(|w| w == "test")
                    && !t.contains("not");
            }
        }
        false
    })
}

/// Is a file test code by where it sits: under `tests/`, `benches/` or
/// `examples/` of its crate, or named `tests.rs`, `test.rs`, `*_test.rs`,
/// `*_tests.rs`, `test_*.rs` (modules a `#[cfg(test)] mod tests;` pulls in).
pub fn is_test_path(rel: &std::path::Path) -> bool {
    let dirs = rel
        .parent()
        .into_iter()
        .flat_map(|p| p.components())
        // `tests/`, `benches/`, `examples/`, and helper folders named for
        // tests (`test_utils/`, `testing/`, `tests_cfg/`, `testkit/`).
        .any(|c| {
            c.as_os_str().to_str().is_some_and(|d| {
                matches!(
                    d,
                    "tests" | "benches" | "examples" | "testing" | "testkit" | "testutils"
                ) || d.starts_with("test_")
                    || d.starts_with("tests_")
                    || d.starts_with("test-")
                    || d.ends_with("_tests")
            })
        });
    let stem = rel.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    dirs || matches!(stem, "tests" | "test" | "test_utils" | "test_helpers")
        || stem.ends_with("_test")
        || stem.ends_with("_tests")
        || stem.starts_with("test_")
}

/// Methods that run their closure as a task of its own.
const SPAWN_METHODS: &[&str] = &[
    "spawn",
    "spawn_blocking",
    "spawn_local",
    "spawn_on",
    "spawn_scoped",
    "for_each_concurrent",
    "try_for_each_concurrent",
];

/// A closure whose element is a key (`|id| lookup(id)`): a fan-out of
/// lookups by key is still one query per element, which `IN (…)` replaces;
/// a fan-out of work items (`|manifest| upload(manifest)`) is concurrency
/// by design.
fn closure_takes_key(arg: &Expr) -> bool {
    let Expr::Closure(c) = arg else { return false };
    let mut names = Vec::new();
    c.inputs.iter().for_each(|p| pat_names(p, &mut names));
    names.iter().any(|n| {
        let n = n.to_ascii_lowercase();
        n == "id"
            || n == "key"
            || n.ends_with("_id")
            || n.ends_with("_key")
            || n.ends_with("uuid")
            || n == "ids"
            || n.ends_with("_ids")
    })
}

/// Stream methods that run the futures before them a few at a time:
/// `stream::iter(xs).map(|x| work(x)).buffered(8)` is a bounded fan-out.
const CONCURRENT_METHODS: &[&str] = &[
    "buffered",
    "buffer_unordered",
    "try_buffered",
    "try_buffer_unordered",
];

/// Methods that run their closure only when a key is missing.
const MEMO_METHODS: &[&str] = &[
    "or_insert_with",
    "or_insert_with_key",
    "get_or_insert_with",
    "or_try_insert_with",
    "get_or_init",
    "get_or_try_init",
    "get_or_try_insert_with",
];

/// `tokio::spawn(..)`, `thread::spawn(..)`, `task::spawn_blocking(..)`.
fn is_spawn_path(func: &Expr) -> bool {
    matches!(func, Expr::Path(p) if p.path.segments.last().is_some_and(|s| {
        SPAWN_METHODS.contains(&s.ident.to_string().as_str())
    }))
}

/// A list whose length is written in the code: an array or `vec![…]` of
/// items, a constant, a range between constants, or an iterator over one.
fn fixed_list(e: &Expr) -> bool {
    match unwrap_expr(e) {
        Expr::Array(_) => true,
        Expr::Macro(m) if macro_name(&m.mac) == "vec" => !m
            .mac
            .tokens
            .clone()
            .into_iter()
            .any(|t| matches!(t, proc_macro2::TokenTree::Punct(p) if p.as_char() == ';')),
        Expr::Path(p) => p
            .path
            .segments
            .last()
            .is_some_and(|s| is_screaming(&s.ident.to_string())),
        Expr::Range(r) => {
            r.start.as_deref().is_none_or(constant_bound)
                && r.end.as_deref().is_some_and(constant_bound)
        }
        Expr::MethodCall(m)
            if matches!(
                m.method.to_string().as_str(),
                "iter" | "into_iter" | "copied" | "cloned" | "enumerate" | "rev" | "zip"
            ) =>
        {
            fixed_list(&m.receiver)
        }
        _ => false,
    }
}

/// A collection the operator writes in a configuration file
/// (`config.databases`, `root_config.all_configs.values()`): as long as
/// the configuration, not the data.
fn names_configuration(e: &Expr) -> bool {
    let word = |name: &str| {
        name.to_ascii_lowercase()
            .split('_')
            .any(|w| matches!(w, "config" | "configs" | "cfg" | "cfgs"))
    };
    let mut cur = unwrap_expr(e);
    loop {
        cur = match cur {
            Expr::MethodCall(m) => &m.receiver,
            Expr::Field(f) => {
                if let syn::Member::Named(n) = &f.member {
                    if word(&n.to_string()) {
                        return true;
                    }
                }
                &f.base
            }
            Expr::Path(p) => return p.path.get_ident().is_some_and(|i| word(&i.to_string())),
            _ => return false,
        };
        cur = unwrap_expr(cur);
    }
}

/// A loop variable that holds a batch (`for chunk in …`,
/// `while let Some(page) = pages.next()`): one query per batch is the fix.
/// A `page` in a `for` loop may be a web page of a CMS, so only a pulled
/// one counts.
fn names_batch(vars: &[String], pulled: bool) -> bool {
    vars.iter().any(|v| match v.trim_start_matches('_') {
        "batch" | "chunk" | "batches" | "chunks" => true,
        "page" | "pages" => pulled,
        _ => false,
    })
}

fn constant_bound(e: &Expr) -> bool {
    match unwrap_expr(e) {
        Expr::Lit(_) => true,
        Expr::Path(p) => p
            .path
            .segments
            .last()
            .is_some_and(|s| is_screaming(&s.ident.to_string())),
        _ => false,
    }
}

/// Receivers that deliver events, not data: channels, sockets, signals,
/// subscriptions, timers.
fn event_source_name(e: &Expr) -> bool {
    let name = match unwrap_expr(e) {
        Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        Expr::Field(f) => match &f.member {
            syn::Member::Named(n) => Some(n.to_string()),
            _ => None,
        },
        Expr::MethodCall(m) => return event_source_name(&m.receiver),
        _ => None,
    };
    let Some(name) = name else { return false };
    let lower = name.to_ascii_lowercase();
    lower == "rx"
        || lower.ends_with("_rx")
        || lower.starts_with("rx_")
        || [
            "receiver",
            "inbox",
            "events",
            "signal",
            "incoming",
            "messages",
            "subscriber",
            "subscription",
            "watcher",
            "socket",
            "listener",
            "ticker",
            "interval",
            "notif",
            "shutdown",
            "commands",
            "mailbox",
            "consumer",
            "channel",
        ]
        .iter()
        .any(|w| lower.contains(w))
}

/// Methods that wait for the next event rather than take the next element.
const EVENT_METHODS: &[&str] = &[
    "recv",
    "recv_async",
    "recv_timeout",
    "try_recv",
    "recv_many",
    "accept",
    "tick",
    "changed",
    "notified",
    "wait",
    "wait_for",
    "next_event",
    "read_message",
    "poll_recv",
    "listen",
];

/// Methods that take the next element of data: a worklist or a cursor.
const PULL_METHODS: &[&str] = &[
    "pop",
    "pop_front",
    "pop_back",
    "pop_first",
    "pop_last",
    "next",
    "try_next",
    "next_back",
    "dequeue",
    "shift",
];

/// Is this expression (under `?`, `.await`) a pull of the next element of
/// data — `queue.pop()`, `rows.next()?` — rather than of an event?
fn is_data_pull(e: &Expr) -> bool {
    match unwrap_expr(e) {
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            if EVENT_METHODS.contains(&name.as_str()) {
                return false;
            }
            if PULL_METHODS.contains(&name.as_str()) {
                return !event_source_name(&m.receiver);
            }
            false
        }
        _ => false,
    }
}

/// Does a `loop` body take elements of data (`let Some(x) = queue.pop() else { break }`)?
fn pulls_elements(body: &syn::Block) -> bool {
    struct Find(bool);
    impl<'x> Visit<'x> for Find {
        fn visit_expr_method_call(&mut self, m: &'x syn::ExprMethodCall) {
            let name = m.method.to_string();
            if PULL_METHODS.contains(&name.as_str()) && !event_source_name(&m.receiver) {
                self.0 = true;
            }
            visit::visit_expr_method_call(self, m);
        }
        fn visit_expr_closure(&mut self, _: &'x syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'x syn::Item) {}
    }
    let mut f = Find(false);
    f.visit_block(body);
    f.0
}

/// Does a `while` loop walk data? `while let Some(x) = <pull>` does unless
/// it waits for events (`rx.recv()`, `ws.next()`); `while <cond>` does when
/// it counts through a collection or its body pulls elements.
fn while_over_data(cond: &Expr, body: &syn::Block) -> bool {
    if let Expr::Let(l) = cond {
        return match unwrap_expr(&l.expr) {
            Expr::MethodCall(_) => is_data_pull(&l.expr) || pulls_elements(body),
            // `while let Some(p) = parent { …; parent = p.parent() }`: a walk
            // up a hierarchy, each step taken from the element in hand, as
            // long as the hierarchy is deep (a walk that needs a query's
            // result for its next step is sequential, judged at the query).
            Expr::Path(p) => {
                let mut vars = Vec::new();
                pat_names(&l.pat, &mut vars);
                !p.path
                    .get_ident()
                    .is_some_and(|v| steps_from_element(body, &v.to_string(), &vars))
            }
            _ => true,
        };
    }
    struct Counts(bool);
    impl<'x> Visit<'x> for Counts {
        fn visit_expr_method_call(&mut self, m: &'x syn::ExprMethodCall) {
            if matches!(m.method.to_string().as_str(), "len" | "is_empty") {
                self.0 = true;
            }
            visit::visit_expr_method_call(self, m);
        }
    }
    let mut c = Counts(false);
    c.visit_expr(cond);
    c.0 || pulls_elements(body)
}

/// Does the loop body set `var` from the element in hand, with no call
/// that could run a query (`parent = p.parent()`, `cur = node.next`)?
fn steps_from_element(body: &syn::Block, var: &str, elems: &[String]) -> bool {
    struct Find<'a> {
        var: &'a str,
        elems: &'a [String],
        found: bool,
    }
    impl<'x> Visit<'x> for Find<'_> {
        fn visit_expr_assign(&mut self, a: &'x syn::ExprAssign) {
            let target = matches!(unwrap_expr(&a.left), Expr::Path(p) if p.path.is_ident(self.var));
            let mut e = unwrap_expr(&a.right);
            let mut plain = true;
            loop {
                e = match e {
                    Expr::Field(f) => &f.base,
                    Expr::MethodCall(m) if m.args.is_empty() => {
                        plain &= matches!(
                            m.method.to_string().as_str(),
                            "parent"
                                | "next"
                                | "prev"
                                | "up"
                                | "clone"
                                | "cloned"
                                | "as_deref"
                                | "as_ref"
                                | "copied"
                        );
                        &m.receiver
                    }
                    _ => break,
                };
                e = unwrap_expr(e);
            }
            let from_elem = matches!(e, Expr::Path(p) if p.path.get_ident().is_some_and(|i| self.elems.iter().any(|v| i == v)));
            if target && plain && from_elem {
                self.found = true;
            }
            visit::visit_expr_assign(self, a);
        }
        fn visit_expr_closure(&mut self, _: &'x syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'x syn::Item) {}
    }
    let mut f = Find {
        var,
        elems,
        found: false,
    };
    f.visit_block(body);
    f.found
}

/// Does the expression look something up in a map or cache
/// (`cache.get(&k)`, `seen.contains_key(&k)`)?
fn has_cache_lookup(e: &Expr) -> bool {
    match unwrap_expr(e) {
        // A map filled as the loop goes, not a constant list (`IGNORED.contains(..)`).
        Expr::MethodCall(m) => {
            matches!(
                m.method.to_string().as_str(),
                "get" | "get_mut" | "contains_key" | "peek" | "get_key_value" | "entry"
            ) && m.args.len() == 1
                && !constant_bound(&m.receiver)
                || has_cache_lookup(&m.receiver)
        }
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Not(_)) => has_cache_lookup(&u.expr),
        _ => false,
    }
}

/// A `match` arm taken when the key is missing: `None`, `Entry::Vacant(v)`, `_`.
fn is_miss_pattern(p: &Pat) -> bool {
    let last = |path: &syn::Path| {
        path.segments
            .last()
            .is_some_and(|s| s.ident == "None" || s.ident == "Vacant")
    };
    match p {
        Pat::Ident(i) => i.ident == "None",
        Pat::Path(pp) => last(&pp.path),
        Pat::TupleStruct(ts) => last(&ts.path),
        Pat::Wild(_) => true,
        _ => false,
    }
}

/// For an `if` condition: (the then-branch runs on a cache miss, the
/// else-branch does).
fn cache_miss_branches(cond: &Expr) -> (bool, bool) {
    match cond {
        // `if let Some(v) = cache.get(&k) { hit } else { miss }`
        Expr::Let(l) if has_cache_lookup(&l.expr) => (false, true),
        // `if !seen.contains_key(&k) { miss }`
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Not(_)) && has_cache_lookup(&u.expr) => {
            (true, false)
        }
        // `if cache.get(&k).is_none() { miss }`
        Expr::MethodCall(m) if m.method == "is_none" && has_cache_lookup(&m.receiver) => {
            (true, false)
        }
        _ => (false, false),
    }
}

/// A statement that stops the function unless a local passes a check:
/// `if !is_valid_name(n) { return Err(..) }`, `validate_name(&n)?;`,
/// `ensure!(valid(&n), ..)`, `if !n.chars().all(|c| c.is_alphanumeric()) {
/// bail!(..) }` — the local it names.
fn validation_guard(stmt: &Stmt) -> Option<String> {
    // A call of a function named as a check, on a local or one field of
    // it (`form.email` is checked, not the rest of `form`).
    fn checked(e: &Expr) -> Option<String> {
        let validator = |name: &str| {
            let n = name.to_ascii_lowercase();
            n.starts_with("is_valid")
                || n.starts_with("valid")
                || n.starts_with("assert_valid")
                || n.starts_with("is_safe")
                || n.starts_with("is_allowed")
        };
        match unwrap_expr(e) {
            Expr::Call(c) => match &*c.func {
                Expr::Path(p) if validator(&last_ident(&p.path)) => {
                    c.args.first().and_then(checked_place)
                }
                _ => None,
            },
            // `name.is_valid_identifier()`; not a whole struct's
            // `payload.validate()`, whose rules may only bound lengths.
            Expr::MethodCall(m) if validator(&m.method.to_string()) => {
                m.args.first().and_then(checked_place)
            }
            // `n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')`:
            // every character from an allow-list of letters and digits.
            Expr::MethodCall(m) if m.method == "all" => {
                let allow_list = m.args.first().is_some_and(allows_only_word_chars);
                match unwrap_expr(&m.receiver) {
                    Expr::MethodCall(c)
                        if allow_list && (c.method == "chars" || c.method == "bytes") =>
                    {
                        checked_place(&c.receiver)
                    }
                    _ => None,
                }
            }
            Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)) => {
                checked(&b.left).or_else(|| checked(&b.right))
            }
            _ => None,
        }
    }
    match stmt {
        Stmt::Expr(Expr::If(i), _) if i.else_branch.is_none() => {
            let Expr::Unary(u) = &*i.cond else {
                return None;
            };
            if !matches!(u.op, syn::UnOp::Not(_)) {
                return None;
            }
            let stops = i.then_branch.stmts.iter().any(|s| match s {
                Stmt::Expr(e, _) => expr_leaves(e),
                Stmt::Macro(m) => {
                    matches!(
                        macro_name(&m.mac).as_str(),
                        "bail" | "panic" | "unreachable"
                    )
                }
                _ => false,
            });
            if stops {
                checked(&u.expr)
            } else {
                None
            }
        }
        // `validate_name(&n)?;`
        Stmt::Expr(Expr::Try(t), _) => checked(&t.expr),
        Stmt::Macro(m) if matches!(macro_name(&m.mac).as_str(), "ensure" | "assert") => {
            let args = m
                .mac
                .parse_body_with(
                    syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated,
                )
                .ok()?;
            args.first().and_then(checked)
        }
        _ => None,
    }
}

/// A closure over characters that accepts letters and digits (and maybe
/// a few named ones), not one that only rejects some:
/// `|c| c.is_ascii_alphanumeric() || c == '_'`, `|c| matches!(c, 'a'..='z')`,
/// but not `|c| c != ' '` or `|c| !c.is_control()`.
fn allows_only_word_chars(e: &Expr) -> bool {
    struct Scan {
        classes: bool,
        negated: bool,
    }
    impl<'x> Visit<'x> for Scan {
        fn visit_expr_method_call(&mut self, m: &'x syn::ExprMethodCall) {
            let n = m.method.to_string();
            if n.starts_with("is_")
                && (n.contains("alphanumeric")
                    || n.contains("alphabetic")
                    || n.contains("digit")
                    || n.contains("lowercase")
                    || n.contains("uppercase"))
            {
                self.classes = true;
            }
            visit::visit_expr_method_call(self, m);
        }
        fn visit_macro(&mut self, m: &'x syn::Macro) {
            if m.path.is_ident("matches") {
                self.classes = true;
            }
        }
        fn visit_expr_unary(&mut self, u: &'x syn::ExprUnary) {
            self.negated |= matches!(u.op, syn::UnOp::Not(_));
            visit::visit_expr_unary(self, u);
        }
        fn visit_expr_binary(&mut self, b: &'x syn::ExprBinary) {
            self.negated |= matches!(b.op, syn::BinOp::Ne(_));
            visit::visit_expr_binary(self, b);
        }
    }
    let mut s = Scan {
        classes: false,
        negated: false,
    };
    s.visit_expr(e);
    s.classes && !s.negated
}

/// The local (`n`) or field path (`form.email`) an expression checks.
fn checked_place(e: &Expr) -> Option<String> {
    match unwrap_expr(e) {
        Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
        Expr::Field(f) => {
            let base = checked_place(&f.base)?;
            match &f.member {
                syn::Member::Named(n) => Some(format!("{base}.{n}")),
                syn::Member::Unnamed(i) => Some(format!("{base}.{}", i.index)),
            }
        }
        // `n.as_str()`, `n.trim()`: the local itself.
        Expr::MethodCall(m) if m.args.is_empty() => checked_place(&m.receiver),
        _ => None,
    }
}

/// `if x.is_none() { x = Some(..) }`: the branch fills `x` once, so what
/// it runs is memoized whatever loop it sits in.
fn lazy_init(cond: &Expr, then: &syn::Block) -> Option<String> {
    let Expr::MethodCall(m) = unwrap_expr(cond) else {
        return None;
    };
    if m.method != "is_none" {
        return None;
    }
    let Expr::Path(target) = unwrap_expr(&m.receiver) else {
        return None;
    };
    let fills = then.stmts.iter().any(|s| {
        matches!(s, Stmt::Expr(Expr::Assign(a), _)
            if matches!(unwrap_expr(&a.left), Expr::Path(p) if p.path == target.path))
    });
    fills.then(|| path_string(&target.path))
}

/// Is `cond` a test that a value is missing (`row.slug.is_none()`,
/// `x.is_null()`, `x == None`, a flag named `slug_was_null`), and does
/// `then` write that very column (`UPDATE … SET slug`, Diesel's
/// `.set(slug.eq(…))` or a changeset with a `slug` field)? Then the write
/// fills the gap its guard tests for: a lazy backfill or migration, which
/// runs once for each row and never again for it, not once per element on
/// every run.
fn backfill(cond: &Expr, then: &syn::Block) -> bool {
    fn last_name(e: &Expr) -> Option<String> {
        match unwrap_expr(e) {
            Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            Expr::Field(f) => match &f.member {
                syn::Member::Named(n) => Some(n.to_string()),
                syn::Member::Unnamed(_) => None,
            },
            Expr::Reference(r) => last_name(&r.expr),
            Expr::MethodCall(m) if m.method == "as_ref" || m.method == "as_deref" => {
                last_name(&m.receiver)
            }
            _ => None,
        }
    }
    let tested = match unwrap_expr(cond) {
        Expr::MethodCall(m) if m.method == "is_none" || m.method == "is_null" => {
            last_name(&m.receiver)
        }
        Expr::Binary(b) if matches!(b.op, syn::BinOp::Eq(_)) => {
            let none =
                |e: &Expr| matches!(unwrap_expr(e), Expr::Path(p) if p.path.is_ident("None"));
            if none(&b.right) {
                last_name(&b.left)
            } else if none(&b.left) {
                last_name(&b.right)
            } else {
                None
            }
        }
        Expr::Path(p) => p.path.get_ident().and_then(|i| {
            let name = i.to_string();
            ["_was_null", "_is_null", "_was_none", "_is_none", "_missing"]
                .iter()
                .find_map(|suffix| name.strip_suffix(suffix).map(str::to_string))
        }),
        _ => None,
    };
    let Some(column) = tested.filter(|c| c.len() > 2) else {
        return false;
    };
    let body = quote::ToTokens::to_token_stream(then).to_string();
    let word = |text: &str, w: &str| {
        text.match_indices(w).any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let after = text[at + w.len()..].chars().next();
            !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
    };
    let lower = body.to_lowercase();
    (word(&lower, "update") || word(&lower, "set")) && word(&lower, &column.to_lowercase())
}

/// `if let Some(v) = cache.get(&k) { return … }` or
/// `if seen.contains_key(&k) { continue }`: the statements after it run
/// only on a cache miss.
fn is_cache_hit_guard(stmt: &Stmt) -> bool {
    let Stmt::Expr(Expr::If(i), _) = stmt else {
        return false;
    };
    let hit = match &*i.cond {
        Expr::Let(l) => has_cache_lookup(&l.expr),
        Expr::MethodCall(m) if m.method == "is_some" => has_cache_lookup(&m.receiver),
        Expr::MethodCall(m) if m.method == "contains_key" => has_cache_lookup(&i.cond),
        _ => false,
    };
    let leaves = i.then_branch.stmts.iter().any(|s| match s {
        Stmt::Expr(e, _) => expr_leaves(e) || matches!(e, Expr::Continue(_)),
        _ => false,
    });
    hit && leaves && i.else_branch.is_none()
}

/// Does an iterator chain cap its elements with a constant (`.take(3)`,
/// `.take(MAX_ROWS)`)?
fn capped_by_constant(e: &Expr) -> bool {
    let mut cur = unwrap_expr(e);
    while let Expr::MethodCall(m) = cur {
        if m.method == "take" && m.args.len() == 1 && constant_bound(&m.args[0]) {
            return true;
        }
        cur = unwrap_expr(&m.receiver);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::is_test_path;
    use std::path::Path;

    #[test]
    fn test_paths_by_place_not_by_prefix() {
        for p in [
            "tests/seed.rs",
            "benches/load.rs",
            "examples/demo.rs",
            "src/tests_cfg/queue.rs",
            "src/test_utils/mod.rs",
            "src/db/tests.rs",
            "src/db/store_test.rs",
        ] {
            assert!(is_test_path(Path::new(p)), "{p}");
        }
        for p in [
            "src/db/mod.rs",
            "testdata/app/src/lib.rs",
            "src/attestation/mod.rs",
            "src/contest.rs",
        ] {
            assert!(!is_test_path(Path::new(p)), "{p}");
        }
    }
}
