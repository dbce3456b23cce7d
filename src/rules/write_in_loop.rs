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
    }
}

impl Rule for WriteInLoop {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_site(&self, site: &QuerySite, cx: &mut Cx<'_>) {
        if !site.executes || site.loops.is_empty() || !site.operation.is_write() {
            return;
        }
        let what = site.operation.as_str().to_ascii_uppercase();
        let message = match site.via.first() {
            None => format!("{} {what} runs {}", site.orm_display, loop_phrase(site)),
            Some(hop) => format!(
                "`{}` runs a {} {what}, and it is called {}",
                hop.callee,
                site.orm_display,
                loop_phrase(site)
            ),
        };
        let d = cx.report(site.span.clone(), message);
        d.with_primary_label("one statement per element");
        label_context(site, d);
        d.help(site.batched_write.clone()).query(QueryInfo {
            orm: Some(site.orm.clone()),
            ..Default::default()
        });
    }
}
