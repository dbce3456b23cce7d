//! `ormlint check`: the static front end run through the rules.

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::engine::{Diagnostic, FileDb, Location, RuleSet, Span};
use crate::report::{Skipped, Summary};

/// What one static run produced, ready to render.
pub struct CheckRun {
    pub files: FileDb,
    pub diagnostics: Vec<Diagnostic>,
    pub summary: Summary,
    /// Crates whose queries missing-index could not judge for want of a
    /// schema, and where it was looked for (`check -v` says so).
    pub no_schema: Vec<(PathBuf, Vec<String>)>,
    /// Migration statements the schema replica could not take
    /// (`path:line: what`), in order: shown to the user, not only counted.
    pub schema_notes: Vec<String>,
}

/// Checks the Rust files under `paths` with the enabled rules.
pub fn run(paths: &[PathBuf], config: &Config, rules: &RuleSet, cwd: &Path) -> CheckRun {
    run_with_schema(paths, config, rules, cwd, None)
}

/// [`run`] with an explicit schema (`--schema`); without one, `[schema]`
/// in the config, then each crate's `migrations/` folder, are used.
pub fn run_with_schema(
    paths: &[PathBuf],
    config: &Config,
    rules: &RuleSet,
    cwd: &Path,
    schema: Option<crate::schema::Schema>,
) -> CheckRun {
    let mut analysis = static_analysis(paths, config, rules, cwd);
    let mut schema_notes = Vec::new();
    let mut no_schema = Vec::new();
    if rules.is_enabled("missing-index") {
        let explicit = schema.or_else(|| {
            config
                .schema_path()
                .and_then(|p| crate::schema::Schema::load(&p, cwd).ok())
        });
        let mut explicit = explicit;
        if let Some(s) = explicit.as_mut() {
            s.set_rows(&config.tables);
        }
        let mut schemas = crate::source::indexes::Schemas::new(explicit);
        crate::source::indexes::annotate(&mut analysis.sites, &analysis.files, &mut schemas, cwd);
        schema_notes = schemas.notes;
        no_schema = schemas.missing;
        for s in analysis.sites.iter_mut() {
            if let Some(u) = s.unindexed.as_mut() {
                if let Some(n) = config.tables.get(&u.table) {
                    u.rows = *n;
                }
            }
        }
    }
    if std::env::var_os("ORMLINT_TIMINGS").is_some() {
        eprintln!(
            "[timing] schemas: {} MB resident",
            crate::util::resident_mb()
        );
    }
    let mut diagnostics = Vec::new();
    for site in &analysis.sites {
        rules.check_site(site, config.tests, &mut diagnostics);
    }
    let mut summary = Summary {
        files: analysis.files_seen,
        ..Summary::default()
    };
    for p in &analysis.problems {
        let span = Span::new(p.file, p.offset..p.offset);
        let loc = Location::of(&span, &analysis.files);
        summary.skipped.push(Skipped {
            path: loc.path,
            line: Some(loc.line),
            reason: p.message.clone(),
        });
        diagnostics.extend(rules.tool_diagnostic("parse-error", span, p.message.clone()));
    }
    // DDL the schema replica could not take.
    // In the order the migrations were applied, each once.
    let mut seen = std::collections::HashSet::new();
    let mut shown: Vec<String> = Vec::new();
    for n in &schema_notes {
        let line = format!("{}:{}: {}", n.path, n.line, n.message);
        if seen.insert(line.clone()) {
            shown.push(line);
        }
    }
    for n in schema_notes {
        summary.skipped.push(Skipped {
            path: n.path,
            line: Some(n.line),
            reason: n.message,
        });
    }
    summary.skipped.sort();
    summary.skipped.dedup();
    // Inline suppressions, in every file that was read.
    let (mut sups, mut bad) = (Vec::new(), Vec::new());
    for id in 0..analysis.files.len() {
        if let Some(f) = analysis.files.get(id) {
            if f.source.contains("ormlint-ignore") {
                let (g, b) = crate::engine::suppress::scan(id, &f.source);
                sups.extend(g);
                bad.extend(b);
            }
        }
    }
    let mut unused = crate::engine::suppress::apply(&mut diagnostics, &sups, &analysis.files);
    // Only a rule that ran can show a suppression of it to be stale.
    unused.retain(|s| s.rules.iter().all(|r| rules.is_enabled(r)));
    let unused_severity = rules.get("unused-ignore").map(|r| r.severity);
    diagnostics.extend(crate::engine::suppress::report(
        &unused,
        &bad,
        unused_severity,
    ));
    crate::engine::diagnostic::sort(&mut diagnostics, &analysis.files);
    // A call reached twice (through two loops' views of one site) reports once.
    diagnostics
        .dedup_by(|a, b| a.rule == b.rule && a.primary == b.primary && a.message == b.message);
    one_per_loop(&mut diagnostics);
    no_schema.sort();
    if std::env::var_os("ORMLINT_TIMINGS").is_some() {
        eprintln!(
            "[timing] {} findings: {} MB resident",
            diagnostics.len(),
            crate::util::resident_mb()
        );
    }
    CheckRun {
        files: analysis.files,
        diagnostics,
        summary,
        no_schema,
        schema_notes: shown,
    }
}

/// Walks, parses and visits the Rust files under `paths`.
pub fn static_analysis(
    paths: &[PathBuf],
    config: &Config,
    rules: &RuleSet,
    cwd: &Path,
) -> crate::source::Analysis {
    // Test code is analysed only when a rule reports it.
    let tests = config.tests
        || ["n-plus-one", "write-in-loop", "sql-injection"]
            .iter()
            .any(|id| {
                rules.get(id).is_some_and(|r| {
                    matches!(
                        r.options.get("tests"),
                        Some(crate::engine::OptionValue::Bool(true))
                    )
                })
            });
    static_analysis_with(paths, config, rules, cwd, tests)
}

/// [`static_analysis`], saying whether test code is analysed (`inspect` lists it all).
pub fn static_analysis_with(
    paths: &[PathBuf],
    config: &Config,
    rules: &RuleSet,
    cwd: &Path,
    tests: bool,
) -> crate::source::Analysis {
    let mut specs = crate::source::orm::builtin();
    specs.extend(config.orms.iter().cloned());
    crate::source::sources::configure(&config.injection);
    let max_call_depth = rules
        .get("n-plus-one")
        .and_then(|r| match r.options.get("max-call-depth") {
            Some(crate::engine::OptionValue::Integer(n)) => Some((*n).clamp(0, 16) as usize),
            _ => None,
        })
        .unwrap_or(3);
    let (inputs, walk_problems) = crate::source::walk::rust_files(paths, config, cwd);
    crate::source::analyze(
        inputs,
        walk_problems,
        &crate::source::Options {
            specs: &specs,
            max_call_depth,
            progress: config.progress,
            tests,
        },
    )
}

/// Findings of one rule in one loop become one finding at the loop's first
/// query, with the count in the message and every other query as a related
/// location. Suppressed findings stay apart (their comment keeps silencing
/// them); the first query keeps its location, so baselines and SARIF
/// fingerprints written for it still match.
fn one_per_loop(diagnostics: &mut Vec<Diagnostic>) {
    use std::collections::HashMap;
    type Key = (&'static str, usize, usize, usize);
    let key = |rule: &'static str, s: &Span| -> Key { (rule, s.file, s.range.start, s.range.end) };
    let mut first: HashMap<Key, usize> = HashMap::new();
    // The loop each unsuppressed per-element finding belongs to.
    let keys: Vec<Option<Key>> = diagnostics
        .iter()
        .map(|d| match (&d.per_loop, &d.suppressed) {
            (Some(lp), None) => Some(key(d.rule, lp)),
            _ => None,
        })
        .collect();
    // The head of each loop's group: the first query written in the code
    // that runs on every turn (not one behind a branch), else the first.
    let at = |d: &Diagnostic| (d.primary.file, d.primary.range.start, d.primary.range.end);
    let rank = |d: &Diagnostic| (d.conditional, at(d));
    for (i, k) in keys.iter().enumerate() {
        let Some(k) = k else { continue };
        let head = first.entry(*k).or_insert(i);
        if rank(&diagnostics[i]) < rank(&diagnostics[*head]) {
            *head = i;
        }
    }
    let mut merged: Vec<Option<Diagnostic>> = diagnostics.drain(..).map(Some).collect();
    let mut extra: HashMap<usize, Vec<Diagnostic>> = HashMap::new();
    for (i, k) in keys.into_iter().enumerate() {
        let Some(k) = k else { continue };
        let head = first[&k];
        if head != i {
            if let Some(d) = merged[i].take() {
                extra.entry(head).or_default().push(d);
            }
        }
    }
    for (head, mut others) in extra {
        let Some(d) = merged[head].as_mut() else {
            continue;
        };
        others.sort_by_key(at);
        let n = others.len();
        d.message = format!(
            "{} ({} more {} in the same loop)",
            d.message,
            n,
            match (d.rule == "write-in-loop", n == 1) {
                (true, true) => "statement",
                (true, false) => "statements",
                (false, true) => "query",
                (false, false) => "queries",
            }
        );
        for o in others {
            let when = if o.conditional {
                "also in the loop, behind a branch"
            } else {
                "also once per element"
            };
            d.related.push(crate::engine::diagnostic::Label {
                span: o.primary.clone(),
                message: format!("{when}: {}", o.message),
            });
        }
    }
    diagnostics.extend(merged.into_iter().flatten());
}
