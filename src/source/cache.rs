//! A cache of each file's facts, like ruff's: a file whose text and
//! context (its crate's dependencies, the workspace's crates, the ORM data,
//! the options) are unchanged is not parsed again. One JSON file per
//! workspace under its `target/ormlint/`, read as untrusted input: one that
//! does not parse, or was written by another version, is ignored and
//! rewritten; a rebuilt ormlint binary never reads what another build
//! wrote. `ORMLINT_NO_CACHE=1` turns it off.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::facts::FileFacts;

const FILE: &str = "facts-v2.json";

#[derive(Serialize, Deserialize, Default)]
struct OnDisk {
    version: String,
    files: HashMap<String, Entry>,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    key: u64,
    facts: FileFacts,
}

/// The cache of one workspace.
#[derive(Default)]
pub struct FactsCache {
    path: Option<PathBuf>,
    /// Entries not yet taken by this run: what [`FactsCache::write`] keeps
    /// for the files the run did not look at.
    files: std::sync::Mutex<HashMap<String, Entry>>,
}

/// Is the cache turned off (`ORMLINT_NO_CACHE`)?
pub fn disabled() -> bool {
    std::env::var_os("ORMLINT_NO_CACHE").is_some_and(|v| !v.is_empty() && v != "0")
}

impl FactsCache {
    /// The cache of the workspace whose manifest is `manifest`; empty when
    /// there is none yet, it cannot be read, or it is of another version.
    pub fn open(manifest: Option<&Path>) -> FactsCache {
        let Some(dir) = manifest.and_then(Path::parent) else {
            return FactsCache::default();
        };
        let path = dir.join("target").join("ormlint").join(FILE);
        let files = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<OnDisk>(&b).ok())
            .filter(|d| d.version == env!("CARGO_PKG_VERSION"))
            .map(|d| d.files)
            .unwrap_or_default();
        FactsCache {
            path: Some(path),
            files: std::sync::Mutex::new(files),
        }
    }

    /// Takes the facts stored for `file` under `key`. The entry leaves the
    /// cache either way (a file is looked up once a run; a stale entry is
    /// replaced by the fresh facts), so facts are never held twice.
    pub fn take(&self, file: &str, key: u64) -> Option<FileFacts> {
        let entry = self.files.lock().ok()?.remove(file)?;
        (entry.key == key).then_some(entry.facts)
    }

    /// Writes the facts of this run's files (atomically: a reader sees the
    /// old file or the new one). Errors are ignored: the cache is optional.
    pub fn write(&self, entries: Vec<(String, u64, &FileFacts)>) {
        #[derive(Serialize)]
        struct EntryRef<'a> {
            key: u64,
            facts: &'a FileFacts,
        }
        #[derive(Serialize)]
        struct OnDiskRef<'a> {
            version: &'static str,
            files: std::collections::BTreeMap<String, EntryRef<'a>>,
        }
        let Some(path) = &self.path else { return };
        let Some(dir) = path.parent() else { return };
        // This run's files, and the entries of files it did not look at
        // (a pre-commit run on a few files keeps the rest).
        let Ok(kept) = self.files.lock() else { return };
        let mut files: std::collections::BTreeMap<String, EntryRef<'_>> = kept
            .iter()
            .map(|(f, e)| {
                (
                    f.clone(),
                    EntryRef {
                        key: e.key,
                        facts: &e.facts,
                    },
                )
            })
            .collect();
        for (f, key, facts) in entries {
            files.insert(f, EntryRef { key, facts });
        }
        let disk = OnDiskRef {
            version: env!("CARGO_PKG_VERSION"),
            files,
        };
        if std::fs::create_dir_all(dir).is_err() {
            return;
        }
        // Streamed: the JSON of a large workspace is never held in memory.
        let tmp = dir.join(format!("{FILE}.{}.tmp", std::process::id()));
        let written = std::fs::File::create(&tmp).is_ok_and(|f| {
            use std::io::Write;
            let mut w = std::io::BufWriter::new(f);
            serde_json::to_writer(&mut w, &disk).is_ok() && w.flush().is_ok()
        });
        if !written || std::fs::rename(&tmp, path).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

/// Which build of ormlint this is: the running executable's size and
/// modification time, so that a rebuilt binary (same version number, other
/// analysis) never reads facts an older one wrote.
fn build_id() -> u64 {
    static ID: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *ID.get_or_init(|| {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        if let Some(m) = std::env::current_exe().ok().and_then(|p| p.metadata().ok()) {
            m.len().hash(&mut h);
            if let Ok(t) = m.modified() {
                t.hash(&mut h);
            }
        }
        h.finish()
    })
}

/// The key of a file's facts: its text and everything else the visit reads.
pub fn key(text: &str, context: &impl Hash) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    env!("CARGO_PKG_VERSION").hash(&mut h);
    build_id().hash(&mut h);
    text.hash(&mut h);
    context.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrupt_or_foreign_caches_are_ignored_and_rewritten() {
        let dir = std::env::temp_dir().join(format!("ormlint-cache-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("target/ormlint")).unwrap();
        let manifest = dir.join("Cargo.toml");
        std::fs::write(dir.join("target/ormlint").join(FILE), b"{not json").unwrap();
        let c = FactsCache::open(Some(&manifest));
        assert!(c.take("src/lib.rs", 1).is_none());
        c.write(vec![("src/lib.rs".into(), 7, &FileFacts::default())]);
        let c = FactsCache::open(Some(&manifest));
        assert_eq!(c.take("src/lib.rs", 7), Some(FileFacts::default()));
        assert!(c.take("src/lib.rs", 7).is_none(), "taken once");
        let c = FactsCache::open(Some(&manifest));
        assert!(c.take("src/lib.rs", 8).is_none(), "another key is a miss");
        // Entries the run did not look at are kept.
        c.write(vec![("src/main.rs".into(), 9, &FileFacts::default())]);
        let c = FactsCache::open(Some(&manifest));
        assert!(c.take("src/main.rs", 9).is_some());
        assert!(
            c.take("src/lib.rs", 8).is_none(),
            "a looked-at stale entry is dropped"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
