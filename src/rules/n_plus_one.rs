//! n-plus-one: one query per element of a collection, where one batched query would do.

use crate::engine::prelude::*;
use crate::engine::LoopKind;

declare_rule! {
    NPlusOne {
        id: "n-plus-one",
        category: Performance,
        severity: Warning,
        evidence: [Source, Replay],
        fix: Suggested,
        options: [
            "threshold": Integer = "3", "Runtime: how many executions of one shape with different values, after a parent query in the same group, make an N+1.";
            "max-call-depth": Integer = "3", "Static: how many calls deep to follow from a loop to the query it runs.";
            "tests": Bool = "false", "Static: also report loops in test code (`#[test]`, `#[cfg(test)]`, `tests/`, `benches/`, `examples/`).";
        ],
    }
}

/// A shape's text cut to a readable length.
pub(crate) fn short(text: &str) -> String {
    crate::util::shorten(text, 60)
}

/// Where a per-element call sits, in words: "a `for` loop", "2 nested loops".
pub(crate) fn loop_phrase(site: &QuerySite) -> String {
    let inner = site
        .loops
        .last()
        .map(|l| l.kind.describe())
        .unwrap_or_default();
    match site.loops.len() {
        0 | 1 => format!("once per element of a {inner}"),
        n => format!("once per element of a {inner}, {n} loops deep"),
    }
}

/// Every loop over data around the site is capped by a constant.
pub(crate) fn bounded_by_constant(site: &QuerySite) -> bool {
    let data: Vec<_> = site.loops.iter().filter(|l| l.over_data).collect();
    !data.is_empty() && data.iter().all(|l| l.bounded)
}

/// For a call through a trait: " (and 1 other implementation)".
pub(crate) fn also_phrase(site: &QuerySite) -> String {
    match site.also_via.len() {
        0 => String::new(),
        1 => " (and 1 other implementation of the trait)".to_string(),
        n => format!(" (and {n} other implementations of the trait)"),
    }
}

/// Labels every loop, innermost last, and the hops into called functions.
pub(crate) fn label_context(site: &QuerySite, d: &mut Diagnostic) {
    let n = site.loops.len();
    d.per_loop = site.loops.last().map(|l| l.header.clone());
    d.conditional = site.conditional;
    for (i, l) in site.loops.iter().enumerate() {
        let text = match (&l.kind, n) {
            (LoopKind::Adapter(name), _) => format!("`{name}` runs its closure once per element"),
            (_, 1) => "loop starts here".to_string(),
            _ if i + 1 == n => "inner loop starts here".to_string(),
            _ => "outer loop starts here".to_string(),
        };
        d.label(l.header.clone(), text);
    }
    if let Some(last) = site.via.last() {
        for hop in &site.via[..site.via.len() - 1] {
            d.label(
                hop.span.clone(),
                format!("`{}` calls on from here", hop.callee),
            );
        }
        d.label(
            last.span.clone(),
            format!("the query runs here, in `{}`", last.callee),
        );
        for other in &site.also_via {
            d.label(
                other.span.clone(),
                format!(
                    "or here, in `{}`: the call goes through a trait, and this implementation queries too",
                    other.callee
                ),
            );
        }
    }
}

/// Does the call really run once per element? Not when the loop walks
/// batches (`chunks(500)`), when the SQL itself changes per element (a list
/// of statements), or when each query needs the previous result.
pub(crate) fn per_element(site: &QuerySite) -> bool {
    // A loop that walks data: not a service, retry or event loop, nor a
    // list written in the code; and not schema work (DDL).
    site.loops.iter().any(|l| l.over_data)
        && !site.ddl
        && !(site.sql_varies || site.sequential || site.loops.last().is_some_and(|l| l.batched))
}

/// A `loop`/`while` around a query that fetches one page is a paging loop.
fn is_paging_loop(site: &QuerySite) -> bool {
    (site.paging || site.in_paging_loop)
        && site.loops.last().is_some_and(|l| {
            matches!(
                l.kind,
                LoopKind::Loop | LoopKind::While | LoopKind::WhileLet
            )
        })
}

/// Statements of an N+1's request kept for the report's waterfall.
const MAX_TIMELINE: usize = 40;

impl Rule for NPlusOne {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_group(&self, group: &QueryGroup, cx: &mut Cx<'_>) {
        let threshold = cx.option_int("threshold").max(2) as usize;
        let loops = super::common::group_patterns::find_loops(group, threshold);
        for l in &loops {
            let head = &l.shapes[0];
            let first = &group.events[head.at[0]];
            let repeat = &group.events[head.at.get(1).copied().unwrap_or(head.at[0])];
            let n = l.iterations();
            let mut depth = 1;
            let mut outer = l.nested_in;
            while let Some(o) = outer {
                depth += 1;
                outer = loops[o].nested_in;
            }
            let what = if l.shapes.len() == 1 {
                format!(
                    "query runs {n} times with {} different values",
                    head.distinct
                )
            } else {
                format!("a loop of {} queries runs {n} times", l.shapes.len())
            };
            let context = match l.nested_in {
                Some(o) => format!(
                    ", nested inside the N+1 of `{}` ({depth} levels deep)",
                    short(&group.events[loops[o].shapes[0].at[0]].shape.text)
                ),
                None => ", once per row of an earlier query".to_string(),
            };
            let span = cx.log_span(&repeat.pos, &repeat.shape);
            let message = format!("{what} in {}{context}", group.key);
            let mut labels = Vec::new();
            if let Some(p) = l.parent {
                let e = &group.events[p];
                labels.push((
                    cx.log_span(&e.pos, &e.shape),
                    "parent query: its rows drive the loop".to_string(),
                ));
            }
            for &i in head.at.iter().skip(2).take(3) {
                let e = &group.events[i];
                labels.push((cx.log_span(&e.pos, &e.shape), "repeated".to_string()));
            }
            for other in l.shapes.iter().skip(1) {
                let e = &group.events[other.at[0]];
                labels.push((
                    cx.log_span(&e.pos, &e.shape),
                    format!("also once per row ({} times)", other.at.len()),
                ));
            }
            // The parent, then every run of the loop's queries, in log order.
            let mut steps: Vec<usize> =
                l.shapes.iter().flat_map(|s| s.at.iter().copied()).collect();
            steps.extend(l.parent);
            steps.sort_unstable();
            steps.dedup();
            // One more than drawn, so that the report can say it was cut.
            let timeline = steps
                .into_iter()
                .take(MAX_TIMELINE + 1)
                .map(|i| {
                    let e = &group.events[i];
                    crate::engine::diagnostic::Step {
                        line: e.pos.first_line,
                        micros: e
                            .duration_ms
                            .map(|ms| (ms * 1000.0).round().max(0.0) as u64),
                        parent: Some(i) == l.parent,
                    }
                })
                .collect();
            let d = cx.report(span, message);
            d.timeline = timeline;
            d.with_primary_label("first repeat");
            for (s, m) in labels {
                d.label(s, m);
            }
            let batched = super::common::group_patterns::batched_sql(
                &first.shape.text,
                &first.shape.analysis.columns,
            );
            d.help(match batched {
                Some(sql) => format!(
                    "fetch the rows for all parents in one query: `{sql}` (or `= ANY($1)` with an array), then match them up in memory; in the ORM, eager-load the relation"
                ),
                None => "fetch the rows for all parents in one query (`… WHERE key IN (…)` or a JOIN), then match them up in memory; in the ORM, eager-load the relation".to_string(),
            })
            .query(QueryInfo {
                fingerprint: Some(first.shape.text.clone()),
                count: Some(n as u64),
                group: Some(group.key.clone()),
                orm: None,
                tags: None,
            });
        }
    }

    fn check_site(&self, site: &QuerySite, cx: &mut Cx<'_>) {
        if !site.executes || site.loops.is_empty() || site.operation.is_write() {
            return;
        }
        if !per_element(site) {
            return;
        }
        if site.batched && site.via.is_empty() {
            // Already batched (`eq_any`, `= ANY($1)`): a loop over chunks is fine.
            return;
        }
        if is_paging_loop(site) || site.via.len() > cx.option_int("max-call-depth").max(1) as usize
        {
            return;
        }
        let message = match site.via.first() {
            None => format!(
                "{} query `{}` runs {}",
                site.orm_display,
                site.method,
                loop_phrase(site)
            ),
            Some(hop) => format!(
                "`{}`{} runs a {} query, and it is called {}",
                hop.callee,
                also_phrase(site),
                site.orm_display,
                loop_phrase(site)
            ),
        };
        // A loop over data that a constant caps (`.take(3)`) is a note.
        let d = if bounded_by_constant(site) {
            cx.report_weaker(site.span.clone(), message)
        } else {
            cx.report(site.span.clone(), message)
        };
        d.with_primary_label(if site.via.is_empty() {
            "one query per element"
        } else {
            "one call, so one query, per element"
        });
        label_context(site, d);
        // An aggregate per element is one grouped query; else the ORM's batched form.
        let sql = site
            .sql
            .as_deref()
            .or(site.derived_sql.as_deref())
            .unwrap_or("")
            .to_ascii_lowercase();
        let help = if site.invariant {
            "nothing this query is run with changes from one element to the next: run it \
             once before the loop and reuse the result"
                .to_string()
        } else if ["count(", "sum(", "avg(", "max(", "min("]
            .iter()
            .any(|a| sql.contains(a))
        {
            let set = match site.database {
                Some("postgres") => "`WHERE key = ANY($1)` with the keys as one array",
                Some("sqlite") => "`WHERE key IN (SELECT value FROM json_each(?1))` or `IN (…)`",
                Some(_) => "`WHERE key IN (…)`",
                None => "`WHERE key IN (…)` or `= ANY($1)`",
            };
            format!(
                "compute the aggregate for all elements in one query with `GROUP BY` the key, \
                 filtered on the whole set ({set}), and look each element's value up in a map"
            )
        } else {
            site.batched_form.clone()
        };
        d.help(help).query(QueryInfo {
            fingerprint: site.sql.as_deref().map(|s| crate::sql::fingerprint(s).text),
            orm: Some(site.orm.clone()),
            ..Default::default()
        });
    }
}
