//! `cargo ormlint …`: the same entry point as `ormlint`, run from cargo.
//! Without a subcommand it checks the current workspace's members (or the
//! package). Settings come from `ormlint.toml`, or `[workspace.metadata.ormlint]`
//! / `[package.metadata.ormlint]` in Cargo.toml.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

const SUBCOMMANDS: &[&str] = &[
    "check",
    "replay",
    "inspect",
    "rules",
    "explain",
    "fingerprint",
    "help",
];

/// Member folders of the workspace whose Cargo.toml is at or above `cwd`.
fn members(cwd: &Path) -> Vec<PathBuf> {
    let Some(manifest) = cwd.ancestors().map(|d| d.join("Cargo.toml")).find(|p| {
        std::fs::read_to_string(p).is_ok_and(|t| {
            t.parse::<toml::Table>()
                .is_ok_and(|d| d.contains_key("workspace"))
        })
    }) else {
        return vec![PathBuf::from(".")];
    };
    let root = manifest.parent().map(Path::to_path_buf).unwrap_or_default();
    let Ok(doc) = std::fs::read_to_string(&manifest).map(|t| t.parse::<toml::Table>()) else {
        return vec![root];
    };
    let Ok(doc) = doc else { return vec![root] };
    let ws = doc.get("workspace").and_then(|w| w.as_table());
    let list = |key: &str| -> Vec<String> {
        ws.and_then(|w| w.get(key))
            .and_then(|m| m.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let exclude = list("exclude");
    let mut out = Vec::new();
    if doc.contains_key("package") {
        out.push(root.join("src"));
    }
    for m in list("members") {
        // `crates/*`: every folder with a Cargo.toml.
        if let Some(prefix) = m.strip_suffix("/*") {
            if let Ok(entries) = std::fs::read_dir(root.join(prefix)) {
                let mut dirs: Vec<PathBuf> = entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.join("Cargo.toml").is_file())
                    .collect();
                dirs.sort();
                out.extend(dirs);
            }
        } else {
            out.push(root.join(&m));
        }
    }
    out.retain(|p| !exclude.iter().any(|x| p.ends_with(x)));
    if out.is_empty() {
        out.push(root);
    }
    out
}

fn main() -> std::process::ExitCode {
    let mut args: Vec<OsString> = std::env::args_os().collect();
    // cargo runs `cargo-ormlint ormlint …`.
    if args.get(1).is_some_and(|a| a == "ormlint") {
        args.remove(1);
    }
    let has_subcommand = args.iter().skip(1).any(|a| {
        a.to_str().is_some_and(|s| {
            SUBCOMMANDS.contains(&s) || s == "--version" || s == "-V" || s == "--help" || s == "-h"
        })
    });
    if !has_subcommand {
        let cwd = std::env::current_dir().unwrap_or_default();
        args.insert(1, "check".into());
        args.extend(members(&cwd).into_iter().map(OsString::from));
    }
    ormlint::cli::main_from(args)
}
