//! write-in-loop: one INSERT/UPDATE/DELETE per element, where one statement would do.

use super::n_plus_one::{label_context, loop_phrase};
use crate::engine::prelude::*;

declare_rule! {
    WriteInLoop {
        id: "write-in-loop",
        category: Performance,
        severity: Note,
        evidence: [Source, Replay],
        fix: Suggested,
        options: [
            "threshold": Integer = "3", "Runtime: how many executions of one write shape with different values in one group make a finding.";
            "tests": Bool = "false", "Static: also report loops in test code (`#[test]`, `#[cfg(test)]`, `tests/`, `benches/`, `examples/`).";
        ],
    }
}

impl Rule for WriteInLoop {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_group(&self, group: &QueryGroup, cx: &mut Cx<'_>) {
        let threshold = cx.option_int("threshold").max(2) as usize;
        let writes = super::common::group_patterns::runs(group, |e| e.shape.operation.is_write());
        for r in &writes {
            // Multi-row statements of the same shape are already batched:
            // count only the executions with the fewest rows (one row).
            let least =
                r.at.iter()
                    .map(|&i| group.events[i].n_values)
                    .min()
                    .unwrap_or(0);
            let at: Vec<usize> =
                r.at.iter()
                    .copied()
                    .filter(|&i| group.events[i].n_values == least)
                    .collect();
            let distinct = at
                .iter()
                .map(|&i| group.events[i].values_hash)
                .collect::<crate::util::FastSet<_>>()
                .len();
            if at.len() < threshold || distinct < 2 {
                continue;
            }
            let r = super::common::group_patterns::ShapeRun {
                hash: r.hash,
                at,
                distinct,
            };
            let first = &group.events[r.at[0]];
            let repeat = &group.events[r.at[1]];
            let what = first.shape.operation.as_str().to_ascii_uppercase();
            let span = cx.log_span(&repeat.pos, &repeat.shape);
            let first_span = cx.log_span(&first.pos, &first.shape);
            let d = cx.report(
                span,
                format!(
                    "{what} runs {} times with {} different values in {}",
                    r.at.len(),
                    r.distinct,
                    group.key
                ),
            );
            d.with_primary_label("first repeat")
                .label(first_span, "first run");
            d.help(match first.shape.operation {
                Operation::Insert => "insert all rows with one multi-row statement (`INSERT … VALUES (…), (…)`), `COPY`, or the driver's batch API",
                _ => "change all rows with one statement filtered on the whole set (`WHERE id IN (…)` / `= ANY($1)`), or batch them in one transaction",
            })
            .query(QueryInfo {
                fingerprint: Some(first.shape.text.clone()),
                count: Some(r.at.len() as u64),
                group: Some(group.key.clone()),
                orm: None,
                tags: None,
            });
        }
    }

    fn check_site(&self, site: &QuerySite, cx: &mut Cx<'_>) {
        if !site.executes
            || site.loops.is_empty()
            || !site.operation.is_write()
            || site.batched
            || site.in_paging_loop
            || !super::n_plus_one::per_element(site)
        {
            return;
        }
        let what = site.operation.as_str().to_ascii_uppercase();
        let message = match site.via.first() {
            None => format!("{} {what} runs {}", site.orm_display, loop_phrase(site)),
            Some(hop) => format!(
                "`{}`{} runs a {} {what}, and it is called {}",
                hop.callee,
                super::n_plus_one::also_phrase(site),
                site.orm_display,
                loop_phrase(site)
            ),
        };
        let d = cx.report(site.span.clone(), message);
        d.with_primary_label("one statement per element");
        label_context(site, d);
        d.help(match site.operation {
            Operation::Insert => site.batched_write.clone(),
            _ => format!(
                "change all rows with one statement filtered on the whole set: `… WHERE id IN (…)` or `= ANY($1)`; {}",
                site.batched_form
            ),
        })
        .query(QueryInfo {
            orm: Some(site.orm.clone()),
            ..Default::default()
        });
    }
}
