//! `--diff-base REV`: keep only findings on lines added or changed since
//! REV, for pull-request checks on large codebases. Lines come from
//! `git diff --unified=0 REV`; files git does not track yet count as new.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::engine::{Diagnostic, FileDb};

/// Changed lines by repository-relative path.
pub struct Changed {
    root: PathBuf,
    lines: BTreeMap<String, BTreeSet<usize>>,
    whole: BTreeSet<String>,
}

fn git(cwd: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .current_dir(cwd)
        .args(args)
        .output()
        .map_err(|e| format!("--diff-base needs git: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!("`git {}` failed: {}", args.join(" "), err.trim()));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `@@ -a,b +c,d @@` → lines c..c+d (d defaults to 1; 0 means a deletion).
fn hunk_lines(header: &str) -> Option<std::ops::Range<usize>> {
    let plus = header.split_whitespace().find(|w| w.starts_with('+'))?;
    let mut parts = plus[1..].split(',');
    let start: usize = parts.next()?.parse().ok()?;
    let count: usize = parts.next().map_or(Some(1), |c| c.parse().ok())?;
    Some(start..start + count)
}

impl Changed {
    pub fn since(rev: &str, cwd: &Path) -> Result<Changed, String> {
        let root = PathBuf::from(git(cwd, &["rev-parse", "--show-toplevel"])?.trim());
        git(
            cwd,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("{rev}^{{commit}}"),
            ],
        )
        .map_err(|_| format!("--diff-base: `{rev}` is not a commit in this repository"))?;
        let diff = git(
            &root,
            &[
                "diff",
                "--unified=0",
                "--no-color",
                "--no-ext-diff",
                rev,
                "--",
            ],
        )?;
        let mut lines: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
        let mut current: Option<String> = None;
        for l in diff.lines() {
            if let Some(p) = l.strip_prefix("+++ ") {
                current = p.strip_prefix("b/").map(str::to_string);
            } else if l.starts_with("@@") {
                if let (Some(f), Some(r)) = (&current, hunk_lines(l)) {
                    lines.entry(f.clone()).or_default().extend(r);
                }
            }
        }
        let untracked = git(&root, &["ls-files", "--others", "--exclude-standard"])?;
        let whole = untracked.lines().map(str::to_string).collect();
        Ok(Changed { root, lines, whole })
    }

    /// Is this diagnostic's primary location on a changed line?
    pub fn contains(&self, d: &Diagnostic, files: &FileDb, cwd: &Path) -> bool {
        let loc = d.location(files);
        let abs = cwd.join(&loc.path);
        let abs = abs.canonicalize().unwrap_or(abs);
        let root = self
            .root
            .canonicalize()
            .unwrap_or_else(|_| self.root.clone());
        let Ok(rel) = abs.strip_prefix(&root) else {
            return false;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        self.whole.contains(&rel)
            || self
                .lines
                .get(&rel)
                .is_some_and(|ls| (loc.line..=loc.end_line.max(loc.line)).any(|l| ls.contains(&l)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunk_headers() {
        assert_eq!(hunk_lines("@@ -3,0 +4,2 @@ fn a()"), Some(4..6));
        assert_eq!(hunk_lines("@@ -10 +10 @@"), Some(10..11));
        assert_eq!(hunk_lines("@@ -5,3 +4,0 @@"), Some(4..4));
    }
}
