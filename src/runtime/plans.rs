//! Replays each distinct query shape against the schema replica: plan it,
//! find full scans of tables the query filters, joins or sorts on, propose
//! the index, prove it by planning again, and hand the proof to the rules.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{pgplan, Runner, Shape};
use crate::engine::{Operation, PlanFacts, QueryFacts, ShapeInfo};
use crate::schema::rewrite::to_sqlite;
use crate::sql::analyze::ColumnUse;

/// Why a shape could not be planned, in words for the summary.
fn reason(err: &str, info: &ShapeInfo, schema: &crate::schema::Schema) -> String {
    if err.contains("no such table") {
        if info
            .analysis
            .tables
            .iter()
            .any(|t| schema.tables.get(t).is_some_and(|x| x.is_view))
        {
            "reads a view".into()
        } else {
            "a table the schema does not have".into()
        }
    } else if err.contains("no such column") {
        "a column the schema does not have".into()
    } else if err.contains("syntax error") || err.contains("near ") {
        "syntax SQLite lacks".into()
    } else {
        "SQLite cannot plan it".into()
    }
}

/// A table read in full: `SCAN orders`, `SCAN o`, or a walk of a whole
/// index in its order (`SCAN comments USING INDEX pk` with no key
/// constraint) — not a subquery or a constant row.
fn scanned(detail: &str) -> Option<&str> {
    let rest = detail.strip_prefix("SCAN ")?;
    if rest.starts_with('(') || rest.starts_with("CONSTANT") || rest.contains('(') {
        return None;
    }
    Some(rest.split_whitespace().next().unwrap_or(rest))
}

/// Does the plan with the probe index search `name` through it, or (for a
/// sort with `LIMIT`) walk it in order instead of sorting the whole table?
fn proves(name: &str, before: &[String], after: &[String], limited: bool) -> bool {
    let searched = after
        .iter()
        .any(|d| d.starts_with(&format!("SEARCH {name} ")) && d.contains("INDEX ormlint_probe"));
    let sorted_before = before
        .iter()
        .any(|d| d.starts_with("USE TEMP B-TREE FOR ORDER BY"));
    let sorted_after = after
        .iter()
        .any(|d| d.starts_with("USE TEMP B-TREE FOR ORDER BY"));
    let ordered_walk = limited
        && sorted_before
        && !sorted_after
        && after
            .iter()
            .any(|d| d.starts_with(&format!("SCAN {name} ")) && d.contains("INDEX ormlint_probe"));
    searched || ordered_walk
}

/// Proposes the index for `table` (reached as `name` in the plan):
/// equality and join columns first, then one range column, then sort
/// columns; at most three, all existing in the table.
fn propose(
    info: &ShapeInfo,
    name: &str,
    table: &str,
    known: &[String],
) -> (Vec<String>, Vec<String>) {
    let a = &info.analysis;
    let single = a.tables.len() == 1;
    let mine = |q: &Option<String>| match q {
        // The plan names an alias as written (`OrderItem`); the analysis
        // keeps it in lower case.
        Some(q) => q.eq_ignore_ascii_case(name) || q == table,
        None => single,
    };
    let (mut cols, mut uses) = (Vec::new(), Vec::new());
    let push = |c: &str, use_: String, cols: &mut Vec<String>, uses: &mut Vec<String>| {
        if cols.len() < 3 && known.iter().any(|k| k == c) && !cols.iter().any(|x| x == c) {
            cols.push(c.to_string());
            uses.push(use_);
        }
    };
    for c in a.columns.iter().filter(|c| mine(&c.qualifier)) {
        if matches!(c.usage, ColumnUse::Equality | ColumnUse::Join) {
            push(
                &c.column,
                format!("`{} = ?`", c.column),
                &mut cols,
                &mut uses,
            );
        }
    }
    if let Some(c) = a
        .columns
        .iter()
        .find(|c| mine(&c.qualifier) && c.usage == ColumnUse::Range)
    {
        push(
            &c.column,
            format!("a range on `{}`", c.column),
            &mut cols,
            &mut uses,
        );
    }
    for c in a
        .columns
        .iter()
        .filter(|c| mine(&c.qualifier) && c.usage == ColumnUse::Order)
    {
        push(
            &c.column,
            format!("`ORDER BY {}`", c.column),
            &mut cols,
            &mut uses,
        );
    }
    (cols, uses)
}

pub(super) fn short(s: &str) -> String {
    crate::util::shorten(s, 70)
}

/// Plans the given shapes against the schema replica: the index
/// proposals they prove, and the shapes that could not be planned, by reason.
pub(super) fn plan<'a>(
    r: &Runner<'_>,
    shapes: impl Iterator<Item = &'a Shape>,
) -> (Vec<PlanFacts>, BTreeMap<String, Vec<String>>) {
    let mut not_replayed: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut facts = Vec::new();
    let mut shapes: Vec<&Shape> = shapes
        .filter(|s| {
            matches!(
                s.info.operation,
                Operation::Select | Operation::Update | Operation::Delete
            )
        })
        .filter(|s| !s.info.analysis.tables.is_empty())
        .collect();
    shapes.sort_by_key(|s| s.first);
    if let Some(pg) = r.pg.as_ref() {
        let Ok(mut pg) = pg.lock() else {
            return (facts, not_replayed);
        };
        let hypopg = pg.hypopg;
        let mut replica = Vec::new();
        for s in shapes {
            if s.boilerplate == super::Boilerplate::Catalog {
                // The driver's reads of system catalogs: no index of ours.
                continue;
            }
            if !hypopg {
                // Without HypoPG the real planner shows the scan but cannot
                // try the index: the replica proves it, as without a database.
                replica.push(s);
                continue;
            }
            match plan_on_postgres(&mut pg, s) {
                Ok((mut f, unproved)) => {
                    facts.append(&mut f);
                    if unproved {
                        not_replayed
                            .entry(UNPROVED.to_string())
                            .or_default()
                            .push(s.info.text.clone());
                    }
                }
                Err(e) => not_replayed
                    .entry(pg_reason(&e))
                    .or_default()
                    .push(s.info.text.clone()),
            }
        }
        drop(pg);
        if r.schema.is_some() {
            let (mut f, n) = plan_on_replica(r, replica.into_iter());
            facts.append(&mut f);
            for (k, mut v) in n {
                not_replayed.entry(k).or_default().append(&mut v);
            }
        }
        return (facts, not_replayed);
    }
    plan_on_replica(r, shapes.into_iter())
}

pub(super) const UNPROVED: &str = "PostgreSQL reads a table in full for an operator only a GIN or GiST index serves (`@>`, `<@`, `@@`, `~`, `&&`, `ILIKE`); HypoPG proves B-tree indexes only, so none is proposed";

/// Operators a B-tree index cannot serve, in a shape's text.
fn gin_gist_operator(text: &str) -> bool {
    [
        " @> ", " <@ ", " @@ ", " ~ ", " ~* ", " !~ ", " && ", " ilike ",
    ]
    .iter()
    .any(|op| text.contains(op))
}

/// Why PostgreSQL could not plan a shape, in words for the summary.
fn pg_reason(err: &str) -> String {
    if err.contains("does not exist") && err.contains("relation") {
        "PostgreSQL: a table the database does not have".into()
    } else if err.contains("does not exist") && err.contains("column") {
        "PostgreSQL: a column the database does not have".into()
    } else if err.contains("syntax error") {
        "PostgreSQL: a syntax error (a statement cut short or broken by its values)".into()
    } else if err.contains("statement timeout") {
        "PostgreSQL: planning took longer than the statement timeout".into()
    } else if err.contains("permission denied") {
        "PostgreSQL: permission denied".into()
    } else {
        format!("PostgreSQL: {}", crate::util::shorten(err, 60))
    }
}

/// One shape on the user's PostgreSQL: a sequential scan of a table the
/// shape filters, joins or sorts on gets the proposal, tried as a HypoPG
/// index, and kept when the plan's cost drops by [`pgplan::MIN_SAVING`].
/// Also says whether the shape reads a table in full for an operator only
/// a GIN or GiST index serves, which stays unproved.
fn plan_on_postgres(
    pg: &mut pgplan::PgPlanner,
    s: &Shape,
) -> Result<(Vec<PlanFacts>, bool), String> {
    let Some(sample) = s.sample.as_deref() else {
        return Ok((Vec::new(), false));
    };
    let (sql, options, before) = pg.plan(sample)?;
    let mut facts = Vec::new();
    let mut tried: Vec<(String, Vec<String>)> = Vec::new();
    for (table, alias) in &before.full_reads {
        let Some((known, rows)) = pg.table(table) else {
            continue;
        };
        let (columns, uses) = propose(&s.info, alias, table, &known);
        if columns.is_empty() || tried.contains(&(table.clone(), columns.clone())) {
            continue;
        }
        tried.push((table.clone(), columns.clone()));
        // One table's failure keeps the proposals for the others.
        let Ok(Some(after)) = pg.plan_with_index(&sql, options, table, &columns) else {
            continue;
        };
        let uses_it = after.indexes.iter().any(|i| pgplan::is_hypothetical(i));
        if !uses_it || after.cost > before.cost * (1.0 - pgplan::MIN_SAVING) {
            continue;
        }
        let hypothetical = |l: &String| {
            let mut l = l.clone();
            for i in after.indexes.iter().filter(|i| pgplan::is_hypothetical(i)) {
                l = l.replace(i.as_str(), "<new index>");
            }
            l
        };
        facts.push(PlanFacts {
            query: query_facts(s),
            rows,
            table: table.clone(),
            columns,
            uses,
            plan_before: before.lines.clone(),
            plan_after: after.lines.iter().map(hypothetical).collect(),
            total_ms: (s.durations.count() > 0 || s.stat_calls > 0).then_some(s.total_ms),
            rank: None,
            costs: Some((before.cost, after.cost)),
        });
    }
    let unproved =
        facts.is_empty() && !before.full_reads.is_empty() && gin_gist_operator(&s.info.text);
    Ok((facts, unproved))
}

fn query_facts(s: &Shape) -> QueryFacts {
    QueryFacts {
        sql: String::new(),
        fingerprint: s.info.text.clone(),
        hash: s.info.hash,
        span: None,
        pos: Some(s.first),
        shape: Some(Arc::clone(&s.info)),
        count: s.count,
        inline_literals: 0,
        bound_params: 0,
        family_param_execs: 0,
        spliced_values: 0,
        show_values: false,
    }
}

/// What the summary says of the planner when `--explain-with` is on.
pub(super) fn planner_note(r: &Runner<'_>, opts: &super::Options) -> Option<String> {
    let e = opts.explain.as_ref()?;
    let pg = r.pg.as_ref()?.lock().ok()?;
    let url = pgplan::redact(&e.url);
    Some(if pg.hypopg {
        format!(
            "query shapes planned by PostgreSQL {} at {url}; index proposals tried as HypoPG hypothetical indexes, reported when the plan's cost drops by {:.0} % or more",
            pg.version,
            pgplan::MIN_SAVING * 100.0
        )
    } else if r.schema.is_some() {
        format!(
            "HypoPG is not installed in {url} (`--allow-extension` creates it): index proposals were proved on the SQLite replica of --schema instead"
        )
    } else {
        format!(
            "HypoPG is not installed in {url} and no --schema was given: no index proposal could be proved (`--allow-extension` creates HypoPG)"
        )
    })
}

/// Plans the shapes on the SQLite replica of `--schema`.
fn plan_on_replica<'a>(
    r: &Runner<'_>,
    shapes: impl Iterator<Item = &'a Shape>,
) -> (Vec<PlanFacts>, BTreeMap<String, Vec<String>>) {
    let mut not_replayed: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut facts = Vec::new();
    let Some(schema) = r.schema.as_ref() else {
        return (facts, not_replayed);
    };
    for s in shapes {
        let sql = to_sqlite(&s.info.text);
        let plan = match schema.plan(&sql) {
            Ok(p) => p,
            Err(e) => {
                not_replayed
                    .entry(reason(&e, &s.info, schema))
                    .or_default()
                    .push(s.info.text.clone());
                continue;
            }
        };
        for step in &plan {
            let Some(name) = scanned(step) else { continue };
            let table = s
                .info
                .analysis
                .aliases
                .iter()
                .find(|(alias, _)| alias.eq_ignore_ascii_case(name))
                .map(|(_, t)| t.clone())
                .unwrap_or_else(|| name.to_string());
            let Some(t) = schema.tables.get(&table) else {
                continue;
            };
            let (columns, uses) = propose(&s.info, name, &table, &t.columns);
            if columns.is_empty() {
                continue;
            }
            let Ok(Ok(after)) = schema.with_index(&table, &columns, |sc| sc.plan(&sql)) else {
                continue;
            };
            let limited = s.info.text.contains(" limit ");
            if !proves(name, &plan, &after, limited) {
                continue;
            }
            facts.push(PlanFacts {
                query: query_facts(s),
                rows: schema.rows_of(&table),
                table,
                columns,
                uses,
                plan_before: plan.clone(),
                plan_after: after
                    .iter()
                    .map(|d| d.replace("ormlint_probe", "<new index>"))
                    .collect(),
                total_ms: (s.durations.count() > 0 || s.stat_calls > 0).then_some(s.total_ms),
                rank: None,
                costs: None,
            });
        }
    }
    (facts, not_replayed)
}

/// Plans every shape still held, together with those planned when they
/// were folded, and judges the proposals; returns the shapes that could not
/// be planned, by reason.
pub(super) fn replay_shapes(r: &mut Runner<'_>) -> BTreeMap<String, Vec<String>> {
    let (mut facts, mut not_replayed) = plan(r, r.shapes.values());
    facts.append(&mut r.folded_plans);
    for (reason, mut shapes) in std::mem::take(&mut r.folded_not_replayed) {
        not_replayed.entry(reason).or_default().append(&mut shapes);
    }
    // Rank the timed proposals by the time their shapes took.
    let mut timed: Vec<usize> = (0..facts.len())
        .filter(|&i| facts[i].total_ms.is_some())
        .collect();
    timed.sort_by(|&a, &b| {
        let (x, y) = (
            facts[a].total_ms.unwrap_or(0.0),
            facts[b].total_ms.unwrap_or(0.0),
        );
        y.total_cmp(&x)
            .then(facts[a].query.pos.cmp(&facts[b].query.pos))
    });
    let n_timed = timed.len();
    for (place, i) in timed.into_iter().enumerate() {
        facts[i].rank = Some((place + 1, n_timed));
    }
    for f in facts {
        let rules = r.rules;
        let (first_new, pending_before) = (r.diagnostics.len(), r.pending.len());
        let (mut spans, out) = r.excerpts();
        rules.check_plan(&f, out, &mut spans);
        r.aggregate(first_new, pending_before);
    }
    not_replayed
}
