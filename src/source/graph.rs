//! The call graph over resolved calls, across the workspace, and the
//! query sites it yields: each database call, and each call in a loop to a
//! function that reaches one, with the hops in between.

use std::collections::{HashMap, HashSet};

use super::facts::{self, CallRaw, CallTarget, Evidence, FileFacts, SiteRaw, Taint, TextSource};
use super::orm::OrmSpec;
use super::{resolve, visit, Loaded, Parsed};
use crate::engine::{CallHop, FileId, LoopInfo, Origin, QuerySite, Span, SqlSource};

/// A function of the workspace: (file, index into its facts' fns).
type FnRef = (usize, usize);

/// A call of the workspace: (file, index into its facts' calls).
type CallRef = (usize, usize);

/// Where a function's query is: the chain of hops to the executing call.
type HopPath = Vec<(usize, std::ops::Range<usize>, String)>;

/// A struct field of a unit: (unit, type, field).
type FieldKey = (usize, String, String);

struct Graph<'a> {
    parsed: &'a [Option<Parsed>],
    loaded: &'a [Loaded],
    index: &'a resolve::Index,
    specs: &'a [OrmSpec],
    /// (crate, fn key) → (file, fn index)
    by_key: HashMap<(usize, String), Vec<(usize, usize)>>,
    /// (crate, method name) → (file, fn index) for methods
    methods_by_name: HashMap<(usize, String), Vec<(usize, usize)>>,
    memo: HashMap<(usize, usize), Option<HopPath>>,
    max_depth: usize,
    /// Functions that page through a table in a loop (memo).
    paging_fns: HashMap<(usize, usize), bool>,
    /// Functions that fetch a page, themselves or through calls (memo).
    fetches_page: HashMap<(usize, usize), bool>,
    id_of: &'a [Option<FileId>],
    /// Callers of each function (built when first needed).
    callers: Option<HashMap<FnRef, Vec<(usize, usize)>>>,
    /// Structs the workspace fills from the command line.
    cli_structs: HashSet<String>,
    /// Traits the workspace defines, by unit.
    local_traits: HashSet<(usize, String)>,
    /// What the workspace stores in each struct field, by (unit, type,
    /// field): (file, index into its `field_writes`).
    field_writes: Option<HashMap<FieldKey, Vec<(usize, usize)>>>,
    /// Calls with arguments by (unit, name they call).
    calls_by_name: Option<HashMap<(usize, String), Vec<CallRef>>>,
}

impl Graph<'_> {
    fn facts(&self, file: usize) -> &FileFacts {
        // Only parsed files are indexed.
        self.parsed[file]
            .as_ref()
            .map(|p| &p.facts)
            .unwrap_or_else(|| unreachable_facts())
    }

    /// Functions a call may reach: same crate, same name, same arity, and
    /// the caller's own file first when it defines one.
    fn resolve(
        &self,
        krate: usize,
        from_file: usize,
        target: &CallTarget,
        args: usize,
    ) -> Vec<(usize, usize)> {
        let candidates = match target {
            CallTarget::Free(name) => {
                if name.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
                    return Vec::new();
                }
                self.by_key
                    .get(&(krate, name.clone()))
                    .cloned()
                    .unwrap_or_default()
            }
            CallTarget::Method {
                owner: Some(o),
                name,
            } => self
                .by_key
                .get(&(krate, format!("{o}::{name}")))
                .cloned()
                .unwrap_or_default(),
            CallTarget::Method { owner: None, name } => {
                // By name alone, a method of a trait impl is any
                // implementor's, most of them perhaps outside the workspace.
                let c: Vec<(usize, usize)> = self
                    .methods_by_name
                    .get(&(krate, name.clone()))
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|&(f, i)| {
                        self.facts(f).fns[i]
                            .trait_name
                            .as_ref()
                            .is_none_or(|t| self.local_traits.contains(&(krate, t.clone())))
                    })
                    .collect();
                let keys: HashSet<&str> = c
                    .iter()
                    .map(|&(f, i)| self.facts(f).fns[i].key.as_str())
                    .collect();
                if keys.len() == 1 {
                    c
                } else {
                    Vec::new()
                }
            }
        };
        let method_call = matches!(target, CallTarget::Method { owner: None, .. });
        let arity_ok = |&(f, i): &(usize, usize)| {
            let info = &self.facts(f).fns[i];
            if method_call {
                info.has_self && info.params == args
            } else {
                // `Type::method(recv, a)` passes the receiver as an argument.
                info.params == args || (info.has_self && info.params + 1 == args)
            }
        };
        let fitting: Vec<(usize, usize)> = candidates.into_iter().filter(arity_ok).collect();
        let local: Vec<(usize, usize)> = fitting
            .iter()
            .copied()
            .filter(|(f, _)| *f == from_file)
            .collect();
        if local.is_empty() {
            fitting
        } else {
            local
        }
    }

    /// Functions a call may reach: by the receiver's type when it is known
    /// (`None` when it is not), else by name.
    fn typed_targets(&self, unit: usize, call: &CallRaw) -> Option<Vec<(usize, usize)>> {
        let recv = call.recv.as_ref()?;
        let ty = self.index.eval(unit, recv, self.specs)?;
        let name = call.target.name();
        let bodies = |key: String| -> Vec<(usize, usize)> {
            self.index
                .fns
                .get(&(unit, key))
                .into_iter()
                .flatten()
                .copied()
                .filter(|&(f, i)| self.facts(f).fns[i].has_body)
                .collect()
        };
        let impl_methods = |tr: &str| -> Vec<(usize, usize)> {
            let mut v = Vec::new();
            for t in self
                .index
                .impls
                .get(&(unit, tr.to_string()))
                .into_iter()
                .flatten()
            {
                v.extend(bodies(format!("{t}::{name}")));
            }
            v.extend(bodies(format!("{tr}::{name}")));
            v
        };
        if self.index.is_local(unit, &ty) {
            let mut v = bodies(format!("{}::{name}", ty.path));
            if v.is_empty() {
                // A default method of a trait the type implements, traits in
                // name order (the index is a hash map).
                let mut traits: Vec<&String> = self
                    .index
                    .impls
                    .iter()
                    .filter(|(tr, types)| tr.0 == unit && types.contains(&ty.path))
                    .map(|(tr, _)| &tr.1)
                    .collect();
                traits.sort();
                for tr in traits {
                    v.extend(bodies(format!("{tr}::{name}")));
                }
            }
            return Some(v);
        }
        if ty.is_dyn() {
            // Every implementation of the trait's method in the workspace.
            let v: Vec<(usize, usize)> = ty
                .args
                .iter()
                .filter(|b| b.root().is_none())
                .flat_map(|b| impl_methods(&b.path))
                .collect();
            return (!v.is_empty() || ty.args.iter().all(|b| b.root().is_some())).then_some(v);
        }
        // An external type: the workspace's extension traits on it
        // (`impl ConnExt for rusqlite::Connection`), else unknown.
        if ty.root().is_some() {
            let v = bodies(format!("{}::{name}", ty.name()));
            return (!v.is_empty()).then_some(v);
        }
        self.index
            .known_other(unit, &ty, name, self.specs)
            .then(Vec::new)
    }

    /// Functions a call may reach, and whether the receiver's type chose them.
    fn targets(&self, file: usize, call: &CallRaw) -> (Vec<(usize, usize)>, bool) {
        let unit = self.loaded[file].unit;
        if let Some(v) = self.typed_targets(unit, call) {
            return (v, true);
        }
        let untyped_common = call.recv.is_some()
            && matches!(&call.target, CallTarget::Method { owner: None, name } if visit::COMMON_METHODS.contains(&name.as_str()));
        if untyped_common {
            return (Vec::new(), false);
        }
        (self.resolve(unit, file, &call.target, call.args), false)
    }

    /// The hops from the start of fn `(file, idx)` to a query it runs.
    fn query_path(
        &mut self,
        file: usize,
        idx: usize,
        depth: usize,
        max: usize,
        stack: &mut Vec<(usize, usize)>,
    ) -> Option<HopPath> {
        if let Some(m) = self.memo.get(&(file, idx)) {
            return m.clone();
        }
        if stack.contains(&(file, idx)) || depth > max {
            return None;
        }
        let facts = self.facts(file);
        if let Some(site) = facts.sites.iter().find(|s| {
            s.executes && !s.memo && !s.on_error && s.func == Some(idx) && !per_event(&s.loops)
        }) {
            let path = vec![(file, site.span.clone(), facts.fns[idx].key.clone())];
            self.memo.insert((file, idx), Some(path.clone()));
            return Some(path);
        }
        stack.push((file, idx));
        let calls: Vec<(Vec<FnRef>, std::ops::Range<usize>)> = facts
            .calls
            .iter()
            .filter(|c| c.caller == Some(idx) && !c.memo && !c.on_error && !per_event(&c.loops))
            .map(|c| (self.targets(file, c).0, c.span.clone()))
            .collect();
        let mut found = None;
        for (targets, span) in calls {
            for (f2, i2) in targets {
                if let Some(rest) = self.query_path(f2, i2, depth + 1, max, stack) {
                    let mut path =
                        vec![(file, span.clone(), self.facts(file).fns[idx].key.clone())];
                    path.extend(rest);
                    found = Some(path);
                    break;
                }
            }
            if found.is_some() {
                break;
            }
        }
        stack.pop();
        if depth == 1 || found.is_some() {
            self.memo.insert((file, idx), found.clone());
        }
        found
    }
}

impl Graph<'_> {
    /// The calls fn `(file, idx)` makes that `keep` accepts.
    fn calls_in(&self, file: usize, idx: usize, keep: impl Fn(&CallRaw) -> bool) -> Vec<CallRaw> {
        self.facts(file)
            .calls
            .iter()
            .filter(|c| c.caller == Some(idx) && keep(c))
            .cloned()
            .collect()
    }

    /// Does fn `(file, idx)` run a query that fetches one page (`LIMIT`,
    /// `offset`), itself or through the functions it calls?
    fn reaches_paging(&mut self, file: usize, idx: usize, depth: usize) -> bool {
        if let Some(&b) = self.fetches_page.get(&(file, idx)) {
            return b;
        }
        self.fetches_page.insert((file, idx), false);
        let facts = self.facts(file);
        let mut found = facts
            .sites
            .iter()
            .any(|s| s.func == Some(idx) && s.executes && s.paging);
        if !found && depth < self.max_depth {
            let calls = self.calls_in(file, idx, |c| !c.memo);
            'calls: for c in calls {
                for (f2, i2) in self.targets(file, &c).0 {
                    if self.reaches_paging(f2, i2, depth + 1) {
                        found = true;
                        break 'calls;
                    }
                }
            }
        }
        self.fetches_page.insert((file, idx), found);
        found
    }

    /// Does fn `(file, idx)` page through a table: a `loop`/`while` around
    /// a query (its own or a callee's) that fetches one page? Called once
    /// per element, such a function is a job per element (a sync, a
    /// replay), whose queries are already batched by the page.
    fn pages_in_loop(&mut self, file: usize, idx: usize, depth: usize) -> bool {
        if let Some(&b) = self.paging_fns.get(&(file, idx)) {
            return b;
        }
        self.paging_fns.insert((file, idx), false);
        let while_like = |loops: &[facts::LoopRaw]| {
            loops.last().is_some_and(|l| {
                matches!(
                    l.kind,
                    crate::engine::LoopKind::Loop
                        | crate::engine::LoopKind::While
                        | crate::engine::LoopKind::WhileLet
                )
            })
        };
        // A loop over batches (`while let Some(page) = pages.next()`,
        // `for chunk in ids.chunks(500)`) that queries works by the batch too.
        let by_batch = |loops: &[facts::LoopRaw]| loops.last().is_some_and(|l| l.batched);
        let facts = self.facts(file);
        let mut found = facts.sites.iter().any(|s| {
            s.func == Some(idx)
                && s.executes
                && ((s.paging && while_like(&s.loops)) || by_batch(&s.loops))
        });
        let batch_calls = self.calls_in(file, idx, |c| by_batch(&c.loops));
        for c in batch_calls {
            if found {
                break;
            }
            let max = self.max_depth;
            found = self
                .targets(file, &c)
                .0
                .into_iter()
                .any(|(f2, i2)| self.query_path(f2, i2, 1, max, &mut Vec::new()).is_some());
        }
        let calls = self.calls_in(file, idx, |c| while_like(&c.loops));
        for c in calls {
            if found {
                break;
            }
            for (f2, i2) in self.targets(file, &c).0 {
                if self.reaches_paging(f2, i2, 1) {
                    found = true;
                    break;
                }
            }
        }
        // Or a function it calls does (a sync that downloads by the page).
        if !found && depth < 3 {
            let calls = self.calls_in(file, idx, |c| !c.memo);
            'calls: for c in calls {
                for (f2, i2) in self.targets(file, &c).0 {
                    if (f2, i2) != (file, idx) && self.pages_in_loop(f2, i2, depth + 1) {
                        found = true;
                        break 'calls;
                    }
                }
            }
        }
        self.paging_fns.insert((file, idx), found);
        found
    }
}

/// 1 when a call passes the callee's receiver as its first argument
/// (`Type::method(recv, a)`), so its arguments sit one place further.
fn receiver_first(info: &facts::FnInfo, c: &CallRaw) -> usize {
    usize::from(
        info.has_self
            && matches!(
                c.target,
                CallTarget::Free(_) | CallTarget::Method { owner: Some(_), .. }
            )
            && c.args == info.params + 1,
    )
}

/// A parameter named for SQL text or a prepared statement.
/// Inside a loop of its own function that walks no data — an event,
/// service or polling loop (`while let Some(msg) = rx.recv().await`): the
/// query runs once per event, not once per call of the function, so a
/// caller's loop does not repeat it.
fn per_event(loops: &[facts::LoopRaw]) -> bool {
    loops.iter().any(|l| {
        !l.over_data
            && matches!(
                l.kind,
                crate::engine::LoopKind::While
                    | crate::engine::LoopKind::WhileLet
                    | crate::engine::LoopKind::Loop
            )
    })
}

fn holds_sql(name: &str) -> bool {
    let n = name.trim_start_matches('_').to_ascii_lowercase();
    matches!(
        n.as_str(),
        "sql" | "statement" | "stmt" | "ddl" | "script" | "statements" | "stmts"
    ) || n.ends_with("_sql")
        || n.starts_with("sql_")
}

pub(super) fn unreachable_facts() -> &'static FileFacts {
    static EMPTY: std::sync::OnceLock<FileFacts> = std::sync::OnceLock::new();
    EMPTY.get_or_init(FileFacts::default)
}

pub(super) fn to_sql_source(file: FileId, src: &TextSource) -> SqlSource {
    match src {
        TextSource::Constant => SqlSource::Constant,
        TextSource::Unknown => SqlSource::Unknown,
        TextSource::Dynamic {
            what,
            numeric,
            at,
            how,
            ..
        } => SqlSource::Dynamic {
            what: what.clone(),
            numeric: *numeric,
            at: Span::new(file, at.clone()),
            how: how.clone(),
            origin: crate::engine::Origin::None,
        },
    }
}

impl Graph<'_> {
    /// The calls that may reach fn `(file, idx)`: those naming it, whose
    /// targets include it — (file, index into its calls).
    fn callers_of(&mut self, file: usize, idx: usize) -> Vec<(usize, usize)> {
        if let Some(v) = self.callers.as_ref().and_then(|m| m.get(&(file, idx))) {
            return v.clone();
        }
        if self.calls_by_name.is_none() {
            let mut by_name: HashMap<(usize, String), Vec<CallRef>> = HashMap::new();
            for (fi, p) in self.parsed.iter().enumerate() {
                let Some(p) = p else { continue };
                for (ci, c) in p.facts.calls.iter().enumerate() {
                    if c.args > 0 {
                        by_name
                            .entry((self.loaded[fi].unit, c.target.name().to_string()))
                            .or_default()
                            .push((fi, ci));
                    }
                }
            }
            self.calls_by_name = Some(by_name);
        }
        let mut out = Vec::new();
        for (cf, ci) in self.calls_naming(file, idx) {
            let c = &self.parsed[cf].as_ref().map(|p| &p.facts.calls[ci]);
            let Some(c) = c else { continue };
            let c = (*c).clone();
            if self.targets(cf, &c).0.contains(&(file, idx)) {
                out.push((cf, ci));
            }
        }
        self.callers
            .get_or_insert_with(HashMap::new)
            .insert((file, idx), out.clone());
        out
    }

    /// The calls with arguments in the unit that name fn `(file, idx)`
    /// (built by `callers_of`).
    fn calls_naming(&self, file: usize, idx: usize) -> Vec<CallRef> {
        let name = self.facts(file).fns[idx].name.clone();
        let unit = self.loaded[file].unit;
        self.calls_by_name
            .as_ref()
            .and_then(|m| m.get(&(unit, name)))
            .cloned()
            .unwrap_or_default()
    }

    /// Where the unit of `file` stores something in `owner.field`.
    fn writes_of(&mut self, file: usize, owner: &str, field: &str) -> Vec<(usize, usize)> {
        if self.field_writes.is_none() {
            let mut by_field: HashMap<FieldKey, Vec<(usize, usize)>> = HashMap::new();
            for (fi, p) in self.parsed.iter().enumerate() {
                let Some(p) = p else { continue };
                for (wi, w) in p.facts.field_writes.iter().enumerate() {
                    by_field
                        .entry((self.loaded[fi].unit, w.owner.clone(), w.field.clone()))
                        .or_default()
                        .push((fi, wi));
                }
            }
            self.field_writes = Some(by_field);
        }
        let key = (self.loaded[file].unit, owner.to_string(), field.to_string());
        self.field_writes
            .as_ref()
            .and_then(|m| m.get(&key))
            .cloned()
            .unwrap_or_default()
    }

    /// Is there a call in the unit naming fn `(file, idx)` that may reach
    /// it after all: one the graph could not resolve, or one resolved by
    /// its name alone to a namesake (a same-file function of that name is
    /// preferred, rightly or not)? A call resolved by its receiver's type
    /// to another function (a wrapper's `self.inner.create(x)`) does not
    /// count.
    fn maybe_called(&mut self, file: usize, idx: usize) -> bool {
        let _ = self.callers_of(file, idx);
        self.calls_naming(file, idx).into_iter().any(|(cf, ci)| {
            let Some(c) = self.parsed[cf].as_ref().map(|p| p.facts.calls[ci].clone()) else {
                return false;
            };
            let (targets, typed) = self.targets(cf, &c);
            targets.is_empty() || (!typed && !targets.contains(&(file, idx)))
        })
    }

    /// Where text that fn `(file, func)` splices into SQL comes from,
    /// given what that function shows (`taint`), followed up through its
    /// callers (`depth` of them so far).
    fn origin(
        &mut self,
        file: usize,
        func: Option<usize>,
        taint: &[Taint],
        depth: usize,
    ) -> Result<Origin, ()> {
        let Some(file_id) = self.id_of[file] else {
            return Ok(Origin::None);
        };
        let mut row = None;
        let mut unresolved = None;
        for t in taint {
            match t {
                Taint::Source { kind, what, at } => {
                    return Ok(Origin::Input {
                        kind: kind.clone(),
                        what: what.clone(),
                        steps: vec![(
                            Span::new(file_id, at.clone()),
                            format!("{what} enters here"),
                        )],
                    });
                }
                Taint::Row { at } => {
                    row.get_or_insert_with(|| {
                        vec![(
                            Span::new(file_id, at.clone()),
                            "read from the database here".to_string(),
                        )]
                    });
                }
                Taint::Unknown => {}
                Taint::Parsed { ty, at } => {
                    if self.cli_structs.contains(ty) {
                        return Ok(Origin::Input {
                            kind: "cli".into(),
                            what: "a command-line argument".into(),
                            steps: vec![(
                                Span::new(file_id, at.clone()),
                                "parsed from the command line here".to_string(),
                            )],
                        });
                    }
                }
                // What a workspace function returns: rows when it reads.
                Taint::Call { at } => {
                    let Some(c) = self
                        .facts(file)
                        .calls
                        .iter()
                        .find(|c| c.span == *at)
                        .cloned()
                    else {
                        continue;
                    };
                    let max = self.max_depth;
                    // Only a call whose target is known for sure: by type,
                    // or by a path (not a method name alone).
                    let (targets, typed) = self.targets(file, &c);
                    if !typed && matches!(c.target, CallTarget::Method { owner: None, .. }) {
                        continue;
                    }
                    // What the callee returns, from its parameters (the
                    // arguments here) or its own sources.
                    if depth < 3 {
                        for &(f2, i2) in &targets {
                            let info = self.facts(f2).fns[i2].clone();
                            if info.ret_taint.is_empty() {
                                continue;
                            }
                            let shift = receiver_first(&info, &c);
                            let mut here = Vec::new();
                            for t in &info.ret_taint {
                                match t {
                                    Taint::Param { index, .. } => {
                                        if let Some(a) = c.arg_taints.get(index + shift) {
                                            here.extend(a.iter().cloned());
                                        }
                                    }
                                    Taint::Source { kind, what, .. } => {
                                        return Ok(Origin::Input {
                                            kind: kind.clone(),
                                            what: what.clone(),
                                            steps: vec![(
                                                Span::new(file_id, at.clone()),
                                                format!("{what} returned by `{}` here", info.key),
                                            )],
                                        });
                                    }
                                    _ => {}
                                }
                            }
                            if here.is_empty() {
                                continue;
                            }
                            let up = self.origin(file, func, &here, depth + 1)?;
                            let step = (
                                Span::new(file_id, at.clone()),
                                format!("passed through `{}` here", info.key),
                            );
                            if let Some(found) = fold_up(up, vec![step], &mut row, &mut unresolved)
                            {
                                return Ok(found);
                            }
                        }
                    }
                    for (f2, i2) in targets {
                        let Some(path) = self.query_path(f2, i2, 1, max, &mut Vec::new()) else {
                            continue;
                        };
                        let Some((lf, span, _)) = path.last() else {
                            continue;
                        };
                        let reads = self
                            .facts(*lf)
                            .sites
                            .iter()
                            .any(|s| s.span == *span && s.executes && !s.operation.is_write());
                        if reads {
                            let callee = self.facts(f2).fns[i2].key.clone();
                            row.get_or_insert_with(|| {
                                vec![(
                                    Span::new(file_id, at.clone()),
                                    format!("read from the database by `{callee}` here"),
                                )]
                            });
                            break;
                        }
                    }
                }
                // A field of `self`: what the workspace stores in it, each
                // write followed in the function that makes it.
                Taint::Field { owner, field, at } => {
                    if depth >= 3 {
                        continue;
                    }
                    for (wf, wi) in self.writes_of(file, owner, field) {
                        let w = self.facts(wf).field_writes[wi].clone();
                        let Some(write_file) = self.id_of[wf] else {
                            continue;
                        };
                        let step = (
                            Span::new(write_file, w.at.clone()),
                            format!("stored in `{owner}.{field}` here"),
                        );
                        let read = (
                            Span::new(file_id, at.clone()),
                            format!("read from `{owner}.{field}` here"),
                        );
                        let up = self.origin(wf, w.func, &w.taint, depth + 1)?;
                        if let Some(found) =
                            fold_up(up, vec![step, read], &mut row, &mut unresolved)
                        {
                            return Ok(found);
                        }
                    }
                }
                Taint::Param { index, name } => {
                    let Some(fi) = func else { continue };
                    let info = self.facts(file).fns[fi].clone();
                    // A struct filled from the command line.
                    let cli = info
                        .param_tys
                        .get(*index)
                        .and_then(|t| t.as_ref())
                        .is_some_and(|t| self.cli_structs.contains(t.name()));
                    if cli {
                        let at = info.span.clone();
                        return Ok(Origin::Input {
                            kind: "cli".into(),
                            what: "a command-line argument".into(),
                            steps: vec![(
                                Span::new(file_id, at),
                                format!("`{name}` is parsed from the command line"),
                            )],
                        });
                    }
                    if depth >= 3 {
                        continue;
                    }
                    // A call from the function itself (recursion, or a
                    // namesake's wrapper the graph cannot tell apart) says
                    // nothing about what callers pass.
                    let mut calls = self.callers_of(file, fi);
                    calls.retain(|&(cf, ci)| {
                        !(cf == file && self.facts(cf).calls[ci].caller == Some(fi))
                    });
                    if calls.is_empty() {
                        // Callers outside the workspace decide; a call by
                        // that name the graph could not resolve is not none.
                        if info.public && !self.maybe_called(file, fi) {
                            unresolved.get_or_insert((info.key.clone(), name.clone()));
                        }
                        continue;
                    }
                    for (cf, ci) in calls {
                        let c = self.facts(cf).calls[ci].clone();
                        // `Type::method(recv, a)` passes the receiver first.
                        let shift = receiver_first(&info, &c);
                        let Some(arg) = c.arg_taints.get(index + shift) else {
                            continue;
                        };
                        let Ok(up) = self.origin(cf, c.caller, arg, depth + 1) else {
                            continue;
                        };
                        let Some(call_file) = self.id_of[cf] else {
                            continue;
                        };
                        let step = (
                            Span::new(call_file, c.span.clone()),
                            format!("passed to `{}` as `{name}` here", info.key),
                        );
                        if let Some(found) = fold_up(up, vec![step], &mut row, &mut unresolved) {
                            return Ok(found);
                        }
                    }
                }
            }
        }
        Ok(match (row, unresolved) {
            (Some(steps), _) => Origin::Row { steps },
            (None, Some((function, param))) => Origin::Unresolved { function, param },
            (None, None) => Origin::None,
        })
    }
}

/// What one step up found, folded into the search for an origin: outside
/// input is the answer, with `more` steps (source first) appended; a row
/// or an unresolved parameter is kept while other paths are tried.
fn fold_up(
    up: Origin,
    more: Vec<(Span, String)>,
    row: &mut Option<Vec<(Span, String)>>,
    unresolved: &mut Option<(String, String)>,
) -> Option<Origin> {
    match up {
        Origin::Input {
            kind,
            what,
            mut steps,
        } => {
            steps.extend(more);
            Some(Origin::Input { kind, what, steps })
        }
        Origin::Row { mut steps } => {
            steps.extend(more);
            row.get_or_insert(steps);
            None
        }
        Origin::Unresolved { function, param } => {
            unresolved.get_or_insert((function, param));
            None
        }
        Origin::None => None,
    }
}

pub(super) fn build_sites(
    parsed: &[Option<Parsed>],
    loaded: &[Loaded],
    id_of: &[Option<FileId>],
    specs: &[OrmSpec],
    index: &resolve::Index,
    max_depth: usize,
) -> Vec<QuerySite> {
    let mut out = Vec::new();
    let mut graph = Graph {
        parsed,
        loaded,
        index,
        specs,
        by_key: HashMap::new(),
        methods_by_name: HashMap::new(),
        memo: HashMap::new(),
        max_depth,
        paging_fns: HashMap::new(),
        fetches_page: HashMap::new(),
        id_of,
        callers: None,
        local_traits: parsed
            .iter()
            .enumerate()
            .filter_map(|(fi, p)| Some((fi, p.as_ref()?)))
            .flat_map(|(fi, p)| {
                p.facts
                    .traits
                    .iter()
                    .map(move |t| (loaded[fi].unit, t.clone()))
            })
            .collect(),
        calls_by_name: None,
        field_writes: None,
        cli_structs: parsed
            .iter()
            .flatten()
            .flat_map(|p| p.facts.cli_structs.iter().cloned())
            .collect(),
    };
    for (fi, p) in parsed.iter().enumerate() {
        let Some(p) = p else { continue };
        let krate = loaded[fi].unit;
        // Declarations without a body tell return types, never run a query.
        for (i, f) in p.facts.fns.iter().enumerate().filter(|(_, f)| f.has_body) {
            graph
                .by_key
                .entry((krate, f.key.clone()))
                .or_default()
                .push((fi, i));
            if f.owner.is_some() {
                graph
                    .methods_by_name
                    .entry((krate, f.name.clone()))
                    .or_default()
                    .push((fi, i));
            }
        }
    }
    let loops_of = |file: FileId, loops: &[facts::LoopRaw]| -> Vec<LoopInfo> {
        loops
            .iter()
            .map(|l| LoopInfo {
                kind: l.kind.clone(),
                header: Span::new(file, l.header.clone()),
                batched: l.batched,
                over_data: l.over_data,
                bounded: l.bounded,
            })
            .collect()
    };
    // Loops (`loop`/`while`) that fetch a page per turn.
    let paging_loops: HashSet<(usize, std::ops::Range<usize>)> = parsed
        .iter()
        .enumerate()
        .filter_map(|(fi, p)| Some((fi, p.as_ref()?)))
        .flat_map(|(fi, p)| {
            p.facts.sites.iter().filter_map(move |s| {
                let l = s.loops.last()?;
                (s.executes
                    && s.paging
                    && !matches!(
                        l.kind,
                        crate::engine::LoopKind::For | crate::engine::LoopKind::Adapter(_)
                    ))
                .then(|| (fi, l.header.clone()))
            })
        })
        .collect();
    // … and those whose turn calls a function that fetches a page
    // (`loop { let page = repo.hash_page(slug, 100)?; … }`).
    let mut paging_loops = paging_loops;
    for (fi, p) in parsed.iter().enumerate() {
        let Some(p) = p else { continue };
        for c in &p.facts.calls {
            let Some(l) = c.loops.last() else { continue };
            if matches!(
                l.kind,
                crate::engine::LoopKind::For | crate::engine::LoopKind::Adapter(_)
            ) || paging_loops.contains(&(fi, l.header.clone()))
            {
                continue;
            }
            let (targets, _) = graph.targets(fi, c);
            if targets
                .into_iter()
                .any(|(f2, i2)| graph.reaches_paging(f2, i2, 1))
            {
                paging_loops.insert((fi, l.header.clone()));
            }
        }
    }
    let in_paging = |fi: usize, loops: &[facts::LoopRaw]| {
        loops
            .last()
            .is_some_and(|l| paging_loops.contains(&(fi, l.header.clone())))
    };
    for (fi, p) in parsed.iter().enumerate() {
        let Some(p) = p else { continue };
        let Some(file) = id_of[fi] else { continue };
        let function = |f: Option<usize>| f.map(|i| p.facts.fns[i].key.clone());
        for s in &p.facts.sites {
            let mut q = site_to_query(
                s,
                file,
                specs,
                loops_of(file, &s.loops),
                Vec::new(),
                function(s.func),
                s.span.clone(),
            );
            q.in_paging_loop = in_paging(fi, &s.loops) && !s.paging;
            q.in_test = s.in_test;
            // The dynamic value's type, now known: `&'static str` text is a
            // constant; a number cannot carry quotes.
            if let (Some(t), Some((_, SqlSource::Dynamic { numeric, .. }))) = (
                s.raw_ty
                    .as_ref()
                    .and_then(|r| index.eval(loaded[fi].unit, r, specs)),
                q.raw_sql.as_mut(),
            ) {
                if t.path == super::types::STATIC_STR {
                    if let Some((_, src)) = q.raw_sql.as_mut() {
                        *src = SqlSource::Constant;
                    }
                } else if visit::NUMERIC_TYPES.contains(&t.path.as_str()) {
                    *numeric = true;
                }
            }
            // Where the spliced text comes from, through the callers.
            if let (
                Some((_, TextSource::Dynamic { taint, .. })),
                Some((_, SqlSource::Dynamic { origin, .. })),
            ) = (&s.raw_sql, q.raw_sql.as_mut())
            {
                if let Ok(o) = graph.origin(fi, s.func, taint, 0) {
                    *origin = o;
                }
            }
            out.push(q);
        }
        // Calls in loops to functions that run a query.
        for c in &p.facts.calls {
            if c.loops.is_empty() || c.sequential || c.once || c.memo || c.on_error {
                continue;
            }
            // `for plugin in plugins { plugin.run(..) }` over trait objects:
            // each element runs its own code, a list of handlers, not data.
            if matches!(c.recv, Some(super::types::TyExpr::Element(_)))
                && c.recv
                    .as_ref()
                    .and_then(|r| index.eval(loaded[fi].unit, r, specs))
                    .is_some_and(|t| t.is_dyn())
            {
                continue;
            }
            let (targets, typed) = graph.targets(fi, c);
            // Same name in several files: only when exactly one of them runs a query.
            let with_query: Vec<(usize, usize)> = targets
                .iter()
                .copied()
                .filter(|&(f2, i2)| {
                    graph
                        .query_path(f2, i2, 1, max_depth, &mut Vec::new())
                        .is_some()
                        && !graph.pages_in_loop(f2, i2, 1)
                })
                .collect();
            let distinct_files: HashSet<usize> = with_query.iter().map(|(f, _)| *f).collect();
            if distinct_files.len() > 1 && !typed {
                continue;
            }
            // Through a trait: every other implementation that queries is named too.
            let also_via: Vec<CallHop> = if typed && with_query.len() > 1 {
                with_query
                    .iter()
                    .filter_map(|&(f2, i2)| {
                        let path = graph.query_path(f2, i2, 1, max_depth, &mut Vec::new())?;
                        let (lf, span, key) = path.last()?.clone();
                        Some(CallHop {
                            callee: key,
                            span: Span::new(id_of[lf]?, span),
                        })
                    })
                    .collect()
            } else {
                Vec::new()
            };
            for (f2, i2) in with_query {
                if c.caller == Some(i2) && f2 == fi {
                    continue;
                }
                let mut stack = Vec::new();
                let Some(path) = graph.query_path(f2, i2, 1, max_depth, &mut stack) else {
                    continue;
                };
                let Some(&(last_file, ref last_span, _)) = path.last() else {
                    continue;
                };
                let Some(site) = parsed[last_file].as_ref().and_then(|lp| {
                    lp.facts
                        .sites
                        .iter()
                        .find(|s| s.executes && s.span == *last_span)
                }) else {
                    continue;
                };
                // The callee runs SQL its caller passes in, and this call
                // passes something that changes per element: a script, not N+1.
                if site.sql_param && c.args_vary {
                    break;
                }
                // … or hands a per-element value to a parameter that holds
                // SQL text or a statement (`execute(&self, sql: &str)`).
                let callee = &graph.facts(f2).fns[i2];
                let shift = receiver_first(callee, c);
                if c.vary_each.iter().enumerate().any(|(i, &v)| {
                    v && i >= shift
                        && callee
                            .param_names
                            .get(i - shift)
                            .is_some_and(|n| holds_sql(n))
                }) {
                    break;
                }
                let via: Vec<CallHop> = path
                    .iter()
                    .filter_map(|(pf, span, key)| {
                        Some(CallHop {
                            callee: key.clone(),
                            span: Span::new(id_of[*pf]?, span.clone()),
                        })
                    })
                    .collect();
                let mut q = site_to_query(
                    site,
                    file,
                    specs,
                    loops_of(file, &c.loops),
                    via,
                    function(c.caller),
                    c.span.clone(),
                );
                q.raw_sql = None;
                q.invariant = !c.loops.is_empty() && !c.args_vary && !c.recv_varies;
                q.conditional = c.conditional;
                q.in_paging_loop = in_paging(fi, &c.loops);
                q.in_test = c.in_test;
                q.also_via = also_via
                    .iter()
                    .filter(|h| Some(&h.callee) != q.via.last().map(|l| &l.callee))
                    .cloned()
                    .collect();
                out.push(q);
                break;
            }
        }
    }
    // A chain's `.find(k)` and bare joins, completed from `table!`/`joinable!`.
    let diesel =
        super::diesel_schema::DieselSchema::new(parsed.iter().flatten().map(|p| &p.facts.diesel));
    for q in &mut out {
        if let Some(d) = q.derived_sql.as_mut() {
            q.by_key = d.contains(super::diesel_schema::FIND_KEY);
            *d = diesel.complete(d);
        }
        for t in &mut q.tables {
            if let Some(table) = diesel.model_table(t) {
                *t = table.to_string();
            }
        }
    }
    out
}

pub(super) fn site_to_query(
    s: &SiteRaw,
    file: FileId,
    specs: &[OrmSpec],
    loops: Vec<LoopInfo>,
    via: Vec<CallHop>,
    function: Option<String>,
    span: std::ops::Range<usize>,
) -> QuerySite {
    let loops_empty = loops.is_empty();
    QuerySite {
        span: Span::new(file, span),
        orm: specs[s.orm].name.clone(),
        orm_display: specs[s.orm].display().to_string(),
        batched_form: or_default(&specs[s.orm].batched, "fetch the rows for all elements with one query (`WHERE key IN (…)` or `= ANY($1)`), then match them up in memory"),
        batched_write: or_default(&specs[s.orm].batched_write, "write all rows with one multi-row statement or a batch API"),
        bind_form: or_default(&specs[s.orm].bind, "pass values as bind parameters, never inside the SQL text"),
        operation: s.operation,
        method: s.method.clone(),
        tables: s.tables.clone(),
        sql: s.sql.clone(),
        raw_sql: s
            .raw_sql
            .as_ref()
            .map(|(r, src)| (Span::new(file, r.clone()), to_sql_source(file, src))),
        loops,
        via,
        also_via: Vec::new(),
        function,
        batched: s.batched,
        executes: s.executes,
        paging: s.paging,
        sql_varies: s.sql_varies,
        in_paging_loop: false,
        in_test: false,
        ddl: s.ddl,
        sequential: s.sequential || s.once || s.memo || s.on_error,
        conditional: s.conditional,
        sql_position: s.sql_position,
        derived_sql: s.derived_sql.clone(),
        sql_template: s.sql_template.clone(),
        constant_columns: s.constant_columns.clone(),
        unindexed: None,
        database: None,
        invariant: s.invariant && !loops_empty,
        by_key: false,
    }
}

/// Help in the terms of the site's database, and relation loading only
/// when the code base declares relations and the query is not a lookup by
/// key (a parent per element, which `belonging_to` cannot load).
pub(super) fn fit_help(
    site: &mut QuerySite,
    spec: &OrmSpec,
    db: Option<&'static str>,
    relations: bool,
) {
    site.database = db;
    if relations && !site.by_key && !spec.batched_related.is_empty() {
        site.batched_form = spec.batched_related.clone();
    }
    if let Some(h) = db.and_then(|d| spec.help.get(d)) {
        if !h.batched.is_empty() {
            site.batched_form = h.batched.clone();
        }
        if !h.batched_write.is_empty() {
            site.batched_write = h.batched_write.clone();
        }
    }
}

pub(super) fn or_default(text: &str, default: &str) -> String {
    if text.is_empty() {
        default.to_string()
    } else {
        text.to_string()
    }
}

/// Which of a file's sites stand once receivers' types are known. Sites of
/// one call (same span) were recognized by shape, by name or by nothing but
/// the method name, possibly for several ORMs: a shape match stands; else
/// the receiver's type picks the ORM, rules the call out when it is known
/// to be something else (`reqwest::Client`, a workspace type with that
/// method), or, when unknown, the name match stands.
pub(super) fn site_keeps(
    index: &resolve::Index,
    unit: usize,
    sites: &[SiteRaw],
    specs: &[OrmSpec],
) -> Vec<bool> {
    let mut keep = vec![true; sites.len()];
    let mut i = 0;
    while i < sites.len() {
        let mut j = i + 1;
        while j < sites.len() && sites[j].span == sites[i].span {
            j += 1;
        }
        let group = i..j;
        if group.clone().any(|k| sites[k].evidence == Evidence::Shape) {
            for k in group {
                keep[k] = sites[k].evidence == Evidence::Shape;
            }
            i = j;
            continue;
        }
        let ty = sites[i]
            .recv
            .as_ref()
            .and_then(|r| index.eval(unit, r, specs));
        let first_named = group.clone().find(|&k| sites[k].evidence == Evidence::Name);
        // Recognized by its argument's name (`model.insert(db)`): the
        // receiver is a model, not a handle; only a workspace method of
        // the receiver's type takes the call away.
        if sites[i].evidence == Evidence::ArgName {
            let ours = ty.as_ref().is_some_and(|t| {
                index.is_local(unit, t) && index.has_method(unit, &t.path, &sites[i].method)
            });
            for k in group {
                keep[k] = k == i && !ours;
            }
            i = j;
            continue;
        }
        let choice = match &ty {
            Some(t) => match index.orms_of(unit, t, specs) {
                orms if !orms.is_empty() => group.clone().find(|&k| {
                    orms.contains(&sites[k].orm)
                        && (sites[k].evidence == Evidence::Name
                            || sites[k].handle_types.iter().any(|h| h == t.name())
                            || t.is_dyn())
                }),
                _ if index.known_other(unit, t, &sites[i].method, specs) => None,
                _ => first_named,
            },
            None => first_named,
        };
        for k in group {
            keep[k] = Some(k) == choice;
        }
        i = j;
    }
    keep
}
