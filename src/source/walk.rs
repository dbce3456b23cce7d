//! Which Rust files a run looks at: the paths given, `.gitignore`/`.ignore`
//! honoured, `target/` skipped, `[source] include`/`exclude` applied.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::config::Config;

pub struct Input {
    pub path: PathBuf,
    /// Relative to the working directory when possible, `/`-separated.
    pub display: String,
}

/// A path the walk could not follow (a symlink loop, a permission error).
pub struct WalkProblem {
    pub display: String,
    pub message: String,
}

fn glob_set(globs: &[String]) -> Option<GlobSet> {
    if globs.is_empty() {
        return None;
    }
    let mut b = GlobSetBuilder::new();
    for g in globs {
        // Globs were validated when the config was loaded.
        if let Ok(g) = Glob::new(g) {
            b.add(g);
        }
    }
    b.build().ok()
}

pub fn display_path(path: &Path, cwd: &Path) -> String {
    let rel = path.strip_prefix(cwd).unwrap_or(path);
    let rel = rel.strip_prefix("./").unwrap_or(rel);
    let s = rel.to_string_lossy().replace('\\', "/");
    if s.is_empty() {
        ".".into()
    } else {
        s
    }
}

/// Lists the Rust files under `paths`, sorted, with the problems met.
pub fn rust_files(
    paths: &[PathBuf],
    config: &Config,
    cwd: &Path,
) -> (Vec<Input>, Vec<WalkProblem>) {
    let include = glob_set(&config.include);
    let exclude = glob_set(&config.exclude);
    let base = config
        .base_dir()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| cwd.to_path_buf());
    let base = if base.as_os_str().is_empty() {
        cwd.to_path_buf()
    } else {
        base
    };
    let selected = |p: &Path| {
        let abs = if p.is_absolute() {
            p.to_path_buf()
        } else {
            cwd.join(p)
        };
        let rel = abs.strip_prefix(&base).unwrap_or(&abs);
        let rel = rel.strip_prefix("./").unwrap_or(rel);
        include.as_ref().is_none_or(|g| g.is_match(rel))
            && !exclude.as_ref().is_some_and(|g| g.is_match(rel))
    };
    let mut files = Vec::new();
    let mut problems = Vec::new();
    let default = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    for root in paths {
        if !root.exists() && root.symlink_metadata().is_err() {
            problems.push(WalkProblem {
                display: display_path(root, cwd),
                message: "no such file or folder".into(),
            });
            continue;
        }
        if root.is_file() {
            if selected(root) {
                files.push(root.clone());
            }
            continue;
        }
        if !root.is_dir() {
            // A named pipe or a device: reading could block or never end.
            let message = if root.exists() {
                "not a regular file or folder (a pipe, socket or device): not read"
            } else {
                "a link to nothing: not read"
            };
            problems.push(WalkProblem {
                display: display_path(root, cwd),
                message: message.into(),
            });
            continue;
        }
        let walker = ignore::WalkBuilder::new(root)
            .follow_links(true)
            .require_git(false)
            .filter_entry(|e| {
                e.file_name() != "target" || !e.file_type().is_some_and(|t| t.is_dir())
            })
            .build();
        for entry in walker {
            match entry {
                Ok(e) => {
                    let p = e.path();
                    if e.file_type().is_some_and(|t| t.is_file())
                        && p.extension().is_some_and(|x| x == "rs")
                        && selected(p)
                    {
                        files.push(p.to_path_buf());
                    }
                }
                Err(err) => {
                    let (display, message) = walk_error(&err, cwd);
                    problems.push(WalkProblem { display, message });
                }
            }
        }
    }
    let mut inputs: Vec<Input> = files
        .into_iter()
        .map(|path| Input {
            display: display_path(&path, cwd),
            path,
        })
        .collect();
    inputs.sort_by(|a, b| a.display.cmp(&b.display));
    inputs.dedup_by(|a, b| a.display == b.display);
    problems.sort_by(|a, b| a.display.cmp(&b.display));
    (inputs, problems)
}

fn walk_error(err: &ignore::Error, cwd: &Path) -> (String, String) {
    match err {
        ignore::Error::WithPath { path, err } => (display_path(path, cwd), walk_error(err, cwd).1),
        ignore::Error::Loop { child, ancestor } => (
            display_path(child, cwd),
            format!(
                "symlink loop back to {}; not followed",
                display_path(ancestor, cwd)
            ),
        ),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error(err, cwd)
        }
        other => (".".into(), other.to_string()),
    }
}
