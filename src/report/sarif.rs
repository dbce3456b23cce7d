//! `--format sarif`: SARIF 2.1.0 for code scanning.
//!
//! `tool.driver.rules` comes from the registry and the rule pages. Each result
//! carries `partialFingerprints["ormlint/v1"]`: a hash of the rule, the path,
//! the whitespace-normalised text of the reported lines and the number of
//! earlier results with the same three, so it survives unrelated lines moving.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{Node, Report};
use crate::engine::{registry, Diagnostic, Location, Severity};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Where ormlint and its rule pages live: the package's `repository` (or
/// `homepage`), when Cargo.toml names one. SARIF wants absolute URIs for
/// `informationUri` and `helpUri`, so without one they are left out rather
/// than made up.
fn home() -> Option<&'static str> {
    [env!("CARGO_PKG_REPOSITORY"), env!("CARGO_PKG_HOMEPAGE")]
        .into_iter()
        .find(|u| u.starts_with("https://"))
}

/// A rule page's URI under `home`: `rules/<id>.md` on the default branch
/// of a GitHub or GitLab repository, else the home page itself.
fn help_uri(home: &str, id: &str) -> String {
    let home = home.trim_end_matches('/').trim_end_matches(".git");
    if home.starts_with("https://github.com/") {
        format!("{home}/blob/HEAD/rules/{id}.md")
    } else if home.starts_with("https://gitlab.com/") {
        format!("{home}/-/blob/HEAD/rules/{id}.md")
    } else {
        home.to_string()
    }
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// A relative path as a URI reference: forward slashes, reserved bytes escaped.
fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn physical(loc: &Location) -> Value {
    json!({
        "artifactLocation": {"uri": uri(&loc.path), "uriBaseId": "%SRCROOT%"},
        "region": {
            "startLine": loc.line,
            "startColumn": loc.column,
            "endLine": loc.end_line,
            "endColumn": loc.end_column.max(if loc.end_line == loc.line { loc.column + 1 } else { 1 }),
        },
    })
}

/// The "## Why is this bad?" section, as the rule's full description.
fn why(page: &str) -> String {
    let mut out = Vec::new();
    let mut inside = false;
    for line in page.lines() {
        if line.starts_with("## ") {
            if inside {
                break;
            }
            inside = line.trim() == "## Why is this bad?";
            continue;
        }
        if inside {
            if line.trim().is_empty() && !out.is_empty() {
                break;
            }
            if !line.trim().is_empty() {
                out.push(line.trim());
            }
        }
    }
    out.join(" ")
}

fn rules() -> Vec<Value> {
    registry::all()
        .iter()
        .map(|r| {
            let m = r.meta();
            let mut tags = vec![m.category.as_str().to_string()];
            tags.extend(m.evidence.iter().map(|e| e.as_str().to_string()));
            let mut properties = json!({"tags": tags});
            if m.category == crate::engine::Category::Security {
                properties["security-severity"] = json!("8.0");
            }
            let mut rule = json!({
                "id": m.id,
                "name": m.name,
                "shortDescription": {"text": m.summary()},
                "fullDescription": {"text": why(m.page)},
                "help": {"text": m.page, "markdown": m.page},
                "defaultConfiguration": {"level": level(m.severity)},
                "properties": properties,
            });
            if let Some(h) = home() {
                rule["helpUri"] = json!(help_uri(h, m.id));
            }
            rule
        })
        .collect()
}

fn fingerprint(d: &Diagnostic, report: &Report<'_>, seen: &mut BTreeMap<u64, u32>) -> String {
    let base = super::code_hash(d, report.files);
    let n = seen.entry(base).or_insert(0);
    *n += 1;
    format!("{:016x}:{}", base, n)
}

pub fn render(report: &Report<'_>) -> String {
    super::to_text(|out| write(report, out))
}

/// Writes the log, one result at a time.
pub fn write(report: &Report<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let index: BTreeMap<&str, usize> = registry::all()
        .iter()
        .enumerate()
        .map(|(i, r)| (r.meta().id, i))
        .collect();
    let mut seen = BTreeMap::new();
    let results = report.diagnostics.iter().map(move |d| {
        let loc = report.location(d);
        let mut text = d.message.clone();
        if let Some(help) = &d.help {
            text.push_str("\nhelp: ");
            text.push_str(help);
        }
        let related: Vec<Value> = d
            .related
            .iter()
            .enumerate()
            .map(|(i, l)| {
                json!({
                    "id": i,
                    "physicalLocation": physical(&Location::of(&l.span, report.files)),
                    "message": {"text": l.message},
                })
            })
            .collect();
        let mut result = json!({
            "ruleId": d.rule,
            "level": level(d.severity),
            "message": {"text": text},
            "locations": [{"physicalLocation": physical(&loc)}],
            "partialFingerprints": {"ormlint/v1": fingerprint(d, report, &mut seen)},
        });
        if let Some(i) = index.get(d.rule) {
            result["ruleIndex"] = json!(i);
        }
        if !related.is_empty() {
            result["relatedLocations"] = Value::Array(related);
        }
        if !d.flow.is_empty() {
            let steps: Vec<Value> = d
                .flow
                .iter()
                .map(|l| {
                    json!({"location": {
                        "physicalLocation": physical(&Location::of(&l.span, report.files)),
                        "message": {"text": l.message},
                    }})
                })
                .collect();
            result["codeFlows"] = json!([{"threadFlows": [{"locations": steps}]}]);
        }
        if let Some(state) = d.baseline {
            result["baselineState"] = json!(state);
        }
        if let Some(reason) = &d.suppressed {
            let mut s = json!({"kind": "inSource", "status": "accepted"});
            if !reason.is_empty() {
                s["justification"] = json!(reason);
            }
            result["suppressions"] = json!([s]);
        }
        result
    });
    let run = Node::object(vec![
        ("columnKind", Node::Value(json!("unicodeCodePoints"))),
        (
            "results",
            Node::Stream(std::cell::RefCell::new(Box::new(results))),
        ),
        (
            "tool",
            Node::Value({
                let mut driver = json!({
                    "name": "ormlint",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules(),
                });
                if let Some(h) = home() {
                    driver["informationUri"] = json!(h);
                }
                json!({ "driver": driver })
            }),
        ),
    ]);
    let doc = Node::object(vec![
        ("$schema", Node::Value(json!(SCHEMA))),
        ("runs", Node::Array(vec![run])),
        ("version", Node::Value(json!("2.1.0"))),
    ]);
    super::write_json(&doc, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_pages_link_under_the_repository() {
        assert_eq!(
            help_uri("https://github.com/o/ormlint.git", "n-plus-one"),
            "https://github.com/o/ormlint/blob/HEAD/rules/n-plus-one.md"
        );
        assert_eq!(
            help_uri("https://gitlab.com/o/ormlint/", "missing-index"),
            "https://gitlab.com/o/ormlint/-/blob/HEAD/rules/missing-index.md"
        );
        assert_eq!(
            help_uri("https://ormlint.example", "x"),
            "https://ormlint.example"
        );
    }

    #[test]
    fn uris_are_escaped() {
        assert_eq!(uri("src/my file.rs"), "src/my%20file.rs");
        assert_eq!(uri("src\\a.rs"), "src/a.rs");
    }

    #[test]
    fn why_takes_first_paragraph() {
        let page = "# x\n\nsummary\n\n## Why is this bad?\n\nOne\ntwo.\n\nMore.\n## Example\n";
        assert_eq!(why(page), "One two.");
    }
}
