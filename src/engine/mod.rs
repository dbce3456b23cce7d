//! The rule engine: metadata, the registry, facts, dispatch and diagnostics.

pub mod context;
pub mod diagnostic;
pub mod facts;
pub mod files;
pub mod registry;
pub mod rule;
pub mod suppress;

pub use context::{Cx, OptionValue, RuleOptions, SpanSource};
pub use diagnostic::{Diagnostic, Label, Location, QueryInfo, Severity, Span};
pub use facts::*;
pub use files::{FileDb, FileId};
pub use rule::{Category, Evidence, Fix, OptionKind, OptionMeta, Rule, RuleMeta};

/// What a rule file needs.
pub mod prelude {
    pub use super::{
        Cx, Diagnostic, Evidence, GroupEvent, LogPos, Operation, PlanFacts, QueryFacts, QueryGroup,
        QueryInfo, QuerySite, Rule, RuleMeta, Severity, ShapeInfo, Span,
    };
    pub use crate::declare_rule;
}

/// One rule as the user configured it.
pub struct EnabledRule {
    pub rule: &'static dyn Rule,
    pub severity: Severity,
    pub options: RuleOptions,
}

/// The enabled rules with their settings. Immutable and shared across threads;
/// each worker collects diagnostics into its own vector.
pub struct RuleSet {
    rules: Vec<EnabledRule>,
}

impl RuleSet {
    pub fn new(rules: Vec<EnabledRule>) -> Self {
        RuleSet { rules }
    }

    /// Every rule at its default severity and options.
    pub fn all_defaults() -> Self {
        Self::from_ids(registry::all().iter().map(|r| r.meta().id))
    }

    /// Only the given rules, at their defaults (used by the fixture harness).
    pub fn from_ids<'a>(ids: impl IntoIterator<Item = &'a str>) -> Self {
        let rules = ids
            .into_iter()
            .filter_map(registry::find)
            .map(|rule| EnabledRule {
                rule,
                severity: rule.meta().severity,
                options: RuleOptions::new(),
            })
            .collect();
        RuleSet { rules }
    }

    pub fn rules(&self) -> &[EnabledRule] {
        &self.rules
    }

    pub fn is_enabled(&self, id: &str) -> bool {
        self.rules.iter().any(|r| r.rule.meta().id == id)
    }

    /// Severity and options of an enabled rule.
    pub fn get(&self, id: &str) -> Option<&EnabledRule> {
        self.rules.iter().find(|r| r.rule.meta().id == id)
    }

    fn each(
        &self,
        evidence: Evidence,
        out: &mut Vec<Diagnostic>,
        mut spans: Option<&mut dyn SpanSource>,
        mut f: impl FnMut(&'static dyn Rule, &mut Cx<'_>),
    ) {
        for r in &self.rules {
            let meta = r.rule.meta();
            if !meta.evidence.contains(&evidence) {
                continue;
            }
            let cx = Cx::new(meta, r.severity, &r.options, out);
            let mut cx = match spans.as_deref_mut() {
                Some(s) => cx.with_spans(s),
                None => cx,
            };
            f(r.rule, &mut cx);
        }
    }

    /// Judges one site with every source rule. A site in test code goes
    /// only to rules that report test code: all of them with `tests`
    /// (`--include-tests`, `[source] tests = true`), else those whose own
    /// `tests` option is on.
    pub fn check_site(&self, site: &QuerySite, tests: bool, out: &mut Vec<Diagnostic>) {
        self.each(Evidence::Source, out, None, |r, cx| {
            if site.in_test && !tests && !cx.option_bool("tests") {
                return;
            }
            r.check_site(site, cx)
        });
    }

    pub fn check_query(
        &self,
        evidence: Evidence,
        query: &QueryFacts,
        out: &mut Vec<Diagnostic>,
        spans: Option<&mut dyn SpanSource>,
    ) {
        self.each(evidence, out, spans, |r, cx| r.check_query(query, cx));
    }

    pub fn check_group(
        &self,
        group: &QueryGroup,
        out: &mut Vec<Diagnostic>,
        spans: &mut dyn SpanSource,
    ) {
        self.each(Evidence::Replay, out, Some(spans), |r, cx| {
            r.check_group(group, cx)
        });
    }

    pub fn check_plan(
        &self,
        plan: &PlanFacts,
        out: &mut Vec<Diagnostic>,
        spans: &mut dyn SpanSource,
    ) {
        self.each(Evidence::Replay, out, Some(spans), |r, cx| {
            r.check_plan(plan, cx)
        });
    }

    /// A diagnostic the front end itself raises (an unparsable file, an
    /// unreadable log), under a registered tool rule so users can configure it.
    /// Returns `None` when the rule is off.
    pub fn tool_diagnostic(
        &self,
        id: &'static str,
        span: Span,
        message: String,
    ) -> Option<Diagnostic> {
        let r = self.get(id)?;
        Some(Diagnostic::new(r.rule.meta().id, r.severity, message, span))
    }
}
