//! The `Rule` trait, rule metadata, and `declare_rule!`.

use super::context::Cx;
use super::diagnostic::Severity;
use super::facts::{PlanFacts, QueryFacts, QueryGroup, QuerySite};

/// Broad kind of problem, shown in `ormlint rules` and SARIF tags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    Performance,
    Security,
    Correctness,
    /// Problems ormlint had with its own input (unparsable files, unused suppressions).
    Tool,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Performance => "performance",
            Category::Security => "security",
            Category::Correctness => "correctness",
            Category::Tool => "tool",
        }
    }
}

/// Which front end can produce the facts a rule judges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Evidence {
    /// `ormlint check`: Rust source.
    Source,
    /// `ormlint replay`: captured query logs.
    Replay,
}

impl Evidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Evidence::Source => "static",
            Evidence::Replay => "runtime",
        }
    }
}

/// Whether a finding comes with a suggested change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fix {
    None,
    /// A concrete suggestion in the help (a batched query, a `CREATE INDEX`).
    Suggested,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptionKind {
    Integer,
    Float,
    Bool,
    String,
}

impl OptionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OptionKind::Integer => "integer",
            OptionKind::Float => "number",
            OptionKind::Bool => "boolean",
            OptionKind::String => "string",
        }
    }
}

/// One option a rule takes in `ormlint.toml`.
#[derive(Debug)]
pub struct OptionMeta {
    pub name: &'static str,
    pub kind: OptionKind,
    /// The default, as it would be written in TOML.
    pub default: &'static str,
    pub doc: &'static str,
}

/// The machine facts of a rule. Its prose is `page`, embedded from `rules/<id>.md`.
#[derive(Debug)]
pub struct RuleMeta {
    pub id: &'static str,
    /// PascalCase struct name; `tests/docs.rs` checks it matches the id.
    pub name: &'static str,
    pub category: Category,
    pub severity: Severity,
    pub evidence: &'static [Evidence],
    pub fix: Fix,
    pub options: &'static [OptionMeta],
    /// Former ids that still select the rule.
    pub aliases: &'static [&'static str],
    pub page: &'static str,
}

impl RuleMeta {
    /// The one-line summary: the first paragraph of the page after the title
    /// and the generated metadata block.
    pub fn summary(&self) -> &'static str {
        page_summary(self.page)
    }

    pub fn option(&self, name: &str) -> Option<&'static OptionMeta> {
        self.options.iter().find(|o| o.name == name)
    }

    pub fn evidence_str(&self) -> String {
        self.evidence
            .iter()
            .map(|e| e.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

pub(crate) fn page_summary(page: &str) -> &str {
    let mut in_generated = false;
    for line in page.lines() {
        let t = line.trim();
        if t.starts_with("<!-- begin generated") {
            in_generated = true;
            continue;
        }
        if t.starts_with("<!-- end generated") {
            in_generated = false;
            continue;
        }
        if in_generated || t.is_empty() || t.starts_with('#') {
            continue;
        }
        return t;
    }
    ""
}

/// A rule: its metadata plus the hooks it needs. Front ends produce facts,
/// the engine hands each fact to the enabled rules whose evidence matches.
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    /// Source: one database call in its context (loops, enclosing fn, SQL argument).
    fn check_site(&self, _site: &QuerySite, _cx: &mut Cx<'_>) {}
    /// Both: one fingerprinted SQL shape, from a literal in Rust or from a log.
    fn check_query(&self, _query: &QueryFacts, _cx: &mut Cx<'_>) {}
    /// Replay: one request / transaction / session worth of statements.
    fn check_group(&self, _group: &QueryGroup, _cx: &mut Cx<'_>) {}
    /// Replay with a schema: the plan of one query shape.
    fn check_plan(&self, _plan: &PlanFacts, _cx: &mut Cx<'_>) {}
}

/// Declares a rule's unit struct and its [`RuleMeta`], embedding `rules/<id>.md`.
#[macro_export]
macro_rules! declare_rule {
    (
        $name:ident {
            id: $id:literal,
            category: $cat:ident,
            severity: $sev:ident,
            evidence: [$($ev:ident),* $(,)?],
            fix: $fix:ident
            $(, options: [$($oname:literal : $okind:ident = $odefault:literal, $odoc:literal);* $(;)?])?
            $(, aliases: [$($alias:literal),* $(,)?])?
            $(,)?
        }
    ) => {
        pub struct $name;

        impl $name {
            pub const META: $crate::engine::RuleMeta = $crate::engine::RuleMeta {
                id: $id,
                name: stringify!($name),
                category: $crate::engine::Category::$cat,
                severity: $crate::engine::Severity::$sev,
                evidence: &[$($crate::engine::Evidence::$ev),*],
                fix: $crate::engine::Fix::$fix,
                options: &[$($($crate::engine::OptionMeta {
                    name: $oname,
                    kind: $crate::engine::OptionKind::$okind,
                    default: $odefault,
                    doc: $odoc,
                }),*)?],
                aliases: &[$($($alias),*)?],
                page: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/", $id, ".md")),
            };
        }
    };
}
