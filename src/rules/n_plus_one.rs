//! n-plus-one: one query per element of a collection, where one batched query would do.

use crate::engine::prelude::*;

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
        ],
    }
}

impl Rule for NPlusOne {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}
