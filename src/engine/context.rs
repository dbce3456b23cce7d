//! `Cx`: what a rule sees while it runs, and how it reports.

use std::collections::BTreeMap;

use super::diagnostic::{Diagnostic, Label, QueryInfo, Severity, Span};
use super::facts::{LogPos, ShapeInfo};
use super::rule::{OptionKind, RuleMeta};

/// A rule option's value, checked against its [`OptionKind`].
#[derive(Clone, Debug, PartialEq)]
pub enum OptionValue {
    Integer(i64),
    Float(f64),
    Bool(bool),
    String(String),
}

impl OptionValue {
    /// Parses the default written in `declare_rule!`.
    pub fn parse_default(kind: OptionKind, text: &str) -> Option<OptionValue> {
        let text = text.replace('_', "");
        match kind {
            OptionKind::Integer => text.parse().ok().map(OptionValue::Integer),
            OptionKind::Float => text.parse().ok().map(OptionValue::Float),
            OptionKind::Bool => text.parse().ok().map(OptionValue::Bool),
            OptionKind::String => Some(OptionValue::String(text.trim_matches('"').to_string())),
        }
    }
}

/// Options of one enabled rule: config values over declared defaults.
pub type RuleOptions = BTreeMap<String, OptionValue>;

/// Turns a log position into a span, registering an excerpt on first use.
pub trait SpanSource {
    fn span(&mut self, pos: &LogPos, shape: &ShapeInfo) -> Span;
}

/// The context a rule hook runs in.
pub struct Cx<'a> {
    meta: &'static RuleMeta,
    severity: Severity,
    options: &'a RuleOptions,
    out: &'a mut Vec<Diagnostic>,
    spans: Option<&'a mut dyn SpanSource>,
}

impl<'a> Cx<'a> {
    pub fn new(
        meta: &'static RuleMeta,
        severity: Severity,
        options: &'a RuleOptions,
        out: &'a mut Vec<Diagnostic>,
    ) -> Self {
        Cx {
            meta,
            severity,
            options,
            out,
            spans: None,
        }
    }

    /// A context that can turn log positions into spans (replay).
    pub fn with_spans(mut self, spans: &'a mut dyn SpanSource) -> Self {
        self.spans = Some(spans);
        self
    }

    /// The span of a statement in a log, showing its shape (not its values).
    pub fn log_span(&mut self, pos: &LogPos, shape: &ShapeInfo) -> Span {
        match self.spans.as_deref_mut() {
            Some(s) => s.span(pos, shape),
            None => Span::new(0, 0..0),
        }
    }

    /// The severity the user configured for this rule.
    pub fn severity(&self) -> Severity {
        self.severity
    }

    /// Reports a finding at the rule's configured severity.
    pub fn report(&mut self, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        self.report_at(self.severity, span, message)
    }

    /// Reports one level below the configured severity, for weaker
    /// evidence (a warning becomes a note, an error a warning).
    pub fn report_weaker(&mut self, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        let severity = match self.severity {
            Severity::Error => Severity::Warning,
            Severity::Warning | Severity::Note => Severity::Note,
        };
        self.report_at(severity, span, message)
    }

    fn report_at(
        &mut self,
        severity: Severity,
        span: Span,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.out.push(Diagnostic::new(
            self.meta.id,
            severity,
            message.into(),
            span,
        ));
        let last = self.out.len() - 1;
        &mut self.out[last]
    }

    pub fn option_int(&self, name: &str) -> i64 {
        match self.option(name) {
            Some(OptionValue::Integer(v)) => v,
            Some(OptionValue::Float(v)) => v as i64,
            _ => 0,
        }
    }

    pub fn option_float(&self, name: &str) -> f64 {
        match self.option(name) {
            Some(OptionValue::Float(v)) => v,
            Some(OptionValue::Integer(v)) => v as f64,
            _ => 0.0,
        }
    }

    pub fn option_bool(&self, name: &str) -> bool {
        matches!(self.option(name), Some(OptionValue::Bool(true)))
    }

    pub fn option_str(&self, name: &str) -> String {
        match self.option(name) {
            Some(OptionValue::String(s)) => s,
            _ => String::new(),
        }
    }

    fn option(&self, name: &str) -> Option<OptionValue> {
        if let Some(v) = self.options.get(name) {
            return Some(v.clone());
        }
        let meta = self.meta.option(name)?;
        OptionValue::parse_default(meta.kind, meta.default)
    }
}

/// Builder methods, so a rule reads `cx.report(..).label(..).help(..)`.
impl Diagnostic {
    pub fn with_primary_label(&mut self, text: impl Into<String>) -> &mut Self {
        self.primary_label = text.into();
        self
    }

    pub fn label(&mut self, span: Span, message: impl Into<String>) -> &mut Self {
        self.related.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub fn help(&mut self, text: impl Into<String>) -> &mut Self {
        self.help = Some(text.into());
        self
    }

    pub fn note(&mut self, text: impl Into<String>) -> &mut Self {
        self.notes.push(text.into());
        self
    }

    pub fn query(&mut self, info: QueryInfo) -> &mut Self {
        self.query = Some(info);
        self
    }
}
