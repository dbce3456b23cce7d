//! duplicate-query: the same read, with the same values, runs again in one request.

use super::common::group_patterns::runs;
use crate::engine::prelude::*;

declare_rule! {
    DuplicateQuery {
        id: "duplicate-query",
        category: Performance,
        severity: Note,
        evidence: [Replay],
        fix: Suggested,
        options: [
            "threshold": Integer = "2", "How many identical executions in one group make a finding.";
        ],
    }
}

impl Rule for DuplicateQuery {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_group(&self, group: &QueryGroup, cx: &mut Cx<'_>) {
        let threshold = cx.option_int("threshold").max(2) as usize;
        let reads = runs(group, |e| {
            e.shape.operation == Operation::Select && !e.shape.analysis.tables.is_empty()
        });
        for r in reads {
            // Identical means same shape and same values: count per value set.
            let mut by_value: std::collections::BTreeMap<u64, Vec<usize>> = Default::default();
            for &i in &r.at {
                by_value
                    .entry(group.events[i].values_hash)
                    .or_default()
                    .push(i);
            }
            // N+1 shapes (many values) belong to n-plus-one.
            if by_value.len() > 1 {
                continue;
            }
            for same in by_value.values().filter(|v| v.len() >= threshold) {
                let first = &group.events[same[0]];
                let second = &group.events[same[1]];
                let span = cx.log_span(&second.pos, &second.shape);
                let first_span = cx.log_span(&first.pos, &first.shape);
                let d = cx.report(
                    span,
                    format!(
                        "the same query with the same values runs {} times in {}",
                        same.len(),
                        group.key
                    ),
                );
                d.with_primary_label("identical to an earlier statement")
                    .label(first_span, "first run")
                    .help("reuse the first result (keep it in a variable, or memoize it for the request) instead of asking again")
                    .query(QueryInfo {
                        fingerprint: Some(first.shape.text.clone()),
                        count: Some(same.len() as u64),
                        group: Some(group.key.clone()),
                        orm: None,
                        tags: None,
                    });
            }
        }
    }
}
