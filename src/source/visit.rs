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
use crate::engine::{LoopKind, Operation};

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
    "for_each_concurrent",
    "try_for_each_concurrent",
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
const NUMERIC_TYPES: &[&str] = &[
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
fn path_ends_with(path: &str, suffix: &str) -> bool {
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
    /// How to find each local's type: parameters, `let`s, loop variables.
    tys: HashMap<String, TyExpr>,
}

impl FnScope<'_> {
    fn new(idx: Option<usize>) -> Self {
        FnScope {
            idx,
            bindings: HashMap::new(),
            appends: HashMap::new(),
            numeric: HashSet::new(),
            params: HashSet::new(),
            types: HashMap::new(),
            batched_vars: HashSet::new(),
            tys: HashMap::new(),
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
    /// Inside a branch of a loop body that leaves the loop (`return`,
    /// `break`): it runs at most once, not per element.
    diverging: usize,
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
            diverging: 0,
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

    // ---- types ----------------------------------------------------------

    /// A written type, resolved through the imports and the generics in scope.
    fn ty(&self, t: &Type) -> Option<Ty> {
        let g = self.generics.last()?;
        types::ty_of(t, &self.imports, g)
    }

    /// The recipe for an expression's type, when anything is known about it.
    fn ty_expr(&self, e: &Expr, depth: usize) -> Option<TyExpr> {
        if depth > 6 {
            return None;
        }
        let boxed = |x: TyExpr| Box::new(x);
        match e {
            Expr::Paren(p) => self.ty_expr(&p.expr, depth),
            Expr::Group(g) => self.ty_expr(&g.expr, depth),
            Expr::Reference(r) => self.ty_expr(&r.expr, depth),
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => self.ty_expr(&u.expr, depth),
            // An `async fn`'s return type is recorded as its output already.
            Expr::Await(a) => self.ty_expr(&a.base, depth),
            Expr::Try(t) => Some(TyExpr::Peel(boxed(self.ty_expr(&t.expr, depth + 1)?))),
            Expr::Path(p) if p.qself.is_none() => {
                if let Some(id) = p.path.get_ident() {
                    let name = id.to_string();
                    if name == "self" {
                        // The impl's type with its generic arguments, or
                        // `dyn Trait` in a trait's default method.
                        self.impl_ty.last().cloned().flatten()?;
                        let s = self.generics.last()?.get("Self")?.first()?;
                        return Some(TyExpr::Known(s.clone()));
                    }
                    return self.scopes.last()?.tys.get(&name).cloned();
                }
                None
            }
            Expr::Field(f) => {
                let member = match &f.member {
                    syn::Member::Named(n) => n.to_string(),
                    syn::Member::Unnamed(i) => i.index.to_string(),
                };
                let base = self.ty_expr(&f.base, depth + 1)?;
                Some(match &f.member {
                    syn::Member::Unnamed(i) => TyExpr::TupleField(boxed(base), i.index as usize),
                    syn::Member::Named(_) => TyExpr::Field(boxed(base), member),
                })
            }
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                let base = self.ty_expr(&m.receiver, depth + 1)?;
                Some(match name.as_str() {
                    "unwrap" | "expect" | "unwrap_or_default" | "unwrap_or" | "unwrap_or_else"
                    | "unwrap_unchecked" => TyExpr::Peel(boxed(base)),
                    "clone" | "to_owned" | "as_ref" | "as_mut" | "as_deref" | "as_deref_mut"
                    | "by_ref" | "iter" | "into_iter" | "iter_mut" | "drain" | "rev" | "skip"
                    | "take" | "cloned" | "copied" | "filter" | "peekable" | "fuse"
                    | "into_stream" | "sorted" | "dedup" | "unique" | "skip_while"
                    | "take_while" | "collect" | "to_vec" => base,
                    _ => TyExpr::Method(boxed(base), name),
                })
            }
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else { return None };
                let segs: Vec<String> = p
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                // `Some(x)`, `Ok(x)`, `Box::new(x)`, `Arc::new(x)` hold `x`.
                let last = segs.last()?.as_str();
                if matches!(last, "Some" | "Ok")
                    || (segs.len() == 2
                        && matches!(
                            segs[0].as_str(),
                            "Box" | "Arc" | "Rc" | "Mutex" | "RwLock" | "RefCell"
                        )
                        && last == "new")
                {
                    return self.ty_expr(c.args.first()?, depth + 1);
                }
                let path = if segs.len() >= 2 && segs[0] == "Self" {
                    let owner = self.impl_ty.last().cloned().flatten()?;
                    format!("{owner}::{}", segs[1..].join("::"))
                } else {
                    self.imports.resolve_path(&segs)
                };
                Some(TyExpr::Call(path))
            }
            Expr::Struct(st) => {
                let segs: Vec<String> = st
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                if segs.len() == 1 && segs[0] == "Self" {
                    let owner = self.impl_ty.last().cloned().flatten()?;
                    return Some(TyExpr::Known(Ty::named(owner)));
                }
                Some(TyExpr::Known(Ty::named(self.imports.resolve_path(&segs))))
            }
            Expr::Cast(c) => self.ty(&c.ty).map(TyExpr::Known),
            _ => None,
        }
    }

    /// Is the receiver a local whose written type is a collection?
    fn known_collection(&self, e: &Expr) -> bool {
        matches!(
            self.ty_expr(e, 0),
            Some(TyExpr::Known(t)) if t.element().is_some() && t.name() != "Option"
        )
    }

    /// Binds the names of a pattern to the parts of a value of type `ty`.
    fn bind_pattern(&mut self, pat: &Pat, ty: Option<TyExpr>) {
        match pat {
            Pat::Ident(pi) => {
                let name = pi.ident.to_string();
                let scope = self.scope();
                match ty {
                    Some(t) if t.depth() <= 12 => {
                        scope.tys.insert(name, t);
                    }
                    _ => {
                        scope.tys.remove(&name);
                    }
                }
                if let Some((_, sub)) = &pi.subpat {
                    self.bind_pattern(sub, None);
                }
            }
            Pat::Type(pt) => {
                let written = self.ty(&pt.ty).filter(|t| !mentions_infer(t));
                self.bind_pattern(&pt.pat, written.map(TyExpr::Known).or(ty));
            }
            Pat::Reference(r) => self.bind_pattern(&r.pat, ty),
            Pat::Paren(p) => self.bind_pattern(&p.pat, ty),
            Pat::Tuple(t) => {
                for (i, p) in t.elems.iter().enumerate() {
                    let part = ty.clone().map(|t| TyExpr::TupleField(Box::new(t), i));
                    self.bind_pattern(p, part);
                }
            }
            // `Some(x)`, `Ok(x)`: what the option or result holds.
            Pat::TupleStruct(ts)
                if ts.elems.len() == 1
                    && ts
                        .path
                        .segments
                        .last()
                        .is_some_and(|s| matches!(s.ident.to_string().as_str(), "Some" | "Ok")) =>
            {
                let inner = ty.map(|t| TyExpr::Peel(Box::new(t)));
                self.bind_pattern(&ts.elems[0], inner);
            }
            _ => {
                let mut names = Vec::new();
                pat_names(pat, &mut names);
                let scope = self.scope();
                for n in names {
                    scope.tys.remove(&n);
                }
            }
        }
    }

    // ---- chains -------------------------------------------------------

    fn chain(&self, e: &'ast Expr) -> Chain<'ast> {
        let mut c = Chain::default();
        self.walk_chain(e, &mut c, 0);
        c
    }

    fn walk_chain(&self, e: &'ast Expr, c: &mut Chain<'ast>, depth: usize) {
        if depth > 24 {
            return;
        }
        match unwrap_expr(e) {
            Expr::MethodCall(m) => {
                c.tokens.push(m.method.to_string());
                c.nodes.push(unwrap_expr(e));
                self.walk_chain(&m.receiver, c, depth + 1);
            }
            Expr::Call(call) => {
                if let Expr::Path(p) = &*call.func {
                    let full = path_string(&p.path);
                    c.tokens
                        .extend(p.path.segments.iter().map(|s| s.ident.to_string()));
                    c.tokens.push(full);
                }
                c.nodes.push(unwrap_expr(e));
                for a in &call.args {
                    match unwrap_expr(a) {
                        Expr::Path(p) => {
                            c.tokens
                                .extend(p.path.segments.iter().map(|s| s.ident.to_string()));
                        }
                        // `all_joins(post::table.find(id).into_boxed())`: the
                        // query is built in the argument; keep its tokens.
                        arg @ Expr::MethodCall(_) if depth < 12 => {
                            let mut sub = Chain::default();
                            self.walk_chain(arg, &mut sub, depth + 2);
                            c.tokens.extend(sub.tokens);
                        }
                        _ => {}
                    }
                }
            }
            Expr::Macro(m) => {
                c.tokens.push(format!("{}!", macro_name(&m.mac)));
                c.nodes.push(unwrap_expr(e));
            }
            Expr::Path(p) => {
                if p.path.segments.len() == 1 {
                    let name = p.path.segments[0].ident.to_string();
                    if let Some(bound) = self.lookup(&name) {
                        // The latest binding that is not built on the variable
                        // itself (`q = q.bind(x)` keeps `q`'s query).
                        let origin = bound
                            .iter()
                            .rev()
                            .find(|b| root_ident(b).as_deref() != Some(name.as_str()));
                        if let Some(origin) = origin {
                            if depth < 8 {
                                self.walk_chain(origin, c, depth + 4);
                                return;
                            }
                        }
                    }
                    if let Some(t) = self.scopes.last().and_then(|s| s.types.get(&name)) {
                        c.tokens.push(t.clone());
                    }
                    c.root_name.get_or_insert(name.clone());
                    c.tokens.push(name);
                } else {
                    c.tokens
                        .extend(p.path.segments.iter().map(|s| s.ident.to_string()));
                    c.tokens.push(path_string(&p.path));
                }
            }
            Expr::Field(f) => {
                if let syn::Member::Named(n) = &f.member {
                    c.root_name.get_or_insert(n.to_string());
                    c.tokens.push(n.to_string());
                }
            }
            _ => {}
        }
    }

    /// Name of the first argument's root variable (`&mut conn` → `conn`).
    fn arg_name(e: &Expr) -> Option<String> {
        match unwrap_expr(e) {
            Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            Expr::Field(f) => match &f.member {
                syn::Member::Named(n) => Some(n.to_string()),
                _ => None,
            },
            Expr::MethodCall(m) => Self::arg_name(&m.receiver),
            _ => None,
        }
    }

    /// Is the receiver an iterator, collection or stream (not `Option`/`Result`)?
    fn is_iterish(&self, e: &'ast Expr, depth: usize) -> bool {
        if depth > 16 {
            return false;
        }
        match unwrap_expr(e) {
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                if ITER_SOURCES.contains(&name.as_str()) {
                    return true;
                }
                if ITER_PASS.contains(&name.as_str()) {
                    return self.is_iterish(&m.receiver, depth + 1);
                }
                false
            }
            Expr::Call(call) => match &*call.func {
                Expr::Path(p) => {
                    p.path.segments.len() >= 2
                        && p.path
                            .segments
                            .last()
                            .is_some_and(|s| ITER_FUNCTIONS.contains(&s.ident.to_string().as_str()))
                }
                _ => false,
            },
            Expr::Range(_) => true,
            Expr::Path(p) if p.path.segments.len() == 1 => {
                let name = p.path.segments[0].ident.to_string();
                match self.lookup(&name).and_then(|b| b.last()) {
                    Some(bound) if depth < 8 => self.is_iterish(bound, depth + 4),
                    _ => false,
                }
            }
            _ => false,
        }
    }

    // ---- recognition ----------------------------------------------------

    /// Does this call match an execute spec? `sql_arg` is the argument the
    /// spec says carries SQL text, when it has one.
    fn exec_matches(
        &self,
        spec: &ExecSpec,
        chain: &Chain<'_>,
        nargs: usize,
        first_arg: Option<&'ast Expr>,
        sql_arg: Option<&'ast Expr>,
    ) -> Option<Evidence> {
        if !self.exec_fits(spec, nargs, sql_arg) {
            return None;
        }
        if let Some(a) = sql_arg {
            // SQL literal as the argument: a database call whatever the receiver.
            if self.const_text(a, 0).is_some_and(|t| {
                sql_operation(&t).is_some_and(|op| op != Operation::Other) || looks_like_sql(&t)
            }) {
                return Some(Evidence::Shape);
            }
        }
        let constrained = !spec.chain.is_empty()
            || !spec.receivers.is_empty()
            || !spec.argnames.is_empty()
            || !spec.types.is_empty();
        if !constrained {
            return Some(Evidence::Shape);
        }
        if !spec.chain.is_empty() && chain.has(&spec.chain) {
            return Some(Evidence::Shape);
        }
        if let Some(root) = &chain.root_name {
            if chain.nodes.is_empty() {
                // A bare receiver (`conn.execute`), not a chain built on it.
                if !spec.receivers.is_empty() && name_matches(root, &spec.receivers) {
                    return Some(Evidence::Name);
                }
                if chain.tokens.iter().any(|t| spec.types.contains(t)) {
                    return Some(Evidence::Name);
                }
            }
        }
        if !spec.argnames.is_empty() {
            if let Some(name) = first_arg.and_then(Self::arg_name) {
                if name_matches(&name, &spec.argnames) {
                    return Some(Evidence::ArgName);
                }
            }
        }
        None
    }

    /// Do the arguments fit the spec (count, and text where it takes SQL)?
    fn exec_fits(&self, spec: &ExecSpec, nargs: usize, sql_arg: Option<&'ast Expr>) -> bool {
        if !spec.args.is_empty() && !spec.args.contains(&nargs) {
            return false;
        }
        if spec.sql_arg.is_some() {
            // A driver call takes text: not an array, tuple or closure
            // (a house `execute(&[stmts])` trait method is not a sink).
            return sql_arg.is_some_and(|a| self.may_be_text(a));
        }
        true
    }

    /// Could this argument be SQL text (as opposed to an array of
    /// statements, a tuple of params or a closure)?
    fn may_be_text(&self, e: &Expr) -> bool {
        match unwrap_expr(e) {
            Expr::Array(_) | Expr::Tuple(_) | Expr::Closure(_) | Expr::Repeat(_) => false,
            Expr::Lit(l) => matches!(l.lit, Lit::Str(_)),
            Expr::Macro(m) => !matches!(
                macro_name(&m.mac).as_str(),
                "vec" | "params" | "named_params"
            ),
            Expr::MethodCall(m) => !matches!(
                m.method.to_string().as_str(),
                "into_iter" | "iter" | "map" | "collect" | "chain" | "len" | "count"
            ),
            _ => true,
        }
    }

    /// Does the call in a loop pass something that changes per element
    /// into SQL text (the loop variable itself, or text built from it)?
    fn mentions_loop_var(&self, e: &Expr, depth: usize) -> bool {
        let vars: Vec<&String> = self.loops.iter().flat_map(|l| l.vars.iter()).collect();
        if vars.is_empty() || depth > 4 {
            return false;
        }
        struct Find<'v> {
            vars: &'v [&'v String],
            names: Vec<String>,
        }
        impl<'x> Visit<'x> for Find<'_> {
            fn visit_path(&mut self, p: &'x syn::Path) {
                if let Some(i) = p.get_ident() {
                    self.names.push(i.to_string());
                }
            }
            fn visit_macro(&mut self, m: &'x syn::Macro) {
                if let Some(args) = macro_args(m) {
                    for a in &args {
                        if let Expr::Lit(syn::ExprLit {
                            lit: Lit::Str(s), ..
                        }) = a
                        {
                            self.names.extend(inline_captures(&s.value()));
                        }
                        self.visit_expr(a);
                    }
                }
            }
        }
        let mut f = Find {
            vars: &vars,
            names: Vec::new(),
        };
        f.visit_expr(e);
        let _ = f.vars;
        f.names.iter().any(|n| {
            vars.contains(&n)
                || self
                    .lookup(n)
                    .is_some_and(|b| b.iter().any(|x| self.mentions_loop_var(x, depth + 1)))
        })
    }

    fn operation_from(
        &self,
        spec: &ExecSpec,
        method: &str,
        chain: &Chain<'_>,
        sql: Option<&str>,
    ) -> Operation {
        if let Some(sql) = sql {
            if let Some(op) = sql_operation(sql) {
                return op;
            }
        }
        if chain.has_str(&[
            "insert_into",
            "insert_or_ignore_into",
            "replace_into",
            "insert_many",
            "insert",
        ]) {
            return Operation::Insert;
        }
        if chain.has_str(&["update", "update_many"]) {
            return Operation::Update;
        }
        if chain.has_str(&["delete", "delete_many", "delete_by_id"]) {
            return Operation::Delete;
        }
        if chain.has_str(&["sql_query", "raw_sql", "from_raw_sql"]) {
            return Operation::Raw;
        }
        // ActiveModel-style calls name the write themselves: `model.insert(db)`.
        if spec.operation.as_deref() == Some("other") {
            match method {
                "insert" | "insert_many" => return Operation::Insert,
                "update" | "save" | "update_many" => return Operation::Update,
                "delete" | "delete_many" => return Operation::Delete,
                _ => {}
            }
        }
        parse_operation(spec.operation.as_deref())
    }

    fn tables_from(chain: &Chain<'_>) -> Vec<String> {
        let mut out = Vec::new();
        let t = &chain.tokens;
        for (i, tok) in t.iter().enumerate() {
            if i == 0 {
                continue;
            }
            let prev = &t[i - 1];
            let is_name = |s: &str| {
                !s.contains("::")
                    && s != "crate"
                    && s != "super"
                    && s != "self"
                    && s != "schema"
                    && s != "dsl"
            };
            if (tok == "table" || tok == "Entity") && is_name(prev) {
                out.push(prev.clone());
            }
            if matches!(
                tok.as_str(),
                "find"
                    | "find_by_id"
                    | "belonging_to"
                    | "insert_many"
                    | "delete_many"
                    | "update_many"
            ) && prev.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                && is_name(prev)
                && prev != "Entity"
            {
                out.push(prev.clone());
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// SQL text in the chain: a literal given to a sink or a `query!` macro.
    fn sql_in_chain(&self, chain: &Chain<'ast>, orm: usize) -> Option<String> {
        for node in &chain.nodes {
            match node {
                // A prepared statement carries the text it was prepared with.
                Expr::MethodCall(m)
                    if matches!(
                        m.method.to_string().as_str(),
                        "prepare" | "prepare_cached" | "prepare_typed" | "prep"
                    ) =>
                {
                    if let Some(s) = m.args.first().and_then(|a| self.const_text(a, 0)) {
                        return Some(s);
                    }
                }
                Expr::Macro(m) => {
                    if let Some(args) = macro_args(&m.mac) {
                        if let Some(Expr::Lit(l)) = args.first().map(unwrap_expr) {
                            if let Lit::Str(s) = &l.lit {
                                return Some(s.value());
                            }
                        }
                    }
                }
                Expr::Call(call) => {
                    if let Some(i) = self.sink_arg_index(&call.func, orm) {
                        if let Some(a) = call.args.iter().nth(i) {
                            if let Some(s) = self.const_text(a, 0) {
                                return Some(s);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// Which argument of this function call carries SQL, if it is a sink of `orm`.
    fn sink_arg_index(&self, func: &Expr, orm: usize) -> Option<usize> {
        let Expr::Path(p) = func else { return None };
        let path = path_string(&p.path);
        self.specs[orm].sink.iter().find_map(|s| {
            s.functions
                .iter()
                .any(|f| path_ends_with(&path, f))
                .then_some(if s.first_arg_is_backend {
                    s.arg.max(1)
                } else {
                    s.arg
                })
        })
    }

    /// The text of a constant string expression, when it is one.
    fn const_text(&self, e: &'ast Expr, depth: usize) -> Option<String> {
        if depth > 6 {
            return None;
        }
        match unwrap_expr(e) {
            Expr::Lit(l) => match &l.lit {
                Lit::Str(s) => Some(s.value()),
                _ => None,
            },
            Expr::Path(p) if p.path.segments.len() == 1 => {
                let name = p.path.segments[0].ident.to_string();
                let bound = self.lookup(&name)?;
                if bound.len() == 1 {
                    self.const_text(bound[0], depth + 1)
                } else {
                    None
                }
            }
            Expr::MethodCall(m)
                if matches!(
                    m.method.to_string().as_str(),
                    "to_string" | "to_owned" | "into" | "as_str"
                ) =>
            {
                self.const_text(&m.receiver, depth + 1)
            }
            _ => None,
        }
    }

    fn fn_index(&self) -> Option<usize> {
        self.scopes.last().and_then(|s| s.idx)
    }

    /// The SQL argument in a receiver chain: the sink call's text argument
    /// or a `query!`-style macro's first argument.
    fn sql_expr_in_chain(&self, chain: &Chain<'ast>, orm: usize) -> Option<&'ast Expr> {
        for node in &chain.nodes {
            if let Expr::Call(call) = node {
                if let Some(i) = self.sink_arg_index(&call.func, orm) {
                    return call.args.iter().nth(i);
                }
            }
        }
        None
    }

    fn record_method_call(&mut self, m: &'ast syn::ExprMethodCall, whole: &'ast Expr) {
        let method = m.method.to_string();
        // The receiver's type matters for database methods and for calls
        // worth a record; most method calls are neither.
        let std_name = STD_ONLY.contains(&method.as_str());
        let wanted = self.db_methods.contains(method.as_str()) || !std_name;
        let recv = if wanted {
            self.ty_expr(&m.receiver, 0)
        } else {
            // A std-named method (`contains`, `find`) on a value written to
            // be a trait object or a workspace type is still worth a record.
            match unwrap_expr(&m.receiver) {
                Expr::Path(_) | Expr::Field(_) => self
                    .ty_expr(&m.receiver, 0)
                    .filter(|t| matches!(t, TyExpr::Known(k) if workspace_like(k))),
                _ => None,
            }
        };
        // Most method calls are not database calls: skip the chain walk.
        let chain = if self.db_methods.contains(method.as_str()) {
            self.chain(&m.receiver)
        } else {
            Chain::default()
        };
        let nargs = m.args.len();
        let first = m.args.first();
        for k in 0..self.active.len() {
            let orm = self.active[k];
            let spec = &self.specs[orm];
            // Raw-SQL sink methods (`QueryBuilder::push`, `execute_unprepared`).
            for sink in &spec.sink {
                if sink.methods.contains(&method)
                    && (sink.chain.is_empty() || chain.has(&sink.chain))
                {
                    if let Some(arg) = m.args.iter().nth(sink.arg) {
                        let src = if sink.appends {
                            self.value_source(arg, &method, 0)
                        } else {
                            self.text_source(arg, 0)
                        };
                        let site =
                            self.site(orm, range_of(whole), method.clone(), Operation::Raw, false);
                        self.pending_sql_arg = Some(arg);
                        self.push_site(SiteRaw {
                            sql: self.const_text(arg, 0),
                            raw_sql: Some((range_of(arg), src)),
                            ..site
                        });
                        return;
                    }
                }
            }
            let Some((exec, evidence)) = spec.execute.iter().find_map(|x| {
                if !x.methods.contains(&method) {
                    return None;
                }
                let sql_arg = x.sql_arg.and_then(|i| m.args.iter().nth(i));
                if let Some(ev) = self.exec_matches(x, &chain, nargs, first, sql_arg) {
                    return Some((x, ev));
                }
                // Nothing but the method name: the receiver's type decides later.
                (!x.types.is_empty() && recv.is_some() && self.exec_fits(x, nargs, sql_arg))
                    .then_some((x, Evidence::TypeOnly))
            }) else {
                continue;
            };
            let sql_arg = exec.sql_arg.and_then(|i| m.args.iter().nth(i));
            let sql = sql_arg
                .and_then(|a| self.const_text(a, 0))
                .or_else(|| self.sql_in_chain(&chain, orm));
            let raw_sql = sql_arg.map(|a| (range_of(a), self.text_source(a, 0)));
            let sql_expr = sql_arg.or_else(|| self.sql_expr_in_chain(&chain, orm));
            // The literal parts of SQL built with `format!`, for batching and paging.
            let template = sql
                .clone()
                .or_else(|| sql_expr.and_then(|e| self.format_template(e, 0)));
            let batched = chain.calls_any(&spec.batch.methods)
                || template.as_deref().is_some_and(sql_is_batched)
                || chain.root_name.as_ref().is_some_and(|r| {
                    self.scopes
                        .last()
                        .is_some_and(|s| s.batched_vars.contains(r))
                })
                || self.builder_batched(&m.receiver);
            let paging = chain.has_str(&["limit", "offset", "paginate", "fetch_page", "page"])
                || template
                    .as_deref()
                    .is_some_and(|s| s.to_ascii_lowercase().contains(" limit "));
            let mut tables = Self::tables_from(&chain);
            if let Some(sql) = &sql {
                tables.extend(sql_tables(sql));
                tables.sort();
                tables.dedup();
            }
            let operation = self.operation_from(exec, &method, &chain, sql.as_deref());
            let span = range_of(&m.method).start..range_of(whole).end;
            let sql_varies =
                sql.is_none() && sql_expr.is_some_and(|e| self.mentions_loop_var(e, 0));
            let sql_param = sql_expr.is_some_and(|e| match unwrap_expr(e) {
                Expr::Path(p) => p.path.get_ident().is_some_and(|i| {
                    let n = i.to_string();
                    self.scopes.last().is_some_and(|s| s.params.contains(&n))
                        && self.lookup(&n).is_none()
                }),
                _ => false,
            });
            let derived_sql = if sql.is_none() && matches!(spec.name.as_str(), "diesel" | "sea-orm")
            {
                let calls: Vec<&Expr> = chain
                    .nodes
                    .iter()
                    .rev()
                    .copied()
                    .filter(|n| matches!(n, Expr::Call(_) | Expr::MethodCall(_)))
                    .collect();
                super::derive::derive(&calls, &method)
            } else {
                None
            };
            let site = self.site(orm, span, method.clone(), operation, true);
            self.pending_sql_arg = sql_arg;
            self.push_site(SiteRaw {
                tables,
                sql,
                raw_sql,
                batched,
                paging,
                sql_varies,
                sql_param,
                derived_sql,
                evidence,
                recv: recv.clone(),
                handle_types: if evidence == Evidence::Shape {
                    Vec::new()
                } else {
                    exec.types.clone()
                },
                ..site
            });
            if evidence == Evidence::Shape {
                return;
            }
            // A name or type match may be another active ORM's call, or a
            // call into the workspace (`repo.execute(..)` on a type of
            // ours): the resolution pass keeps one of them by the
            // receiver's type.
        }
        // Not a database call: maybe a call into another function of the
        // crate. Only plain receivers (`repo.find(..)`, `self.load(..)`), not
        // builder chains, whose methods are setters far more often than not.
        let is_self = matches!(&*m.receiver, Expr::Path(p) if p.path.is_ident("self"));
        let plain = matches!(unwrap_expr(&m.receiver), Expr::Path(_) | Expr::Field(_));
        // A receiver with a declared type names the impl to look in, so even
        // a common name (`db.append(..)` on `db: &Db`) resolves exactly.
        let typed_owner = match unwrap_expr(&m.receiver) {
            Expr::Path(p) => p
                .path
                .get_ident()
                .and_then(|i| self.scopes.last()?.types.get(&i.to_string()).cloned()),
            _ => None,
        };
        if is_self
            || typed_owner.is_some()
            || recv.is_some()
            || (plain && !COMMON_METHODS.contains(&method.as_str()))
        {
            let owner = if is_self {
                self.impl_ty.last().cloned().flatten()
            } else {
                typed_owner
            };
            let args_vary = m.args.iter().any(|a| self.mentions_loop_var(a, 0));
            self.push_call(
                CallTarget::Method {
                    owner,
                    name: method,
                },
                range_of(whole),
                nargs,
                args_vary,
            );
            if let Some(c) = self.facts.calls.last_mut() {
                c.recv = recv;
            }
        }
    }

    /// Does the dynamic value `what` sit where SQL needs an identifier (a
    /// table or column name), which bind parameters cannot carry?
    fn identifier_position(&self, e: &'ast Expr, what: &str, depth: usize) -> bool {
        if depth > 4 {
            return false;
        }
        match unwrap_expr(e) {
            Expr::Macro(m) if matches!(macro_name(&m.mac).as_str(), "format" | "format_args") => {
                let Some(args) = macro_args(&m.mac) else {
                    return false;
                };
                let Some(Expr::Lit(syn::ExprLit {
                    lit: Lit::Str(fmt), ..
                })) = args.first()
                else {
                    return false;
                };
                let positional: Vec<String> = args[1..]
                    .iter()
                    .filter(|a| !matches!(a, Expr::Assign(_)))
                    .map(|a| self.src(&range_of(a)))
                    .collect();
                placeholder_contexts(&fmt.value())
                    .into_iter()
                    .any(|(key, ident)| {
                        ident
                            && (key == what
                                || key
                                    .parse::<usize>()
                                    .ok()
                                    .and_then(|i| positional.get(i))
                                    .is_some_and(|p| p == what))
                    })
            }
            Expr::Path(p) => p.path.get_ident().is_some_and(|i| {
                self.lookup(&i.to_string()).is_some_and(|b| {
                    b.iter()
                        .any(|x| self.identifier_position(x, what, depth + 1))
                })
            }),
            Expr::MethodCall(m) => self.identifier_position(&m.receiver, what, depth + 1),
            _ => false,
        }
    }

    /// The format string of SQL built with `format!` (directly, through a
    /// `let`, or wrapped in a call like `AssertSqlSafe(format!(..))`).
    fn format_template(&self, e: &'ast Expr, depth: usize) -> Option<String> {
        if depth > 4 {
            return None;
        }
        match unwrap_expr(e) {
            Expr::Macro(m) if matches!(macro_name(&m.mac).as_str(), "format" | "format_args") => {
                match macro_args(&m.mac)?.first()? {
                    Expr::Lit(syn::ExprLit {
                        lit: Lit::Str(s), ..
                    }) => Some(s.value()),
                    _ => None,
                }
            }
            Expr::Call(c) if c.args.len() == 1 => self.format_template(&c.args[0], depth + 1),
            Expr::MethodCall(m) => self.format_template(&m.receiver, depth + 1),
            Expr::Path(p) => {
                let name = p.path.get_ident()?.to_string();
                let bound = self.lookup(&name)?;
                bound
                    .iter()
                    .find_map(|b| self.format_template(b, depth + 1))
            }
            _ => None,
        }
    }

    /// A `QueryBuilder` receiver that had rows pushed in bulk before the call.
    fn builder_batched(&self, receiver: &Expr) -> bool {
        let mut e = unwrap_expr(receiver);
        while let Expr::MethodCall(m) = e {
            e = unwrap_expr(&m.receiver);
        }
        match e {
            Expr::Path(p) => p.path.get_ident().is_some_and(|i| {
                self.scopes
                    .last()
                    .is_some_and(|s| s.batched_vars.contains(&i.to_string()))
            }),
            _ => false,
        }
    }

    /// A site with the defaults every constructor shares.
    fn site(
        &self,
        orm: usize,
        span: Range<usize>,
        method: String,
        operation: Operation,
        executes: bool,
    ) -> SiteRaw {
        SiteRaw {
            span,
            orm,
            method,
            operation,
            tables: Vec::new(),
            sql: None,
            raw_sql: None,
            loops: Vec::new(),
            func: None,
            executes,
            batched: false,
            paging: false,
            sql_varies: false,
            sql_param: false,
            sequential: false,
            sql_identifier: false,
            derived_sql: None,
            once: false,
            evidence: Evidence::Shape,
            recv: None,
            handle_types: Vec::new(),
            in_test: false,
        }
    }

    /// Is a bare function name (`query(..)`) imported from the ORM's crate?
    fn imports_name(&self, orm: usize, name: &str) -> bool {
        self.specs[orm].crates.iter().any(|c| {
            let direct = format!("{c}::{name}");
            if self.text.contains(&direct) {
                return true;
            }
            // `use sqlx::{query, PgPool};`
            let group = format!("{c}::{{");
            let mut from = 0;
            while let Some(i) = self.text[from..].find(&group) {
                let start = from + i + group.len();
                let end = self.text[start..]
                    .find('}')
                    .map_or(self.text.len(), |j| start + j);
                if self.text[start..end].split(',').any(|item| {
                    item.trim() == name || item.trim().starts_with(&format!("{name} as "))
                }) {
                    return true;
                }
                from = end;
            }
            false
        })
    }

    fn record_call(&mut self, call: &'ast syn::ExprCall, whole: &'ast Expr) {
        let Expr::Path(p) = &*call.func else { return };
        let path = path_string(&p.path);
        let bare = p.path.segments.len() == 1;
        let last = last_ident(&p.path);
        let maybe_db = self.db_functions.contains(last.as_str());
        for k in 0..self.active.len() {
            if !maybe_db {
                break;
            }
            let orm = self.active[k];
            let spec = &self.specs[orm];
            if let Some(i) = self.sink_arg_index(&call.func, orm) {
                if bare && !spec.crates.is_empty() && !self.imports_name(orm, &path) {
                    continue;
                }
                if let Some(arg) = call.args.iter().nth(i) {
                    let src = self.text_source(arg, 0);
                    let sql = self.const_text(arg, 0);
                    let op = sql
                        .as_deref()
                        .and_then(sql_operation)
                        .unwrap_or(Operation::Raw);
                    let site = self.site(orm, range_of(whole), path.clone(), op, false);
                    self.pending_sql_arg = Some(arg);
                    self.push_site(SiteRaw {
                        tables: sql.as_deref().map(sql_tables).unwrap_or_default(),
                        sql,
                        raw_sql: Some((range_of(arg), src)),
                        ..site
                    });
                    return;
                }
            }
            // User-taught wrapper functions.
            if let Some(exec) = spec
                .execute
                .iter()
                .find(|x| x.functions.iter().any(|f| path_ends_with(&path, f)))
            {
                let sql_arg = exec.sql_arg.and_then(|i| call.args.iter().nth(i));
                let sql = sql_arg.and_then(|a| self.const_text(a, 0));
                let raw_sql = sql_arg.map(|a| (range_of(a), self.text_source(a, 0)));
                let op = sql
                    .as_deref()
                    .and_then(sql_operation)
                    .unwrap_or_else(|| parse_operation(exec.operation.as_deref()));
                let sql_varies =
                    sql.is_none() && sql_arg.is_some_and(|a| self.mentions_loop_var(a, 0));
                let site = self.site(orm, range_of(whole), path.clone(), op, true);
                self.pending_sql_arg = sql_arg;
                self.push_site(SiteRaw {
                    tables: sql.as_deref().map(sql_tables).unwrap_or_default(),
                    batched: sql.as_deref().is_some_and(sql_is_batched),
                    sql,
                    raw_sql,
                    sql_varies,
                    ..site
                });
                return;
            }
        }
        let written: Vec<String> = p
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        // Through the imports: `use crate::repo::fetch as lookup` makes
        // `lookup(..)` a call of `fetch`, `Store::open` one of `Repo::open`.
        let segs: Vec<String> = if written.first().is_some_and(|f| f == "Self") {
            written
        } else {
            self.imports
                .resolve_path(&written)
                .split("::")
                .map(str::to_string)
                .collect()
        };
        let Some(name) = segs.last().cloned() else {
            return;
        };
        let target = if segs.len() >= 2 {
            let owner = &segs[segs.len() - 2];
            if owner == "Self" {
                CallTarget::Method {
                    owner: self.impl_ty.last().cloned().flatten(),
                    name,
                }
            } else if owner.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
                CallTarget::Method {
                    owner: Some(owner.clone()),
                    name,
                }
            } else {
                CallTarget::Free(name)
            }
        } else {
            CallTarget::Free(name)
        };
        let args_vary = call.args.iter().any(|a| self.mentions_loop_var(a, 0));
        self.push_call(target, range_of(whole), call.args.len(), args_vary);
    }

    fn push_site(&mut self, mut site: SiteRaw) {
        site.once = self.diverging > 0;
        if let Some((_, TextSource::Dynamic { what, .. })) = &site.raw_sql {
            site.sql_identifier = self
                .pending_sql_arg
                .is_some_and(|a| self.identifier_position(a, what, 0));
        }
        site.loops = self.loops.clone();
        site.in_test = self.test_depth > 0;
        site.func = self.fn_index();
        site.sequential = self.sequential > 0;
        self.facts.sites.push(site);
    }

    fn push_call(&mut self, target: CallTarget, span: Range<usize>, args: usize, args_vary: bool) {
        self.facts.calls.push(CallRaw {
            caller: self.fn_index(),
            target,
            span,
            loops: self.loops.clone(),
            args,
            args_vary,
            sequential: self.sequential > 0,
            once: self.diverging > 0,
            recv: None,
            in_test: self.test_depth > 0,
        });
    }

    // ---- where SQL text comes from -----------------------------------

    /// Where the text given to a sink comes from.
    fn text_source(&self, e: &'ast Expr, depth: usize) -> TextSource {
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
    fn name_source(
        &self,
        name: &str,
        at: Range<usize>,
        depth: usize,
        as_value: bool,
    ) -> TextSource {
        if self.consts.contains(name) || is_screaming(name) {
            return TextSource::Constant;
        }
        let scope = self.scopes.last();
        let bound = scope.and_then(|s| s.bindings.get(name));
        let appends = scope.and_then(|s| s.appends.get(name));
        if let Some(bound) = bound {
            let mut result = TextSource::Constant;
            for b in bound {
                let src = if as_value {
                    self.value_source(b, "format!", depth + 1)
                } else {
                    self.text_source(b, depth + 1)
                };
                match src {
                    d @ TextSource::Dynamic { .. } => return d,
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
                    return d;
                }
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

    fn dynamic(&self, what: String, at: Range<usize>, how: &str, name: &str) -> TextSource {
        TextSource::Dynamic {
            numeric: self.is_numeric_name(name),
            what,
            at,
            how: how.to_string(),
        }
    }

    /// A value that becomes part of SQL text: constant, or dynamic naming it.
    fn value_source(&self, e: &'ast Expr, how: &str, depth: usize) -> TextSource {
        if depth > 8 {
            return TextSource::Unknown;
        }
        let inner = unwrap_expr(e);
        if const_text_shape(inner) {
            return TextSource::Constant;
        }
        match inner {
            Expr::Lit(_) => TextSource::Constant,
            Expr::Path(p) if p.path.segments.len() == 1 => {
                let name = p.path.segments[0].ident.to_string();
                match self.name_source(&name, range_of(e), depth, true) {
                    TextSource::Dynamic {
                        what, numeric, at, ..
                    } => TextSource::Dynamic {
                        what,
                        numeric,
                        at,
                        how: how.to_string(),
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
                    }
                }
            },
        }
    }

    fn macro_source(&self, mac: &syn::Macro, depth: usize) -> TextSource {
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
    fn format_source(&self, args: &[Expr], mac: &syn::Macro, depth: usize) -> TextSource {
        let Some(Expr::Lit(syn::ExprLit {
            lit: Lit::Str(fmt), ..
        })) = args.first()
        else {
            return TextSource::Unknown;
        };
        // Arguments are parsed from the macro's tokens, so their spans are real.
        for a in &args[1..] {
            let value = match a {
                Expr::Assign(asg) => &*asg.right,
                other => other,
            };
            // SAFETY of lifetimes: these expressions are owned by `args`; look them up by shape only.
            let src = self.value_source_owned(value, depth);
            if let d @ TextSource::Dynamic { .. } = src {
                return d;
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
            if let TextSource::Dynamic { what, numeric, .. } =
                self.name_source(&cap, at.clone(), depth, true)
            {
                return TextSource::Dynamic {
                    what,
                    numeric,
                    at: range_of(fmt),
                    how: "format!".into(),
                };
            }
        }
        TextSource::Constant
    }

    /// `value_source` for expressions parsed out of a macro body (not `'ast`).
    fn value_source_owned(&self, e: &Expr, depth: usize) -> TextSource {
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
                    TextSource::Dynamic { numeric, .. } => TextSource::Dynamic {
                        what: self.src(&range_of(inner)),
                        numeric,
                        at: range_of(inner),
                        how: "format!".into(),
                    },
                    other => other,
                }
            }
            _ => TextSource::Dynamic {
                what: self.src(&range_of(inner)),
                numeric: false,
                at: range_of(inner),
                how: "format!".into(),
            },
        }
    }

    // ---- loops ------------------------------------------------------------

    fn with_loop(
        &mut self,
        kind: LoopKind,
        header: Range<usize>,
        vars: Vec<String>,
        batched: bool,
        f: impl FnOnce(&mut Self),
    ) {
        self.loops.push(LoopRaw {
            kind,
            header,
            vars,
            batched,
        });
        f(self);
        self.loops.pop();
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
            has_body: body.is_some(),
        });
        let Some(body) = body else { return };
        self.generics.push(generics);
        let mut scope = FnScope::new(Some(self.facts.fns.len() - 1));
        for input in inputs {
            if let syn::FnArg::Typed(pt) = input {
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
        self.visit_block(body);
        self.scopes.pop();
        self.generics.pop();
        self.loops = saved_loops;
    }
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

/// Keywords after which a value names a table, column or other object.
const IDENTIFIER_KEYWORDS: &[&str] = &[
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
];

/// For each placeholder of a format string: its argument key (a name, or
/// the positional index as text) and whether it stands where SQL needs an
/// identifier (`FROM {table}`, `"{column}"`, `ORDER BY {col}`).
fn placeholder_contexts(fmt: &str) -> Vec<(String, bool)> {
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
        let before = fmt[..i].trim_end();
        let quoted = before.ends_with('"') || before.ends_with('`') || before.ends_with('[');
        let word = before
            .rsplit(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let dotted = before.ends_with('.');
        out.push((
            key,
            quoted || dotted || IDENTIFIER_KEYWORDS.contains(&word.as_str()),
        ));
        while j < b.len() && b[j] != b'}' {
            j += 1;
        }
        i = j + 1;
    }
    out
}

/// SQL keywords that open a statement, for literals passed to driver calls.
fn looks_like_sql(t: &str) -> bool {
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
fn inline_captures(fmt: &str) -> Vec<String> {
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
        let test = usize::from(is_test_item(&i.attrs));
        if test == 1 && !self.tests {
            return;
        }
        self.test_depth += test;
        self.visit_impl_inner(i);
        self.test_depth -= test;
    }

    fn visit_item_trait(&mut self, i: &'ast syn::ItemTrait) {
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
        let test = usize::from(is_test_item(&f.attrs));
        if test == 1 && !self.tests {
            return;
        }
        self.test_depth += test;
        self.impl_ty.push(None);
        self.impl_trait.push(None);
        self.enter_fn(&f.sig, Some(&f.block));
        self.impl_trait.pop();
        self.impl_ty.pop();
        self.test_depth -= test;
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        let test = usize::from(is_test_item(&f.attrs));
        if test == 1 && !self.tests {
            return;
        }
        self.test_depth += test;
        self.enter_fn(&f.sig, Some(&f.block));
        self.test_depth -= test;
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        let test = usize::from(is_test_item(&m.attrs));
        if test == 1 && !self.tests {
            return;
        }
        self.test_depth += test;
        visit::visit_item_mod(self, m);
        self.test_depth -= test;
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        // A declaration without a body still tells what the method returns.
        self.enter_fn(&f.sig, f.default.as_ref());
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let Some(init) = &l.init {
            self.visit_expr(&init.expr);
            if let Some((_, diverge)) = &init.diverge {
                self.visit_expr(diverge);
            }
        }
        let init_ty = l.init.as_ref().and_then(|i| self.ty_expr(&i.expr, 0));
        // `let Some(x) = e else { … }` binds what `e` holds.
        self.bind_pattern(&l.pat, init_ty);
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
        match e {
            Expr::MethodCall(m) => {
                self.visit_expr(&m.receiver);
                self.record_method_call(m, e);
                let method = m.method.to_string();
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
                for arg in &m.args {
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
                            }
                        }
                        self.with_loop(
                            LoopKind::Adapter(method.clone()),
                            header,
                            vars,
                            batched_source,
                            |v| v.visit_expr(arg),
                        );
                    } else {
                        self.visit_expr(arg);
                    }
                }
            }
            Expr::Call(c) => {
                self.record_call(c, e);
                visit::visit_expr_call(self, c);
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
                    let batched = self.chain(&f.expr).has_str(BATCH_SOURCES);
                    let elem = self
                        .ty_expr(&f.expr, 0)
                        .map(|t| TyExpr::Element(Box::new(t)));
                    self.bind_pattern(&f.pat, elem);
                    self.with_loop(LoopKind::For, header, vars, batched, |v| {
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
                    if let Expr::Path(p) = unwrap_expr(&l.expr) {
                        walked = p.path.get_ident().map(|i| i.to_string());
                    }
                }
                let saved = std::mem::replace(&mut self.walked_var, walked);
                self.with_loop(kind, header, vars, false, |v| v.visit_block(&w.body));
                self.walked_var = saved;
            }
            Expr::Loop(l) => {
                if loop_exits_on_success(&l.body) {
                    self.visit_block(&l.body);
                } else {
                    let header = range_of(&l.loop_token);
                    self.with_loop(LoopKind::Loop, header, Vec::new(), false, |v| {
                        v.visit_block(&l.body)
                    });
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
            }
            // Inside a loop, a branch that leaves the loop runs at most once.
            Expr::If(i) if !self.loops.is_empty() => {
                self.visit_expr(&i.cond);
                let leaves = block_leaves(&i.then_branch);
                self.diverging += usize::from(leaves);
                self.visit_block(&i.then_branch);
                self.diverging -= usize::from(leaves);
                if let Some((_, els)) = &i.else_branch {
                    let leaves = matches!(&**els, Expr::Block(b) if block_leaves(&b.block));
                    self.diverging += usize::from(leaves);
                    self.visit_expr(els);
                    self.diverging -= usize::from(leaves);
                }
            }
            Expr::Match(mt) if !self.loops.is_empty() => {
                self.visit_expr(&mt.expr);
                for arm in &mt.arms {
                    let leaves = expr_leaves(&arm.body);
                    self.diverging += usize::from(leaves);
                    self.visit_expr(&arm.body);
                    self.diverging -= usize::from(leaves);
                }
            }
            _ => visit::visit_expr(self, e),
        }
    }

    fn visit_stmt_macro(&mut self, s: &'ast syn::StmtMacro) {
        self.visit_macro(&s.mac);
    }

    fn visit_item_macro(&mut self, m: &'ast syn::ItemMacro) {
        self.visit_macro(&m.mac);
    }
}

impl<'ast> FileVisitor<'ast, '_> {
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
                .map(|f| Ty::with(t.clone(), f.args))
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
        for piece in macros.get(mac).unwrap_or_default() {
            match piece {
                Piece::Exprs(es) => es.iter().for_each(|e| self.visit_expr(e)),
                Piece::Stmts(ss) => ss.iter().for_each(|st| self.visit_stmt(st)),
                Piece::Items(is) => is.iter().for_each(|i| self.visit_item(i)),
            }
        }
    }
}

/// Does a written type leave a part to inference (`Vec<_>`)?
fn mentions_infer(t: &Ty) -> bool {
    t.path == "_" || t.args.iter().any(mentions_infer)
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
        .any(|c| {
            matches!(
                c.as_os_str().to_str(),
                Some("tests" | "benches" | "examples" | "test_utils" | "testing" | "test-utils")
            )
        });
    let stem = rel.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    dirs || matches!(stem, "tests" | "test" | "test_utils" | "test_helpers")
        || stem.ends_with("_test")
        || stem.ends_with("_tests")
        || stem.starts_with("test_")
}

/// A written type that may have methods of the workspace's own: a trait
/// object or generic, or a type named without a crate path that is not a
/// collection.
fn workspace_like(t: &Ty) -> bool {
    t.is_dyn()
        || (t.root().is_none()
            && t.path.starts_with(|c: char| c.is_ascii_uppercase())
            && t.element().is_none()
            && !matches!(t.path.as_str(), "String" | "Path" | "PathBuf" | "Mutex"))
}
