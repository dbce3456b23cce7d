//! Resolution: the workspace index built from every visited file's facts,
//! and the evaluation of type recipes ([`TyExpr`]) against it and against
//! the ORM data. Plain data in (facts), answers out (types, the functions a
//! call may reach, whether a receiver is a database handle).

use std::collections::{HashMap, HashSet};

use super::facts::FileFacts;
use super::orm::OrmSpec;
use super::types::{Ty, TyExpr};
use super::visit::{path_ends_with, NUMERIC_TYPES};

/// Types of the standard library and of common crates that are never a
/// database handle (a receiver of one of these is not an ORM call), beside
/// the numbers of [`NUMERIC_TYPES`].
const STD_TYPES: &[&str] = &[
    "String",
    "str",
    "Vec",
    "VecDeque",
    "HashMap",
    "HashSet",
    "BTreeMap",
    "BTreeSet",
    "Option",
    "Result",
    "[]",
    "()",
    "File",
    "Path",
    "PathBuf",
    "char",
    "Duration",
    "Instant",
    "SystemTime",
    "Sender",
    "Receiver",
    "UnboundedSender",
    "UnboundedReceiver",
    "JoinHandle",
    "JoinSet",
    "Command",
    "Child",
    "TcpStream",
    "UdpSocket",
    "Formatter",
];

/// Crates whose connection pools hand out a database handle: a receiver of
/// their types may be one, whatever it wraps.
const POOL_CRATES: &[&str] = &[
    "r2d2",
    "bb8",
    "deadpool",
    "mobc",
    "deadpool_postgres",
    "deadpool_sqlite",
    "bb8_postgres",
    "r2d2_postgres",
    "r2d2_sqlite",
    "async_sqlite",
    "tokio_rusqlite",
];

/// A file's facts with the workspace (unit) it belongs to.
pub struct Unit<'a> {
    pub unit: usize,
    pub facts: &'a FileFacts,
}

/// Everything the workspace declares, by unit.
#[derive(Default)]
pub struct Index {
    /// (unit, `Type::name` or `name`) → (file, fn index), bodies and declarations.
    pub fns: HashMap<(usize, String), Vec<(usize, usize)>>,
    /// (unit, trait) → types implementing it.
    pub impls: HashMap<(usize, String), Vec<String>>,
    structs: HashMap<(usize, String), Vec<(String, Ty)>>,
    aliases: HashMap<(usize, String), Ty>,
    /// Type and trait names the workspace declares or implements.
    types: HashSet<(usize, String)>,
    rets: HashMap<(usize, usize), Option<Ty>>,
    recipes: HashMap<(usize, usize), TyExpr>,
    params: HashMap<(usize, usize), Vec<Option<Ty>>>,
}

impl Index {
    pub fn build(files: &[Option<Unit<'_>>]) -> Index {
        let mut ix = Index::default();
        for (fi, f) in files.iter().enumerate() {
            let Some(f) = f else { continue };
            let u = f.unit;
            for (i, info) in f.facts.fns.iter().enumerate() {
                ix.fns
                    .entry((u, info.key.clone()))
                    .or_default()
                    .push((fi, i));
                ix.rets.insert((fi, i), info.ret.clone());
                if let Some(r) = &info.ret_recipe {
                    ix.recipes.insert((fi, i), r.clone());
                }
                ix.params.insert((fi, i), info.param_tys.clone());
                if let Some(o) = &info.owner {
                    ix.types.insert((u, o.clone()));
                }
            }
            for s in &f.facts.structs {
                ix.types.insert((u, s.name.clone()));
                ix.structs
                    .entry((u, s.name.clone()))
                    .or_insert_with(|| s.fields.clone());
            }
            for (name, ty) in &f.facts.aliases {
                ix.aliases
                    .entry((u, name.clone()))
                    .or_insert_with(|| ty.clone());
            }
            for (tr, ty) in &f.facts.impls {
                ix.types.insert((u, tr.clone()));
                let v = ix.impls.entry((u, tr.clone())).or_default();
                if !v.contains(ty) {
                    v.push(ty.clone());
                }
            }
        }
        for v in ix.impls.values_mut() {
            v.sort();
        }
        ix
    }

    /// Is this a type the workspace declares (no external crate path)?
    pub fn is_local(&self, unit: usize, ty: &Ty) -> bool {
        ty.root().is_none() && self.types.contains(&(unit, ty.path.clone()))
    }

    /// A method's return type, sharpened by its one-expression body where
    /// the signature loses what the body knows (`-> &str` returning a
    /// `&'static str` field).
    fn ret_sharp(&self, unit: usize, key: &str, specs: &[OrmSpec], depth: usize) -> Option<Ty> {
        let declared = self.ret_of(unit, key)?;
        if declared.path != "str" || depth > 8 {
            return Some(declared);
        }
        let v = self.fns.get(&(unit, key.to_string()))?;
        let all_static = v.iter().all(|fi| {
            self.recipes
                .get(fi)
                .and_then(|r| self.eval_depth(unit, r, specs, depth + 4))
                .is_some_and(|t| t.path == super::types::STATIC_STR)
        });
        Some(if all_static {
            Ty::named(super::types::STATIC_STR)
        } else {
            declared
        })
    }

    fn ret_of(&self, unit: usize, key: &str) -> Option<Ty> {
        let v = self.fns.get(&(unit, key.to_string()))?;
        // Several definitions (cfg'd twins, two modules): only an agreed type.
        let mut found: Option<Ty> = None;
        for &(f, i) in v {
            let r = self.rets.get(&(f, i)).cloned().flatten()?;
            match &found {
                Some(t) if *t != r => return None,
                _ => found = Some(r),
            }
        }
        found
    }

    /// The type a method of the workspace gives the `param`th parameter of
    /// the closure passed as its `arg`th argument (`F: FnOnce(&Tx) -> R`).
    fn closure_param(
        &self,
        unit: usize,
        recv: Option<&Ty>,
        name: &str,
        arg: usize,
        param: usize,
    ) -> Option<Ty> {
        let mut candidates: Vec<(usize, usize)> = Vec::new();
        match recv {
            Some(r) if r.is_dyn() => {
                for b in &r.args {
                    candidates.extend(
                        self.fns
                            .get(&(unit, format!("{}::{name}", b.path)))
                            .into_iter()
                            .flatten(),
                    );
                }
            }
            Some(r) => {
                let owner = if r.root().is_some() {
                    r.name()
                } else {
                    r.path.as_str()
                };
                candidates.extend(
                    self.fns
                        .get(&(unit, format!("{owner}::{name}")))
                        .into_iter()
                        .flatten(),
                );
            }
            None => {}
        }
        if candidates.is_empty() {
            // The receiver's type is unknown: the workspace's methods of that
            // name, when they agree on the closure's parameter.
            let suffix = format!("::{name}");
            for ((u, key), v) in &self.fns {
                if *u == unit && key.ends_with(&suffix) {
                    candidates.extend(v.iter().copied());
                }
            }
            candidates.sort();
        }
        let mut found: Option<Ty> = None;
        {
            for &(f, i) in &candidates {
                let Some(Some(t)) = self.params.get(&(f, i)).and_then(|p| p.get(arg)) else {
                    continue;
                };
                let closure = if t.is_dyn() {
                    t.args
                        .iter()
                        .find(|b| matches!(b.name(), "FnOnce" | "FnMut" | "Fn"))
                } else {
                    None
                };
                if let Some(p) = closure.and_then(|c| c.args.get(param)) {
                    if p.path == "_" {
                        continue;
                    }
                    match &found {
                        Some(t) if t != p => return None,
                        _ => found = Some(p.clone()),
                    }
                }
            }
        }
        found
    }

    /// Has the workspace type `owner` (or a trait it implements) a method `name`?
    pub fn has_method(&self, unit: usize, owner: &str, name: &str) -> bool {
        self.fns.contains_key(&(unit, format!("{owner}::{name}")))
    }

    fn expand(&self, unit: usize, ty: Ty, depth: usize) -> Ty {
        if depth < 4 && ty.root().is_none() {
            if let Some(a) = self.aliases.get(&(unit, ty.path.clone())) {
                return self.expand(unit, a.clone(), depth + 1);
            }
        }
        ty
    }

    /// The type a recipe names, if it can be known.
    pub fn eval(&self, unit: usize, e: &TyExpr, specs: &[OrmSpec]) -> Option<Ty> {
        self.eval_depth(unit, e, specs, 0)
    }

    fn eval_depth(&self, unit: usize, e: &TyExpr, specs: &[OrmSpec], depth: usize) -> Option<Ty> {
        if depth > 16 {
            return None;
        }
        let ev = |x: &TyExpr| self.eval_depth(unit, x, specs, depth + 1);
        let t = match e {
            TyExpr::Known(t) => t.clone(),
            TyExpr::Peel(b) => ev(b)?.peeled(),
            TyExpr::Element(b) => self.expand(unit, ev(b)?, 0).element()?,
            TyExpr::TupleField(b, i) => {
                let t = self.expand(unit, ev(b)?, 0);
                if t.path == "()" {
                    t.args.get(*i)?.clone()
                } else if t.root().is_none() {
                    // A tuple struct's field `.0`.
                    let fields = self.structs.get(&(unit, t.path.clone()))?;
                    let field = &fields.iter().find(|(n, _)| *n == i.to_string())?.1;
                    substitute(field, &t.args)?
                } else {
                    return None;
                }
            }
            TyExpr::Field(b, name) => {
                let t = self.expand(unit, ev(b)?, 0);
                if t.root().is_some() {
                    return None;
                }
                let fields = self.structs.get(&(unit, t.path.clone()))?;
                let field = &fields.iter().find(|(n, _)| n == name)?.1;
                substitute(field, &t.args)?
            }
            TyExpr::Call(path) => self.call_ret(unit, path, specs)?,
            TyExpr::Method(b, name) => {
                let recv = self.expand(unit, ev(b)?, 0);
                self.method_ret(unit, &recv, name, specs, depth)?
            }
            TyExpr::ClosureArg(b, name, arg, param) => {
                let recv = ev(b).map(|r| self.expand(unit, r, 0));
                self.closure_param(unit, recv.as_ref(), name, *arg, *param)?
            }
        };
        Some(self.expand(unit, t, 0))
    }

    fn call_ret(&self, unit: usize, path: &str, specs: &[OrmSpec]) -> Option<Ty> {
        let segs: Vec<&str> = path.split("::").collect();
        let n = segs.len();
        // A workspace function or associated function.
        let key = if n >= 2 && segs[n - 2].starts_with(|c: char| c.is_ascii_uppercase()) {
            format!("{}::{}", segs[n - 2], segs[n - 1])
        } else {
            segs[n - 1].to_string()
        };
        if n <= 2 || !is_external_root(segs[0]) {
            if let Some(t) = self.ret_of(unit, &key) {
                return Some(t);
            }
        }
        // An ORM function the data names (`Client::connect`, `Connection::open`).
        for s in specs {
            let root_ok = n < 3 || s.crates.iter().any(|c| c == segs[0]);
            if !root_ok {
                continue;
            }
            for r in &s.returns {
                if r.functions.iter().any(|f| path_ends_with(path, f)) {
                    let root = if n >= 3 { segs[0] } else { crate_root(s) };
                    return Some(Ty::named(format!("{root}::{}", r.ty)));
                }
            }
        }
        // `Type::new(..)`-style constructors of any type give that type.
        if n >= 2 && segs[n - 2].starts_with(|c: char| c.is_ascii_uppercase()) {
            let f = segs[n - 1];
            if matches!(
                f,
                "new" | "connect" | "open" | "default" | "builder" | "build" | "create"
            ) || f.starts_with("new_")
                || f.starts_with("with_")
                || f.starts_with("connect_")
                || f.starts_with("open_")
            {
                return Some(Ty::named(segs[..n - 1].join("::")));
            }
        }
        None
    }

    fn method_ret(
        &self,
        unit: usize,
        recv: &Ty,
        name: &str,
        specs: &[OrmSpec],
        depth: usize,
    ) -> Option<Ty> {
        // Locks and cells hand out what they hold.
        if recv.path == "Mutex" {
            if matches!(
                name,
                "lock"
                    | "read"
                    | "write"
                    | "try_lock"
                    | "lock_owned"
                    | "borrow"
                    | "borrow_mut"
                    | "get_mut"
                    | "get"
                    | "blocking_lock"
                    | "into_inner"
            ) {
                return recv.args.first().cloned();
            }
            return None;
        }
        // Iterators and collections.
        if let Some(elem) = recv.element() {
            match name {
                "enumerate" => {
                    let pair = Ty::with("()", vec![Ty::named("usize"), elem]);
                    return Some(Ty::with("iter", vec![pair]));
                }
                "next" | "first" | "last" | "get" | "pop" | "pop_front" | "pop_back" | "front"
                | "back" | "find" | "min" | "max" | "min_by_key" | "max_by_key" | "try_next"
                | "next_back" | "nth" | "get_mut" | "remove" => {
                    return Some(Ty::with("Option", vec![elem]));
                }
                "values" | "into_values" if recv.name().ends_with("Map") => {
                    return recv.args.get(1).map(|v| Ty::with("iter", vec![v.clone()]));
                }
                "keys" | "into_keys" if recv.name().ends_with("Map") => {
                    return recv.args.first().map(|k| Ty::with("iter", vec![k.clone()]));
                }
                "chunks" | "chunks_exact" | "windows" => {
                    return Some(Ty::with("iter", vec![Ty::with("[]", vec![elem])]));
                }
                _ => {}
            }
        }
        if self.is_local(unit, recv) {
            // The depth goes on: a body's recipe may call back into this
            // method (a trait impl forwarding to the inherent one).
            return self.ret_sharp(unit, &format!("{}::{name}", recv.path), specs, depth);
        }
        if recv.is_dyn() {
            // A trait of the workspace declares it; an ORM trait is a handle.
            for b in &recv.args {
                if b.root().is_none() {
                    if let Some(t) = self.ret_of(unit, &format!("{}::{name}", b.path)) {
                        return Some(t);
                    }
                }
            }
        }
        // What the ORM data says the method returns on this handle.
        let orm = self.orm_of(unit, recv, specs)?;
        let s = &specs[orm];
        for r in &s.returns {
            if r.methods.iter().any(|m| m == name)
                && (r.on.is_empty() || r.on.iter().any(|o| o == recv.name()))
            {
                let root = recv.root().unwrap_or_else(|| crate_root(s));
                return Some(Ty::named(format!("{root}::{}", r.ty)));
            }
        }
        None
    }

    /// Which ORM a type belongs to: its path is rooted in the ORM's crate, or
    /// (unresolved, as through a glob import) its name is one of the ORM's
    /// handle types and no workspace type has it.
    pub fn orm_of(&self, unit: usize, ty: &Ty, specs: &[OrmSpec]) -> Option<usize> {
        self.orms_of(unit, ty, specs).first().copied()
    }

    /// Every ORM the type may belong to: one when its path names the
    /// crate, several when only its name is known (`Transaction` through
    /// a glob import is rusqlite's or postgres's).
    pub fn orms_of(&self, unit: usize, ty: &Ty, specs: &[OrmSpec]) -> Vec<usize> {
        if ty.is_dyn() {
            return ty
                .args
                .iter()
                .flat_map(|b| self.orms_of(unit, b, specs))
                .collect();
        }
        let claims = |s: &OrmSpec| s.handle_types().any(|t| t == ty.name());
        match ty.root() {
            Some(root) => specs
                .iter()
                .position(|s| s.crates.iter().any(|c| c == root) && claims(s))
                .into_iter()
                .collect(),
            None if self.types.contains(&(unit, ty.path.clone())) => Vec::new(),
            None => (0..specs.len())
                .filter(|&i| !specs[i].crates.is_empty() && claims(&specs[i]))
                .collect(),
        }
    }

    /// Is this receiver type known to be something other than a database
    /// handle, for a call of method `name`?
    pub fn known_other(&self, unit: usize, ty: &Ty, name: &str, specs: &[OrmSpec]) -> bool {
        if self.orm_of(unit, ty, specs).is_some() {
            return false;
        }
        let std_type = STD_TYPES.contains(&ty.name()) || NUMERIC_TYPES.contains(&ty.name());
        if std_type && (ty.root().is_none() || ty.root() == Some("std")) {
            return true;
        }
        if let Some(root) = ty.root() {
            // A handle's name from a crate that is not the ORM's
            // (`reqwest::Client`, `redis::Connection`): not a database
            // call. Other external types may wrap one: unknown.
            return !POOL_CRATES.contains(&root)
                && !specs.iter().any(|s| s.crates.iter().any(|c| c == root))
                && specs
                    .iter()
                    .any(|s| s.handle_types().any(|t| t == ty.name()));
        }
        if ty.is_dyn() {
            return ty
                .args
                .iter()
                .any(|b| b.root().is_none() && self.has_method(unit, &b.path, name));
        }
        // A workspace type with a method of that name: the call goes there.
        self.is_local(unit, ty) && self.has_method(unit, &ty.path, name)
    }
}

/// A field's type with the struct's parameters (`$0`, `$1`) replaced by
/// the arguments of the value's type; `None` when one is not known.
fn substitute(ty: &Ty, args: &[Ty]) -> Option<Ty> {
    if let Some(k) = ty.path.strip_prefix('$') {
        return args.get(k.parse::<usize>().ok()?).cloned();
    }
    let mut out = Ty::named(ty.path.clone());
    for a in &ty.args {
        out.args
            .push(substitute(a, args).unwrap_or_else(|| Ty::named("_")));
    }
    Some(out)
}

fn is_external_root(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase()) && !matches!(s, "crate" | "self" | "super")
}

fn crate_root(s: &OrmSpec) -> &str {
    s.crates.first().map_or(s.name.as_str(), String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::facts::{FnInfo, StructInfo};

    fn fn_info(key: &str, ret: Option<Ty>) -> FnInfo {
        let (owner, name) = match key.split_once("::") {
            Some((o, n)) => (Some(o.to_string()), n.to_string()),
            None => (None, key.to_string()),
        };
        FnInfo {
            key: key.into(),
            name,
            owner,
            span: 0..0,
            params: 0,
            has_self: true,
            trait_name: None,
            ret,
            has_body: true,
            param_tys: Vec::new(),
            ret_recipe: None,
            public: false,
            ret_taint: Vec::new(),
            param_names: Vec::new(),
        }
    }

    #[test]
    fn recipes_follow_fields_returns_and_orm_data() {
        let specs = crate::source::orm::builtin();
        let facts = FileFacts {
            fns: vec![
                fn_info(
                    "Account::list_for",
                    Some(Ty::with("Vec", vec![Ty::named("Account")])),
                ),
                fn_info("Account::render", None),
                fn_info("Gh::fetch", None),
            ],
            structs: vec![StructInfo {
                name: "Gh".into(),
                fields: vec![("client".into(), Ty::named("reqwest::Client"))],
            }],
            ..FileFacts::default()
        };
        let ix = Index::build(&[Some(Unit {
            unit: 0,
            facts: &facts,
        })]);
        // for m in Account::list_for(..).await? { m.render() }
        let m = TyExpr::Element(Box::new(TyExpr::Peel(Box::new(TyExpr::Call(
            "Account::list_for".into(),
        )))));
        // `?` on what is not a Result or Option leaves it as it is.
        assert_eq!(ix.eval(0, &m, &specs), Some(Ty::named("Account")));
        let m = TyExpr::Element(Box::new(TyExpr::Call("Account::list_for".into())));
        assert_eq!(ix.eval(0, &m, &specs), Some(Ty::named("Account")));
        // self.client on Gh is reqwest's.
        let c = TyExpr::Field(Box::new(TyExpr::Known(Ty::named("Gh"))), "client".into());
        let t = ix.eval(0, &c, &specs).unwrap();
        assert!(ix.known_other(0, &t, "execute", &specs));
        // postgres::Client::connect(..)?.transaction()? is a postgres transaction.
        let tx = TyExpr::Peel(Box::new(TyExpr::Method(
            Box::new(TyExpr::Peel(Box::new(TyExpr::Call(
                "postgres::Client::connect".into(),
            )))),
            "transaction".into(),
        )));
        let t = ix.eval(0, &tx, &specs).unwrap();
        assert_eq!(t.path, "postgres::Transaction");
        assert_eq!(
            ix.orm_of(0, &t, &specs).map(|i| specs[i].name.as_str()),
            Some("postgres")
        );
    }
}
