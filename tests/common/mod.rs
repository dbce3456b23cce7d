//! Helpers shared by the end-to-end tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every replay fixture (`testdata/rules/*/replay/*`, not its expected
/// output, config or schema), sorted.
pub fn replay_fixtures() -> Vec<PathBuf> {
    let mut logs = Vec::new();
    for rule in std::fs::read_dir(root().join("testdata/rules"))
        .unwrap()
        .flatten()
    {
        let Ok(entries) = std::fs::read_dir(rule.path().join("replay")) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.extension()
                .is_some_and(|x| x != "snap" && x != "toml" && x != "sql")
            {
                logs.push(p);
            }
        }
    }
    logs.sort();
    logs
}

/// Runs the built `ormlint` binary in `cwd` with `args`.
pub fn ormlint(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ormlint"))
        .current_dir(cwd)
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .env_remove("CI_PROJECT_DIR")
        .output()
        .expect("run ormlint")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Compares `actual` with the file, or rewrites it under `ORMLINT_BLESS=1`.
pub fn expect_file(path: &Path, actual: &str) {
    if std::env::var_os("ORMLINT_BLESS").is_some() {
        std::fs::write(path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        expected == actual,
        "{} differs (ORMLINT_BLESS=1 to update)\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}

/// A fresh empty folder under the system temp dir, removed when dropped.
pub fn temp_dir(name: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("ormlint-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

/// A test's scratch folder: the tests leave nothing behind.
pub struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = PathBuf;
    fn deref(&self) -> &PathBuf {
        &self.0
    }
}

impl AsRef<Path> for TempDir {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The rule of each finding in a JSON report, in order.
pub fn rules_of(doc: &serde_json::Value) -> Vec<&str> {
    doc["diagnostics"]
        .as_array()
        .map(|ds| ds.iter().filter_map(|d| d["rule"].as_str()).collect())
        .unwrap_or_default()
}

/// Copies a folder tree (files only; `target/` left out).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() != "target" {
                copy_dir(&path, &to.join(entry.file_name()));
            }
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).unwrap();
        }
    }
}
