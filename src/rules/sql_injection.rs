//! sql-injection: SQL text built from values instead of bind parameters.

use crate::engine::prelude::*;

declare_rule! {
    SqlInjection {
        id: "sql-injection",
        category: Security,
        severity: Warning,
        evidence: [Source, Replay],
        fix: Suggested,
    }
}

impl Rule for SqlInjection {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}
