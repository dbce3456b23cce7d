//! `--format json`: the version-1 contract of DESIGN.md.

use serde_json::{json, Map, Value};

use super::{Node, Report};
use crate::engine::Location;

pub fn render(report: &Report<'_>) -> String {
    super::to_text(|out| write(report, out))
}

/// Writes the document, one finding at a time.
pub fn write(report: &Report<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let diagnostics = report.diagnostics.iter().map(|d| {
        let loc = report.location(d);
        let mut obj = Map::new();
        obj.insert("rule".into(), json!(d.rule));
        obj.insert("severity".into(), json!(d.severity.as_str()));
        obj.insert("message".into(), json!(d.message));
        obj.insert("location".into(), location(&loc));
        let related: Vec<Value> = d
            .related
            .iter()
            .map(|l| {
                let mut v = location(&Location::of(&l.span, report.files));
                v["message"] = json!(l.message);
                v
            })
            .collect();
        obj.insert("related".into(), Value::Array(related));
        if let Some(help) = &d.help {
            obj.insert("help".into(), json!(help));
        }
        if !d.notes.is_empty() {
            obj.insert("notes".into(), json!(d.notes));
        }
        if let Some(q) = &d.query {
            obj.insert("query".into(), json!(q));
        }
        if let Some(reason) = &d.suppressed {
            obj.insert("suppressed".into(), json!(true));
            obj.insert("suppression_reason".into(), json!(reason));
        }
        Value::Object(obj)
    });
    let s = report.summary;
    let doc = Node::object(vec![
        (
            "diagnostics",
            Node::Stream(std::cell::RefCell::new(Box::new(diagnostics))),
        ),
        (
            "summary",
            Node::Value(json!({
                "files": s.files,
                "statements": s.statements,
                "diagnostics": report.diagnostics.iter().filter(|d| d.suppressed.is_none()).count(),
                "skipped": s.skipped,
                "logs": s.logs,
            })),
        ),
        (
            "tool",
            Node::Value(json!({"name": "ormlint", "version": env!("CARGO_PKG_VERSION")})),
        ),
        ("version", Node::Value(json!(1))),
    ]);
    super::write_json(&doc, out)
}

fn location(loc: &Location) -> Value {
    json!({
        "path": loc.path,
        "line": loc.line,
        "column": loc.column,
        "end_line": loc.end_line,
        "end_column": loc.end_column,
    })
}
