//! Baselines: record today's findings, then report only new ones.
//!
//! A finding's identity is its rule, its file and a hash of the code it
//! points at (for logs, the query fingerprint) — never its line — so edits
//! elsewhere and moved functions keep it, while a second copy of the same
//! mistake is new (identities are counted, not just listed).

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::json;

use crate::engine::{Diagnostic, FileDb};
use crate::report::code_hash;

/// One finding's identity in the baseline file.
fn key(d: &Diagnostic, files: &FileDb) -> (String, String, String) {
    let path = d.location(files).path;
    let path = if crate::report::is_log_finding(&path) {
        String::new()
    } else {
        path
    };
    (
        d.rule.to_string(),
        path,
        format!("{:016x}", code_hash(d, files)),
    )
}

/// Writes the findings as stable, sorted JSON, one entry per identity with its count.
pub fn write(path: &Path, diagnostics: &[Diagnostic], files: &FileDb) -> std::io::Result<()> {
    let mut counts: BTreeMap<(String, String, String), (u32, String)> = BTreeMap::new();
    for d in diagnostics.iter().filter(|d| d.suppressed.is_none()) {
        let e = counts
            .entry(key(d, files))
            .or_insert((0, d.message.clone()));
        e.0 += 1;
    }
    let findings: Vec<_> = counts
        .into_iter()
        .map(|((rule, path, code), (count, message))| {
            json!({"rule": rule, "path": path, "code": code, "count": count, "message": message})
        })
        .collect();
    let doc = json!({"version": 1, "tool": "ormlint", "findings": findings});
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    std::fs::write(path, text)
}

/// Reads a baseline: identity → how many findings it covers.
pub fn load(path: &Path) -> Result<BTreeMap<(String, String, String), u32>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read baseline: {e}", path.display()))?;
    let doc: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("{}: not a baseline file: {e}", path.display()))?;
    let mut out = BTreeMap::new();
    for f in doc["findings"]
        .as_array()
        .ok_or_else(|| format!("{}: no `findings` list", path.display()))?
    {
        let s = |k: &str| f[k].as_str().unwrap_or_default().to_string();
        let n = f["count"].as_u64().unwrap_or(1) as u32;
        *out.entry((s("rule"), s("path"), s("code"))).or_insert(0) += n;
    }
    Ok(out)
}

/// What a fresh baseline changes against the one it replaces.
pub struct Change {
    pub added: u32,
    pub removed: u32,
    pub kept: u32,
}

/// Compares the findings with an earlier baseline.
pub fn compare(
    diagnostics: &[Diagnostic],
    files: &FileDb,
    old: &BTreeMap<(String, String, String), u32>,
) -> Change {
    let mut now: BTreeMap<(String, String, String), u32> = BTreeMap::new();
    for d in diagnostics.iter().filter(|d| d.suppressed.is_none()) {
        *now.entry(key(d, files)).or_insert(0) += 1;
    }
    let mut c = Change {
        added: 0,
        removed: 0,
        kept: 0,
    };
    for (k, &n) in &now {
        let o = old.get(k).copied().unwrap_or(0);
        c.kept += n.min(o);
        c.added += n.saturating_sub(o);
    }
    for (k, &o) in old {
        c.removed += o.saturating_sub(now.get(k).copied().unwrap_or(0));
    }
    c
}

/// Marks each finding `new` or `unchanged` against the baseline, and
/// returns how many of the baseline's findings no longer occur.
pub fn apply(
    diagnostics: &mut [Diagnostic],
    files: &FileDb,
    mut baseline: BTreeMap<(String, String, String), u32>,
) -> u32 {
    for d in diagnostics.iter_mut() {
        let k = key(d, files);
        d.baseline = Some(match baseline.get_mut(&k) {
            Some(n) if *n > 0 => {
                *n -= 1;
                "unchanged"
            }
            _ => "new",
        });
    }
    baseline.values().sum()
}
