//! Runtime front end: read logs, fingerprint every statement, group them by
//! request / session burst, and hand groups and shapes to the rules.
//!
//! Grouping, in order of preference:
//! 1. a request id: sqlcommenter `request_id` / `traceparent` / `trace_id`
//!    tags in the SQL, or the JSON `request` field;
//! 2. the session (PostgreSQL session id or pid, MySQL thread id, JSON
//!    `session`), together with `application_name` (apps that set it per
//!    request get one group per request), split wherever two statements are
//!    more than `--gap` apart;
//! 3. with neither, the whole log in bursts split by `--gap`.
//!
//! Memory holds the distinct shapes and the open groups, never the log: a
//! group is judged and dropped as soon as it closes, and no group grows past
//! `MAX_GROUP_EVENTS` statements.

mod boilerplate;
pub mod callsites;
pub mod pgplan;
mod plans;
pub mod profile;
pub mod stats;
pub mod tags;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::engine::{
    Diagnostic, Evidence, FileDb, GroupEvent, LogPos, Operation, QueryFacts, QueryGroup, RuleSet,
    ShapeInfo, Span, SpanSource,
};
use crate::replay::{LogFormat, LogReader, QueryEvent, ReadStats, ReaderOptions};
use crate::report::{Skipped, Summary};
use crate::sql::analyze::{analyze, SqlAnalysis};
use crate::sql::fingerprint::{hash_bytes, Fingerprinter};
use stats::{Distinct, Histogram};

use crate::util::FastMap;
use boilerplate::Boilerplate;

/// Groups are judged and dropped at this size, to bound memory.
pub const MAX_GROUP_EVENTS: usize = 50_000;
/// Distinct shapes kept in full by default (about 2 KB each); the rarest
/// beyond them are folded.
pub const DEFAULT_MAX_SHAPES: usize = 10_000;
/// Default idle gap that splits a session into groups, in milliseconds.
pub const DEFAULT_GAP_MS: f64 = 15.0;
/// Request groups idle this long (log time) are closed.
const REQUEST_IDLE_MICROS: i64 = 60_000_000;

#[derive(Clone, Debug)]
pub struct Options {
    pub reader: ReaderOptions,
    pub gap_ms: f64,
    pub show_values: bool,
    /// List every query shape that could not be replayed, not only counts.
    pub verbose: bool,
    /// Show a progress line on a terminal.
    pub progress: bool,
    /// Schema to replay query shapes against (missing-index).
    pub schema: Option<PathBuf>,
    /// Row counts by table, for the planner and for what is worth an index.
    pub table_rows: std::collections::BTreeMap<String, u64>,
    /// Distinct shapes kept with their statistics; past this, the rarest
    /// shapes no open group holds are folded (see [`Runner::fold`]).
    pub max_shapes: usize,
    /// Tag keys shown besides those that name code (`[replay] tags`).
    pub tag_keys: Vec<String>,
    /// Threads (`--jobs`); `None`: one per core.
    pub jobs: Option<usize>,
    /// `--explain-with`: plan shapes on this PostgreSQL instead of (or,
    /// without HypoPG, besides) the SQLite replica.
    pub explain: Option<ExplainOptions>,
    /// `--pg-stat-statements`: exports of the view, read after the logs.
    pub pg_stat_statements: Vec<PathBuf>,
}

#[derive(Clone, Debug, Default)]
pub struct ExplainOptions {
    pub url: String,
    /// `--allow-extension`: create HypoPG when the database lacks it.
    pub allow_extension: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            reader: ReaderOptions::default(),
            gap_ms: DEFAULT_GAP_MS,
            show_values: false,
            verbose: false,
            progress: false,
            schema: None,
            max_shapes: DEFAULT_MAX_SHAPES,
            table_rows: Default::default(),
            tag_keys: Vec::new(),
            jobs: None,
            explain: None,
            pg_stat_statements: Vec::new(),
        }
    }
}

/// What one log gave.
#[derive(Clone, Debug)]
pub struct LogSummary {
    pub path: String,
    pub format: Option<LogFormat>,
    pub stats: ReadStats,
    /// Set when the log could not be opened at all.
    pub error: Option<String>,
}

/// One query shape, for `--profile`.
#[derive(Clone, Debug)]
pub struct ShapeProfile {
    pub hash: u64,
    pub text: String,
    pub count: u64,
    pub total_ms: f64,
    pub timed: u64,
    pub p95_ms: Option<f64>,
    pub distinct_values: usize,
    pub distinct_exact: bool,
    pub worst_group: Option<(String, f64, u64)>,
    pub first: LogPos,
}

pub struct ReplayRun {
    pub files: FileDb,
    pub diagnostics: Vec<Diagnostic>,
    pub summary: Summary,
    pub logs: Vec<LogSummary>,
    pub profile: Vec<ShapeProfile>,
}

struct Shape {
    pub(crate) info: Arc<ShapeInfo>,
    family: u64,
    count: u64,
    total_ms: f64,
    durations: Histogram,
    values: Distinct,
    first: LogPos,
    worst: Option<(String, f64, u64)>,
    /// Tooling's statements (catalog reads, `SELECT 1`, `SET`) stay out of
    /// groups; catalog reads are not searched for payloads.
    boilerplate: Boilerplate,
    /// Literals in executions that bind their other values.
    spliced: Option<Box<Spliced>>,
    /// The first execution, kept for `--explain-with` only.
    sample: Option<Box<pgplan::Sample>>,
    /// Calls counted from `pg_stat_statements` rows: timed in total only.
    stat_calls: u64,
}

/// The literals a shape carries beside its bind parameters
/// (`WHERE project_id = $1 AND priority >= 4`): the code's own constant
/// while they never change, a spliced value once they do.
struct Spliced {
    first_hash: u64,
    first: LogPos,
    first_sql: String,
    /// Executions with literals beside parameters.
    execs: u64,
    /// Where the literals first took another value.
    varied_at: Option<LogPos>,
    /// Distinct literal sets seen (counted up to 16).
    distinct: Vec<u64>,
    /// The query tags of the first execution.
    tags: Option<tags::Tags>,
}

/// A family's executions with inline values: the first (where, which
/// shape, the statement when values may be shown, its query tags), and up
/// to 5 more for related locations.
struct Literals {
    pos: LogPos,
    hash: u64,
    /// The shape's normalized text, kept only once the shape is folded and
    /// the text cannot be rebuilt from the family's other shapes (see
    /// [`Runner::fold`]); while the shape is kept, its text is there.
    text: Option<Box<str>>,
    sql: Box<str>,
    tags: Option<tags::Tags>,
    more: Vec<(LogPos, u64)>,
}

/// One family: shapes that differ only in casts on placeholders. Most
/// families never inline a value, so that part is boxed; the record is
/// 24 bytes, as a log of endless new shapes keeps one per family.
#[derive(Default)]
struct Family {
    param_execs: u64,
    literal_execs: u64,
    literals: Option<Box<Literals>>,
}

/// The normalized text with `::type` after placeholders removed: the text
/// a family's shapes share ([`family_of`] is its hash).
fn strip_casts(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("?::") {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("?::") {
        out.push_str(&rest[..=i]);
        let tail = &rest[i + 3..];
        let end = tail
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '[' || c == ']'))
            .unwrap_or(tail.len());
        rest = &tail[end..];
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// A group's identity: a hash of its request id, or of its session and
/// application name (no allocation per statement), and whether it is a request.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct GroupKey {
    hash: u64,
    request: bool,
}

impl GroupKey {
    fn of(request: Option<&str>, ev: &QueryEvent) -> GroupKey {
        let mix = |kind: u8, a: &str, b: &str| {
            let mut h = hash_bytes(a.as_bytes()) ^ u64::from(kind);
            h = h.rotate_left(17) ^ hash_bytes(b.as_bytes());
            h
        };
        match (request, &ev.session) {
            (Some(r), _) => GroupKey {
                hash: mix(1, r, ""),
                request: true,
            },
            (None, Some(s)) => GroupKey {
                hash: mix(2, s, ev.application.as_deref().unwrap_or("\0")),
                request: false,
            },
            (None, None) => GroupKey {
                hash: 3,
                request: false,
            },
        }
    }

    fn label(request: Option<&str>, ev: &QueryEvent, first_line: u64) -> String {
        match (request, &ev.session, &ev.application) {
            (Some(r), _, _) => format!("request {r}"),
            (None, Some(s), Some(app)) => {
                format!("session {s} (app {app}) from line {first_line}")
            }
            (None, Some(s), None) => format!("session {s} from line {first_line}"),
            (None, None, _) => format!("statements from line {first_line}"),
        }
    }
}

struct OpenGroup {
    /// Made when the group gets its second statement: most groups hold one
    /// and are never named.
    label: Option<String>,
    first_line: u64,
    events: Vec<GroupEvent>,
    last_at: Option<i64>,
    /// Inside an explicit transaction (`BEGIN` … `COMMIT`): the group does
    /// not split on idle gaps until it ends.
    in_txn: bool,
    /// The group began with `BEGIN`: the unit of work an ORM session opens
    /// per request (SQLAlchemy, Django's atomic requests, ActiveRecord), so
    /// its `COMMIT`/`ROLLBACK` ends the request too.
    opened_by_begin: bool,
    /// The query tags of its events, run-length: from event index `i` on,
    /// the events carry these tags (or none), until the next entry. A
    /// request's statements mostly share one set: one entry per group.
    tags: Vec<(u32, Option<tags::Tags>)>,
}

/// `BEGIN` / `START TRANSACTION` opens, `COMMIT` / `ROLLBACK` / `END` closes.
fn txn_boundary(text: &str) -> Option<bool> {
    let first = text
        .split(|c: char| !c.is_ascii_alphabetic())
        .find(|w| !w.is_empty())?;
    if first.eq_ignore_ascii_case("begin") || text.starts_with("start transaction") {
        Some(true)
    } else if ["commit", "rollback", "end", "abort"]
        .iter()
        .any(|w| first.eq_ignore_ascii_case(w))
        && !text.starts_with("rollback to")
    {
        Some(false)
    } else {
        None
    }
}

/// Spans into logs are first *pending*: a number standing for a statement's
/// place and shape, costing no text. Only diagnostics that survive the
/// per-pattern aggregation get real excerpts, at the end of the run.
const PENDING_BASE: usize = usize::MAX / 2;

struct Pending<'a> {
    table: &'a mut Vec<(LogPos, Arc<ShapeInfo>)>,
    shapes: &'a FastMap<u64, Shape>,
}

impl SpanSource for Pending<'_> {
    fn span(&mut self, pos: &LogPos, shape: &ShapeInfo) -> Span {
        let info = self
            .shapes
            .get(&shape.hash)
            .map(|s| s.info.clone())
            .unwrap_or_else(|| {
                Arc::new(ShapeInfo {
                    hash: shape.hash,
                    text: shape.text.clone(),
                    operation: shape.operation,
                    analysis: shape.analysis.clone(),
                })
            });
        self.table.push((*pos, info));
        Span::new(PENDING_BASE + self.table.len() - 1, 0..shape.text.len())
    }
}

/// Turns pending spans into excerpts: the shape's text at the statement's
/// first line (values are never shown unless asked).
fn materialize(
    diagnostics: &mut [Diagnostic],
    pending: &[(LogPos, Arc<ShapeInfo>)],
    files: &mut FileDb,
    logs: &[String],
) {
    let mut cache: HashMap<(LogPos, u64), usize> = HashMap::new();
    let mut fix = |span: &mut Span| {
        let Some(&(pos, ref shape)) = span
            .file
            .checked_sub(PENDING_BASE)
            .and_then(|i| pending.get(i))
        else {
            return;
        };
        let id = *cache.entry((pos, shape.hash)).or_insert_with(|| {
            let name = logs.get(pos.log as usize).cloned().unwrap_or_default();
            files.add_excerpt(name, shape.text.clone(), pos.first_line as usize)
        });
        span.file = id;
    };
    for d in diagnostics {
        fix(&mut d.primary);
        for l in &mut d.related {
            fix(&mut l.span);
        }
    }
}

/// A finding's message without its group and counts: the same pattern in
/// another request has the same key.
fn pattern_of(message: &str) -> String {
    let mut m = message.to_string();
    if let Some(i) = m.find(" in ") {
        let end = m[i + 4..].find(", ").map_or(m.len(), |j| i + 4 + j);
        m.replace_range(i..end, "");
    }
    m.chars()
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .collect()
}

/// ` (in request b042)`, from a finding's message.
fn group_of(message: &str) -> String {
    match message.find(" in ") {
        Some(i) => {
            let rest = &message[i + 4..];
            let end = rest.find(", ").unwrap_or(rest.len());
            format!(" (in {})", &rest[..end])
        }
        None => String::new(),
    }
}

/// Request id from sqlcommenter tags or the event.
fn request_of<'a>(tags: &'a [(String, String)], ev: &'a QueryEvent) -> Option<&'a str> {
    for (k, v) in tags {
        match k.as_str() {
            "request_id" | "requestid" | "request-id" | "x-request-id" | "trace_id" => {
                return Some(v)
            }
            // W3C traceparent: version-traceid-spanid-flags; the trace id names the request.
            "traceparent" => return Some(v.split('-').nth(1).unwrap_or(v)),
            _ => {}
        }
    }
    ev.request.as_deref()
}

/// Strips `::type` after a placeholder so `= ?::integer` and `= ?` are one family.
fn family_of(text: &str) -> u64 {
    hash_bytes(strip_casts(text).as_bytes())
}

struct Runner<'r> {
    rules: &'r RuleSet,
    opts: &'r Options,
    fp: Fingerprinter,
    shapes: FastMap<u64, Shape>,
    families: FastMap<u64, Family>,
    groups: FastMap<GroupKey, OpenGroup>,
    diagnostics: Vec<Diagnostic>,
    files: FileDb,
    log_names: Vec<String>,
    statements: u64,
    latest_at: i64,
    since_sweep: u64,
    /// Log positions behind pending spans.
    pending: Vec<(LogPos, Arc<ShapeInfo>)>,
    /// (rule, shape, message head) → how many groups showed it, and the
    /// index of the finding kept for it.
    seen: HashMap<(&'static str, String, String), (u64, usize)>,
    /// The schema replica, when `--schema` was given.
    schema: Option<crate::schema::Schema>,
    /// The user's PostgreSQL, when `--explain-with` was given.
    pg: Option<std::sync::Mutex<pgplan::PgPlanner>>,
    /// Shapes folded away to bound memory, and what they stood for.
    folded: Folded,
    /// Index proposals for folded shapes, planned when they were folded.
    folded_plans: Vec<crate::engine::PlanFacts>,
    folded_not_replayed: std::collections::BTreeMap<String, Vec<String>>,
    /// Folded shapes whose literals beside bind parameters had not changed
    /// yet: their first literals and place, to go on watching if they return.
    folded_spliced: FastMap<u64, (u64, LogPos)>,
    /// Which query tags are kept, and each distinct kept set, stored once.
    tag_filter: tags::TagFilter,
    tag_sets: tags::TagSets,
}

/// What folded shapes leave behind: their totals.
#[derive(Default)]
struct Folded {
    shapes: u64,
    executions: u64,
    total_ms: f64,
}

/// Statements longer than this are analysed through their normalized text.
const ANALYZE_RAW_MAX: usize = 1 << 20;

/// A shape's info: its normalized text, and the analysis of `sql` (an
/// execution's text, or the normalized text itself for a folded shape that
/// a finding needs at the end of the run).
fn shape_info(hash: u64, text: String, sql: &str) -> ShapeInfo {
    let analysis = Arc::new(analyze(analyzed_text(&text, sql)));
    shape_info_with(hash, text, analysis)
}

/// What a shape's analysis parses: the execution's text, or for a huge
/// statement, which is mostly values (a bulk `INSERT`, an `IN` list of
/// millions), its normalized text, where each list is one `?`: the same
/// tables and columns, in a small tree.
fn analyzed_text<'a>(text: &'a str, sql: &'a str) -> &'a str {
    if sql.len() > ANALYZE_RAW_MAX && text.len() < sql.len() {
        text
    } else {
        sql
    }
}

fn shape_info_with(hash: u64, text: String, analysis: Arc<SqlAnalysis>) -> ShapeInfo {
    let operation = analysis
        .operation
        .or_else(|| crate::source::visit::sql_operation(&text))
        .unwrap_or(Operation::Other);
    ShapeInfo {
        hash,
        text,
        operation,
        analysis,
    }
}

impl Runner<'_> {
    fn excerpts(&mut self) -> (Pending<'_>, &mut Vec<Diagnostic>) {
        (
            Pending {
                table: &mut self.pending,
                shapes: &self.shapes,
            },
            &mut self.diagnostics,
        )
    }

    /// Keeps the first finding of each (rule, query shape) and counts the
    /// rest, so a pattern repeated in 10,000 requests is one finding.
    fn aggregate(&mut self, first_new: usize, pending_before: usize) {
        let mut kept = Vec::new();
        let mut labelled = false;
        let new: Vec<Diagnostic> = self.diagnostics.drain(first_new..).collect();
        for d in new {
            let fp = d
                .query
                .as_ref()
                .and_then(|q| q.fingerprint.clone())
                .unwrap_or_default();
            let key = (d.rule, fp, pattern_of(&d.message));
            match self.seen.get_mut(&key) {
                Some((n, i)) => {
                    *n += 1;
                    // Point at the first few other occurrences from the kept finding
                    // (one kept in this same call is not placed yet and gets none).
                    if let Some(kept_d) = self.diagnostics.get_mut(*i) {
                        tags::note_other_origin(kept_d, &d);
                        if kept_d
                            .related
                            .iter()
                            .filter(|l| l.message.starts_with("same pattern"))
                            .count()
                            < 5
                        {
                            kept_d.label(
                                d.primary.clone(),
                                format!("same pattern again{}", group_of(&d.message)),
                            );
                            labelled = true;
                        }
                    }
                }
                None => {
                    self.seen.insert(key, (1, first_new + kept.len()));
                    kept.push(d);
                }
            }
        }
        if kept.is_empty() && !labelled {
            self.pending.truncate(pending_before);
        }
        self.diagnostics.extend(kept);
    }

    fn close(&mut self, group: OpenGroup) {
        if group.events.is_empty() {
            return;
        }
        // One statement: no pattern to judge, only the worst-group statistic.
        if let [e] = group.events.as_slice() {
            if let Some(s) = self.shapes.get_mut(&e.shape.hash) {
                let ms = e.duration_ms.unwrap_or(0.0);
                if s.worst
                    .as_ref()
                    .is_none_or(|(_, wms, wn)| (ms, 1) > (*wms, *wn))
                {
                    let label = group
                        .label
                        .unwrap_or_else(|| format!("the statement at line {}", e.pos.first_line));
                    s.worst = Some((label, ms, 1));
                }
            }
            return;
        }
        let label = group
            .label
            .unwrap_or_else(|| format!("statements from line {}", group.first_line));
        // Worst group per shape, by time (or by count when untimed).
        let mut per_shape: FastMap<u64, (f64, u64)> = FastMap::default();
        for e in &group.events {
            let t = per_shape.entry(e.shape.hash).or_default();
            t.0 += e.duration_ms.unwrap_or(0.0);
            t.1 += 1;
        }
        // Every group rule judges a repeated shape: without one, nothing to do.
        let repeated = per_shape.values().any(|&(_, n)| n >= 2);
        for (hash, (ms, n)) in per_shape {
            if let Some(s) = self.shapes.get_mut(&hash) {
                let better = match &s.worst {
                    None => true,
                    Some((_, wms, wn)) => (ms, n) > (*wms, *wn),
                };
                if better {
                    s.worst = Some((label.clone(), ms, n));
                }
            }
        }
        if !repeated {
            return;
        }
        let g = QueryGroup {
            key: label,
            events: group.events,
        };
        let rules = self.rules;
        let (first_new, pending_before) = (self.diagnostics.len(), self.pending.len());
        let (mut spans, out) = self.excerpts();
        rules.check_group(&g, out, &mut spans);
        // Each finding shows the tags of the statement it points at.
        if !group.tags.is_empty() {
            for d in &mut self.diagnostics[first_new..] {
                let Some(&(pos, _)) = d
                    .primary
                    .file
                    .checked_sub(PENDING_BASE)
                    .and_then(|i| self.pending.get(i))
                else {
                    continue;
                };
                let Some(at) = g.events.iter().position(|e| e.pos == pos) else {
                    continue;
                };
                let k = group.tags.partition_point(|(i, _)| *i as usize <= at);
                if let Some((_, Some(t))) = k.checked_sub(1).map(|k| &group.tags[k]) {
                    tags::attach(d, t);
                }
            }
        }
        self.aggregate(first_new, pending_before);
    }

    /// Closes groups idle for a minute of log time: requests, and sessions
    /// outside a transaction, which their next statement would split off
    /// anyway (the idle gap is far shorter). A log of many short sessions
    /// that never log their end then holds only the live ones.
    fn sweep(&mut self, now: i64) {
        let gap = (self.opts.gap_ms * 1000.0) as i64;
        let stale: Vec<(Option<LogPos>, GroupKey)> = self
            .groups
            .iter()
            .filter(|(k, g)| {
                (k.request || !g.in_txn && gap < REQUEST_IDLE_MICROS)
                    && g.last_at.is_some_and(|t| now - t > REQUEST_IDLE_MICROS)
            })
            .map(|(k, g)| (g.events.first().map(|e| e.pos), *k))
            .collect();
        let mut stale = stale;
        // In log order, like the end of a log, for the same output.
        stale.sort_unstable_by_key(|(pos, _)| *pos);
        for (_, k) in stale {
            if let Some(g) = self.groups.remove(&k) {
                self.close(g);
            }
        }
    }

    /// Bounds memory on logs with very many distinct shapes: the rarest
    /// shapes, down to three quarters of `max_shapes`, give their
    /// statistics to a total and are dropped. Never folded: a shape an open
    /// group or a pending finding holds, or one whose literals beside bind
    /// parameters have changed (a finding at the end); one whose literals
    /// have not leaves them in a small map. Their findings are not lost: injection
    /// payloads were checked when each shape was first seen, an index
    /// proposal is planned now, and a literal/bound family keeps the
    /// shape's text to rebuild it at the end. A shape seen again after
    /// folding starts afresh.
    fn fold(&mut self) {
        let keep = self.opts.max_shapes * 3 / 4;
        let mut cold: Vec<(u64, LogPos, u64)> = self
            .shapes
            .iter()
            .filter(|(_, s)| {
                Arc::strong_count(&s.info) == 1
                    && s.spliced.as_ref().is_none_or(|sp| sp.varied_at.is_none())
            })
            .map(|(h, s)| (s.count, s.first, *h))
            .collect();
        cold.sort_unstable();
        let excess = self.shapes.len().saturating_sub(keep);
        let mut gone = Vec::with_capacity(excess.min(cold.len()));
        for (_, _, h) in cold.into_iter().take(excess) {
            if let Some(s) = self.shapes.remove(&h) {
                // A family's first literal execution keeps its shape's text
                // when a finding is certain (the family binds too) or the
                // text has casts a bound twin's would not give back.
                if let Some(l) = self
                    .families
                    .get_mut(&s.family)
                    .and_then(|f| Some(f.param_execs).zip(f.literals.as_deref_mut()))
                    .filter(|(_, l)| l.hash == h && l.text.is_none())
                    .and_then(|(binds, l)| (binds > 0 || s.info.text.contains("?::")).then_some(l))
                {
                    l.text = Some(s.info.text.as_str().into());
                }
                if let Some(sp) = &s.spliced {
                    self.folded_spliced.insert(h, (sp.first_hash, sp.first));
                }
                self.folded.shapes += 1;
                self.folded.executions += s.count;
                self.folded.total_ms += s.total_ms;
                gone.push(s);
            }
        }
        if (self.schema.is_some() || self.pg.is_some()) && !gone.is_empty() {
            if let Some(schema) = self.schema.as_mut() {
                schema.set_rows(&self.opts.table_rows);
            }
            let (facts, not_replayed) = plans::plan(self, gone.iter());
            self.folded_plans.extend(facts);
            for (reason, mut shapes) in not_replayed {
                self.folded_not_replayed
                    .entry(reason)
                    .or_default()
                    .append(&mut shapes);
            }
        }
    }

    /// A shape seen for the first time.
    fn new_shape(
        &mut self,
        hash: u64,
        text: Option<String>,
        analysis: Option<Arc<crate::sql::analyze::SqlAnalysis>>,
        ev: &QueryEvent,
        pos: LogPos,
    ) {
        let text = text.unwrap_or_else(|| crate::sql::fingerprint::fingerprint(&ev.sql).text);
        let family = family_of(&text);
        let info = match analysis {
            Some(a) => shape_info_with(hash, text, a),
            None => shape_info(hash, text, &ev.sql),
        };
        let boilerplate = boilerplate::classify(&info.text, &info.analysis);
        self.shapes.insert(
            hash,
            Shape {
                info: Arc::new(info),
                family,
                count: 0,
                total_ms: 0.0,
                durations: Histogram::default(),
                values: Distinct::default(),
                first: pos,
                worst: None,
                boilerplate,
                spliced: None,
                stat_calls: 0,
                sample: self.pg.is_some().then(|| {
                    Box::new(pgplan::Sample {
                        sql: ev.sql.clone(),
                        params: ev.params.clone(),
                    })
                }),
            },
        );
    }

    /// A row of `pg_stat_statements`: a shape with its calls and time, in
    /// no group (the view keeps no order and no sessions).
    fn stat_row(&mut self, log: u32, row: &crate::replay::pgss::StatRow) {
        let ev = QueryEvent {
            sql: row.query.clone(),
            first_line: row.line,
            last_line: row.line,
            ..Default::default()
        };
        let p = print(&mut self.fp, &ev, &self.tag_filter);
        let pos = LogPos {
            log,
            first_line: row.line,
            last_line: row.line,
        };
        self.statements = self.statements.saturating_add(row.calls);
        if !self.shapes.contains_key(&p.hash) {
            let text = Some(self.fp.text().to_string());
            self.new_shape(p.hash, text, p.analysis, &ev, pos);
        }
        if let Some(shape) = self.shapes.get_mut(&p.hash) {
            shape.count = shape.count.saturating_add(row.calls);
            shape.total_ms += row.total_ms;
            shape.stat_calls = shape.stat_calls.saturating_add(row.calls);
        }
    }

    /// One statement, fingerprinted here.
    fn event(&mut self, log: u32, ev: &QueryEvent) {
        let mut p = print(&mut self.fp, ev, &self.tag_filter);
        if !self.shapes.contains_key(&p.hash) {
            p.text = Some(self.fp.text().to_string());
        }
        if p.tags_hash != 0 && self.tag_sets.get(p.tags_hash).is_none() {
            p.tags = Some(self.tag_filter.kept(self.fp.tags()));
        }
        self.event_printed(log, ev, p);
    }

    /// One statement whose fingerprint is known (here or from the reading thread).
    fn event_printed(&mut self, log: u32, ev: &QueryEvent, p: Printed) {
        self.statements += 1;
        let Printed {
            hash,
            key,
            values_hash,
            literals,
            params,
            spliced_hash,
            text,
            analysis,
            tags_hash,
            tags,
        } = p;
        let tags = match (tags_hash, tags) {
            (0, _) => None,
            (h, Some(t)) => self.tag_sets.insert(h, t),
            (h, None) => self.tag_sets.get(h),
        };
        let pos = LogPos {
            log,
            first_line: ev.first_line,
            last_line: ev.last_line,
        };
        let new_shape = !self.shapes.contains_key(&hash);
        if new_shape {
            self.new_shape(hash, text, analysis, ev, pos);
        }

        let Some(shape) = self.shapes.get_mut(&hash) else {
            return;
        };
        shape.count += 1;
        if let Some(d) = ev.duration_ms {
            shape.total_ms += d;
            shape.durations.add(d);
        }
        shape.values.add(values_hash);
        if let Some(h) = spliced_hash {
            match shape.spliced.as_deref_mut() {
                None => {
                    // A folded shape back again goes on from its first literals.
                    let (first_hash, first) = self.folded_spliced.remove(&hash).unwrap_or((h, pos));
                    shape.spliced = Some(Box::new(Spliced {
                        first_hash,
                        first,
                        first_sql: if self.opts.show_values {
                            cap(&ev.sql)
                        } else {
                            String::new()
                        },
                        execs: 1,
                        varied_at: (h != first_hash).then_some(pos),
                        distinct: if h == first_hash {
                            vec![h]
                        } else {
                            vec![first_hash, h]
                        },
                        tags: tags.clone(),
                    }))
                }
                Some(sp) => {
                    sp.execs += 1;
                    if h != sp.first_hash && sp.varied_at.is_none() {
                        sp.varied_at = Some(pos);
                    }
                    if sp.distinct.len() < 16 && !sp.distinct.contains(&h) {
                        sp.distinct.push(h);
                    }
                }
            }
        }
        let info = shape.info.clone();
        let family_key = shape.family;
        let boilerplate = shape.boilerplate;

        // Inline literals where other executions bind parameters.
        if info.operation != Operation::Other && boilerplate != Boilerplate::Catalog {
            let fam = self.families.entry(family_key).or_default();
            if params > 0 {
                fam.param_execs += 1;
                // The first literal execution's shape was folded without
                // its text: the family's text is this shape's, casts removed.
                if let Some(l) = fam.literals.as_deref_mut() {
                    if l.text.is_none() && !self.shapes.contains_key(&l.hash) {
                        l.text = Some(strip_casts(&info.text).into());
                    }
                }
            } else if literals > 0 && params == 0 && info.analysis.has_predicate {
                fam.literal_execs += 1;
                match fam.literals.as_deref_mut() {
                    None => {
                        let sql = if self.opts.show_values {
                            cap(&ev.sql)
                        } else {
                            String::new()
                        };
                        fam.literals = Some(Box::new(Literals {
                            pos,
                            hash,
                            text: None,
                            sql: sql.into(),
                            tags: tags.clone(),
                            more: Vec::new(),
                        }));
                    }
                    Some(l) if l.more.len() < 5 => l.more.push((pos, hash)),
                    Some(_) => {}
                }
            }
        }

        // DDL in the log itself joins the schema replica.
        if info.operation == Operation::Other
            && [
                "create table",
                "create index",
                "create unique index",
                "alter table",
            ]
            .iter()
            .any(|p| info.text.starts_with(p))
        {
            if self.schema.is_none() {
                self.schema = crate::schema::Schema::new().ok();
            }
            if let Some(schema) = self.schema.as_mut() {
                let name = self
                    .log_names
                    .get(log as usize)
                    .cloned()
                    .unwrap_or_default();
                schema.apply_sql(&ev.sql, &name);
            }
        }

        // Injection payloads: each new shape, and any execution whose text
        // has a comment (a truncating comment does not change the shape).
        let suspicious = !new_shape
            && literals > 0
            && (ev.sql.contains("--") || ev.sql.contains('#') || ev.sql.contains("/**/"));
        if (new_shape || suspicious) && boilerplate != Boilerplate::Catalog {
            self.query_facts(
                &ev.sql,
                &info,
                pos,
                tags.as_ref(),
                1,
                literals,
                params,
                0,
                0,
            );
        }

        // Grouping.
        if let Some(at) = ev.at_micros {
            self.latest_at = self.latest_at.max(at);
        }
        if boilerplate != Boilerplate::No {
            return;
        }
        // A connection serves one request at a time: a statement tagged
        // with a request ends the untagged work its session was doing
        // (consecutive untagged requests on one pooled connection are
        // otherwise one group when the log has no time per statement).
        if key.request && ev.session.is_some() {
            let session = GroupKey::of(None, ev);
            if let Some(g) = self.groups.remove(&session) {
                self.close(g);
            }
        }
        let gap = (self.opts.gap_ms * 1000.0) as i64;
        let split = match (self.groups.get(&key), ev.at_micros) {
            (Some(g), Some(at)) => {
                !key.request && !g.in_txn && g.last_at.is_some_and(|last| at - last > gap)
                    || g.events.len() >= MAX_GROUP_EVENTS
            }
            (Some(g), None) => g.events.len() >= MAX_GROUP_EVENTS,
            _ => false,
        };
        if split {
            if let Some(g) = self.groups.remove(&key) {
                self.close(g);
            }
        }
        let fp = &mut self.fp;
        let group = self.groups.entry(key).or_insert_with(|| OpenGroup {
            label: None,
            first_line: ev.first_line,
            events: Vec::new(),
            last_at: None,
            in_txn: false,
            opened_by_begin: false,
            tags: Vec::new(),
        });
        if group.events.len() == 1 && group.label.is_none() {
            // The statement may have been printed on the reading thread, so
            // `fp` may hold another statement's tags: read this one's again
            // (once per group of two or more, and only for request groups).
            let request = if key.request {
                fp.run(&ev.sql);
                request_of(fp.tags(), ev)
            } else {
                None
            };
            group.label = Some(GroupKey::label(request, ev, group.first_line));
        }
        let boundary = txn_boundary(&info.text);
        let was_in_txn = group.in_txn;
        if let Some(open) = boundary {
            if open && group.events.is_empty() {
                group.opened_by_begin = true;
            }
            group.in_txn = open;
        }
        // The end of a unit of work ends the request: one that began with
        // `BEGIN`, or a driver's implicit transaction (no `BEGIN` logged,
        // as MySQL drivers with autocommit off). Not a unit that wrote,
        // when it commits: per-row transactions (`for row … { BEGIN;
        // INSERT; COMMIT }`) are one loop of writes.
        let unit_done = boundary == Some(false)
            && !key.request
            && (group.opened_by_begin || !was_in_txn)
            && (info.text.starts_with("rollback")
                || group.events.iter().all(|e| {
                    e.shape.operation == Operation::Select || txn_boundary(&e.shape.text).is_some()
                }));
        let operation = info.operation;
        // A new run when this statement's tags are not the current run's.
        let same = match (group.tags.last(), &tags) {
            (Some((_, Some(a))), Some(b)) => Arc::ptr_eq(a, b),
            (Some((_, None)), None) | (None, None) => true,
            _ => false,
        };
        if !same {
            group.tags.push((group.events.len() as u32, tags));
        }
        group.events.push(GroupEvent {
            shape: info,
            values_hash,
            n_values: if operation == Operation::Insert {
                insert_rows(&ev.sql)
            } else {
                (literals + params.max(ev.params.len())).min(u32::MAX as usize) as u32
            },
            pos,
            duration_ms: ev.duration_ms,
        });
        if ev.at_micros.is_some() {
            group.last_at = ev.at_micros;
        }
        // A pooled connection serves the next request at once, with no idle
        // gap: the end of the unit of work is the end of the request.
        if unit_done {
            if let Some(g) = self.groups.remove(&key) {
                self.close(g);
            }
        }
        if new_shape && self.shapes.len() > self.opts.max_shapes {
            self.fold();
        }
        self.since_sweep += 1;
        if self.since_sweep >= 10_000 {
            self.since_sweep = 0;
            let now = self.latest_at;
            self.sweep(now);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn query_facts(
        &mut self,
        sql: &str,
        info: &Arc<ShapeInfo>,
        pos: LogPos,
        // The statement's query tags, for the findings it gives.
        tags: Option<&tags::Tags>,
        count: u64,
        literals: usize,
        params: usize,
        family_param_execs: u64,
        spliced_values: u32,
    ) {
        let facts = QueryFacts {
            sql: sql.to_string(),
            fingerprint: info.text.clone(),
            hash: info.hash,
            span: None,
            pos: Some(pos),
            shape: Some(info.clone()),
            count,
            inline_literals: literals,
            bound_params: params,
            family_param_execs,
            spliced_values,
            show_values: self.opts.show_values,
        };
        let rules = self.rules;
        let (first_new, pending_before) = (self.diagnostics.len(), self.pending.len());
        let (mut spans, out) = self.excerpts();
        rules.check_query(Evidence::Replay, &facts, out, Some(&mut spans));
        if let Some(t) = tags {
            for d in &mut self.diagnostics[first_new..] {
                tags::attach(d, t);
            }
        }
        self.aggregate(first_new, pending_before);
    }

    fn finish_log(&mut self) {
        let keys: Vec<GroupKey> = self.groups.keys().copied().collect();
        let mut open: Vec<OpenGroup> = keys
            .into_iter()
            .filter_map(|k| self.groups.remove(&k))
            .collect();
        // Close in log order for deterministic output.
        open.sort_by_key(|g| g.events.first().map(|e| e.pos));
        for g in open {
            self.close(g);
        }
        // The next log has its own clock (an older rotation may follow a
        // newer one): its groups are not idle by this one's time.
        self.latest_at = i64::MIN;
    }
}

/// Rows in an INSERT's VALUES list: `), (` separators plus one. Quotes are
/// not tracked: a `), (` inside a string only overcounts, which at worst
/// hides a single-row insert from write-in-loop.
fn insert_rows(sql: &str) -> u32 {
    let b = sql.as_bytes();
    let mut rows = 1u32;
    for i in memchr::memchr_iter(b')', b) {
        let rest = &b[i + 1..];
        let skip = rest.iter().take_while(|c| c.is_ascii_whitespace()).count();
        if rest.get(skip) == Some(&b',') {
            let after = &rest[skip + 1..];
            let skip2 = after.iter().take_while(|c| c.is_ascii_whitespace()).count();
            if after.get(skip2) == Some(&b'(') {
                rows = rows.saturating_add(1);
            }
        }
    }
    rows
}

/// A literal that query builders write themselves whatever the input:
/// a `LIMIT`/`OFFSET` count, or a number in a list (`IN (1, 2, 3)`, as
/// `whereIntegerInRaw` and Rails inline integer keys).
fn builder_literal(sql: &str, r: std::ops::Range<usize>) -> bool {
    let before = sql.get(..r.start).unwrap_or("").trim_end();
    let number = sql
        .get(r.clone())
        .is_some_and(|v| v.starts_with(|c: char| c.is_ascii_digit() || c == '-'));
    // On bytes: the text before may end inside a multi-byte character.
    let word_before = |text: &str, w: &str| {
        let (t, w) = (text.as_bytes(), w.as_bytes());
        t.len() >= w.len()
            && t[t.len() - w.len()..].eq_ignore_ascii_case(w)
            && !t[..t.len() - w.len()]
                .last()
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
    };
    if number && (word_before(before, "limit") || word_before(before, "offset")) {
        return true;
    }
    // A number after a comma is an element of a list (or MySQL's `LIMIT
    // 10, 20`); the first element of an `IN` list follows its parenthesis.
    number
        && (before.ends_with(',')
            || before.ends_with('(') && word_before(before[..before.len() - 1].trim_end(), "in"))
}

/// What fingerprinting learns of one statement.
struct Printed {
    hash: u64,
    key: GroupKey,
    /// Hash of the literal and bound values.
    values_hash: u64,
    literals: usize,
    params: usize,
    /// With bind parameters: a hash of the literals that could be spliced
    /// values (not `LIMIT`/`OFFSET` counts, not numbers in a list).
    spliced_hash: Option<u64>,
    /// The normalized text, for a shape the fingerprinting side had not seen.
    text: Option<String>,
    /// The parse of a shape the reading thread had not seen, made there so
    /// that a log of mostly new shapes keeps both threads busy.
    analysis: Option<Arc<SqlAnalysis>>,
    /// [`tags::TagFilter::hash`] of the statement's kept tags (0: none).
    tags_hash: u64,
    /// The kept tags, for a set the fingerprinting side had not seen.
    tags: Option<Box<[(String, String)]>>,
}

fn print(fp: &mut Fingerprinter, ev: &QueryEvent, filter: &tags::TagFilter) -> Printed {
    let hash = fp.run(&ev.sql);
    let tags_hash = if fp.tags().is_empty() {
        0
    } else {
        filter.hash(fp.tags())
    };
    let key = GroupKey::of(request_of(fp.tags(), ev), ev);
    // Values: literals in the text, then bound parameters.
    let mut values_hash: u64 = 0x9e37_79b9_7f4a_7c15;
    for r in fp.literals() {
        let v = ev.sql.get(r.clone()).unwrap_or("");
        values_hash = (values_hash ^ hash_bytes(v.as_bytes())).wrapping_mul(0x0100_0000_01b3);
    }
    for p in &ev.params {
        let v = p.as_deref().unwrap_or("\u{0}NULL");
        values_hash = (values_hash ^ hash_bytes(v.as_bytes())).wrapping_mul(0x0100_0000_01b3);
    }
    let params = fp.param_count();
    let spliced_hash = if params > 0 && !fp.literals().is_empty() {
        let mut h: u64 = 0x84222325_cbf29ce4;
        let mut any = false;
        for r in fp.literals() {
            if builder_literal(&ev.sql, r.clone()) {
                continue;
            }
            any = true;
            let v = ev.sql.get(r.clone()).unwrap_or("");
            h = (h ^ hash_bytes(v.as_bytes())).wrapping_mul(0x0100_0000_01b3);
        }
        any.then_some(h)
    } else {
        None
    };
    Printed {
        hash,
        key,
        values_hash,
        literals: fp.literals().len(),
        params,
        spliced_hash,
        text: None,
        analysis: None,
        tags_hash,
        tags: None,
    }
}

/// Statements analysed per batch when reading and analysis run side by side.
const BATCH: usize = 4096;

fn next_batch(reader: &mut LogReader) -> Vec<QueryEvent> {
    reader.by_ref().take(BATCH).collect()
}

/// Keeps at most 64 KiB of a statement for evidence.
fn cap(sql: &str) -> String {
    let mut end = sql.len().min(65_536);
    while !sql.is_char_boundary(end) {
        end -= 1;
    }
    sql[..end].to_string()
}

/// Shapes or tag sets a [`Printer`] remembers having sent (8 bytes each).
const MAX_SEEN: usize = 1 << 20;

/// Fingerprints batches off the analysis thread. What it sends once per
/// shape or tag set it has not seen (text, parse, kept tags) the analysis
/// thread keeps, as it takes batches in log order.
struct Printer {
    fp: Fingerprinter,
    filter: tags::TagFilter,
    seen: crate::util::FastSet<u64>,
    seen_tags: crate::util::FastSet<u64>,
}

impl Printer {
    fn new(filter: tags::TagFilter) -> Self {
        Printer {
            fp: Fingerprinter::new(),
            filter,
            seen: Default::default(),
            seen_tags: Default::default(),
        }
    }

    fn batch(&mut self, batch: &[QueryEvent]) -> Vec<Printed> {
        // What was sent is remembered to send it once; forgetting only
        // sends it again (the analysis keeps the first), so a log of
        // endless new shapes does not grow these sets without bound.
        if self.seen.len() > MAX_SEEN {
            self.seen.clear();
        }
        if self.seen_tags.len() > MAX_SEEN {
            self.seen_tags.clear();
        }
        batch
            .iter()
            .map(|ev| {
                let mut p = print(&mut self.fp, ev, &self.filter);
                if self.seen.insert(p.hash) {
                    let text = self.fp.text().to_string();
                    p.analysis = Some(Arc::new(analyze(analyzed_text(&text, &ev.sql))));
                    p.text = Some(text);
                }
                if p.tags_hash != 0 && self.seen_tags.insert(p.tags_hash) {
                    p.tags = Some(self.filter.kept(self.fp.tags()));
                }
                p
            })
            .collect()
    }
}

/// Three or more threads: this one reads batches, `workers` threads
/// fingerprint and parse them, and one analyses them in log order (each
/// batch is numbered; one that arrives early waits for those before it).
/// The analysis sees the statements in the order of a one-thread run, so
/// the findings are the same.
fn read_pooled(
    reader: &mut LogReader,
    runner: &mut Runner<'_>,
    log: u32,
    progress: &mut crate::progress::Progress,
    workers: usize,
) {
    use std::sync::mpsc::{channel, sync_channel};
    let (to_workers, work) = sync_channel::<(u64, Vec<QueryEvent>)>(workers * 2);
    let work = std::sync::Mutex::new(work);
    let (to_runner, printed) = sync_channel::<(u64, Vec<QueryEvent>, Vec<Printed>)>(workers * 2);
    // Unbounded, so that the analysis thread never waits on it; it holds
    // only batches analysed since this thread last emptied it.
    let (to_main, done) = channel::<Vec<QueryEvent>>();
    let filter = runner.tag_filter.clone();
    std::thread::scope(|s| {
        for _ in 0..workers {
            let to_runner = to_runner.clone();
            let work = &work;
            let mut printer = Printer::new(filter.clone());
            s.spawn(move || loop {
                // The lock is held only while waiting for the next batch.
                let next = match work.lock() {
                    Ok(rx) => rx.recv(),
                    Err(_) => break,
                };
                let Ok((seq, batch)) = next else {
                    break;
                };
                let prints = printer.batch(&batch);
                if to_runner.send((seq, batch, prints)).is_err() {
                    break;
                }
            });
        }
        drop(to_runner);
        s.spawn(move || {
            let mut next = 0u64;
            let mut early = std::collections::BTreeMap::new();
            for (seq, batch, prints) in printed {
                early.insert(seq, (batch, prints));
                while let Some((batch, prints)) = early.remove(&next) {
                    for (ev, p) in batch.iter().zip(prints) {
                        runner.event_printed(log, ev, p);
                    }
                    next += 1;
                    // Back to the reading thread, which allocated it, to be freed.
                    if to_main.send(batch).is_err() {
                        return;
                    }
                }
            }
        });
        let mut seq = 0u64;
        loop {
            let batch = next_batch(reader);
            let Some(last) = batch.last() else {
                break;
            };
            progress.update(last.byte_end);
            if to_workers.send((seq, batch)).is_err() {
                break;
            }
            seq += 1;
            while let Ok(old) = done.try_recv() {
                drop(old);
            }
        }
        drop(to_workers);
        for old in done.iter() {
            drop(old);
        }
    });
}

/// Replays the logs through the enabled rules.
pub fn run(logs: &[PathBuf], opts: &Options, rules: &RuleSet, cwd: &Path) -> ReplayRun {
    match try_run(logs, opts, rules, cwd) {
        Ok(run) => run,
        Err(e) => {
            let mut files = FileDb::new();
            let id = files.add("schema", String::new());
            ReplayRun {
                diagnostics: rules
                    .tool_diagnostic("parse-error", Span::new(id, 0..0), e.clone())
                    .into_iter()
                    .collect(),
                files,
                summary: Summary {
                    skipped: vec![Skipped {
                        path: "schema".into(),
                        line: None,
                        reason: e,
                    }],
                    ..Summary::default()
                },
                logs: Vec::new(),
                profile: Vec::new(),
            }
        }
    }
}

/// Like [`run`], but a schema that cannot be loaded is an error.
pub fn try_run(
    logs: &[PathBuf],
    opts: &Options,
    rules: &RuleSet,
    cwd: &Path,
) -> Result<ReplayRun, String> {
    let schema = match &opts.schema {
        Some(p) => Some(crate::schema::Schema::load(p, cwd)?),
        None => None,
    };
    let pg = match &opts.explain {
        Some(e) => Some(std::sync::Mutex::new(pgplan::PgPlanner::connect(
            &e.url,
            e.allow_extension,
        )?)),
        None => None,
    };
    let log_names: Vec<String> = logs
        .iter()
        .map(|p| {
            if p.as_os_str() == "-" {
                "<stdin>".to_string()
            } else {
                crate::source::walk::display_path(p, cwd)
            }
        })
        .collect();
    let mut r = Runner {
        rules,
        opts,
        fp: Fingerprinter::new(),
        shapes: FastMap::default(),
        families: FastMap::default(),
        groups: FastMap::default(),
        diagnostics: Vec::new(),
        files: FileDb::new(),
        log_names: log_names.clone(),
        statements: 0,
        latest_at: i64::MIN,
        since_sweep: 0,
        pending: Vec::new(),
        seen: HashMap::new(),
        schema,
        pg,
        folded: Folded::default(),
        folded_plans: Vec::new(),
        folded_not_replayed: Default::default(),
        folded_spliced: FastMap::default(),
        tag_filter: tags::TagFilter {
            extra: opts.tag_keys.clone(),
            all: opts.show_values,
        },
        tag_sets: tags::TagSets::default(),
    };
    let mut summaries = Vec::new();
    let mut skipped = Vec::new();
    let jobs = opts
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let parallel = jobs > 1;
    for (i, path) in logs.iter().enumerate() {
        let name = log_names[i].clone();
        let mut reader = match LogReader::open(path, &opts.reader) {
            Ok(reader) => reader,
            Err(e) => {
                let msg = format!("cannot read log: {e}");
                let id = r.files.add(name.clone(), String::new());
                r.diagnostics.extend(rules.tool_diagnostic(
                    "parse-error",
                    Span::new(id, 0..0),
                    msg.clone(),
                ));
                skipped.push(Skipped {
                    path: name.clone(),
                    line: None,
                    reason: msg.clone(),
                });
                summaries.push(LogSummary {
                    path: name,
                    format: None,
                    stats: ReadStats::default(),
                    error: Some(msg),
                });
                continue;
            }
        };
        let size = std::fs::metadata(path)
            .ok()
            .map(|m| m.len())
            .filter(|_| !path.to_string_lossy().ends_with(".gz"));
        // A MySQL server's InnoDB indexes every foreign key by itself: a
        // schema replayed for its log has those indexes too.
        if matches!(
            reader.format(),
            crate::replay::LogFormat::MysqlGeneral | crate::replay::LogFormat::MysqlSlow
        ) {
            if let Some(schema) = r.schema.as_mut() {
                schema.index_foreign_keys();
            }
        }
        let mut progress = crate::progress::Progress::new(&name, size, true, !opts.progress);
        if jobs > 2 {
            read_pooled(&mut reader, &mut r, i as u32, &mut progress, jobs - 2);
        } else if parallel {
            // Two cores: this thread reads and parses the next batch while
            // another analyses the current one. Each batch is dropped here,
            // on the thread that allocated it.
            type Batch = (Vec<QueryEvent>, Option<Vec<Printed>>);
            let (to_worker, batches) = std::sync::mpsc::sync_channel::<Batch>(2);
            let (to_main, done) = std::sync::mpsc::sync_channel::<Vec<QueryEvent>>(4);
            let mut printer = Printer::new(r.tag_filter.clone());
            let runner = &mut r;
            std::thread::scope(|s| {
                s.spawn(move || {
                    for (batch, prints) in batches {
                        match prints {
                            Some(prints) => {
                                for (ev, p) in batch.iter().zip(prints) {
                                    runner.event_printed(i as u32, ev, p);
                                }
                            }
                            None => {
                                for ev in &batch {
                                    runner.event(i as u32, ev);
                                }
                            }
                        }
                        // Back to the reading thread, which allocated it, to be freed.
                        if to_main.send(batch).is_err() {
                            break;
                        }
                    }
                });
                loop {
                    let batch = next_batch(&mut reader);
                    if batch.is_empty() {
                        break;
                    }
                    if let Some(last) = batch.last() {
                        progress.update(last.byte_end);
                    }
                    // The analysis thread takes the batch as it is when it
                    // has room; when it is behind, this thread fingerprints
                    // the batch itself before waiting, so the two stay busy
                    // whichever stage a log makes heavier.
                    let batch = match to_worker.try_send((batch, None)) {
                        Ok(()) => None,
                        Err(std::sync::mpsc::TrySendError::Full((batch, _))) => Some(batch),
                        Err(std::sync::mpsc::TrySendError::Disconnected(_)) => break,
                    };
                    if let Some(batch) = batch {
                        let prints = printer.batch(&batch);
                        if to_worker.send((batch, Some(prints))).is_err() {
                            break;
                        }
                    }
                    while let Ok(old) = done.try_recv() {
                        drop(old);
                    }
                }
                drop(to_worker);
                for old in done.iter() {
                    drop(old);
                }
            });
        } else {
            let mut n = 0u32;
            for ev in reader.by_ref() {
                n = n.wrapping_add(1);
                if n % 4096 == 0 {
                    progress.update(ev.byte_end);
                }
                r.event(i as u32, &ev);
            }
        }
        progress.finish();
        r.finish_log();
        let stats = reader.stats().clone();
        for p in &stats.problems {
            let id = r
                .files
                .add_excerpt(name.clone(), String::new(), p.line.max(1) as usize);
            r.diagnostics.extend(rules.tool_diagnostic(
                "parse-error",
                Span::new(id, 0..0),
                p.message.clone(),
            ));
        }
        for p in &stats.problems {
            skipped.push(Skipped {
                path: name.clone(),
                line: Some(p.line as usize),
                reason: p.message.clone(),
            });
        }
        if stats.problem_count > stats.problems.len() as u64 {
            skipped.push(Skipped {
                path: name.clone(),
                line: None,
                reason: format!(
                    "{} more problems not listed",
                    stats.problem_count - stats.problems.len() as u64
                ),
            });
        }
        summaries.push(LogSummary {
            path: name,
            format: Some(reader.format()),
            stats,
            error: None,
        });
    }
    for path in &opts.pg_stat_statements {
        let name = crate::source::walk::display_path(path, cwd);
        let log = r.log_names.len() as u32;
        r.log_names.push(name.clone());
        let file = match crate::replay::pgss::read(path) {
            Ok(f) => f,
            Err(e) => {
                let id = r.files.add(name.clone(), String::new());
                r.diagnostics.extend(rules.tool_diagnostic(
                    "parse-error",
                    Span::new(id, 0..0),
                    format!("cannot read pg_stat_statements export: {e}"),
                ));
                summaries.push(LogSummary {
                    path: name,
                    format: Some(LogFormat::PgStatStatements),
                    stats: ReadStats::default(),
                    error: Some(e),
                });
                continue;
            }
        };
        for row in &file.rows {
            r.stat_row(log, row);
        }
        for (line, why) in &file.problems {
            skipped.push(Skipped {
                path: name.clone(),
                line: Some(*line as usize),
                reason: format!("row not read: {why}"),
            });
        }
        skipped.push(Skipped {
            path: "pg_stat_statements".into(),
            line: None,
            reason: format!(
                "{name}: {} statements, {} calls; the view keeps no order and no sessions, so n-plus-one and duplicate-query are not judged from it, and its texts have no values (sql-injection neither)",
                file.rows.len(),
                file.rows.iter().fold(0u64, |n, r| n.saturating_add(r.calls))
            ),
        });
        let mut stats = ReadStats {
            lines: file.lines,
            statements: file
                .rows
                .iter()
                .fold(0u64, |n, r| n.saturating_add(r.calls)),
            bytes: file.bytes,
            ..Default::default()
        };
        stats.problem_count = file.problems.len() as u64;
        summaries.push(LogSummary {
            path: name,
            format: Some(LogFormat::PgStatStatements),
            stats,
            error: None,
        });
    }
    if r.folded.shapes > 0 {
        skipped.push(Skipped {
            path: "memory".into(),
            line: None,
            reason: format!(
                "{} rarely run query shapes ({} executions, {:.1} ms) were folded to bound memory: their statistics are left out of the profile; checks on them were made",
                r.folded.shapes, r.folded.executions, r.folded.total_ms
            ),
        });
    }
    // DDL the schema replica could not take.
    if let Some(schema) = r.schema.as_ref() {
        for n in &schema.notes {
            skipped.push(Skipped {
                path: n.path.clone(),
                line: Some(n.line),
                reason: n.message.clone(),
            });
        }
    }
    // Replay each distinct shape against the schema replica.
    if let Some(schema) = r.schema.as_mut() {
        schema.set_rows(&opts.table_rows);
    }
    if let Some(note) = plans::planner_note(&r, opts) {
        skipped.push(Skipped {
            path: "explain".into(),
            line: None,
            reason: note,
        });
    }
    if r.schema.is_some() || r.pg.is_some() {
        let not_replayed = plans::replay_shapes(&mut r);
        for (reason, shapes) in not_replayed {
            let examples: Vec<String> = shapes
                .iter()
                .take(3)
                .map(|s| format!("`{}`", plans::short(s)))
                .collect();
            skipped.push(Skipped {
                path: "schema replay".into(),
                line: None,
                reason: format!(
                    "{} query shapes {}: {reason} (e.g. {})",
                    shapes.len(),
                    // Planned, but what would serve it cannot be proved.
                    if reason == plans::UNPROVED {
                        "without a proposal"
                    } else {
                        "not replayed"
                    },
                    examples.join(", ")
                ),
            });
            if opts.verbose {
                for s in &shapes {
                    skipped.push(Skipped {
                        path: "schema replay".into(),
                        line: None,
                        reason: format!("not replayed ({reason}): {s}"),
                    });
                }
            }
        }
    }
    // Families where some executions inline literals and others bind.
    type Mixed = (
        LogPos,
        u64,
        Option<String>,
        String,
        u64,
        u64,
        Vec<(LogPos, u64)>,
        Option<tags::Tags>,
    );
    let mut mixed: Vec<Mixed> = r
        .families
        .values()
        .filter(|f| f.param_execs > 0 && f.literal_execs > 0)
        .filter_map(|f| {
            let l = f.literals.as_deref()?;
            let text = l.text.as_deref().map(String::from);
            Some((
                l.pos,
                l.hash,
                text,
                String::from(l.sql.as_ref()),
                f.param_execs,
                f.literal_execs,
                l.more.clone(),
                l.tags.clone(),
            ))
        })
        .collect();
    mixed.sort_by_key(|m| m.0);
    for (pos, hash, text, sql, param_execs, literal_execs, more, tags) in mixed {
        // A folded shape is rebuilt from its normalized text.
        let info = r
            .shapes
            .get(&hash)
            .map(|s| s.info.clone())
            .or_else(|| text.map(|t| Arc::new(shape_info(hash, t.clone(), &t))));
        if let Some(info) = info {
            let before = r.diagnostics.len();
            r.query_facts(
                &sql,
                &info,
                pos,
                tags.as_ref(),
                literal_execs,
                1,
                0,
                param_execs,
                0,
            );
            // Point at the other executions that inline values too.
            if r.diagnostics.len() > before {
                let labels: Vec<(LogPos, Arc<ShapeInfo>)> = more
                    .iter()
                    .filter_map(|(p, h)| Some((*p, r.shapes.get(h)?.info.clone())))
                    .collect();
                let (mut spans, out) = r.excerpts();
                let spans_of: Vec<Span> = labels.iter().map(|(p, i)| spans.span(p, i)).collect();
                if let Some(d) = out.last_mut() {
                    for s in spans_of {
                        d.label(s, "inlines values too");
                    }
                }
            }
        }
    }
    // Literals beside bind parameters that change between executions.
    type SplicedShape = (LogPos, LogPos, u64, String, u64, u32, Option<tags::Tags>);
    let mut spliced: Vec<SplicedShape> = r
        .shapes
        .iter()
        .filter(|(_, sh)| sh.info.analysis.predicate_literals > 0)
        .filter_map(|(hash, sh)| {
            let sp = sh.spliced.as_deref()?;
            Some((
                sp.first,
                sp.varied_at?,
                *hash,
                sp.first_sql.clone(),
                sp.execs,
                sp.distinct.len() as u32,
                sp.tags.clone(),
            ))
        })
        .collect();
    spliced.sort_by_key(|m| m.0);
    for (pos, varied, hash, sql, execs, distinct, tags) in spliced {
        if let Some(info) = r.shapes.get(&hash).map(|s| s.info.clone()) {
            let before = r.diagnostics.len();
            r.query_facts(&sql, &info, pos, tags.as_ref(), execs, 1, 1, 0, distinct);
            if r.diagnostics.len() > before {
                let (mut spans, out) = r.excerpts();
                let span = spans.span(&varied, &info);
                if let Some(d) = out.last_mut() {
                    d.label(span, "the spliced literal takes another value here");
                }
            }
        }
    }
    let mut profile: Vec<ShapeProfile> = r
        .shapes
        .values()
        .map(|s| {
            let (distinct_values, distinct_exact) = s.values.count();
            ShapeProfile {
                hash: s.info.hash,
                text: s.info.text.clone(),
                count: s.count,
                total_ms: s.total_ms,
                timed: s.durations.count().saturating_add(s.stat_calls),
                p95_ms: if s.stat_calls > 0 {
                    None
                } else {
                    s.durations.quantile(0.95)
                },
                distinct_values,
                distinct_exact,
                worst_group: s.worst.clone(),
                first: s.first,
            }
        })
        .collect();
    profile.sort_by(|a, b| {
        b.total_ms
            .total_cmp(&a.total_ms)
            .then(b.count.cmp(&a.count))
            .then(a.text.cmp(&b.text))
    });
    let mut files = std::mem::take(&mut r.files);
    let mut diagnostics = std::mem::take(&mut r.diagnostics);
    // Findings seen in more than one group say how often.
    for &(n, i) in r.seen.values() {
        if let Some(d) = diagnostics.get_mut(i) {
            if n > 1 {
                d.note(format!(
                    "the same pattern was seen in {n} groups in all; this is the first"
                ));
            }
        }
    }
    materialize(&mut diagnostics, &r.pending, &mut files, &r.log_names);
    crate::engine::diagnostic::sort(&mut diagnostics, &files);
    diagnostics
        .dedup_by(|a, b| a.rule == b.rule && a.message == b.message && a.primary == b.primary);
    skipped.sort();
    Ok(ReplayRun {
        files,
        diagnostics,
        summary: Summary {
            files: (logs.len() + opts.pg_stat_statements.len()) as u64,
            statements: r.statements,
            skipped,
            logs: summaries
                .iter()
                .map(|l| crate::report::LogLine {
                    path: l.path.clone(),
                    format: l
                        .format
                        .map_or_else(|| "unreadable".to_string(), |f| f.name().to_string()),
                    statements: l.stats.statements,
                    lines: l.stats.lines,
                    skipped: l
                        .stats
                        .skipped
                        .iter()
                        .map(|(k, v)| (k.to_string(), *v))
                        .collect(),
                    problems: l.stats.problem_count,
                    stopped: l.stats.stopped.as_ref().map(|p| crate::report::Stopped {
                        line: p.line,
                        reason: p.message.clone(),
                    }),
                })
                .collect(),
        },
        logs: summaries,
        profile,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transaction_boundaries() {
        assert_eq!(txn_boundary("begin"), Some(true));
        assert_eq!(
            txn_boundary("begin isolation level read committed"),
            Some(true)
        );
        assert_eq!(txn_boundary("start transaction"), Some(true));
        assert_eq!(txn_boundary("commit"), Some(false));
        assert_eq!(txn_boundary("rollback to savepoint a"), None);
        assert_eq!(txn_boundary("select ?"), None);
    }

    #[test]
    fn families_ignore_casts_on_placeholders() {
        assert_eq!(
            family_of("select * from users where id = ?::integer"),
            family_of("select * from users where id = ?")
        );
        assert_ne!(
            family_of("select * from users where id = ?"),
            family_of("select * from users where name = ?")
        );
    }

    #[test]
    fn request_ids_from_tags() {
        let ev = QueryEvent::default();
        let tags = vec![(
            "traceparent".to_string(),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_string(),
        )];
        assert_eq!(
            request_of(&tags, &ev),
            Some("4bf92f3577b34da6a3ce929d0e0e4736")
        );
        let tags = vec![("request_id".to_string(), "b042".to_string())];
        assert_eq!(request_of(&tags, &ev), Some("b042"));
        assert_eq!(request_of(&[], &ev), None);
    }
}
