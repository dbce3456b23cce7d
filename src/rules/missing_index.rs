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
            "min-rows": Integer = "10_000", "Tables with fewer rows than this (from `[tables]` or `--table-rows`) are not worth an index and are not reported.";
        ],
    }
}

impl Rule for MissingIndex {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}
