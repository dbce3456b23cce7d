//! missing-index: a filter, join or sort that no index serves.

use crate::engine::prelude::*;

declare_rule! {
    MissingIndex {
        id: "missing-index",
        category: Performance,
        severity: Warning,
        evidence: [Source, Replay],
        fix: Suggested,
        options: [
            "min-rows": Integer = "3_000", "Tables with fewer rows than this (from `[tables]` or `--table-rows`; tables without a count are taken as 1,000,000 rows) are not worth an index and are not reported. PostgreSQL plans a scan of ~3,000 rows at cost ~100, the floor under which an index saves too little (bench/min-rows).";
        ],
    }
}

/// `orders_customer_id_created_at_idx`.
pub(crate) fn index_name(table: &str, columns: &[String]) -> String {
    format!("{table}_{}_idx", columns.join("_"))
}

impl Rule for MissingIndex {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_site(&self, site: &QuerySite, cx: &mut Cx<'_>) {
        let Some(u) = &site.unindexed else {
            return;
        };
        if (u.rows as i64) < cx.option_int("min-rows") {
            return;
        }
        let cols = u.columns.join(", ");
        let d = cx.report(
            site.span.clone(),
            format!(
                "{} query reads `{}` for {}, which no index, unique constraint or primary key covers",
                site.orm_display,
                u.table,
                u.uses.join(" and ")
            ),
        );
        d.with_primary_label(format!("`{}` read in full", u.table));
        if let Some(sql) = site.sql.as_ref().or(site.derived_sql.as_ref()) {
            d.note(format!(
                "the query: {}",
                sql.split_whitespace().collect::<Vec<_>>().join(" ")
            ));
        }
        if let Some(at) = &u.gap {
            d.note(format!(
                "the history of `{}` was not read in full ({at} could not be read): an index made there is not known",
                u.table
            ));
        }
        d.help(format!(
            "add it in a migration: `CREATE INDEX {} ON {} ({cols});`",
            index_name(&u.table, &u.columns),
            u.table
        ))
        .query(QueryInfo {
            orm: Some(site.orm.clone()),
            ..Default::default()
        });
    }

    fn check_plan(&self, p: &PlanFacts, cx: &mut Cx<'_>) {
        // PostgreSQL's own costs judge a small table there; the replica
        // needs the size rule.
        if p.costs.is_none() && (p.rows as i64) < cx.option_int("min-rows") {
            return;
        }
        let (Some(pos), Some(shape)) = (p.query.pos, p.query.shape.as_deref()) else {
            return;
        };
        let span = cx.log_span(&pos, shape);
        let cols = p.columns.join(", ");
        let searched = match p.costs {
            // PostgreSQL: an index that serves a filter searches; one that
            // only serves the sort walks rows in order.
            Some(_) => !p.uses.iter().all(|u| u.starts_with("`ORDER BY")),
            None => p.plan_after.iter().any(|s| s.starts_with("SEARCH ")),
        };
        let effect = if searched {
            "turns the scan into a search"
        } else {
            "lets it read rows in order and stop at the LIMIT instead of sorting the table"
        };
        let d = cx.report(
            span,
            format!(
                "`{}` is read in full for {}; an index on ({cols}) {effect}",
                p.table,
                p.uses.join(" and ")
            ),
        );
        d.with_primary_label(format!("scans `{}` ({} rows)", p.table, p.rows));
        match p.costs {
            Some((before, after)) => {
                let flat = |lines: &[String]| {
                    lines
                        .iter()
                        .map(|l| l.trim())
                        .collect::<Vec<_>>()
                        .join("; ")
                };
                d.note(format!(
                    "PostgreSQL plan now (cost {before:.2}): {}",
                    flat(&p.plan_before)
                ));
                d.note(format!(
                    "with the index as a HypoPG hypothetical index (cost {after:.2}, {:.0} % less): {}",
                    (1.0 - after / before.max(f64::MIN_POSITIVE)) * 100.0,
                    flat(&p.plan_after)
                ));
            }
            None => {
                d.note(format!("plan now: {}", p.plan_before.join("; ")));
                d.note(format!("plan with the index: {}", p.plan_after.join("; ")));
            }
        }
        let times = crate::report::plural(p.query.count as usize, "time");
        match p.total_ms {
            Some(ms) => d.note(format!("ran {times} in the log, {ms:.1} ms in all")),
            None => d.note(format!("ran {times} in the log")),
        };
        if let Some((place, of)) = p.rank.filter(|&(_, of)| of > 1) {
            d.note(format!(
                "{} of {of} index proposals by time spent in the log",
                if place == 1 {
                    "the costliest".to_string()
                } else {
                    crate::report::ordinal(place)
                }
            ));
        }
        d.help(format!(
            "add it in a migration: `CREATE INDEX {} ON {} ({cols});`",
            index_name(&p.table, &p.columns),
            p.table
        ))
        .query(QueryInfo {
            fingerprint: Some(p.query.fingerprint.clone()),
            count: Some(p.query.count),
            ..Default::default()
        });
    }
}
