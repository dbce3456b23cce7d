//! Types as plain data, for the resolution pass.
//!
//! The visit of a file cannot know what a workspace function returns or
//! what a struct field holds in another file, so it records types in two
//! forms: [`Ty`], a type written in the source and resolved against the
//! file's imports, and [`TyExpr`], the recipe for the type of an
//! expression (`client.transaction()?` is "what `transaction` returns on
//! the type of `client`, peeled"). The resolution pass
//! ([`super::resolve`]) evaluates recipes against the workspace index and
//! the ORM data once every file has been visited.

use std::collections::{HashMap, HashSet};

/// A type: a path (an external crate's full path like `postgres::Client`,
/// or the bare name of a workspace type like `Account`) and its type
/// arguments. Special paths: `dyn` (`dyn A + B`, `impl A`, a generic `T: A`;
/// the bounds are the arguments), `()` (a tuple), `[]` (a slice or array)
/// and `iter` (something iterated, its element the argument).
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Ty {
    pub path: String,
    pub args: Vec<Ty>,
}

impl Ty {
    pub fn named(path: impl Into<String>) -> Ty {
        Ty {
            path: path.into(),
            args: Vec::new(),
        }
    }

    pub fn with(path: impl Into<String>, args: Vec<Ty>) -> Ty {
        Ty {
            path: path.into(),
            args,
        }
    }

    /// The last segment of the path (`postgres::Client` → `Client`).
    pub fn name(&self) -> &str {
        self.path.rsplit("::").next().unwrap_or(&self.path)
    }

    /// The first segment, when the path has several (`postgres::Client` → `postgres`).
    pub fn root(&self) -> Option<&str> {
        self.path.split_once("::").map(|(r, _)| r)
    }

    pub fn is_dyn(&self) -> bool {
        self.path == "dyn"
    }

    /// `Option<T>`/`Result<T, E>`/`Poll<T>` → `T`: what `?`, `.await`
    /// (on a return type already stripped of its future) and `unwrap` give.
    pub fn peeled(&self) -> Ty {
        match self.name() {
            "Option" | "Result" | "Poll" | "LockResult" | "TryLockResult"
                if !self.args.is_empty() =>
            {
                self.args[0].clone()
            }
            _ => self.clone(),
        }
    }

    /// The element a `for` loop over a value of this type binds.
    pub fn element(&self) -> Option<Ty> {
        match self.name() {
            "Vec" | "VecDeque" | "HashSet" | "BTreeSet" | "IndexSet" | "BinaryHeap"
            | "LinkedList" | "SmallVec" | "Option" | "[]" | "iter" | "IntoIter" | "Iter"
            | "Drain" | "Rev" | "Skip" | "Take" | "Cloned" | "Copied" | "Peekable" | "Filter"
            | "Chain" | "Fuse" | "Receiver" => self.args.first().cloned(),
            "HashMap" | "BTreeMap" | "IndexMap" if self.args.len() >= 2 => Some(Ty::with(
                "()",
                vec![self.args[0].clone(), self.args[1].clone()],
            )),
            "dyn" => self.args.iter().find_map(|b| match b.name() {
                "Iterator"
                | "IntoIterator"
                | "Stream"
                | "DoubleEndedIterator"
                | "ExactSizeIterator" => b.args.first().cloned(),
                _ => None,
            }),
            _ => None,
        }
    }
}

/// How to find the type of an expression, once the workspace is known.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum TyExpr {
    /// A type written in the source (a parameter, an annotated `let`, `self`).
    Known(Ty),
    /// What a function returns: a free function by name, an associated
    /// function `Type::name` (the type resolved through the file's imports),
    /// or an external path (`postgres::Client::connect`).
    Call(String),
    /// What a method returns on the receiver's type.
    Method(Box<TyExpr>, String),
    /// A named field of the receiver's type.
    Field(Box<TyExpr>, String),
    /// The element of what a loop or iterator adapter walks.
    Element(Box<TyExpr>),
    /// One component of a tuple (`for (i, x) in xs.iter().enumerate()`).
    TupleField(Box<TyExpr>, usize),
    /// A parameter of a closure passed to a method: (receiver, method,
    /// argument index, parameter index) — `conn.with_transaction(|txn| …)`
    /// gives `txn` what the method's `F: FnOnce(&Transaction)` says.
    ClosureArg(Box<TyExpr>, String, usize, usize),
    /// `?`, `.await` on a `Result`, `unwrap()`.
    Peel(Box<TyExpr>),
}

impl TyExpr {
    /// A recipe that cannot name anything (a tuple index past the end, say)
    /// is dropped where it is built; this caps how deep recipes nest.
    pub fn depth(&self) -> usize {
        match self {
            TyExpr::Known(_) | TyExpr::Call(_) => 1,
            TyExpr::Method(b, _)
            | TyExpr::ClosureArg(b, ..)
            | TyExpr::Field(b, _)
            | TyExpr::Element(b)
            | TyExpr::TupleField(b, _)
            | TyExpr::Peel(b) => 1 + b.depth(),
        }
    }
}

/// The type of text that is a compile-time constant: `&'static str`.
pub const STATIC_STR: &str = "&'static str";

/// Smart pointers and wrappers that call through to what they hold.
const TRANSPARENT: &[&str] = &[
    "Box",
    "Arc",
    "Rc",
    "Cow",
    "RefMut",
    "Ref",
    "MutexGuard",
    "RwLockReadGuard",
    "RwLockWriteGuard",
    "Pin",
    "ManuallyDrop",
    "PooledConnection",
    "Data",
    "State",
    "Extension",
];

/// The names `use` brings into a file: local name → full path. Workspace
/// paths (`crate::`, `super::`, `self::`, a workspace crate) keep only their
/// last segment, since workspace items are known by name.
#[derive(Clone, Debug, Default)]
pub struct Imports {
    pub names: HashMap<String, String>,
    /// Crates glob-imported (`use diesel::prelude::*` → `diesel`).
    pub globs: Vec<String>,
    /// The workspace's crate names.
    pub local: Vec<String>,
    /// The crate's dependencies (and `std`, `core`, `alloc`): a path rooted
    /// anywhere else is a module of the crate. `None` when no manifest
    /// says, and then every root is taken for a crate.
    pub externs: Option<HashSet<String>>,
}

impl Imports {
    pub fn collect(
        file: &syn::File,
        local_crates: &[String],
        externs: Option<HashSet<String>>,
    ) -> Imports {
        let mut out = Imports {
            local: local_crates.to_vec(),
            externs,
            ..Imports::default()
        };
        let local_crates: Vec<String> = match &out.externs {
            // Roots that are neither dependencies nor the workspace's own
            // crates are modules: `use models::Account` is local.
            Some(ext) => {
                let mut l = local_crates.to_vec();
                l.extend(
                    module_roots(&file.items)
                        .into_iter()
                        .filter(|m| !ext.contains(m)),
                );
                l
            }
            None => local_crates.to_vec(),
        };
        let local_crates = local_crates.as_slice();
        fn items(out: &mut Imports, list: &[syn::Item], local: &[String]) {
            for item in list {
                match item {
                    syn::Item::Use(u) => tree(out, &u.tree, &mut Vec::new(), local),
                    syn::Item::Mod(m) => {
                        if let Some((_, inner)) = &m.content {
                            items(out, inner, local);
                        }
                    }
                    _ => {}
                }
            }
        }
        fn tree(out: &mut Imports, t: &syn::UseTree, prefix: &mut Vec<String>, local: &[String]) {
            match t {
                syn::UseTree::Path(p) => {
                    prefix.push(p.ident.to_string());
                    tree(out, &p.tree, prefix, local);
                    prefix.pop();
                }
                syn::UseTree::Name(n) => {
                    let name = n.ident.to_string();
                    if name == "self" {
                        if let Some(last) = prefix.last() {
                            out.names.insert(last.clone(), full(prefix, None, local));
                        }
                    } else {
                        out.names
                            .insert(name.clone(), full(prefix, Some(&name), local));
                    }
                }
                syn::UseTree::Rename(r) => {
                    let name = r.ident.to_string();
                    let target = if name == "self" {
                        None
                    } else {
                        Some(name.as_str())
                    };
                    out.names
                        .insert(r.rename.to_string(), full(prefix, target, local));
                }
                syn::UseTree::Glob(_) => {
                    if let Some(root) = prefix.first() {
                        if !is_local_root(root, local) && !out.globs.contains(root) {
                            out.globs.push(root.clone());
                        }
                    }
                }
                syn::UseTree::Group(g) => {
                    for t in &g.items {
                        tree(out, t, prefix, local);
                    }
                }
            }
        }
        fn full(prefix: &[String], last: Option<&str>, local: &[String]) -> String {
            let mut segs: Vec<&str> = prefix.iter().map(String::as_str).collect();
            if let Some(l) = last {
                segs.push(l);
            }
            let segs: Vec<&str> = segs.into_iter().filter(|s| *s != "::").collect();
            match segs.first() {
                Some(root) if is_local_root(root, local) => {
                    segs.last().copied().unwrap_or_default().to_string()
                }
                _ => segs.join("::"),
            }
        }
        items(&mut out, &file.items, local_crates);
        out
    }

    /// A path written in the file, resolved: its first segment through the
    /// imports, workspace paths reduced to their item names.
    pub fn resolve_path(&self, segs: &[String]) -> String {
        let Some(first) = segs.first() else {
            return String::new();
        };
        if is_local_root(first, &self.local) || (segs.len() >= 2 && self.is_module(first)) {
            // `crate::db::Account::find` → `Account::find`; keep a type owner.
            return local_tail(segs);
        }
        match self.names.get(first) {
            Some(full) => {
                let mut s = full.clone();
                for seg in &segs[1..] {
                    s.push_str("::");
                    s.push_str(seg);
                }
                s
            }
            None => segs.join("::"),
        }
    }

    /// Does the resolved path name something of another crate (a
    /// dependency, or std), not of the workspace?
    pub fn is_external(&self, resolved: &str) -> bool {
        let Some((root, _)) = resolved.split_once("::") else {
            return false;
        };
        !is_local_root(root, &self.local)
            && root.starts_with(|c: char| c.is_ascii_lowercase())
            && self.externs.as_ref().is_none_or(|e| e.contains(root))
    }

    /// A path root that is a module of the crate, not a dependency.
    fn is_module(&self, root: &str) -> bool {
        !self.names.contains_key(root)
            && root.starts_with(|c: char| c.is_ascii_lowercase())
            && self.externs.as_ref().is_some_and(|e| !e.contains(root))
    }
}

/// The first segments of `use` paths in a file (candidates for modules).
fn module_roots(items: &[syn::Item]) -> Vec<String> {
    let mut out = Vec::new();
    for item in items {
        match item {
            syn::Item::Use(u) => {
                if let syn::UseTree::Path(p) = &u.tree {
                    out.push(p.ident.to_string());
                }
            }
            syn::Item::Mod(m) => {
                out.push(m.ident.to_string());
                if let Some((_, inner)) = &m.content {
                    out.extend(module_roots(inner));
                }
            }
            _ => {}
        }
    }
    out
}

/// The last two segments when the second to last names a type
/// (`models::Account::find` → `Account::find`), else the last.
fn local_tail(segs: &[String]) -> String {
    let n = segs.len();
    if n >= 2 && segs[n - 2].starts_with(|c: char| c.is_ascii_uppercase()) {
        format!("{}::{}", segs[n - 2], segs[n - 1])
    } else {
        segs[n - 1].clone()
    }
}

fn is_local_root(root: &str, local: &[String]) -> bool {
    matches!(root, "crate" | "self" | "super" | "Self") || local.iter().any(|l| l == root)
}

/// A path's segments as written (`crate::db::Account` → `crate`, `db`, `Account`).
pub fn segments(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

/// Converts a written type, with the file's imports and the generic
/// parameters in scope (name → bounds).
pub fn ty_of(ty: &syn::Type, imports: &Imports, generics: &HashMap<String, Vec<Ty>>) -> Option<Ty> {
    ty_of_depth(ty, imports, generics, 0)
}

fn ty_of_depth(
    ty: &syn::Type,
    imports: &Imports,
    generics: &HashMap<String, Vec<Ty>>,
    depth: usize,
) -> Option<Ty> {
    if depth > 8 {
        return None;
    }
    let rec = |t: &syn::Type| ty_of_depth(t, imports, generics, depth + 1);
    match ty {
        // `&'static str`: text fixed when the program was built.
        syn::Type::Reference(r)
            if r.lifetime.as_ref().is_some_and(|l| l.ident == "static")
                && matches!(&*r.elem, syn::Type::Path(p) if p.path.is_ident("str")) =>
        {
            Some(Ty::named(STATIC_STR))
        }
        syn::Type::Reference(r) => rec(&r.elem),
        syn::Type::Infer(_) => Some(Ty::named("_")),
        syn::Type::Paren(p) => rec(&p.elem),
        syn::Type::Group(g) => rec(&g.elem),
        syn::Type::Slice(s) => Some(Ty::with("[]", rec(&s.elem).into_iter().collect())),
        syn::Type::Array(a) => Some(Ty::with("[]", rec(&a.elem).into_iter().collect())),
        syn::Type::Tuple(t) => Some(Ty::with(
            "()",
            t.elems
                .iter()
                .map(|e| rec(e).unwrap_or_else(|| Ty::named("_")))
                .collect(),
        )),
        syn::Type::TraitObject(t) => {
            Some(Ty::with("dyn", bounds(&t.bounds, imports, generics, depth)))
        }
        syn::Type::ImplTrait(t) => {
            Some(Ty::with("dyn", bounds(&t.bounds, imports, generics, depth)))
        }
        syn::Type::Path(p) => {
            if p.qself.is_some() {
                return None;
            }
            let segs: Vec<String> = segments(&p.path);
            if segs.len() == 1 {
                if segs[0] != "Self" {
                    if let Some(b) = generics.get(&segs[0]) {
                        // A struct's own parameter stands for its argument.
                        if let [p] = b.as_slice() {
                            if p.path.starts_with('$') {
                                return Some(p.clone());
                            }
                        }
                        return Some(Ty::with("dyn", b.clone()));
                    }
                }
                if segs[0] == "Self" {
                    // The impl's type, which the visitor puts under `Self`.
                    return generics.get("Self").and_then(|b| b.first()).cloned();
                }
            }
            let last = p.path.segments.last()?;
            let mut args: Vec<Ty> = Vec::new();
            if let syn::PathArguments::AngleBracketed(a) = &last.arguments {
                for arg in &a.args {
                    match arg {
                        syn::GenericArgument::Type(t) => {
                            if let Some(t) = rec(t) {
                                args.push(t);
                            }
                        }
                        // `Iterator<Item = T>`
                        syn::GenericArgument::AssocType(at) => {
                            if let Some(t) = rec(&at.ty) {
                                args.push(t);
                            }
                        }
                        _ => {}
                    }
                }
            }
            let name = last.ident.to_string();
            if TRANSPARENT.contains(&name.as_str()) && !args.is_empty() {
                // `PooledConnection<'_, PostgresConnectionManager>` holds a
                // manager, not the connection: keep it as a type of its own.
                if name != "PooledConnection" {
                    return Some(args.swap_remove(0));
                }
            }
            if matches!(
                name.as_str(),
                "Mutex" | "RwLock" | "RefCell" | "Cell" | "OnceCell" | "OnceLock"
            ) && args.len() == 1
            {
                return Some(Ty::with("Mutex", args));
            }
            let path = imports.resolve_path(&segs);
            Some(Ty::with(path, args))
        }
        _ => None,
    }
}

fn bounds(
    b: &syn::punctuated::Punctuated<syn::TypeParamBound, syn::Token![+]>,
    imports: &Imports,
    generics: &HashMap<String, Vec<Ty>>,
    depth: usize,
) -> Vec<Ty> {
    b.iter()
        .filter_map(|b| match b {
            syn::TypeParamBound::Trait(t) => {
                let segs: Vec<String> = segments(&t.path);
                let mut args = Vec::new();
                if let Some(last) = t.path.segments.last() {
                    // `FnOnce(&Transaction) -> R`: the closure's parameters.
                    if let syn::PathArguments::Parenthesized(p) = &last.arguments {
                        for input in &p.inputs {
                            args.push(
                                ty_of_depth(&input.ty, imports, generics, depth + 1)
                                    .unwrap_or_else(|| Ty::named("_")),
                            );
                        }
                    }
                    if let syn::PathArguments::AngleBracketed(a) = &last.arguments {
                        for arg in &a.args {
                            let ty = match arg {
                                syn::GenericArgument::Type(t) => Some(t),
                                syn::GenericArgument::AssocType(at) => Some(&at.ty),
                                _ => None,
                            };
                            if let Some(t) =
                                ty.and_then(|t| ty_of_depth(t, imports, generics, depth + 1))
                            {
                                args.push(t);
                            }
                        }
                    }
                }
                Some(Ty::with(imports.resolve_path(&segs), args))
            }
            _ => None,
        })
        .collect()
}

/// The generic parameters of a signature with their trait bounds (inline
/// and in the `where` clause).
pub fn generic_bounds(
    g: &syn::Generics,
    imports: &Imports,
    outer: &HashMap<String, Vec<Ty>>,
) -> HashMap<String, Vec<Ty>> {
    let mut out = outer.clone();
    for p in g.type_params() {
        let b = bounds(&p.bounds, imports, outer, 0);
        out.insert(p.ident.to_string(), b);
    }
    if let Some(w) = &g.where_clause {
        for pred in &w.predicates {
            if let syn::WherePredicate::Type(t) = pred {
                if let syn::Type::Path(p) = &t.bounded_ty {
                    if let Some(id) = p.path.get_ident() {
                        let b = bounds(&t.bounds, imports, outer, 0);
                        out.entry(id.to_string()).or_default().extend(b);
                    }
                }
            }
        }
    }
    out
}

/// A function's return type as callers see it: an `async fn`'s future is
/// already awaited by the `.await` the caller writes, so it is peeled there,
/// not here; `impl Future<Output = T>` is `T`.
pub fn return_ty(
    sig: &syn::Signature,
    imports: &Imports,
    generics: &HashMap<String, Vec<Ty>>,
) -> Option<Ty> {
    let syn::ReturnType::Type(_, ty) = &sig.output else {
        return None;
    };
    let t = ty_of(ty, imports, generics)?;
    if t.is_dyn() {
        if let Some(fut) = t.args.iter().find(|b| b.name() == "Future") {
            return fut.args.first().cloned();
        }
    }
    Some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn imports(src: &str) -> Imports {
        Imports::collect(&syn::parse_file(src).unwrap(), &["db".to_string()], None)
    }

    fn ty(src: &str, t: &str) -> Ty {
        let i = imports(src);
        let t: syn::Type = syn::parse_str(t).unwrap();
        ty_of(&t, &i, &HashMap::new()).unwrap()
    }

    #[test]
    fn imports_resolve_renames_groups_and_workspace_paths() {
        let i = imports(
            "use postgres::{Client as PgClient, Transaction}; use reqwest::Client; \
             use crate::models::Account; use db::repo::{self, find_user}; use diesel::prelude::*;",
        );
        assert_eq!(i.names["PgClient"], "postgres::Client");
        assert_eq!(i.names["Transaction"], "postgres::Transaction");
        assert_eq!(i.names["Client"], "reqwest::Client");
        assert_eq!(i.names["Account"], "Account");
        assert_eq!(i.names["repo"], "repo");
        assert_eq!(i.names["find_user"], "find_user");
        assert_eq!(i.globs, vec!["diesel".to_string()]);
    }

    #[test]
    fn types_peel_references_and_smart_pointers() {
        let src = "use reqwest::Client; use postgres::Transaction;";
        assert_eq!(ty(src, "&mut Client").path, "reqwest::Client");
        assert_eq!(
            ty(src, "Arc<Mutex<Client>>"),
            Ty::with("Mutex", vec![Ty::named("reqwest::Client")])
        );
        assert_eq!(ty(src, "Transaction<'_>").path, "postgres::Transaction");
        assert_eq!(
            ty(src, "Vec<crate::Account>").element(),
            Some(Ty::named("Account"))
        );
        assert_eq!(ty(src, "&[Account]").element(), Some(Ty::named("Account")));
        let it = ty(src, "impl Iterator<Item = Account> + '_");
        assert!(it.is_dyn());
        assert_eq!(it.element(), Some(Ty::named("Account")));
        assert_eq!(
            ty(src, "Result<Option<Account>, E>").peeled().peeled(),
            Ty::named("Account")
        );
    }

    #[test]
    fn generics_become_their_bounds() {
        let f: syn::ItemFn =
            syn::parse_str("fn f<C: Store + Send>(c: &C) where C: Clone {}").unwrap();
        let i = Imports::default();
        let g = generic_bounds(&f.sig.generics, &i, &HashMap::new());
        let t: syn::Type = syn::parse_str("&C").unwrap();
        let t = ty_of(&t, &i, &g).unwrap();
        assert!(t.is_dyn());
        assert_eq!(
            t.args.iter().map(Ty::name).collect::<Vec<_>>(),
            ["Store", "Send", "Clone"]
        );
    }
}
