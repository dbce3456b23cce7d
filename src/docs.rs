//! Generated parts of the rule pages and the rules tables. `tests/docs.rs`
//! checks the checked-in files match and rewrites them with `ORMLINT_BLESS=1`.

use crate::engine::{registry, RuleMeta};

/// The metadata table at the top of `rules/<id>.md`.
pub fn meta_block(m: &RuleMeta) -> String {
    let fix = match m.fix {
        crate::engine::Fix::None => "no",
        crate::engine::Fix::Suggested => "suggested in help",
    };
    format!(
        "| default severity | category | evidence | fix |\n|---|---|---|---|\n| {} | {} | {} | {} |\n",
        m.severity,
        m.category.as_str(),
        m.evidence_str(),
        fix
    )
}

/// The `## Options` body of `rules/<id>.md`.
pub fn options_block(m: &RuleMeta) -> String {
    if m.options.is_empty() {
        return "This rule has no options besides `severity`.\n".to_string();
    }
    let mut out = String::from("| option | type | default | meaning |\n|---|---|---|---|\n");
    for o in m.options {
        out.push_str(&format!(
            "| `{}` | {} | `{}` | {} |\n",
            o.name,
            o.kind.as_str(),
            o.default,
            o.doc
        ));
    }
    out.push_str(&format!(
        "\nSet them in `ormlint.toml`:\n\n```toml\n[rules.{}]\nseverity = \"{}\"\n{} = {}\n```\n",
        m.id, m.severity, m.options[0].name, m.options[0].default
    ));
    out
}

/// The table of all rules, for README.md and rules/README.md.
pub fn rules_table() -> String {
    let mut out = String::from("| rule | default | evidence | summary |\n|---|---|---|---|\n");
    for r in registry::all() {
        let m = r.meta();
        out.push_str(&format!(
            "| [`{id}`](rules/{id}.md) | {} | {} | {} |\n",
            m.severity,
            m.evidence_str(),
            m.summary(),
            id = m.id
        ));
    }
    out
}

/// Replaces the text between `<!-- begin generated NAME -->` and the next
/// `<!-- end generated -->` with `body`. Returns `None` when the markers are missing.
pub fn replace_region(text: &str, name: &str, body: &str) -> Option<String> {
    let begin = format!("<!-- begin generated {name} -->");
    let start = text.find(&begin)? + begin.len();
    let end = start + text[start..].find("<!-- end generated -->")?;
    Some(format!("{}\n{}{}", &text[..start], body, &text[end..]))
}

/// A rule page with its generated regions filled in.
pub fn render_page(m: &RuleMeta, page: &str) -> Option<String> {
    let page = replace_region(page, "meta", &meta_block(m))?;
    replace_region(&page, "options", &options_block(m))
}
