//! Static front end: walk the tree, parse each Rust file once with `syn`,
//! visit it once, join the files of each crate into a call graph, and hand
//! the recognized database calls to the rules as [`QuerySite`]s.

pub mod derive;
pub mod facts;
pub mod indexes;
pub mod macros;
pub mod orm;
pub mod resolve;
pub mod types;
pub mod visit;
pub mod walk;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::engine::{CallHop, FileDb, FileId, LoopInfo, QuerySite, Span, SqlSource};
use facts::{CallRaw, CallTarget, Evidence, FileFacts, SiteRaw, TextSource};
use orm::OrmSpec;

/// A file that could not be read or parsed, with the byte offset to point at.
#[derive(Debug, Clone)]
pub struct Problem {
    pub file: FileId,
    pub offset: usize,
    pub message: String,
}

/// Everything the static front end found.
pub struct Analysis {
    pub files: FileDb,
    pub sites: Vec<QuerySite>,
    pub problems: Vec<Problem>,
    /// Rust files considered (after ignore rules and globs).
    pub files_seen: u64,
    /// Rust files parsed (the rest could not reach a database call).
    pub files_parsed: u64,
}

/// One file read from disk.
struct Loaded {
    path: PathBuf,
    display: String,
    krate: usize,
    /// The workspace the crate belongs to (or the crate itself): calls and
    /// types resolve across it.
    unit: usize,
    text: Result<String, (String, Option<String>, usize)>,
}

struct Parsed {
    loaded: usize,
    facts: FileFacts,
}

/// Options of one static run.
pub struct Options<'a> {
    pub specs: &'a [OrmSpec],
    pub max_call_depth: usize,
    /// Show a progress line (files parsed) on a terminal.
    pub progress: bool,
    /// Analyse test code (`#[test]`, `#[cfg(test)]`, test files) too.
    pub tests: bool,
}

/// Runs the static front end over the given files and folders.
pub fn analyze(
    files: Vec<walk::Input>,
    walk_problems: Vec<walk::WalkProblem>,
    opts: &Options<'_>,
) -> Analysis {
    let specs = opts.specs;
    // Crates: nearest Cargo.toml, and which ORMs each depends on.
    let mut crates: Vec<(Option<PathBuf>, Vec<usize>)> = Vec::new();
    let mut crate_of_dir: HashMap<PathBuf, usize> = HashMap::new();
    let mut loaded: Vec<Loaded> = Vec::with_capacity(files.len());
    for input in files {
        let dir = input
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let krate = *crate_of_dir.entry(dir.clone()).or_insert_with(|| {
            let manifest = dir
                .ancestors()
                .map(|d| d.join("Cargo.toml"))
                .find(|p| p.is_file());
            if let Some(i) = crates.iter().position(|(m, _)| *m == manifest) {
                return i;
            }
            let deps = manifest
                .as_deref()
                .and_then(|m| std::fs::read_to_string(m).ok())
                .map(|t| crate_orms(&t, specs))
                .unwrap_or_default();
            crates.push((manifest, deps));
            crates.len() - 1
        });
        loaded.push(Loaded {
            path: input.path,
            display: input.display,
            krate,
            unit: 0,
            text: Err((String::new(), None, 0)),
        });
    }
    // Workspaces: crates whose manifests sit under one `[workspace]` root
    // form one unit; a crate outside any workspace is a unit of its own.
    let mut unit_roots: Vec<Option<PathBuf>> = Vec::new();
    let mut unit_names: Vec<Vec<String>> = Vec::new();
    let mut unit_has_orm: Vec<bool> = Vec::new();
    let mut unit_of_crate: Vec<usize> = Vec::with_capacity(crates.len());
    for (manifest, orms) in &crates {
        let root = manifest.as_deref().map(workspace_root);
        let u = match unit_roots.iter().position(|r| *r == root) {
            Some(u) => u,
            None => {
                unit_roots.push(root.clone());
                unit_names.push(Vec::new());
                unit_has_orm.push(false);
                unit_roots.len() - 1
            }
        };
        if let Some(m) = manifest {
            for name in crate_names(m) {
                if !unit_names[u].contains(&name) {
                    unit_names[u].push(name);
                }
            }
        }
        unit_has_orm[u] |= !orms.is_empty();
        unit_of_crate.push(u);
    }
    for l in &mut loaded {
        l.unit = unit_of_crate[l.krate];
    }
    // Each crate's dependencies: path roots that are crates, not modules.
    let crate_deps: Vec<Option<HashSet<String>>> = crates
        .iter()
        .map(|(m, _)| {
            let text = std::fs::read_to_string(m.as_deref()?).ok()?;
            let mut deps = manifest_deps(&text)?;
            deps.extend(["std", "core", "alloc"].map(String::from));
            Some(deps)
        })
        .collect();
    loaded
        .par_iter_mut()
        .for_each(|l| l.text = read_source(&l.path));

    // Phase 1: files that name an ORM (or a user wrapper).
    let mut parsed: Vec<Option<Parsed>> = (0..loaded.len()).map(|_| None).collect();
    let mut problems: Vec<(usize, usize, String)> = Vec::new();
    let wrappers: Vec<String> = specs
        .iter()
        .filter(|s| s.crates.is_empty())
        .flat_map(|s| {
            s.execute
                .iter()
                .flat_map(|e| e.functions.iter().chain(&e.methods))
        })
        .map(|f| f.rsplit("::").next().unwrap_or(f).to_string())
        .collect();
    let active_for = |l: &Loaded, text: &str| -> Vec<usize> {
        let mut active: Vec<usize> = specs
            .iter()
            .enumerate()
            .filter(|(_, s)| s.crates.iter().any(|c| mentions_path(text, c)))
            .map(|(i, _)| i)
            .collect();
        for &i in &crates[l.krate].1 {
            if !active.contains(&i) {
                active.push(i);
            }
        }
        for (i, s) in specs.iter().enumerate() {
            if s.crates.is_empty() && !active.contains(&i) {
                active.push(i);
            }
        }
        active
    };
    let timing = std::env::var_os("ORMLINT_TIMINGS").is_some();
    let clock = std::time::Instant::now();
    let lap = |what: &str, n: usize| {
        if timing {
            eprintln!(
                "[timing] {what}: {:.3} s ({n})",
                clock.elapsed().as_secs_f64()
            );
        }
    };
    lap("read", loaded.len());
    let phase1: Vec<usize> = (0..loaded.len())
        .filter(|&i| match &loaded[i].text {
            // Every file of a workspace that uses an ORM: its types and
            // functions are what calls resolve against.
            Ok(text) => {
                unit_has_orm[loaded[i].unit]
                    || specs
                        .iter()
                        .any(|s| s.crates.iter().any(|c| mentions_path(text, c)))
                    || wrappers.iter().any(|w| text.contains(w.as_str()))
            }
            Err(_) => false,
        })
        .collect();
    let total = loaded.len() as u64;
    let progress = std::sync::Mutex::new(crate::progress::Progress::new(
        "parsing",
        Some(total),
        false,
        !opts.progress,
    ));
    let parsed_count = std::sync::atomic::AtomicU64::new(0);
    // Time per stage over all threads (parse, macro bodies, visit), for ORMLINT_TIMINGS.
    let stage_ns: [std::sync::atomic::AtomicU64; 3] = Default::default();
    let parse = |i: usize| -> ParseResult {
        let n = parsed_count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if n % 32 == 0 {
            if let Ok(mut p) = progress.try_lock() {
                p.update(n);
            }
        }
        let l = &loaded[i];
        let Ok(text) = &l.text else {
            return Err((i, 0, "file was not read".into()));
        };
        let test_file = is_test_file(l, &crates);
        if test_file && !opts.tests {
            // Nothing in it is reported, and production code never calls it.
            return Ok(Parsed {
                loaded: i,
                facts: FileFacts::default(),
            });
        }
        let t0 = std::time::Instant::now();
        let parsed_file = syn::parse_file(text);
        let t1 = std::time::Instant::now();
        let result = match parsed_file {
            Ok(file) => {
                let macros = macros::MacroBodies::collect(&file, opts.tests);
                let t2 = std::time::Instant::now();
                let imports = types::Imports::collect(
                    &file,
                    &unit_names[l.unit],
                    crate_deps[l.krate].clone(),
                );
                let mut v =
                    visit::FileVisitor::new(specs, active_for(l, text), text, &macros, imports)
                        .in_test_file(test_file)
                        .with_tests(opts.tests);
                syn::visit::Visit::visit_file(&mut v, &file);
                if timing {
                    let t3 = std::time::Instant::now();
                    let ns =
                        |a: std::time::Instant, b: std::time::Instant| (b - a).as_nanos() as u64;
                    use std::sync::atomic::Ordering::Relaxed;
                    stage_ns[0].fetch_add(ns(t0, t1), Relaxed);
                    stage_ns[1].fetch_add(ns(t1, t2), Relaxed);
                    stage_ns[2].fetch_add(ns(t2, t3), Relaxed);
                }
                Ok(Parsed {
                    loaded: i,
                    facts: FileFacts {
                        opaque_macros: macros.opaque,
                        ..v.facts
                    },
                })
            }
            Err(e) => {
                // Lexer errors carry no span through syn; ask proc-macro2 directly.
                let (offset, msg) = match text.parse::<proc_macro2::TokenStream>() {
                    Err(lex) => (
                        lex.span().byte_range().start,
                        "unbalanced delimiter or invalid token".to_string(),
                    ),
                    Ok(_) => (e.span().byte_range().start, e.to_string()),
                };
                Err((i, offset, format!("cannot parse Rust: {msg}")))
            }
        };
        proc_macro2::extra::invalidate_current_thread_spans();
        result
    };
    let results = phase1.par_iter().map(|&i| parse(i)).collect();
    store_parsed(results, &mut parsed, &mut problems);

    lap("phase 1 parse+visit", phase1.len());
    // Phase 2: files that call a query function by name, a few rounds deep.
    for _round in 0..opts.max_call_depth.max(1) {
        let names = query_fn_names(&parsed, &loaded);
        if names.is_empty() {
            break;
        }
        let failed: HashSet<usize> = problems.iter().map(|p| p.0).collect();
        let next: Vec<usize> = (0..loaded.len())
            .into_par_iter()
            .filter(|&i| parsed[i].is_none() && !failed.contains(&i))
            .filter(|&i| match (&loaded[i].text, names.get(&loaded[i].unit)) {
                (Ok(text), Some(names)) => calls_any(text, names),
                _ => false,
            })
            .collect();
        if next.is_empty() {
            break;
        }
        let results = next.par_iter().map(|&i| parse(i)).collect();
        store_parsed(results, &mut parsed, &mut problems);
    }

    lap("phase 2", parsed.iter().filter(|p| p.is_some()).count());
    if timing {
        let ms = |i: usize| stage_ns[i].load(std::sync::atomic::Ordering::Relaxed) as f64 / 1e6;
        eprintln!(
            "[timing] thread time: parse {:.1} ms, macro bodies {:.1} ms, visit {:.1} ms",
            ms(0),
            ms(1),
            ms(2)
        );
    }
    if let Ok(mut p) = progress.lock() {
        p.finish();
    }
    // File database: parsed files and files with problems, in path order.
    let mut files = FileDb::new();
    let mut id_of: Vec<Option<FileId>> = vec![None; loaded.len()];
    let mut problem_list = Vec::new();
    let failed: HashSet<usize> = problems.iter().map(|p| p.0).collect();
    for (i, l) in loaded.iter_mut().enumerate() {
        let has_problem = failed.contains(&i);
        match std::mem::replace(&mut l.text, Err((String::new(), None, 0))) {
            Ok(text) if parsed[i].is_some() || has_problem => {
                id_of[i] = Some(files.add(l.display.clone(), text));
            }
            Ok(_) => {}
            Err((msg, lossy, offset)) => {
                let id = files.add(l.display.clone(), lossy.unwrap_or_default());
                id_of[i] = Some(id);
                problem_list.push(Problem {
                    file: id,
                    offset,
                    message: msg,
                });
            }
        }
    }
    for w in walk_problems {
        let file = files.add(w.display, String::new());
        problem_list.push(Problem {
            file,
            offset: 0,
            message: w.message,
        });
    }
    for (i, offset, message) in problems {
        if let Some(file) = id_of[i] {
            problem_list.push(Problem {
                file,
                offset,
                message,
            });
        }
    }

    // Resolution: the workspace index, then each weakly recognized call
    // kept or dropped by what its receiver turns out to be.
    let index = {
        let units: Vec<Option<resolve::Unit<'_>>> = parsed
            .iter()
            .enumerate()
            .map(|(fi, p)| {
                p.as_ref().map(|p| resolve::Unit {
                    unit: loaded[fi].unit,
                    facts: &p.facts,
                })
            })
            .collect();
        resolve::Index::build(&units)
    };
    for (fi, p) in parsed.iter_mut().enumerate() {
        if let Some(p) = p {
            let keep = site_keeps(&index, loaded[fi].unit, &p.facts.sites, specs);
            let mut k = keep.into_iter();
            p.facts.sites.retain(|_| k.next().unwrap_or(true));
        }
    }
    lap("resolve", parsed.iter().filter(|p| p.is_some()).count());
    let sites = build_sites(&parsed, &loaded, &id_of, specs, &index, opts.max_call_depth);
    lap("call graph", sites.len());
    Analysis {
        files,
        sites,
        problems: problem_list,
        files_seen: loaded.len() as u64,
        files_parsed: parsed.iter().filter(|p| p.is_some()).count() as u64,
    }
}

/// Reads a file as UTF-8. On failure: the message, the lossy text (for
/// invalid UTF-8) and the byte offset to point at.
fn read_source(path: &Path) -> Result<String, (String, Option<String>, usize)> {
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(s) => Ok(s),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
                Err((
                    format!("invalid UTF-8 at byte {at}; file not checked"),
                    Some(lossy),
                    at,
                ))
            }
        },
        Err(e) => Err((format!("cannot read file: {e}"), None, 0)),
    }
}

/// The manifest of the workspace a crate's manifest belongs to: the nearest
/// `Cargo.toml` at or above it with a `[workspace]` table, else its own.
fn workspace_root(manifest: &Path) -> PathBuf {
    let mut dir = manifest.parent();
    while let Some(d) = dir {
        let m = d.join("Cargo.toml");
        if let Ok(text) = std::fs::read_to_string(&m) {
            if text.lines().any(|l| l.trim() == "[workspace]") {
                return m;
            }
        }
        dir = d.parent();
    }
    manifest.to_path_buf()
}

/// The names other crates use for this one (`[package] name` and
/// `[lib] name`, with `-` as `_`).
fn crate_names(manifest: &Path) -> Vec<String> {
    let Some(doc) = std::fs::read_to_string(manifest)
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (table, key) in [("package", "name"), ("lib", "name")] {
        if let Some(n) = doc
            .get(table)
            .and_then(|t| t.get(key))
            .and_then(|v| v.as_str())
        {
            let n = n.replace('-', "_");
            if !out.contains(&n) {
                out.push(n);
            }
        }
    }
    out
}

/// The crate names a `Cargo.toml` depends on (renamed dependencies under
/// both names), with `-` as `_`; `None` when it does not parse.
fn manifest_deps(manifest: &str) -> Option<HashSet<String>> {
    let doc = manifest.parse::<toml::Table>().ok()?;
    let mut deps: HashSet<String> = HashSet::new();
    let mut tables: Vec<&toml::Table> = Vec::new();
    for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
        tables.extend(doc.get(key).and_then(|v| v.as_table()));
    }
    if let Some(targets) = doc.get("target").and_then(|v| v.as_table()) {
        for t in targets.values() {
            for key in ["dependencies", "dev-dependencies"] {
                tables.extend(t.get(key).and_then(|v| v.as_table()));
            }
        }
    }
    for t in tables {
        for (name, v) in t {
            deps.insert(name.replace('-', "_"));
            if let Some(pkg) = v.get("package").and_then(|p| p.as_str()) {
                deps.insert(pkg.replace('-', "_"));
            }
        }
    }
    Some(deps)
}

/// ORMs a crate's `Cargo.toml` depends on.
fn crate_orms(manifest: &str, specs: &[OrmSpec]) -> Vec<usize> {
    let Some(deps) = manifest_deps(manifest) else {
        return Vec::new();
    };
    specs
        .iter()
        .enumerate()
        .filter(|(_, s)| s.crates.iter().any(|c| deps.contains(c)))
        .map(|(i, _)| i)
        .collect()
}

/// Does the text mention `krate` as a path root (`diesel::`, `use diesel`)?
pub fn mentions_path(text: &str, krate: &str) -> bool {
    // An empty name (`crates = [""]` in a config) would match inside every character.
    if krate.is_empty() {
        return false;
    }
    let bytes = text.as_bytes();
    for start in memchr::memmem::find_iter(bytes, krate.as_bytes()) {
        let end = start + krate.len();
        let before_ok = start == 0 || !is_ident_byte(bytes[start - 1]);
        let after = &text[end..];
        if before_ok
            && (after.starts_with("::")
                || (after.starts_with([';', ' ', '}', ','])
                    && text[..start].trim_end().ends_with("use")))
        {
            return true;
        }
    }
    false
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Does the text call one of these names (`name(` or `name::<`)?
fn calls_any(text: &str, names: &HashSet<String>) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if is_ident_byte(b[i]) && (i == 0 || !is_ident_byte(b[i - 1])) {
            let start = i;
            while i < b.len() && is_ident_byte(b[i]) {
                i += 1;
            }
            let rest = &text[i..];
            if (rest.starts_with('(') || rest.starts_with("::<")) && names.contains(&text[start..i])
            {
                return true;
            }
        } else {
            i += 1;
        }
    }
    false
}

/// Per crate, the names of functions (in parsed files) that run a query,
/// directly or through calls. Calls resolve within a crate, so a file can
/// only reach these through names of its own crate.
/// Files parsed in one phase: each in its slot, or its problem
/// (loaded index, byte offset, message) in the list.
type ParseResult = Result<Parsed, (usize, usize, String)>;

fn store_parsed(
    results: Vec<ParseResult>,
    parsed: &mut [Option<Parsed>],
    problems: &mut Vec<(usize, usize, String)>,
) {
    for r in results {
        match r {
            Ok(p) => {
                let i = p.loaded;
                parsed[i] = Some(p);
            }
            Err(p) => problems.push(p),
        }
    }
}

fn query_fn_names(parsed: &[Option<Parsed>], loaded: &[Loaded]) -> HashMap<usize, HashSet<String>> {
    let mut names: HashMap<usize, HashSet<String>> = HashMap::new();
    let mut callers: Vec<(usize, String, String)> = Vec::new();
    for p in parsed.iter().flatten() {
        let krate = loaded[p.loaded].unit;
        for s in &p.facts.sites {
            if s.executes {
                if let Some(f) = s.func {
                    names
                        .entry(krate)
                        .or_default()
                        .insert(p.facts.fns[f].name.clone());
                }
            }
        }
        for c in &p.facts.calls {
            if let Some(f) = c.caller {
                callers.push((
                    krate,
                    p.facts.fns[f].name.clone(),
                    c.target.name().to_string(),
                ));
            }
        }
    }
    // Close over calls already seen.
    loop {
        let before: usize = names.values().map(HashSet::len).sum();
        for (krate, caller, callee) in &callers {
            if names.get(krate).is_some_and(|n| n.contains(callee)) {
                names.entry(*krate).or_default().insert(caller.clone());
            }
        }
        if names.values().map(HashSet::len).sum::<usize>() == before {
            break;
        }
    }
    names
}

/// A function of the workspace: (file, index into its facts' fns).
type FnRef = (usize, usize);

/// Where a function's query is: the chain of hops to the executing call.
type HopPath = Vec<(usize, std::ops::Range<usize>, String)>;

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
                let c = self
                    .methods_by_name
                    .get(&(krate, name.clone()))
                    .cloned()
                    .unwrap_or_default();
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
                // A default method of a trait the type implements.
                for (tr, types) in &self.index.impls {
                    if tr.0 == unit && types.contains(&ty.path) {
                        v.extend(bodies(format!("{}::{name}", tr.1)));
                    }
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
        if let Some(site) = facts
            .sites
            .iter()
            .find(|s| s.executes && s.func == Some(idx))
        {
            let path = vec![(file, site.span.clone(), facts.fns[idx].key.clone())];
            self.memo.insert((file, idx), Some(path.clone()));
            return Some(path);
        }
        stack.push((file, idx));
        let calls: Vec<(Vec<FnRef>, std::ops::Range<usize>)> = facts
            .calls
            .iter()
            .filter(|c| c.caller == Some(idx))
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

fn unreachable_facts() -> &'static FileFacts {
    static EMPTY: std::sync::OnceLock<FileFacts> = std::sync::OnceLock::new();
    EMPTY.get_or_init(FileFacts::default)
}

fn to_sql_source(file: FileId, src: &TextSource) -> SqlSource {
    match src {
        TextSource::Constant => SqlSource::Constant,
        TextSource::Unknown => SqlSource::Unknown,
        TextSource::Dynamic {
            what,
            numeric,
            at,
            how,
        } => SqlSource::Dynamic {
            what: what.clone(),
            numeric: *numeric,
            at: Span::new(file, at.clone()),
            how: how.clone(),
        },
    }
}

fn build_sites(
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
            out.push(q);
        }
        // Calls in loops to functions that run a query.
        for c in &p.facts.calls {
            if c.loops.is_empty() || c.sequential || c.once {
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
    out
}

fn site_to_query(
    s: &SiteRaw,
    file: FileId,
    specs: &[OrmSpec],
    loops: Vec<LoopInfo>,
    via: Vec<CallHop>,
    function: Option<String>,
    span: std::ops::Range<usize>,
) -> QuerySite {
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
        sequential: s.sequential || s.once,
        sql_identifier: s.sql_identifier,
        derived_sql: s.derived_sql.clone(),
        unindexed: None,
    }
}

fn or_default(text: &str, default: &str) -> String {
    if text.is_empty() {
        default.to_string()
    } else {
        text.to_string()
    }
}

/// Display names of ORMs by spec name.
pub fn orm_display(specs: &[OrmSpec]) -> BTreeMap<String, String> {
    specs
        .iter()
        .map(|s| (s.name.clone(), s.display().to_string()))
        .collect()
}

/// Which of a file's sites stand once receivers' types are known. Sites of
/// one call (same span) were recognized by shape, by name or by nothing but
/// the method name, possibly for several ORMs: a shape match stands; else
/// the receiver's type picks the ORM, rules the call out when it is known
/// to be something else (`reqwest::Client`, a workspace type with that
/// method), or, when unknown, the name match stands.
fn site_keeps(
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

/// Is the file test code by its place in its crate (`tests/`, `benches/`,
/// `examples/`, `tests.rs`)?
fn is_test_file(l: &Loaded, crates: &[(Option<PathBuf>, Vec<usize>)]) -> bool {
    let root = crates[l.krate].0.as_deref().and_then(Path::parent);
    let rel = match root {
        Some(r) => l.path.strip_prefix(r).unwrap_or(&l.path),
        None => &l.path,
    };
    visit::is_test_path(rel)
}
