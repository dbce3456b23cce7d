//! parse-error: a file ormlint could not read or parse, so it was not checked.

use crate::engine::prelude::*;

declare_rule! {
    ParseError {
        id: "parse-error",
        category: Tool,
        severity: Note,
        evidence: [Source, Replay],
        fix: None,
    }
}

impl Rule for ParseError {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}
