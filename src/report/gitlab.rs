//! `--format gitlab`: GitLab's Code Quality report, the CodeClimate-style
//! JSON array that `artifacts: reports: codequality` reads, so findings
//! show in merge requests. Each issue carries the fields GitLab documents:
//! `description`, `check_name`, `fingerprint` (unique in the report, and
//! the same for the same finding in the next pipeline, so GitLab can tell
//! new findings from fixed ones), `severity` in GitLab's words, and
//! `location.path` (relative to the repository root) with
//! `location.lines.begin`.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use serde_json::json;

use super::{Node, Report};
use crate::engine::Severity;

/// GitLab's scale is info, minor, major, critical, blocker. A warning fails
/// the job by default (`--fail-on warning`): major; an error: critical; a
/// note never fails it: info.
pub fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "critical",
        Severity::Warning => "major",
        Severity::Note => "info",
    }
}

/// The repository root: `$CI_PROJECT_DIR` in a GitLab job, else the folder
/// that holds `.git` at or above `cwd`.
pub fn repository_root(cwd: &Path) -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("CI_PROJECT_DIR").filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        return Some(std::fs::canonicalize(&dir).unwrap_or(dir));
    }
    cwd.ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

/// `path` as GitLab wants it: relative to the repository root, with `/`,
/// no `./`. A path outside the repository (a log in `/var/log`) or not a
/// file (`<stdin>`) is given as it was named.
pub fn repository_path(path: &str, cwd: &Path, root: Option<&Path>) -> String {
    let named = path.trim_start_matches("./");
    let Some(root) = root else {
        return named.to_string();
    };
    if path.starts_with('<') {
        return path.to_string();
    }
    // Lexically first (the file may be gone), then through links: its
    // folder, canonical, under the canonical root.
    let mut full = PathBuf::new();
    for c in cwd.join(path).components() {
        match c {
            Component::ParentDir => {
                full.pop();
            }
            Component::CurDir => {}
            other => full.push(other),
        }
    }
    let resolved = full
        .parent()
        .and_then(|dir| std::fs::canonicalize(dir).ok())
        .zip(full.file_name())
        .map(|(dir, name)| dir.join(name));
    let rel = full
        .strip_prefix(root)
        .ok()
        .or_else(|| resolved.as_deref().and_then(|r| r.strip_prefix(root).ok()));
    match rel {
        Some(rel) => rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        None => named.to_string(),
    }
}

pub fn render(report: &Report<'_>, cwd: &Path) -> String {
    super::to_text(|out| write(report, cwd, out))
}

/// Writes the report, one issue at a time. Suppressed findings are left
/// out: GitLab has no notion of them.
pub fn write(report: &Report<'_>, cwd: &Path, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let cwd = std::fs::canonicalize(cwd).unwrap_or_else(|_| cwd.to_path_buf());
    let root = repository_root(&cwd);
    let mut seen: BTreeMap<u64, u32> = BTreeMap::new();
    let issues = report
        .diagnostics
        .iter()
        .filter(|d| d.suppressed.is_none())
        .map(move |d| {
            let loc = report.location(d);
            let path = repository_path(&loc.path, &cwd, root.as_deref());
            // Rule, path from the repository root, reported code or query
            // shape (not the line), and its occurrence: the same in the next
            // pipeline whatever folder the job runs ormlint in.
            let base = super::code_hash_at(d, report.files, &path);
            let n = seen.entry(base).or_insert(0);
            *n += 1;
            json!({
                "check_name": d.rule,
                "description": d.message,
                "fingerprint": format!("{base:016x}-{n}"),
                "location": {
                    "lines": {"begin": loc.line.max(1)},
                    "path": path,
                },
                "severity": severity(d.severity),
            })
        });
    super::write_json(
        &Node::Stream(std::cell::RefCell::new(Box::new(issues))),
        out,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_relative_to_the_repository_root() {
        let root = Path::new("/repo");
        let cwd = Path::new("/repo/crates/app");
        assert_eq!(
            repository_path("src/db.rs", cwd, Some(root)),
            "crates/app/src/db.rs"
        );
        assert_eq!(
            repository_path("./src/db.rs", cwd, Some(root)),
            "crates/app/src/db.rs"
        );
        assert_eq!(
            repository_path("../core/src/x.rs", cwd, Some(root)),
            "crates/core/src/x.rs"
        );
        assert_eq!(
            repository_path("/repo/logs/pg.log", cwd, Some(root)),
            "logs/pg.log"
        );
        assert_eq!(
            repository_path("/var/log/pg.log", cwd, Some(root)),
            "/var/log/pg.log"
        );
        assert_eq!(repository_path("./src/db.rs", cwd, None), "src/db.rs");
        assert_eq!(repository_path("<stdin>", cwd, Some(root)), "<stdin>");
    }
}
