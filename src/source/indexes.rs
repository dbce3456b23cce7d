//! Static evidence for missing-index: the columns a query filters or sorts
//! on (from its SQL literal, or the SQL derived from a Diesel/SeaORM chain),
//! checked against the crate's schema — `--schema`, `[schema] path`, or the
//! crate's migrations wherever its runner finds them (`schema::locate`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::engine::{FileDb, Operation, QuerySite, Unindexed};
use crate::schema::Schema;
use crate::sql::analyze::{analyze, ColumnUse};

/// Schemas by crate folder, loaded once.
pub struct Schemas {
    explicit: Option<Schema>,
    /// By crate folder and the database its queries go to (a crate for
    /// several keeps one migrations folder per backend).
    by_crate: HashMap<(PathBuf, Option<String>), Option<Schema>>,
    pub notes: Vec<crate::schema::SchemaNote>,
    /// Crates with queries to judge and no schema found: the crate's
    /// folder and where it was looked for (for `check -v`).
    pub missing: Vec<(PathBuf, Vec<String>)>,
}

impl Schemas {
    pub fn new(explicit: Option<Schema>) -> Self {
        let notes = explicit
            .as_ref()
            .map(|s| s.notes.clone())
            .unwrap_or_default();
        Schemas {
            explicit,
            by_crate: HashMap::new(),
            notes,
            missing: Vec::new(),
        }
    }

    fn for_file(
        &mut self,
        file: &Path,
        cwd: &Path,
        files: &FileDb,
        database: Option<&str>,
    ) -> Option<&Schema> {
        if self.explicit.is_some() {
            return self.explicit.as_ref();
        }
        let abs = if file.is_absolute() {
            file.to_path_buf()
        } else {
            cwd.join(file)
        };
        let krate = abs
            .ancestors()
            .find(|d| d.join("Cargo.toml").is_file())?
            .to_path_buf();
        let key = (krate.clone(), database.map(str::to_string));
        if !self.by_crate.contains_key(&key) {
            let root = crate::source::workspace_root(&krate.join("Cargo.toml"));
            let root = root.parent().unwrap_or(&krate).to_path_buf();
            // The crate's own files, not those of crates nested in it.
            let sources: Vec<(PathBuf, &str)> = (0..files.len())
                .filter_map(|id| files.get(id))
                .filter_map(|f| {
                    let p = Path::new(&f.name);
                    let abs = if p.is_absolute() {
                        p.to_path_buf()
                    } else {
                        cwd.join(p)
                    };
                    let own = abs.starts_with(&krate)
                        && abs
                            .ancestors()
                            .skip(1)
                            .find(|d| d.join("Cargo.toml").is_file())
                            .is_some_and(|d| d == krate);
                    own.then_some((abs, f.source.as_str()))
                })
                .collect();
            let located = crate::schema::locate::migrations_of(
                &krate,
                &root,
                sources.iter().map(|(p, t)| (p.as_path(), *t)),
                database.as_slice(),
            );
            let mysql = database == Some("mysql")
                || located.dirs.iter().any(|d| {
                    d.strip_prefix(&root).unwrap_or(d).components().any(|c| {
                        crate::schema::locate::backend_named(&c.as_os_str().to_string_lossy())
                            == Some("mysql")
                    })
                });
            let schema = match located.dirs.as_slice() {
                [] => None,
                dirs => match Schema::load_all(dirs, cwd) {
                    Ok(mut s) => {
                        // InnoDB indexes foreign keys by itself.
                        if mysql {
                            s.index_foreign_keys();
                        }
                        self.notes.extend(s.notes.iter().cloned());
                        Some(s)
                    }
                    Err(_) => None,
                },
            };
            if schema.is_none() && !self.missing.iter().any(|(k, _)| *k == krate) {
                self.missing.push((krate.clone(), located.looked));
            }
            self.by_crate.insert(key.clone(), schema);
        }
        self.by_crate.get(&key)?.as_ref()
    }
}

/// Finds, for each site whose SQL is known, a filter or sort on a column
/// that no key or index of the schema covers.
pub fn annotate(sites: &mut [QuerySite], files: &FileDb, schemas: &mut Schemas, cwd: &Path) {
    for site in sites.iter_mut() {
        // A query reached through calls from a loop is judged once, where
        // it is written, not again at each caller.
        if !site.executes
            || !site.via.is_empty()
            || !matches!(
                site.operation,
                Operation::Select | Operation::Update | Operation::Delete
            )
        {
            continue;
        }
        let Some(sql) = site.sql.clone().or_else(|| site.derived_sql.clone()) else {
            continue;
        };
        let path = PathBuf::from(files.name(site.span.file));
        let Some(schema) = schemas.for_file(&path, cwd, files, site.database) else {
            continue;
        };
        let a = analyze(&sql);
        if a.error.is_some() {
            continue;
        }
        let single = a.tables.len() == 1;
        for written in &a.tables {
            // SeaORM entities and Diesel models are often named in the
            // singular (`post::Entity`) for a plural table (`posts`).
            let candidates = [
                written.clone(),
                format!("{written}s"),
                format!("{written}es"),
                written.trim_end_matches('s').to_string(),
            ];
            let Some(table) = candidates.iter().find(|t| schema.tables.contains_key(*t)) else {
                continue;
            };
            let Some(info) = schema.tables.get(table) else {
                continue;
            };
            if info.is_view {
                continue;
            }
            let aliases: Vec<&str> = a
                .aliases
                .iter()
                .filter(|(_, t)| t == written || t == table)
                .map(|(al, _)| al.as_str())
                .collect();
            let mine = |q: &Option<String>| match q {
                Some(q) => q == table || q == written || aliases.contains(&q.as_str()),
                None => single,
            };
            let used: Vec<(&str, ColumnUse)> = a
                .columns
                .iter()
                .filter(|c| mine(&c.qualifier) && info.columns.contains(&c.column))
                .map(|c| (c.column.as_str(), c.usage))
                .collect();
            // Covered when a key or index leads with any filter column: the
            // database searches by it. Sort-only queries need their sort column.
            // A join column is searched when the table is reached through
            // the join: it is not the one the query reads from (`FROM t`),
            // or another table is narrowed first (`WHERE other.c = ?`).
            // The table read from, with nothing narrowed elsewhere, is read
            // by its own filters or in full.
            let narrowed_elsewhere = a.columns.iter().any(|c| {
                matches!(c.usage, ColumnUse::Equality | ColumnUse::Range)
                    && c.qualifier
                        .as_ref()
                        .is_some_and(|q| !mine(&Some(q.clone())))
            });
            let narrows = a.driving.as_ref() != Some(written) || narrowed_elsewhere;
            let filters: Vec<&str> = used
                .iter()
                .filter(|(_, u)| {
                    matches!(u, ColumnUse::Equality | ColumnUse::Range)
                        || (*u == ColumnUse::Join && narrows)
                })
                .map(|(c, _)| *c)
                .collect();
            // A null test (`deleted_at IS NULL`) is no filter here: how
            // many rows it keeps depends on the data (a soft delete's live
            // rows are most of the table), and the usual answer is a
            // partial index, which the rule does not guess.
            // A lone flag (`verified = ?`) picks half the table: no index
            // led by it helps (a partial index on the rare value might).
            // A flag by its declared type, or by the query comparing it to
            // TRUE/FALSE (SQLite keeps booleans in INTEGER columns), or to a
            // truth value or enum variant of the code (an enum kept in an
            // integer or text column is one too).
            let flag = |c: &str| {
                info.is_flag(c)
                    || compared_to_boolean(&sql, c)
                    || site.constant_columns.iter().any(|k| k == c)
            };
            if !filters.is_empty() && filters.iter().all(|c| flag(c)) {
                continue;
            }
            let orders: Vec<&str> = used
                .iter()
                .filter(|(_, u)| *u == ColumnUse::Order)
                .map(|(c, _)| *c)
                .collect();
            // A sort with no filter and no LIMIT returns every row: reading
            // them through an index is slower than a scan and a sort.
            let covered = if filters.is_empty() {
                orders.first().is_none_or(|c| info.covers(c)) || !(has_limit(&sql) || site.paging)
            } else {
                filters.iter().any(|c| info.covers(c))
            } || info
                .partial_serves(&sql, &[filters.as_slice(), orders.as_slice()].concat())
                || filters.iter().any(|c| info.expression_serves(&sql, c))
                || info.not_null_partial_serves(&sql, &filters)
                || info.partial_may_serve(&sql, &filters);
            if covered {
                continue;
            }
            let mut columns: Vec<String> = Vec::new();
            let mut uses = Vec::new();
            for (c, u) in &used {
                if columns.len() >= 3
                    || columns.iter().any(|x| x == c)
                    || flag(c)
                    || *u == ColumnUse::Null
                    || (*u == ColumnUse::Join && !narrows)
                {
                    continue;
                }
                let first_range = *u == ColumnUse::Range
                    && !columns.is_empty()
                    && uses.iter().any(|x: &String| x.starts_with("a range"));
                if first_range {
                    continue;
                }
                columns.push(c.to_string());
                uses.push(match u {
                    ColumnUse::Equality => format!("`{c} = ?`"),
                    ColumnUse::Join => format!("the join on `{c}`"),
                    ColumnUse::Range => format!("a range on `{c}`"),
                    ColumnUse::Order => format!("`ORDER BY {c}`"),
                    ColumnUse::Null => format!("`{c} IS NULL`"),
                });
            }
            if columns.is_empty() {
                continue;
            }
            site.unindexed = Some(Unindexed {
                table: table.clone(),
                rows: schema.rows_of(table),
                columns,
                uses,
                gap: schema
                    .gaps
                    .get(table)
                    .or(schema.unknown_gap.as_ref())
                    .cloned(),
            });
            break;
        }
    }
}

/// Does the statement stop after some rows (`LIMIT`, `FETCH FIRST`, `TOP`)?
fn has_limit(sql: &str) -> bool {
    let text = crate::schema::normalize_predicate(sql);
    let text = format!(" {text} ");
    [" limit ", " fetch first ", " fetch next ", " top "]
        .iter()
        .any(|w| text.contains(w))
}

/// Does the SQL compare `column` to a boolean literal (`sent_out = FALSE`,
/// `t.done IS NOT TRUE`)?
fn compared_to_boolean(sql: &str, column: &str) -> bool {
    let lower = sql.to_ascii_lowercase();
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    crate::schema::operands_of(
        &lower,
        &column.to_ascii_lowercase(),
        &["=", "!=", "<>", "is not ", "is "],
    )
    .into_iter()
    .any(|rest| {
        ["true", "false"]
            .iter()
            .any(|b| rest.starts_with(b) && !rest[b.len()..].starts_with(word))
    })
}

#[cfg(test)]
mod tests {
    use super::{compared_to_boolean, has_limit};

    #[test]
    fn limits_are_seen() {
        assert!(has_limit("SELECT * FROM t ORDER BY a DESC LIMIT 1"));
        assert!(has_limit(
            "SELECT * FROM t ORDER BY a FETCH FIRST 5 ROWS ONLY"
        ));
        assert!(!has_limit("SELECT * FROM t ORDER BY a"));
        assert!(!has_limit("SELECT limited FROM t ORDER BY a"));
    }

    #[test]
    fn boolean_comparisons_mark_a_flag() {
        assert!(compared_to_boolean(
            "SELECT data FROM kr WHERE sent_out = FALSE",
            "sent_out"
        ));
        assert!(compared_to_boolean(
            "SELECT 1 FROM t WHERE t.done IS NOT TRUE LIMIT 1",
            "done"
        ));
        assert!(compared_to_boolean(
            "SELECT 1 FROM t WHERE \"done\" = true",
            "done"
        ));
        assert!(!compared_to_boolean(
            "SELECT 1 FROM t WHERE done = ?",
            "done"
        ));
        assert!(!compared_to_boolean(
            "SELECT 1 FROM t WHERE undone = FALSE",
            "done"
        ));
        assert!(!compared_to_boolean(
            "SELECT 1 FROM t WHERE done = true_value",
            "done"
        ));
    }
}
