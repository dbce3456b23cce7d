//! Keeps the registry, the rule pages, the rule sources and the fixture
//! folders in step, and the generated parts of the docs up to date.
//! Run with `ORMLINT_BLESS=1` to rewrite stale generated text.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use ormlint::docs;
use ormlint::engine::registry;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bless() -> bool {
    std::env::var_os("ORMLINT_BLESS").is_some()
}

fn names(dir: &Path, keep: impl Fn(&Path) -> Option<String>) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| keep(&e.ok()?.path()))
        .collect()
}

fn registry_ids() -> BTreeSet<String> {
    registry::all()
        .iter()
        .map(|r| r.meta().id.to_string())
        .collect()
}

/// Compares generated text with the file; rewrites it when blessing.
fn check_or_bless(path: &Path, expected: &str, stale: &mut Vec<String>) {
    let actual = fs::read_to_string(path).unwrap_or_default();
    if actual != expected {
        if bless() {
            fs::write(path, expected).unwrap();
        } else {
            stale.push(path.display().to_string());
        }
    }
}

#[test]
fn registry_sources_pages_and_fixtures_agree() {
    let ids = registry_ids();
    let sources = names(&root().join("src/rules"), |p| {
        let stem = p.file_stem()?.to_str()?;
        (p.extension()? == "rs" && stem != "mod").then(|| stem.replace('_', "-"))
    });
    let pages = names(&root().join("rules"), |p| {
        let stem = p.file_stem()?.to_str()?;
        (p.extension()? == "md" && stem != "README").then(|| stem.to_string())
    });
    // `target/` holds the facts cache of the fixtures' own crate.
    let fixtures = names(&root().join("testdata/rules"), |p| {
        (p.is_dir() && !p.ends_with("target"))
            .then(|| p.file_name()?.to_str().map(str::to_string))?
    });
    assert_eq!(ids, sources, "registry ids vs src/rules/*.rs");
    assert_eq!(ids, pages, "registry ids vs rules/*.md");
    assert_eq!(ids, fixtures, "registry ids vs testdata/rules/*/");
}

#[test]
fn struct_names_follow_ids() {
    for r in registry::all() {
        let m = r.meta();
        let pascal: String =
            m.id.split('-')
                .map(|w| {
                    let mut c = w.chars();
                    c.next()
                        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                        .unwrap_or_default()
                })
                .collect();
        assert_eq!(m.name, pascal, "struct name of `{}`", m.id);
    }
}

#[test]
fn pages_have_required_sections_in_order() {
    const SECTIONS: &[&str] = &[
        "## Why is this bad?",
        "## Example",
        "## Use instead",
        "## Fix",
        "## Options",
        "## References",
    ];
    for r in registry::all() {
        let m = r.meta();
        assert!(
            m.page.starts_with(&format!("# {}\n", m.id)),
            "rules/{}.md must start with `# {}`",
            m.id,
            m.id
        );
        assert!(
            !m.summary().is_empty(),
            "rules/{}.md has no summary line",
            m.id
        );
        let headings: Vec<&str> = m.page.lines().filter(|l| l.starts_with("## ")).collect();
        assert_eq!(headings, SECTIONS, "sections of rules/{}.md", m.id);
    }
}

#[test]
fn generated_docs_are_up_to_date() {
    let mut stale = Vec::new();
    for r in registry::all() {
        let m = r.meta();
        let path = root().join("rules").join(format!("{}.md", m.id));
        let text = fs::read_to_string(&path).unwrap();
        let expected = docs::render_page(m, &text)
            .unwrap_or_else(|| panic!("{}: generated markers missing", path.display()));
        check_or_bless(&path, &expected, &mut stale);
    }
    let table = docs::rules_table();
    let index = format!(
        "# Rules\n\nOne page per rule id. `ormlint rules` prints this table; `ormlint explain ID` prints a page.\n\n{}",
        table.replace("](rules/", "](")
    );
    check_or_bless(&root().join("rules/README.md"), &index, &mut stale);
    let readme_path = root().join("README.md");
    let readme = fs::read_to_string(&readme_path).unwrap();
    let expected = docs::replace_region(&readme, "rules", &table)
        .expect("README.md lacks the generated rules markers");
    check_or_bless(&readme_path, &expected, &mut stale);
    assert!(
        stale.is_empty(),
        "stale generated docs: {stale:?}; run `ORMLINT_BLESS=1 cargo test --test docs`"
    );
}

/// Code blocks of one `## Section` of a page: (language, text).
fn blocks(page: &str, section: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut inside_section = false;
    let mut block: Option<(String, String)> = None;
    for line in page.lines() {
        if line.starts_with("## ") {
            inside_section = line.trim() == section;
            continue;
        }
        if !inside_section {
            continue;
        }
        match (&mut block, line.strip_prefix("```")) {
            (None, Some(lang)) => block = Some((lang.trim().to_string(), String::new())),
            (Some(_), Some(_)) => out.extend(block.take()),
            (Some((_, text)), None) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, None) => {}
        }
    }
    out
}

/// Runs one example through the front end its language needs and returns
/// the ids of the findings it produced.
fn findings(id: &str, lang: &str, text: &str, dir: &Path) -> Vec<String> {
    use ormlint::engine::RuleSet;
    let rules = if id == "unused-ignore" {
        RuleSet::all_defaults()
    } else {
        RuleSet::from_ids([id])
    };
    match lang {
        "rust" => {
            let f = dir.join("example.rs");
            fs::write(&f, text).unwrap();
            let run = ormlint::check::run(&[f], &ormlint::config::Config::default(), &rules, dir);
            run.diagnostics
                .into_iter()
                .filter(|d| d.suppressed.is_none())
                .map(|d| d.rule.to_string())
                .collect()
        }
        "sql" => {
            // One request, one statement per `;`, timed 1 ms apart.
            let mut lines = String::new();
            let statements: Vec<String> = text
                .lines()
                .filter(|l| !l.trim_start().starts_with("--"))
                .collect::<Vec<_>>()
                .join("\n")
                .split(';')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            for (i, s) in statements.iter().enumerate() {
                let line = serde_json::json!({"sql": s, "request": "example", "ts": format!("2026-01-01T00:00:00.{:03}Z", i)});
                lines.push_str(&line.to_string());
                lines.push('\n');
            }
            let f = dir.join("example.jsonl");
            fs::write(&f, lines).unwrap();
            let run =
                ormlint::runtime::run(&[f], &ormlint::runtime::Options::default(), &rules, dir);
            run.diagnostics
                .into_iter()
                .map(|d| d.rule.to_string())
                .collect()
        }
        _ => Vec::new(),
    }
}

#[test]
fn page_examples_trigger_and_fixes_do_not() {
    let dir = std::env::temp_dir().join(format!("ormlint-docs-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let mut failures = Vec::new();
    for r in registry::all() {
        let m = r.meta();
        for (lang, text) in blocks(m.page, "## Example") {
            if lang != "rust" && lang != "sql" {
                continue;
            }
            let ids = findings(m.id, &lang, &text, &dir);
            if !ids.iter().any(|i| i == m.id) {
                failures.push(format!(
                    "rules/{}.md: the {lang} example does not trigger the rule",
                    m.id
                ));
            }
        }
        for (lang, text) in blocks(m.page, "## Use instead") {
            if lang != "rust" && lang != "sql" {
                continue;
            }
            let ids = findings(m.id, &lang, &text, &dir);
            if ids.iter().any(|i| i == m.id) {
                failures.push(format!(
                    "rules/{}.md: the {lang} \"use instead\" still triggers the rule",
                    m.id
                ));
            }
        }
    }
    let _ = fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
