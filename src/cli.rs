//! The command line: parse, load config, run a command, render, exit.

use std::ffi::OsString;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};

use crate::config::{Config, RuleSetting};
use crate::engine::{registry, Diagnostic, EnabledRule, FileDb, RuleSet, Severity};
use crate::report::{self, Format, Report, Summary};

/// Exit status: nothing at or above `--fail-on`.
pub const EXIT_OK: u8 = 0;
/// Exit status: findings at or above `--fail-on`.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit status: usage or input error.
pub const EXIT_ERROR: u8 = 2;
/// `replay` stopped by SIGINT, after printing what it found.
pub const EXIT_INTERRUPTED: u8 = 130;

#[derive(Parser, Debug)]
#[command(
    name = "ormlint",
    version,
    about = "Finds N+1 queries, missing indexes and injection-prone SQL in Rust ORM code and in query logs",
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug)]
pub struct Global {
    /// Output format.
    #[arg(long, global = true, value_enum, default_value = "human")]
    pub format: Format,
    /// Config file (default: the nearest ormlint.toml in this folder or a parent).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Exit with 1 when a finding is at or above this severity.
    #[arg(long, global = true, value_enum, default_value = "warning")]
    pub fail_on: FailOn,
    /// Run only this rule (repeatable).
    #[arg(long, global = true, value_name = "RULE")]
    pub select: Vec<String>,
    /// Do not run this rule (repeatable).
    #[arg(long, global = true, value_name = "RULE")]
    pub ignore: Vec<String>,
    /// Colour in human output.
    #[arg(long, global = true, value_enum, default_value = "auto")]
    pub color: Color,
    /// Print findings only: no summary line, no progress.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Also print findings silenced by `ormlint-ignore` comments (SARIF always
    /// carries them, as suppressions).
    #[arg(long, global = true)]
    pub show_suppressed: bool,
    /// Report only findings not recorded in this baseline file.
    #[arg(long, global = true, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record today's findings in this file (stable, sorted JSON) and exit 0.
    #[arg(long, global = true, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Note,
}

impl FailOn {
    fn severity(self) -> Severity {
        match self {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Note => Severity::Note,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Static analysis of Rust source (default: the current folder).
    Check {
        /// Files and folders to check.
        paths: Vec<PathBuf>,
        /// Schema to check ORM filters against (missing-index); default: each
        /// crate's `migrations/` folder.
        #[arg(long, value_name = "PATH")]
        schema: Option<PathBuf>,
        /// Report only findings on lines added or changed since this git revision.
        #[arg(long, value_name = "REV")]
        diff_base: Option<String>,
        /// Also report test code (`#[test]`, `#[cfg(test)]`, `tests/`,
        /// `benches/`, `examples/`); same as `[source] tests = true`.
        #[arg(long)]
        include_tests: bool,
        /// Say which crates had no schema for missing-index, and where it
        /// was looked for.
        #[arg(long, short)]
        verbose: bool,
    },
    /// Runtime analysis of captured query logs.
    Replay {
        /// Log files (`.gz` read transparently); `-` reads standard input.
        #[arg(required_unless_present = "pg_stat_statements")]
        logs: Vec<PathBuf>,
        /// Log format (default: detected from the first lines): postgres,
        /// postgres-csv, postgres-json, mysql-general, mysql-slow, jsonl.
        #[arg(long, value_name = "FORMAT")]
        log_format: Option<String>,
        /// PostgreSQL `log_line_prefix`, when the common ones are not recognized.
        #[arg(long, value_name = "PREFIX")]
        log_line_prefix: Option<String>,
        /// Idle gap, in milliseconds, that splits a session into separate groups.
        #[arg(long, value_name = "MS", default_value_t = crate::runtime::DEFAULT_GAP_MS)]
        gap: f64,
        /// Rank query shapes by total time (count, total, mean, p95, distinct values).
        #[arg(long)]
        profile: bool,
        /// Show literal values and parameters in reports (they may hold customer data).
        #[arg(long)]
        show_values: bool,
        /// Schema (`schema.sql`, `pg_dump --schema-only`, MySQL dump, or a
        /// migrations folder) to replay query shapes against (missing-index).
        #[arg(long, value_name = "PATH")]
        schema: Option<PathBuf>,
        /// Rows in a table, for the planner and to skip small tables (repeatable).
        #[arg(long, value_name = "TABLE=ROWS")]
        table_rows: Vec<String>,
        /// List every query shape the schema replay could not plan.
        #[arg(long, short)]
        verbose: bool,
        /// When reading stops early (an I/O error, a truncated `.gz`, an
        /// interrupt), exit with the findings' status instead of 2 (or 130).
        #[arg(long)]
        keep_going: bool,
        /// Query shapes charted in `--format html` (the ones that took the most time).
        #[arg(long, value_name = "N", default_value_t = crate::report::html::DEFAULT_TOP)]
        top: usize,
        /// Rust source of the app that wrote the log: each finding names the
        /// call sites that can send its query, best match first (repeatable).
        #[arg(long, value_name = "DIR")]
        source: Vec<PathBuf>,
        /// Threads to use (default: one per core). One reads, one analyses
        /// in log order, the others fingerprint and parse statements;
        /// findings are the same for any number.
        #[arg(long, short = 'j', value_name = "N")]
        jobs: Option<std::num::NonZeroUsize>,
        /// Plan each query shape on this PostgreSQL (`postgresql://…`, a
        /// staging copy) with EXPLAIN, and prove index proposals there with
        /// HypoPG. Statements and one execution's values are sent to it;
        /// nothing is executed or written. Or `[explain] url` in ormlint.toml.
        #[arg(long, value_name = "URL")]
        explain_with: Option<String>,
        /// Create the HypoPG extension in that database when it is missing
        /// (needs the rights to; the only write ormlint makes).
        #[arg(long, requires = "explain_with")]
        allow_extension: bool,
        /// An export of `pg_stat_statements`, where no statement log can be
        /// had (repeatable): CSV from `\copy (SELECT * FROM pg_stat_statements)
        /// TO 'pgss.csv' CSV HEADER`, or JSON lines from `\copy (SELECT
        /// row_to_json(s) FROM pg_stat_statements s) TO 'pgss.json'`. Feeds
        /// --profile and missing-index; not N+1 (the view keeps no order).
        #[arg(long, value_name = "FILE")]
        pg_stat_statements: Vec<PathBuf>,
    },
    /// List every database call site: ORM, operation, tables, SQL when known.
    Inspect {
        /// Files and folders to inspect.
        paths: Vec<PathBuf>,
    },
    /// List the rules: id, default severity, evidence, summary.
    Rules,
    /// Print a rule's documentation page.
    Explain {
        /// Rule id, e.g. `n-plus-one`.
        rule: String,
    },
    /// Print the fingerprint of each statement (standard input: one per line).
    Fingerprint {
        /// SQL statements; none reads standard input, one statement per line.
        sql: Vec<String>,
    },
}

/// An error that ends the run with exit status 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl<E: std::fmt::Display> From<E> for UsageError {
    fn from(e: E) -> Self {
        UsageError(e.to_string())
    }
}

pub fn main() -> ExitCode {
    main_from(std::env::args_os())
}

pub fn main_from<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_ERROR } else { EXIT_OK });
        }
    };
    match run(&cli) {
        Ok(code) => ExitCode::from(code),
        Err(UsageError(msg)) if msg.contains("Broken pipe") => ExitCode::from(EXIT_OK),
        Err(UsageError(msg)) => {
            let _ = writeln!(io::stderr(), "error: {msg}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// A path named on the command line must exist: a typo in a CI job's path
/// is an error, not an empty run that passes. `-` is standard input.
fn must_exist(path: &std::path::Path) -> Result<(), UsageError> {
    if path.as_os_str() == "-" {
        return Ok(());
    }
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(UsageError(format!(
            "{}: no such file or folder",
            path.display()
        ))),
        _ => Ok(()),
    }
}

fn run(cli: &Cli) -> Result<u8, UsageError> {
    let g = &cli.global;
    for p in [&g.config, &g.baseline].into_iter().flatten() {
        must_exist(p)?;
    }
    match &cli.command {
        Command::Check { paths, schema, .. }
        | Command::Replay {
            logs: paths,
            schema,
            ..
        } => {
            for p in paths.iter().chain(schema) {
                must_exist(p)?;
            }
        }
        Command::Inspect { paths } => {
            for p in paths {
                must_exist(p)?;
            }
        }
        _ => {}
    }
    if let Command::Replay { source, .. } = &cli.command {
        for p in source {
            must_exist(p)?;
        }
    }
    match &cli.command {
        Command::Rules => {
            print_rules(g.format)?;
            Ok(EXIT_OK)
        }
        Command::Explain { rule } => {
            let meta = registry::meta(rule)
                .ok_or_else(|| UsageError(registry::unknown_rule_message(rule)))?;
            print!("{}", meta.page);
            Ok(EXIT_OK)
        }
        Command::Fingerprint { sql } => {
            crate::sql::print_fingerprints(sql, g.format)?;
            Ok(EXIT_OK)
        }
        Command::Check {
            paths,
            schema,
            diff_base,
            include_tests,
            verbose,
        } => {
            let cwd = std::env::current_dir()?;
            let changed = match diff_base {
                Some(rev) => Some(crate::diffbase::Changed::since(rev, &cwd).map_err(UsageError)?),
                None => None,
            };
            let config = Config::load(g.config.as_deref(), &cwd)?;
            let rules = rule_set(&config, g)?;
            let mut config = config;
            config.progress = !g.quiet;
            config.tests |= *include_tests;
            let schema = match schema.clone().or_else(|| config.schema_path()) {
                Some(p) => {
                    let mut s = crate::schema::Schema::load(&p, &cwd)?;
                    s.set_rows(&config.tables);
                    Some(s)
                }
                None => None,
            };
            let mut run = crate::check::run_with_schema(paths, &config, &rules, &cwd, schema);
            if !g.quiet {
                for n in &run.schema_notes {
                    eprintln!("ormlint: note: {n}");
                }
            }
            if *verbose && !g.quiet {
                for (krate, looked) in &run.no_schema {
                    eprintln!(
                        "ormlint: {}: no schema found, so missing-index judged none of its queries (looked for {}; name one with --schema or `[schema] path`)",
                        crate::source::walk::display_path(krate, &cwd),
                        if looked.is_empty() { "nothing".to_string() } else { looked.iter().map(|l| format!("`{}`", crate::source::walk::display_path(std::path::Path::new(l), &cwd))).collect::<Vec<_>>().join(", ") }
                    );
                }
            }
            if let Some(changed) = &changed {
                let files = &run.files;
                run.diagnostics.retain(|d| changed.contains(d, files, &cwd));
            }
            finish(g, &run.files, &mut run.diagnostics, &run.summary)
        }
        Command::Inspect { paths } => {
            let cwd = std::env::current_dir()?;
            let config = Config::load(g.config.as_deref(), &cwd)?;
            let rules = rule_set(&config, g)?;
            let analysis = crate::check::static_analysis_with(paths, &config, &rules, &cwd, true);
            crate::inspect::print(&analysis, g.format)?;
            Ok(EXIT_OK)
        }
        Command::Replay {
            logs,
            log_format,
            log_line_prefix,
            gap,
            profile,
            show_values,
            schema,
            table_rows,
            verbose,
            keep_going,
            top,
            jobs,
            source,
            explain_with,
            allow_extension,
            pg_stat_statements,
        } => {
            let cwd = std::env::current_dir()?;
            let config = Config::load(g.config.as_deref(), &cwd)?;
            let rules = rule_set(&config, g)?;
            let format = match log_format {
                None => None,
                Some(f) => Some(crate::replay::LogFormat::parse(f).ok_or_else(|| {
                    UsageError(format!(
                        "unknown log format `{f}`; expected one of: {}",
                        crate::replay::LogFormat::ALL
                            .iter()
                            .map(|f| f.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })?),
            };
            if !(gap.is_finite() && *gap >= 0.0) {
                return Err(UsageError(format!(
                    "--gap must be a number of milliseconds, not {gap}"
                )));
            }
            let opts = crate::runtime::Options {
                reader: crate::replay::ReaderOptions {
                    format,
                    log_line_prefix: log_line_prefix.clone(),
                    ..Default::default()
                },
                gap_ms: *gap,
                show_values: *show_values,
                verbose: *verbose,
                progress: !g.quiet,
                schema: schema.clone().or_else(|| config.schema_path()),
                table_rows: table_rows_of(&config, table_rows)?,
                max_shapes: crate::runtime::DEFAULT_MAX_SHAPES,
                tag_keys: config.tag_keys.clone(),
                jobs: jobs.map(|n| n.get()),
                pg_stat_statements: pg_stat_statements.clone(),
                explain: explain_with
                    .clone()
                    .or_else(|| config.explain_url())
                    .map(|url| crate::runtime::ExplainOptions {
                        url,
                        allow_extension: *allow_extension,
                    }),
            };
            crate::replay::stop_on_interrupt();
            let mut run = crate::runtime::try_run(logs, &opts, &rules, &cwd)?;
            if !source.is_empty() {
                let code = crate::check::static_analysis_with(source, &config, &rules, &cwd, false);
                let sites = crate::runtime::callsites::index(&code);
                crate::runtime::callsites::attach(
                    &mut run.diagnostics,
                    &mut run.files,
                    &sites,
                    &code.files,
                );
            }
            if run.logs.iter().all(|l| l.error.is_some()) {
                let msgs: Vec<String> = run
                    .logs
                    .iter()
                    .map(|l| format!("{}: {}", l.path, l.error.clone().unwrap_or_default()))
                    .collect();
                return Err(UsageError(msgs.join("\n")));
            }
            let code = if *profile && g.format != Format::Html {
                crate::runtime::profile::print(&run, g.format)?;
                EXIT_OK
            } else {
                let shapes = crate::report::html::Shapes {
                    profile: &run.profile,
                    top: *top,
                };
                let code = finish_with(
                    g,
                    "replay",
                    &run.files,
                    &mut run.diagnostics,
                    &run.summary,
                    Some(&shapes),
                )?;
                if *profile {
                    EXIT_OK
                } else {
                    code
                }
            };
            // Input lost is never a silent success: the findings are out,
            // then the status says the log was not read to its end.
            // Said on stderr too, whatever the format or `--quiet`.
            for l in &run.logs {
                if let Some(p) = &l.stats.stopped {
                    eprintln!(
                        "ormlint: {}: reading stopped at line {} ({}); the rest of the log was not read",
                        l.path, p.line, p.message
                    );
                }
            }
            let stopped = run.logs.iter().any(|l| l.stats.stopped.is_some());
            Ok(match (stopped, *keep_going) {
                (_, false) if crate::replay::interrupted() => EXIT_INTERRUPTED,
                (true, false) => EXIT_ERROR,
                _ => code,
            })
        }
    }
}

/// Row counts: `[tables]` in the config, then `--table-rows TABLE=ROWS`.
fn table_rows_of(
    config: &Config,
    args: &[String],
) -> Result<std::collections::BTreeMap<String, u64>, UsageError> {
    let mut rows = config.tables.clone();
    for a in args {
        let (t, n) = a
            .split_once('=')
            .ok_or_else(|| UsageError(format!("--table-rows takes TABLE=ROWS, not `{a}`")))?;
        let n: u64 = n
            .replace('_', "")
            .parse()
            .map_err(|_| UsageError(format!("--table-rows: `{n}` is not a row count")))?;
        rows.insert(t.trim().to_lowercase(), n);
    }
    Ok(rows)
}

/// The enabled rules: config severities and options, then `--select` / `--ignore`.
pub fn rule_set(config: &Config, g: &Global) -> Result<RuleSet, UsageError> {
    for id in g.select.iter().chain(&g.ignore) {
        if registry::find(id).is_none() {
            return Err(UsageError(registry::unknown_rule_message(id)));
        }
    }
    let selected = |id: &str, aliases: &[&str]| {
        let named = |list: &[String]| {
            list.iter()
                .any(|s| s == id || aliases.contains(&s.as_str()))
        };
        (g.select.is_empty() || named(&g.select)) && !named(&g.ignore)
    };
    let mut rules = Vec::new();
    for r in registry::all() {
        let m = r.meta();
        if !selected(m.id, m.aliases) {
            continue;
        }
        let explicitly_selected = !g.select.is_empty();
        let (severity, options) = match config.rules.get(m.id) {
            Some(RuleSetting::Off) if !explicitly_selected => continue,
            Some(RuleSetting::Off) => (m.severity, Default::default()),
            Some(RuleSetting::On { severity, options }) => {
                (severity.unwrap_or(m.severity), options.clone())
            }
            None => (m.severity, Default::default()),
        };
        rules.push(EnabledRule {
            rule: *r,
            severity,
            options,
        });
    }
    Ok(RuleSet::new(rules))
}

fn print_rules(format: Format) -> Result<(), UsageError> {
    let mut out = io::stdout().lock();
    if format == Format::Json {
        let rules: Vec<serde_json::Value> = registry::all()
            .iter()
            .map(|r| {
                let m = r.meta();
                serde_json::json!({
                    "id": m.id,
                    "severity": m.severity.as_str(),
                    "category": m.category.as_str(),
                    "evidence": m.evidence.iter().map(|e| e.as_str()).collect::<Vec<_>>(),
                    "summary": m.summary(),
                })
            })
            .collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&rules)?)?;
        return Ok(());
    }
    let rows: Vec<[String; 4]> = registry::all()
        .iter()
        .map(|r| {
            let m = r.meta();
            [
                m.id.to_string(),
                m.severity.to_string(),
                m.evidence_str(),
                m.summary().to_string(),
            ]
        })
        .collect();
    let headers = ["RULE", "SEVERITY", "EVIDENCE", "SUMMARY"];
    let widths: Vec<usize> = (0..3)
        .map(|i| {
            rows.iter()
                .map(|r| r[i].len())
                .chain([headers[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: [&str; 4]| {
        format!(
            "{:w0$}  {:w1$}  {:w2$}  {}",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        )
    };
    writeln!(out, "{}", line(headers))?;
    for r in &rows {
        writeln!(out, "{}", line([&r[0], &r[1], &r[2], &r[3]]))?;
    }
    Ok(())
}

/// Sorts, renders in the chosen format to standard output, and returns the exit status.
pub fn finish(
    g: &Global,
    files: &FileDb,
    diagnostics: &mut Vec<Diagnostic>,
    summary: &Summary,
) -> Result<u8, UsageError> {
    finish_with(g, "check", files, diagnostics, summary, None)
}

/// [`finish`] for a named command, with the query shapes `replay` charts
/// in HTML.
pub fn finish_with(
    g: &Global,
    command: &str,
    files: &FileDb,
    diagnostics: &mut Vec<Diagnostic>,
    summary: &Summary,
    shapes: Option<&crate::report::html::Shapes<'_>>,
) -> Result<u8, UsageError> {
    crate::engine::diagnostic::sort(diagnostics, files);
    if let Some(path) = &g.write_baseline {
        // Replacing a baseline: say what changed.
        let change = crate::baseline::load(path)
            .ok()
            .map(|old| crate::baseline::compare(diagnostics, files, &old));
        crate::baseline::write(path, diagnostics, files)
            .map_err(|e| UsageError(format!("{}: cannot write baseline: {e}", path.display())))?;
        let n = diagnostics
            .iter()
            .filter(|d| d.suppressed.is_none())
            .count();
        if !g.quiet {
            eprintln!(
                "ormlint: baseline with {n} findings written to {}",
                path.display()
            );
            if let Some(c) = change {
                eprintln!(
                    "ormlint: against the previous baseline: {} new, {} gone, {} kept",
                    c.added, c.removed, c.kept
                );
            }
        }
        return Ok(EXIT_OK);
    }
    if let Some(path) = &g.baseline {
        let base = crate::baseline::load(path).map_err(UsageError)?;
        let gone = crate::baseline::apply(diagnostics, files, base);
        if gone > 0 && !g.quiet {
            eprintln!(
                "ormlint: {gone} finding{} of the baseline did not occur in this run (fixed, \
                 outside the paths checked, or merged into one finding per loop); \
                 `--write-baseline {}` refreshes it",
                if gone == 1 { "" } else { "s" },
                path.display()
            );
        }
        if g.format != Format::Sarif {
            diagnostics.retain(|d| d.baseline != Some("unchanged"));
        }
    }
    let fail = g.fail_on.severity();
    let failing = diagnostics
        .iter()
        .any(|d| d.suppressed.is_none() && d.baseline != Some("unchanged") && d.severity >= fail);
    if !g.show_suppressed && g.format != Format::Sarif {
        diagnostics.retain(|d| d.suppressed.is_none());
    }
    let report = Report {
        files,
        diagnostics,
        summary,
    };
    let stdout = io::stdout();
    match g.format {
        Format::Human => {
            let choice = match g.color {
                Color::Always => ColorChoice::Always,
                Color::Never => ColorChoice::Never,
                Color::Auto if stdout.is_terminal() => ColorChoice::Auto,
                Color::Auto => ColorChoice::Never,
            };
            let mut out = StandardStream::stdout(choice);
            report::human::render(&report, &mut out, g.quiet)?;
        }
        Format::Json => report::json::write(&report, &mut stdout.lock())?,
        Format::Sarif => report::sarif::write(&report, &mut stdout.lock())?,
        Format::Github => print!("{}", report::github::render(&report)),
        Format::Html => report::html::write(&report, command, shapes, &mut stdout.lock())?,
        Format::Gitlab => {
            let cwd = std::env::current_dir().unwrap_or_default();
            if report::gitlab::repository_root(&cwd).is_none() {
                eprintln!(
                    "ormlint: no git repository at or above {}: GitLab paths are given relative \
                     to it (set CI_PROJECT_DIR to the repository root)",
                    cwd.display()
                );
            }
            report::gitlab::write(&report, &cwd, &mut stdout.lock())?
        }
    }
    Ok(if failing { EXIT_FINDINGS } else { EXIT_OK })
}
