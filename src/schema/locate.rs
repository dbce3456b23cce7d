//! Where a crate's migrations are, and the order its runner applies them.
//!
//! Looked for the way the runners look (their sources read for issue 12):
//!
//! 1. `diesel.toml` in the crate's folder or a parent up to the workspace
//!    root: `[migrations_directory] dir`, relative to the `diesel.toml`;
//! 2. a path the crate's code names: sqlx `migrate!("./db/migrations")`
//!    and refinery `embed_migrations!("sql")` (relative to the crate's
//!    manifest folder; `migrate!()` alone means `./migrations`), Diesel
//!    `embed_migrations!("path")`;
//! 3. a SeaORM migrator among the crate's files (`impl MigratorTrait for
//!    Migrator`): its Rust migrations, read by [`super::seaorm`];
//! 4. `migrations/` beside the crate's `Cargo.toml`, then in each parent up
//!    to the workspace root (Diesel's upward search; a workspace whose
//!    crates live in `crates/*` keeps one `migrations/` at its root);
//! 5. else the migrations of the workspace crates it depends on (an app
//!    crate using its `migration` or `db_schema` crate's schema), found
//!    the same way, one level deep.
//!
//! A folder that holds no migrations itself but per-backend folders
//! (`migrations/{postgres,mysql,sqlite}`) gives the one for the crate's
//! database.
//!
//! Order: Diesel names a migration by the part of its folder name before
//! the first `_`, dashes removed (`2019-02-26-002946_x` is `20190226002946`),
//! and sorts those as strings; sqlx parses the part before the first `_` of
//! a file name as an integer; refinery parses `V<n>__name.sql` and walks
//! subfolders. Down migrations are not applied.

use std::path::{Path, PathBuf};

/// Where a crate's schema comes from, and where it was looked for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Located {
    /// The migrations folders found, applied in this order: usually one;
    /// a crate with two migrators (`migrate!("./migrations")` for one
    /// database file, `migrate!("./record-migrations")` for another) has
    /// both, their tables side by side.
    pub dirs: Vec<PathBuf>,
    /// What was tried, for `-v`: "diesel.toml", "migrate!(…)", folders.
    pub looked: Vec<String>,
}

/// Finds the migrations of the crate whose manifest folder is `krate`.
/// `root` is the workspace root (or the crate itself), `sources` the text
/// of the crate's Rust files, `databases` what its manifest names
/// (`postgres`, `mysql`, `sqlite`), preferred first.
pub fn migrations_of<'a>(
    krate: &Path,
    root: &Path,
    sources: impl IntoIterator<Item = (&'a Path, &'a str)>,
    databases: &[&str],
) -> Located {
    let sources: Vec<(&Path, &str)> = sources.into_iter().collect();
    let mut out = own_migrations(krate, root, &sources, databases);
    if !out.dirs.is_empty() {
        return out;
    }
    // 5. The workspace crates this one depends on.
    for member in workspace_dependencies(krate, root) {
        let files = rust_files(&member.join("src"));
        let texts: Vec<(PathBuf, String)> = files
            .into_iter()
            .filter_map(|p| Some((p.clone(), std::fs::read_to_string(&p).ok()?)))
            .collect();
        let theirs = own_migrations(
            &member,
            root,
            &texts
                .iter()
                .map(|(p, t)| (p.as_path(), t.as_str()))
                .collect::<Vec<_>>(),
            databases,
        );
        out.looked.extend(theirs.looked);
        if !theirs.dirs.is_empty() {
            out.dirs = theirs.dirs;
            return out;
        }
    }
    out
}

/// Steps 1 to 4: the migrations the crate itself names or holds.
fn own_migrations(
    krate: &Path,
    root: &Path,
    sources: &[(&Path, &str)],
    databases: &[&str],
) -> Located {
    let mut out = Located::default();
    let within = |d: &Path| d.starts_with(root) || d == krate;
    // 1. diesel.toml.
    for d in krate.ancestors().take_while(|d| within(d)) {
        let toml = d.join("diesel.toml");
        if let Ok(text) = std::fs::read_to_string(&toml) {
            out.looked.push(toml.display().to_string());
            let dir = text
                .parse::<toml::Table>()
                .ok()
                .and_then(|t| {
                    t.get("migrations_directory")?
                        .get("dir")?
                        .as_str()
                        .map(str::to_string)
                })
                .map(|p| d.join(p));
            if let Some(dir) = dir.and_then(|p| pick_backend(&p, databases)) {
                out.dirs.push(dir);
                return out;
            }
            break;
        }
    }
    // 2. A path the code names; of several (`migrate!("migrations/mysql")`
    // and `migrate!("migrations/sqlite")`), the one for the crate's database.
    let mut named: Vec<String> = Vec::new();
    for p in sources.iter().flat_map(|(_, text)| named_paths(text)) {
        if !named.contains(&p) {
            named.push(p);
        }
    }
    let backend = |p: &String| p.split(['/', '\\']).find_map(backend_named);
    let for_db = |p: &String| backend(p).is_some_and(|b| databases.first() == Some(&b));
    // Of per-backend paths, only this database's (else the first).
    let any_for_db = named.iter().any(for_db);
    let mut first_backend = true;
    named.retain(|p| {
        if backend(p).is_none() {
            return true;
        }
        let keep = if any_for_db { for_db(p) } else { first_backend };
        first_backend = false;
        keep
    });
    for named in named {
        let dir = krate.join(named.trim_start_matches("./"));
        // Only folders of the workspace (not `../../elsewhere`).
        if named.contains("..") || !within(&dir) {
            continue;
        }
        out.looked.push(dir.display().to_string());
        if let Some(dir) = pick_backend(&dir, databases) {
            if !out.dirs.contains(&dir) {
                out.dirs.push(dir);
            }
        }
    }
    if !out.dirs.is_empty() {
        return out;
    }
    // 3. A SeaORM migrator.
    let mut migrators: Vec<&Path> = sources
        .iter()
        .filter(|(p, text)| {
            super::seaorm::is_migrator(text)
                && p.extension().is_some_and(|e| e == "rs")
                && super::seaorm::migration_list(p).is_ok_and(|l| !l.is_empty())
        })
        .map(|(p, _)| *p)
        .collect();
    migrators.sort();
    if let Some(m) = migrators.first() {
        out.looked.push(m.display().to_string());
        out.dirs.push(m.to_path_buf());
        return out;
    }
    // 4. `migrations/` here, then up to the workspace root.
    for d in krate.ancestors().take_while(|d| within(d)) {
        let dir = d.join("migrations");
        out.looked.push(dir.display().to_string());
        if let Some(dir) = pick_backend(&dir, databases) {
            out.dirs.push(dir);
            return out;
        }
    }
    out
}

/// The folders of the workspace crates `krate`'s manifest depends on
/// (`[dependencies]`, by package name), in the manifest's order.
fn workspace_dependencies(krate: &Path, root: &Path) -> Vec<PathBuf> {
    let Some(manifest) = std::fs::read_to_string(krate.join("Cargo.toml"))
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
    else {
        return Vec::new();
    };
    // A crate of its own, in no workspace: nothing beside it to look at.
    // (A workspace's root package, with its `migration` member, has one.)
    if root == krate && !manifest.contains_key("workspace") {
        return Vec::new();
    }
    let norm = |s: &str| s.replace('-', "_");
    let deps: Vec<String> = manifest
        .get("dependencies")
        .and_then(|d| d.as_table())
        .map(|d| {
            d.iter()
                .map(|(k, v)| {
                    // `alias = { package = "real-name", … }`
                    norm(v.get("package").and_then(|p| p.as_str()).unwrap_or(k))
                })
                .collect()
        })
        .unwrap_or_default();
    if deps.is_empty() {
        return Vec::new();
    }
    // The workspace's crates: manifests a few levels under its root.
    let mut members: Vec<(String, PathBuf)> = Vec::new();
    let mut stack = vec![(root.to_path_buf(), 0)];
    while let Some((d, depth)) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        // In name order, so that the same tree gives the same answer.
        let mut entries: Vec<std::fs::DirEntry> = rd.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if !p.is_dir() || name.starts_with('.') || name == "target" || name == "node_modules" {
                continue;
            }
            if let Some(pkg) = std::fs::read_to_string(p.join("Cargo.toml"))
                .ok()
                .and_then(|t| t.parse::<toml::Table>().ok())
                .and_then(|t| Some(t.get("package")?.get("name")?.as_str()?.to_string()))
            {
                if p != krate {
                    members.push((norm(&pkg), p.clone()));
                }
            }
            if depth < 3 {
                stack.push((p, depth + 1));
            }
        }
    }
    members.sort();
    deps.iter()
        .filter_map(|d| members.iter().find(|(n, _)| n == d).map(|(_, p)| p.clone()))
        .collect()
}

/// The `.rs` files under a folder (a few levels; for a dependency crate's
/// `migrate!` paths and SeaORM migrator).
pub(super) fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), 0)];
    while let Some((d, depth)) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() && depth < 4 {
                stack.push((p, depth + 1));
            } else if p.extension().is_some_and(|e| e == "rs") && out.len() < 20_000 {
                out.push(p);
            }
        }
    }
    out.sort();
    out.truncate(2_000);
    out
}

/// The folders `migrate!("…")` and `embed_migrations!("…")` name in a
/// file's text (`migrate!()` alone is `./migrations`).
fn named_paths(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for mac in ["migrate!(", "embed_migrations!("] {
        let mut rest = text;
        while let Some(i) = rest.find(mac) {
            rest = &rest[i + mac.len()..];
            // The first string among the arguments: `migrate!("./m")`, or a
            // house macro's `db::migrate!(pool, "./m")`.
            let args = &rest[..rest.find(')').unwrap_or(rest.len())];
            if let Some(lit) = args.split_once('"').map(|(_, l)| l) {
                if let Some(end) = lit.find('"') {
                    out.push(lit[..end].to_string());
                }
            } else if args.trim().is_empty() && mac == "migrate!(" {
                out.push("./migrations".to_string());
            }
        }
    }
    out
}

/// The folder itself when it holds migrations, else its per-backend
/// subfolder for the crate's database (`postgres`, `postgresql`, `pg`,
/// `mysql`, `sqlite`), else the first backend folder there is.
fn pick_backend(dir: &Path, databases: &[&str]) -> Option<PathBuf> {
    if !dir.is_dir() {
        return None;
    }
    let mut wanted: Vec<&str> = databases.to_vec();
    for db in ["postgres", "mysql", "sqlite"] {
        if !wanted.contains(&db) {
            wanted.push(db);
        }
    }
    // Per-backend folders first: their files must not be merged.
    for db in wanted {
        for name in backend_names(db) {
            let sub = dir.join(name);
            if sub.is_dir() && !ordered_files(&sub).is_empty() {
                return Some(sub);
            }
        }
    }
    (!ordered_files(dir).is_empty()).then(|| dir.to_path_buf())
}

/// The names a database's folders and files go by.
const BACKENDS: [(&str, &[&str]); 3] = [
    ("postgres", &["postgres", "postgresql", "pg"]),
    ("mysql", &["mysql", "mariadb"]),
    ("sqlite", &["sqlite", "sqlite3"]),
];

fn backend_names(db: &str) -> &'static [&'static str] {
    BACKENDS
        .iter()
        .find(|(d, _)| *d == db)
        .map_or(&[], |(_, names)| names)
}

/// The database a folder or file name stands for (`sqlite3`, `pg.rs`).
pub fn backend_named(name: &str) -> Option<&'static str> {
    let name = name.to_ascii_lowercase();
    let stem = name.trim_end_matches(".rs");
    BACKENDS
        .iter()
        .find(|(_, names)| names.contains(&stem))
        .map(|(db, _)| *db)
}

/// How a runner orders one migration: Diesel's version string, or a
/// number (sqlx, refinery), or the name when it is neither.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Number(i64),
    Text(String),
}

/// The SQL files of a migrations folder that an upgrade applies, in the
/// order its runner applies them.
pub fn ordered_files(dir: &Path) -> Vec<PathBuf> {
    let mut keyed: Vec<(Key, PathBuf)> = Vec::new();
    collect(dir, 0, &mut keyed);
    keyed.sort();
    keyed.into_iter().map(|(_, p)| p).collect()
}

fn collect(dir: &Path, depth: usize, out: &mut Vec<(Key, PathBuf)>) {
    collect_all(dir, depth, out);
    // Beside real migrations, a loose `reset.sql` or `seed.sql` is no
    // migration: its runner would refuse or ignore it.
    if out
        .iter()
        .any(|(k, p)| matches!(k, Key::Number(_)) || p.ends_with("up.sql"))
    {
        out.retain(|(k, p)| {
            matches!(k, Key::Number(_))
                || p.ends_with("up.sql")
                || matches!(k, Key::Text(t) if t.starts_with('~'))
        });
    }
}

fn collect_all(dir: &Path, depth: usize, out: &mut Vec<(Key, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        if p.is_dir() {
            // Diesel: `<version>_<name>/up.sql`.
            let up = p.join("up.sql");
            if up.is_file() {
                let version = name.split('_').next().unwrap_or(&name).replace('-', "");
                out.push((Key::Text(version), up));
            } else if depth < 2 && refinery_version(&name).is_none() {
                // refinery walks subfolders (`migrations/2024/V3__x.sql`).
                let mut inner = Vec::new();
                collect_all(&p, depth + 1, &mut inner);
                out.extend(
                    inner
                        .into_iter()
                        .filter(|(k, _)| matches!(k, Key::Number(_))),
                );
            }
            continue;
        }
        let lower = name.to_ascii_lowercase();
        if !lower.ends_with(".sql") || lower.ends_with(".down.sql") || lower == "down.sql" {
            continue;
        }
        if lower.starts_with('u') && refinery_version(&name).is_some() {
            // refinery's unversioned migrations run after the versioned ones.
            out.push((Key::Text(format!("~{name}")), p));
            continue;
        }
        let key = refinery_version(&name)
            .or_else(|| name.split('_').next().and_then(|v| v.parse::<i64>().ok()))
            .map(Key::Number)
            .unwrap_or(Key::Text(name));
        out.push((key, p));
    }
}

/// `V12__add_users.sql` (or `U12__…`): refinery's version.
fn refinery_version(name: &str) -> Option<i64> {
    let rest = name.strip_prefix(['V', 'v', 'U', 'u'])?;
    let (digits, tail) = rest.split_once("__")?;
    if tail.is_empty() {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder of migration files, removed when the test ends.
    struct Tree(PathBuf);

    impl std::ops::Deref for Tree {
        type Target = PathBuf;
        fn deref(&self) -> &PathBuf {
            &self.0
        }
    }

    impl Drop for Tree {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn tree(name: &str, files: &[&str]) -> Tree {
        let dir =
            std::env::temp_dir().join(format!("ormlint-locate-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for f in files {
            let p = dir.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, "SELECT 1;").unwrap();
        }
        Tree(dir)
    }

    fn names(dir: &Path, files: Vec<PathBuf>) -> Vec<String> {
        files
            .iter()
            .map(|p| p.strip_prefix(dir).unwrap().display().to_string())
            .collect()
    }

    #[test]
    fn diesel_orders_both_version_styles_by_their_digits() {
        let dir = tree(
            "diesel",
            &[
                "2019-02-26-002946_third/up.sql",
                "2019-02-26-002946_third/down.sql",
                "20140929103749_first/up.sql",
                "2015-01-01-000000_second/up.sql",
                "00000000000000_diesel_initial_setup/up.sql",
            ],
        );
        assert_eq!(
            names(&dir, ordered_files(&dir)),
            [
                "00000000000000_diesel_initial_setup/up.sql",
                "20140929103749_first/up.sql",
                "2015-01-01-000000_second/up.sql",
                "2019-02-26-002946_third/up.sql",
            ]
        );
    }

    #[test]
    fn sqlx_and_refinery_order_by_number() {
        let dir = tree(
            "numbers",
            &[
                "10_later.sql",
                "9_earlier.up.sql",
                "9_earlier.down.sql",
                "V2__b.sql",
                "V11__c.sql",
            ],
        );
        assert_eq!(
            names(&dir, ordered_files(&dir)),
            [
                "V2__b.sql",
                "9_earlier.up.sql",
                "10_later.sql",
                "V11__c.sql"
            ]
        );
    }

    #[test]
    fn loose_scripts_and_backend_folders_are_not_merged() {
        let dir = tree("mixed", &["1_init.sql", "2_more.sql", "reset.sql"]);
        assert_eq!(
            names(&dir, ordered_files(&dir)),
            ["1_init.sql", "2_more.sql"]
        );
        let dir = tree(
            "backends",
            &["postgres/1_init.sql", "sqlite/1_init.sql", "sqlite/2_x.sql"],
        );
        assert_eq!(pick_backend(&dir, &["sqlite"]), Some(dir.join("sqlite")));
        assert_eq!(pick_backend(&dir, &[]), Some(dir.join("postgres")));
    }

    #[test]
    fn named_paths_in_code() {
        assert_eq!(
            named_paths("static M: Migrator = sqlx::migrate!(\"./db/migrations\");"),
            ["./db/migrations"]
        );
        assert_eq!(named_paths("sqlx::migrate!().run(&pool)"), ["./migrations"]);
        assert_eq!(named_paths("embed_migrations!(\"sql\");"), ["sql"]);
        assert_eq!(
            named_paths("db::migrate!(pool, \"./record-migrations\").await?;"),
            ["./record-migrations"]
        );
    }
}
