//! unused-ignore: an `ormlint-ignore` comment that silences nothing.

use crate::engine::prelude::*;

declare_rule! {
    UnusedIgnore {
        id: "unused-ignore",
        category: Tool,
        severity: Note,
        evidence: [Source],
        fix: None,
    }
}

impl Rule for UnusedIgnore {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}
