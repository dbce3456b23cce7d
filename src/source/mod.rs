//! Static front end: walk the tree, parse each Rust file once with `syn`,
//! visit it once, join the files of each crate into a call graph, and hand
//! the recognized database calls to the rules as [`QuerySite`]s.

pub mod cache;
pub mod derive;
pub mod diesel_schema;
pub mod facts;
mod graph;
pub mod indexes;
pub mod macros;
pub mod nesting;

/// Largest Rust file parsed: 5 MiB is ~300,000 lines, far past hand-written
/// code; syn's tree of it takes ~600 MB. Larger files (generated bindings)
/// are skipped with a note.
pub const MAX_RUST_FILE_BYTES: usize = 5 << 20;
pub mod orm;
pub mod resolve;
pub mod sources;
pub mod types;
pub mod visit;
pub mod walk;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::engine::{FileDb, FileId, QuerySite};
use facts::FileFacts;
use graph::{build_sites, site_keeps};
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
    /// The cache key of the file's text and context.
    key: u64,
    /// The facts came from the cache.
    cached: bool,
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
    let mut manifest_texts: Vec<Option<String>> = Vec::new();
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
            // Each manifest is read once: ORMs now, dependencies and
            // databases below.
            let text = manifest
                .as_deref()
                .and_then(|m| std::fs::read_to_string(m).ok());
            let deps = text
                .as_deref()
                .map(|t| crate_orms(t, specs))
                .unwrap_or_default();
            crates.push((manifest, deps));
            manifest_texts.push(text);
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
    let crate_deps: Vec<Option<HashSet<String>>> = manifest_texts
        .iter()
        .map(|text| {
            let mut deps = manifest_deps(text.as_deref()?)?;
            deps.extend(["std", "core", "alloc"].map(String::from));
            Some(deps)
        })
        .collect();
    // The databases each crate talks to, from its manifest (and the
    // workspace's, for `workspace = true` dependencies).
    let mut roots: HashMap<PathBuf, String> = HashMap::new();
    let crate_dbs: Vec<Vec<&'static str>> = crates
        .iter()
        .zip(&manifest_texts)
        .map(|((m, _), own)| {
            let (Some(m), Some(own)) = (m.as_deref(), own.as_deref()) else {
                return Vec::new();
            };
            let root = workspace_root(m).join("Cargo.toml");
            let ws = if root != m {
                roots
                    .entry(root.clone())
                    .or_insert_with(|| std::fs::read_to_string(&root).unwrap_or_default())
                    .as_str()
            } else {
                ""
            };
            manifest_databases(own, ws)
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
                "[timing] {what}: {:.3} s ({n}), {} MB resident",
                clock.elapsed().as_secs_f64(),
                crate::util::resident_mb()
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
    // The facts cache, one per workspace, and what each file's facts depend on
    // besides its text.
    let caches: Vec<cache::FactsCache> = unit_roots
        .iter()
        .map(|r| {
            if cache::disabled() {
                cache::FactsCache::default()
            } else {
                cache::FactsCache::open(r.as_deref())
            }
        })
        .collect();
    let specs_digest = cache::key(&format!("{specs:?}{:?}", sources::active()), &opts.tests);
    let deps_sorted: Vec<Vec<&String>> = crate_deps
        .iter()
        .map(|d| {
            let mut v: Vec<&String> = d.iter().flatten().collect();
            v.sort();
            v
        })
        .collect();
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
                key: 0,
                cached: true,
            });
        }
        let active = active_for(l, text);
        let key = cache::key(
            text,
            &(
                specs_digest,
                &unit_names[l.unit],
                &deps_sorted[l.krate],
                crate_deps[l.krate].is_some(),
                &active,
                test_file,
            ),
        );
        if let Some(facts) = caches[l.unit].take(&l.path.to_string_lossy(), key) {
            return Ok(Parsed {
                loaded: i,
                facts,
                key,
                cached: true,
            });
        }
        if text.len() > MAX_RUST_FILE_BYTES {
            return Err((
                i,
                0,
                format!(
                    "a Rust file of {} MiB, over the {} MiB read (generated code?): not parsed \
                     (syn holds ~100 bytes per byte of source)",
                    text.len() >> 20,
                    MAX_RUST_FILE_BYTES >> 20
                ),
            ));
        }
        if let Some(offset) = nesting::too_deep(text, nesting::MAX_NESTING) {
            return Err((
                i,
                offset,
                format!(
                    "brackets nested deeper than {}: not parsed (the parser would run out of stack)",
                    nesting::MAX_NESTING
                ),
            ));
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
                let mut v = visit::FileVisitor::new(specs, active, text, &macros, imports)
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
                        diesel: diesel_schema::DieselFacts::collect(
                            &file,
                            module_name(&l.path).as_deref(),
                        ),
                        ..v.facts
                    },
                    key,
                    cached: false,
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
    // Store what was parsed afresh, per workspace.
    for (u, c) in caches.iter().enumerate() {
        let fresh = parsed
            .iter()
            .flatten()
            .any(|p| loaded[p.loaded].unit == u && !p.cached);
        if fresh {
            c.write(
                parsed
                    .iter()
                    .flatten()
                    .filter(|p| loaded[p.loaded].unit == u && p.key != 0)
                    .map(|p| {
                        (
                            loaded[p.loaded].path.to_string_lossy().into_owned(),
                            p.key,
                            &p.facts,
                        )
                    })
                    .collect(),
            );
        }
    }
    lap("cache", caches.len());
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
    let mut unit_relations: HashSet<usize> = HashSet::new();
    for (i, l) in loaded.iter_mut().enumerate() {
        let has_problem = failed.contains(&i);
        match std::mem::replace(&mut l.text, Err((String::new(), None, 0))) {
            Ok(text) if parsed[i].is_some() || has_problem => {
                if declares_relations(&text) {
                    unit_relations.insert(l.unit);
                }
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
    if timing {
        let opaque: usize = parsed.iter().flatten().map(|p| p.facts.opaque_macros).sum();
        eprintln!("[timing] macro invocations whose tokens parse as no code: {opaque}");
    }
    let mut sites = build_sites(&parsed, &loaded, &id_of, specs, &index, opts.max_call_depth);
    // Help in the terms of the crate's database and relations.
    let loaded_of: HashMap<FileId, usize> = id_of
        .iter()
        .enumerate()
        .filter_map(|(i, id)| Some(((*id)?, i)))
        .collect();
    for s in &mut sites {
        let Some(&li) = loaded_of.get(&s.span.file) else {
            continue;
        };
        let Some(spec) = specs.iter().find(|sp| sp.name == s.orm) else {
            continue;
        };
        let db = site_database(s, &crate_dbs[loaded[li].krate], &loaded[li].path);
        graph::fit_help(s, spec, db, unit_relations.contains(&loaded[li].unit));
    }
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
/// The module a file is (`entity/post.rs` and `post/mod.rs` are `post`;
/// a crate root is none).
fn module_name(path: &Path) -> Option<String> {
    let stem = path.file_stem()?.to_string_lossy();
    match stem.as_ref() {
        "lib" | "main" => None,
        "mod" => Some(path.parent()?.file_name()?.to_string_lossy().into_owned()),
        s => Some(s.to_string()),
    }
}

pub(crate) fn workspace_root(manifest: &Path) -> PathBuf {
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
/// both names), with `-` as `_`, and its own name: a driver's crate uses
/// its own API (rusqlite's `Savepoint` runs `conn.execute_batch`); `None`
/// when it does not parse.
fn manifest_deps(manifest: &str) -> Option<HashSet<String>> {
    let doc = manifest.parse::<toml::Table>().ok()?;
    let mut deps: HashSet<String> = HashSet::new();
    if let Some(name) = doc
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
    {
        deps.insert(name.replace('-', "_"));
    }
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

/// The databases a crate's manifest names: drivers (`tokio-postgres`,
/// `rusqlite`, `mysql_async`) and ORM features (`sqlx` `postgres`,
/// `sea-orm` `sqlx-sqlite`, `diesel` `mysql`), also through the
/// workspace's `[workspace.dependencies]`.
fn manifest_databases(manifest: &str, workspace: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    let mut add = |text: &str| {
        let t = text.to_ascii_lowercase();
        for (db, words) in [
            ("postgres", &["postgres", "pg"][..]),
            ("sqlite", &["sqlite", "rusqlite"][..]),
            ("mysql", &["mysql", "mariadb"][..]),
        ] {
            let hit = t.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| {
                words.contains(&w)
                    || (w.len() > 2 && words.iter().any(|x| w.starts_with(x) && x.len() > 2))
            });
            if hit && !out.contains(&db) {
                out.push(db);
            }
        }
    };
    let tables = |doc: &toml::Table| -> Vec<(String, toml::Value)> {
        let mut v = Vec::new();
        for key in ["dependencies"] {
            if let Some(t) = doc.get(key).and_then(|d| d.as_table()) {
                v.extend(t.iter().map(|(k, x)| (k.clone(), x.clone())));
            }
        }
        if let Some(targets) = doc.get("target").and_then(|t| t.as_table()) {
            for t in targets.values() {
                if let Some(d) = t.get("dependencies").and_then(|d| d.as_table()) {
                    v.extend(d.iter().map(|(k, x)| (k.clone(), x.clone())));
                }
            }
        }
        v
    };
    let Ok(doc) = manifest.parse::<toml::Table>() else {
        return out;
    };
    let ws: Option<toml::Table> = workspace.parse::<toml::Table>().ok();
    let ws_deps = ws
        .as_ref()
        .and_then(|w| w.get("workspace")?.get("dependencies")?.as_table().cloned());
    let features = |v: &toml::Value| -> Vec<String> {
        v.get("features")
            .and_then(|f| f.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    for (name, v) in tables(&doc) {
        let pkg = v
            .get("package")
            .and_then(|p| p.as_str())
            .unwrap_or(&name)
            .to_string();
        let mut feats = features(&v);
        if v.get("workspace").and_then(|w| w.as_bool()) == Some(true) {
            if let Some(w) = ws_deps.as_ref().and_then(|d| d.get(&name)) {
                feats.extend(features(w));
            }
        }
        // A driver crate names its database; an ORM its features do.
        let driver = ["postgres", "rusqlite", "sqlite", "mysql", "pg"]
            .iter()
            .any(|d| pkg.to_ascii_lowercase().split(['-', '_']).any(|w| w == *d));
        if driver {
            add(&pkg);
        }
        if matches!(
            pkg.as_str(),
            "sqlx" | "diesel" | "diesel-async" | "sea-orm" | "sea-query"
        ) {
            for f in &feats {
                add(f);
            }
        }
    }
    out
}

/// The database a site talks to: the ORM's own (rusqlite, postgres,
/// mysql), the crate's only one, or the one its SQL's placeholders fit.
fn site_database(
    site: &crate::engine::QuerySite,
    crate_dbs: &[&'static str],
    path: &Path,
) -> Option<&'static str> {
    match site.orm.as_str() {
        "rusqlite" => return Some("sqlite"),
        "postgres" => return Some("postgres"),
        "mysql" => return Some("mysql"),
        _ => {}
    }
    if let [one] = crate_dbs {
        return Some(one);
    }
    // A crate for several databases keeps each one's code apart:
    // `databases/sqlite.rs`, `src/postgres/…`.
    for part in path.components().rev().take(3) {
        let db = crate::schema::locate::backend_named(&part.as_os_str().to_string_lossy());
        if let Some(db) = db.filter(|db| crate_dbs.is_empty() || crate_dbs.contains(db)) {
            return Some(db);
        }
    }
    let sql = site.sql.as_deref()?;
    let has = |db| crate_dbs.is_empty() || crate_dbs.contains(&db);
    if sql.contains("$1") && has("postgres") {
        return Some("postgres");
    }
    if sql.contains("?1") && has("sqlite") {
        return Some("sqlite");
    }
    None
}

/// Does the file declare relations between tables: Diesel's
/// `#[derive(Associations)]`/`belongs_to`, SeaORM's `Relation` enum or
/// `impl Related<…>`?
fn declares_relations(text: &str) -> bool {
    (text.contains("Associations") && text.contains("belongs_to"))
        || text.contains("DeriveRelation")
        || text.contains("impl Related<")
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

/// Display names of ORMs by spec name.
pub fn orm_display(specs: &[OrmSpec]) -> BTreeMap<String, String> {
    specs
        .iter()
        .map(|s| (s.name.clone(), s.display().to_string()))
        .collect()
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
