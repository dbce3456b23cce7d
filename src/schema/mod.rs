//! The schema replica: DDL from a `schema.sql`, a `pg_dump --schema-only`, a
//! MySQL dump or a migrations folder, parsed with `sqlparser` and translated
//! through its AST into SQLite DDL, loaded into an in-memory SQLite. Query
//! shapes are planned there with `EXPLAIN QUERY PLAN`, and a proposed index
//! is proved by creating it and planning again.

pub mod locate;
pub mod rewrite;
pub mod seaorm;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rusqlite::Connection;
use sqlparser::ast::{
    AlterTableOperation, ColumnOption, CreateIndex, CreateTable, ObjectType, RenameTableNameKind,
    Statement, TableConstraint,
};
use sqlparser::dialect::{Dialect, GenericDialect, MySqlDialect, PostgreSqlDialect};
use sqlparser::parser::Parser;

use crate::sql::fingerprint::{lex, TokenKind};

/// Something in the DDL that was skipped, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaNote {
    pub path: String,
    pub line: usize,
    pub message: String,
}

/// What the replica knows of one table, for static checks and proposals.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TableInfo {
    pub columns: Vec<String>,
    /// Column lists of the primary key, unique constraints and indexes, in
    /// index order: a column is covered when it leads one of them.
    pub keys: Vec<Vec<String>>,
    pub is_view: bool,
    /// Each column's declared type, lower-case (`boolean`, `tinyint(1)`).
    pub types: BTreeMap<String, String>,
    /// Column lists of its foreign keys (InnoDB indexes each one).
    pub foreign_keys: Vec<Vec<String>>,
    /// Partial indexes: columns and predicate (normalized text); one serves
    /// only a query whose filter implies its predicate.
    pub partial: Vec<(Vec<String>, String)>,
}

impl TableInfo {
    /// Is `column` the leading column of some key or index?
    pub fn covers(&self, column: &str) -> bool {
        self.keys
            .iter()
            .any(|k| k.first().is_some_and(|c| c == column))
    }

    /// A partial index whose predicate the query's text states (`WHERE
    /// deleted_at IS NULL` for `… WHERE deleted_at IS NULL`), led by one of
    /// `columns` or predicating on one of them.
    pub fn partial_serves(&self, sql: &str, columns: &[&str]) -> bool {
        // Whole words only: `deleted_at is null` is not in
        // `other_deleted_at is null`.
        let text = format!(" {} ", normalize_predicate(sql));
        self.partial.iter().any(|(cols, pred)| {
            text.contains(&format!(" {pred} "))
                && columns.iter().any(|c| {
                    cols.first().is_some_and(|f| f == c) || pred.split(' ').any(|w| w == *c)
                })
        })
    }

    /// A partial index led by a filter column whose predicate's columns the
    /// query compares to bound values (`… WHERE drone_id = $1 AND
    /// last_status NOT IN ($2, $3)` for `ON backend (drone_id) WHERE
    /// last_status != 'terminated'`): the values decide whether the query
    /// states the predicate, and an index written beside such a query is
    /// written for it. Not proved, so not reported.
    pub fn partial_may_serve(&self, sql: &str, filters: &[&str]) -> bool {
        let text = format!(" {} ", normalize_predicate(sql));
        // The WHERE clause only (not an UPDATE's `SET c = $1`), and only
        // when it is all ANDs: an OR may take rows the index lacks.
        let Some(at) = text.find(" where ") else {
            return false;
        };
        let text = &text[at..];
        if or_beside_where(sql) {
            return false;
        }
        self.partial.iter().any(|(cols, pred)| {
            // `WHERE deleted_at IS NULL`: a bound comparison never states it.
            if pred.contains(" is null") || pred.contains(" is not null") {
                return false;
            }
            let led = cols.first().is_some_and(|c| filters.contains(&c.as_str()));
            let mut pred_cols = pred
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .filter(|w| self.columns.iter().any(|c| c == w))
                .peekable();
            led && pred_cols.peek().is_some() && pred_cols.all(|c| compared_to_bound(text, c))
        })
    }

    /// A partial index `ON t (c) WHERE c IS NOT NULL` serves a filter that
    /// compares `c` (`c = ?` is never true of NULL), not `c IS NULL`.
    pub fn not_null_partial_serves(&self, sql: &str, filters: &[&str]) -> bool {
        let text = format!(" {} ", normalize_predicate(sql));
        self.partial.iter().any(|(cols, pred)| {
            filters.iter().any(|f| {
                cols.first().is_some_and(|c| c == f)
                    && *pred == format!("{f} is not null")
                    && !text.contains(&format!(" {f} is null "))
                    && !text.contains(&format!(".{f} is null "))
            })
        })
    }

    /// An expression index (`lower(email)`) whose expression the query
    /// states on `column`: it serves that expression and nothing else.
    pub fn expression_serves(&self, sql: &str, column: &str) -> bool {
        // Lower-case, no quotes, no spaces: `LOWER( "email" )` is `lower(email)`.
        let squash = |t: &str| -> String {
            t.to_lowercase()
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '"' && *c != '`')
                .collect()
        };
        let text = squash(sql);
        self.keys.iter().any(|k| {
            k.first().is_some_and(|e| {
                let e = squash(e);
                e.contains('(')
                    && e.split(|c: char| !c.is_alphanumeric() && c != '_')
                        .any(|w| w == column)
                    && text.contains(&e)
            })
        })
    }

    /// Is the column declared as a truth value (`boolean`, `bool`,
    /// MySQL's `tinyint(1)`, `bit(1)`)? An index led by one rarely helps.
    pub fn is_flag(&self, column: &str) -> bool {
        self.types.get(column).is_some_and(|t| {
            let t = t.replace(' ', "").to_ascii_lowercase();
            // SQLite has no boolean type: `is_admin INTEGER NOT NULL
            // DEFAULT 0` is one by its name.
            let named = ["is_", "has_", "can_"]
                .iter()
                .any(|p| column.starts_with(p));
            matches!(
                t.as_str(),
                "bool" | "boolean" | "tinyint(1)" | "bit" | "bit(1)"
            ) || (named && matches!(t.as_str(), "integer" | "int" | "smallint" | "tinyint"))
        })
    }
}

pub struct Schema {
    conn: Connection,
    pub tables: BTreeMap<String, TableInfo>,
    pub notes: Vec<SchemaNote>,
    /// Row counts the planner was told (lower-case table names).
    pub rows: BTreeMap<String, u64>,
    pub default_rows: u64,
    /// Named indexes: name → (table, columns), so a later migration's
    /// `DROP INDEX` takes its columns' cover away.
    indexes: BTreeMap<String, (String, Vec<String>, bool)>,
    /// Tables whose history was not all applied: the first statement on
    /// each that could not be read (`path:line`), for findings to say so.
    pub gaps: BTreeMap<String, String>,
    /// The first unread statement whose table is not known.
    pub unknown_gap: Option<String>,
    /// Tables created in the SQLite replica, and how many it may hold.
    replica_tables: usize,
    max_replica_tables: usize,
    /// Tables past [`MAX_REPLICA_TABLES`]: known to the static checks, not
    /// created in the replica (their shapes are not replayed).
    beyond: BTreeSet<String>,
}

/// Tables the SQLite replica holds. SQLite re-reads its catalog on each
/// schema change, so creating the n-th table costs O(n): 4,000 tables load
/// in ~2.5 s, 8,000 in ~11 s, 100,000 would take hours. Real schemas stay
/// far below; past it, tables are known but not planned, and a note says so.
pub const MAX_REPLICA_TABLES: usize = 4_000;

fn dialects() -> [Box<dyn Dialect>; 3] {
    [
        Box::new(PostgreSqlDialect {}),
        Box::new(MySqlDialect {}),
        Box::new(GenericDialect {}),
    ]
}

/// Splits SQL text into statements on top-level `;`, honouring strings,
/// dollar quotes and comments (our lexer), with each one's 1-based line.
pub fn split_statements(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    // Lines counted so far: up to byte `.0`, `.1` newlines (counted once,
    // not again from the top for each statement).
    let mut counted = (0, 0);
    for t in lex(text) {
        if t.kind == TokenKind::Punct && t.text(text) == ";" {
            push_statement(text, start, t.start, &mut counted, &mut out);
            start = t.end;
        }
    }
    push_statement(text, start, text.len(), &mut counted, &mut out);
    out
}

fn push_statement<'t>(
    text: &'t str,
    start: usize,
    end: usize,
    counted: &mut (usize, usize),
    out: &mut Vec<(usize, &'t str)>,
) {
    let s = &text[start..end];
    // Skip leading whitespace and comments to find the statement's line.
    let mut first = None;
    for t in lex(s) {
        if !matches!(t.kind, TokenKind::Whitespace | TokenKind::Comment) {
            first = Some(t.start);
            break;
        }
    }
    if let Some(f) = first {
        let at = start + f;
        counted.1 += memchr::memchr_iter(b'\n', &text.as_bytes()[counted.0..at]).count();
        counted.0 = at;
        out.push((counted.1 + 1, s[f..].trim_end()));
    }
}

fn ident(s: &str) -> String {
    s.trim_matches(|c| c == '"' || c == '`' || c == '[' || c == ']')
        .to_lowercase()
}

fn name_of(n: &sqlparser::ast::ObjectName) -> String {
    n.0.last()
        .map(|p| match p.as_ident() {
            Some(i) => i.value.to_lowercase(),
            None => ident(&p.to_string()),
        })
        .unwrap_or_default()
}

/// The table a DDL statement changes, read from its words alone (for a
/// statement the parser rejected): `ALTER TABLE [IF EXISTS] [ONLY] t`,
/// `CREATE [TEMP] TABLE [IF NOT EXISTS] t`, `CREATE … INDEX … ON [ONLY] t`.
fn table_named_in(stmt: &str) -> Option<String> {
    let words: Vec<String> = stmt
        .split(|c: char| c.is_whitespace() || c == '(')
        .filter(|w| !w.is_empty())
        .take(16)
        .map(str::to_ascii_lowercase)
        .collect();
    let skip = ["if", "not", "exists", "only"];
    let after = |i: usize| {
        words[i + 1..]
            .iter()
            .find(|w| !skip.contains(&w.as_str()))
            .map(|w| {
                let last = w.rsplit('.').next().unwrap_or(w);
                last.trim_matches(|c| matches!(c, '"' | '`' | '[' | ']' | ';'))
                    .to_string()
            })
            .filter(|w| !w.is_empty())
    };
    let first = words.first()?.as_str();
    let index = words.iter().position(|w| w == "index");
    match first {
        "alter" if words.get(1).map(String::as_str) == Some("table") => after(1),
        "create" if index.is_some() => after(words.iter().position(|w| w == "on")?),
        "create" => after(words.iter().position(|w| w == "table")?),
        _ => None,
    }
}

pub(crate) fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// SQLite's type affinity for a declared type.
fn affinity(ty: &str) -> &'static str {
    let t = ty.to_ascii_lowercase();
    if t.contains("int") || t.contains("serial") || t.contains("bool") {
        "INTEGER"
    } else if ["numeric", "decimal", "real", "double", "float", "money"]
        .iter()
        .any(|k| t.contains(k))
    {
        "REAL"
    } else if ["bytea", "blob", "binary"].iter().any(|k| t.contains(k)) {
        "BLOB"
    } else {
        "TEXT"
    }
}

/// Statements that carry nothing a plan needs, skipped without a note.
fn irrelevant(head: &str) -> bool {
    let h = head.to_ascii_lowercase();
    let h = h.split_whitespace().collect::<Vec<_>>().join(" ");
    [
        "set ",
        "select ",
        "comment ",
        "grant ",
        "revoke ",
        "create sequence",
        "alter sequence",
        "create extension",
        "create function",
        "create or replace function",
        "create trigger",
        "create type",
        "create schema",
        "create domain",
        "create procedure",
        "alter function",
        "create aggregate",
        "create cast",
        "create policy",
        "alter default privileges",
        "begin",
        "commit",
        "lock ",
        "use ",
        "insert ",
        "copy ",
        "create publication",
        "alter publication",
        "create statistics",
        "create collation",
        "\\",
    ]
    .iter()
    .any(|p| h.starts_with(p))
        || (h.starts_with("alter table")
            && (h.contains(" owner to ")
                || h.contains("set default")
                || h.contains("replica identity")))
}

impl Schema {
    pub fn new() -> rusqlite::Result<Schema> {
        Ok(Schema {
            conn: Connection::open_in_memory()?,
            tables: BTreeMap::new(),
            notes: Vec::new(),
            rows: BTreeMap::new(),
            default_rows: DEFAULT_ROWS,
            indexes: BTreeMap::new(),
            gaps: BTreeMap::new(),
            unknown_gap: None,
            replica_tables: 0,
            max_replica_tables: MAX_REPLICA_TABLES,
            beyond: BTreeSet::new(),
        })
    }

    /// Loads a schema file, or every migration of a folder in order
    /// (`migrations/<version>/up.sql` for Diesel, `migrations/*.sql` for
    /// sqlx; `down.sql` and `*.down.sql` are ignored).
    pub fn load(path: &Path, cwd: &Path) -> Result<Schema, String> {
        if path.is_dir() && locate::ordered_files(path).is_empty() {
            return Err(format!("{}: no .sql files found", path.display()));
        }
        Self::load_all(&[path.to_path_buf()], cwd)
    }

    /// Loads several migrations folders (or files) one after the other.
    pub fn load_all(paths: &[std::path::PathBuf], cwd: &Path) -> Result<Schema, String> {
        let mut schema = Schema::new().map_err(|e| format!("cannot open SQLite: {e}"))?;
        for path in paths {
            let files = if path.is_dir() {
                locate::ordered_files(path)
            } else {
                vec![path.to_path_buf()]
            };
            if path.extension().is_some_and(|e| e == "rs") {
                // A SeaORM migrator: its builders, translated.
                for d in seaorm::statements(path)? {
                    let at = crate::source::walk::display_path(&d.path, cwd);
                    match d.sql {
                        Ok(sql) => schema.apply_sql_at(&sql, &at, d.line),
                        Err(why) => {
                            schema.note(&at, d.line, why);
                            match d.table {
                                Some(t) => schema.gap(t, &at, d.line),
                                None => schema.gaps_unknown(&at, d.line),
                            }
                        }
                    }
                }
                continue;
            }
            for f in files {
                let text = std::fs::read(&f)
                    .map_err(|e| format!("{}: cannot read schema: {e}", f.display()))?;
                let text = String::from_utf8_lossy(&text);
                schema.apply_sql(&text, &crate::source::walk::display_path(&f, cwd));
            }
        }
        if let Some(first) = schema.beyond.iter().next() {
            let at = paths
                .first()
                .map(|p| crate::source::walk::display_path(p, cwd))
                .unwrap_or_default();
            let message = format!(
                "the schema has {} tables: the SQLite replica that plans query shapes holds the first \
                 {} (SQLite's cost of adding a table grows with the tables it has); \
                 query shapes on the other {} (`{first}`, …) are not replayed",
                schema.tables.len(),
                schema.max_replica_tables,
                schema.beyond.len()
            );
            schema.note(&at, 0, message);
        }
        Ok(schema)
    }

    /// Lowers the number of tables the SQLite replica holds (tests).
    pub fn set_max_replica_tables(&mut self, n: usize) {
        self.max_replica_tables = n;
    }

    /// Tables known to the static checks but not created in the replica.
    pub fn beyond_replica(&self) -> usize {
        self.beyond.len()
    }

    /// Applies every statement of a DDL text; what cannot be taken is
    /// noted with its line and skipped.
    pub fn apply_sql(&mut self, text: &str, source: &str) {
        self.apply_sql_at(text, source, 1);
    }

    /// [`Self::apply_sql`] of text that starts on line `first` of `source`.
    pub fn apply_sql_at(&mut self, text: &str, source: &str, first: usize) {
        for (line, stmt) in split_statements(text) {
            let line = line + first - 1;
            if irrelevant(stmt) {
                continue;
            }
            let parsed = dialects()
                .iter()
                .find_map(|d| Parser::parse_sql(d.as_ref(), stmt).ok());
            let Some(stmts) = parsed else {
                let head: String = stmt
                    .split_whitespace()
                    .take(4)
                    .collect::<Vec<_>>()
                    .join(" ");
                let lower = head.to_ascii_lowercase();
                if lower.starts_with("create") || lower.starts_with("alter table") {
                    self.note(source, line, format!("skipped `{head} …`: cannot parse it"));
                    match table_named_in(stmt) {
                        Some(t) => self.gap(t, source, line),
                        None => self.gaps_unknown(source, line),
                    }
                }
                continue;
            };
            for s in stmts {
                if let Err(e) = self.apply(&s) {
                    self.note(source, line, e);
                    if let Some(t) = table_named_in(stmt) {
                        self.gap(t, source, line);
                    }
                }
            }
        }
    }

    /// A statement on an unknown table was not read: every table's
    /// history may be incomplete.
    fn gaps_unknown(&mut self, path: &str, line: usize) {
        self.unknown_gap
            .get_or_insert_with(|| format!("{path}:{line}"));
    }

    fn gap(&mut self, table: String, path: &str, line: usize) {
        self.gaps
            .entry(table)
            .or_insert_with(|| format!("{path}:{line}"));
    }

    fn note(&mut self, path: &str, line: usize, message: String) {
        self.notes.push(SchemaNote {
            path: path.to_string(),
            line,
            message,
        });
    }

    fn exec(&self, sql: &str) -> Result<(), String> {
        if !self.beyond.is_empty() && table_named_in(sql).is_some_and(|t| self.beyond.contains(&t))
        {
            return Ok(());
        }
        self.conn.execute_batch(sql).map_err(|e| e.to_string())
    }

    fn apply(&mut self, s: &Statement) -> Result<(), String> {
        match s {
            Statement::CreateTable(t) => self.create_table(t),
            Statement::CreateIndex(i) => self.create_index(i),
            Statement::AlterTable(a) => {
                let table = name_of(&a.name);
                for op in &a.operations {
                    match op {
                        AlterTableOperation::AddConstraint { constraint, .. } => {
                            if let (TableConstraint::ForeignKey(fk), Some(t)) =
                                (constraint, self.tables.get_mut(&table))
                            {
                                t.foreign_keys.push(
                                    fk.columns.iter().map(|c| c.value.to_lowercase()).collect(),
                                );
                            }
                            if let Some((cols, unique)) = constraint_columns(constraint) {
                                let name = format!("{table}_{}_key", cols.join("_"));
                                let ddl = format!(
                                    "CREATE {}INDEX IF NOT EXISTS {} ON {} ({})",
                                    if unique { "UNIQUE " } else { "" },
                                    quote(&name),
                                    quote(&table),
                                    cols.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ")
                                );
                                self.exec(&ddl)
                                    .map_err(|e| format!("skipped constraint on `{table}`: {e}"))?;
                                if let Some(t) = self.tables.get_mut(&table) {
                                    t.keys.push(cols);
                                }
                            }
                        }
                        AlterTableOperation::RenameTable { table_name } => {
                            let (RenameTableNameKind::To(to) | RenameTableNameKind::As(to)) =
                                table_name;
                            let to = name_of(to);
                            self.exec(&format!(
                                "ALTER TABLE {} RENAME TO {}",
                                quote(&table),
                                quote(&to)
                            ))
                            .map_err(|e| format!("skipped renaming `{table}`: {e}"))?;
                            if let Some(info) = self.tables.remove(&table) {
                                self.tables.insert(to.clone(), info);
                            }
                            if self.beyond.remove(&table) {
                                self.beyond.insert(to.clone());
                            }
                            for (t, _, _) in self.indexes.values_mut() {
                                if *t == table {
                                    *t = to.clone();
                                }
                            }
                            return Ok(());
                        }
                        AlterTableOperation::RenameColumn {
                            old_column_name,
                            new_column_name,
                        } => {
                            let (old, new) = (
                                old_column_name.value.to_lowercase(),
                                new_column_name.value.to_lowercase(),
                            );
                            self.exec(&format!(
                                "ALTER TABLE {} RENAME COLUMN {} TO {}",
                                quote(&table),
                                quote(&old),
                                quote(&new)
                            ))
                            .map_err(|e| format!("skipped renaming `{table}.{old}`: {e}"))?;
                            let rename = |c: &mut String| {
                                if *c == old {
                                    *c = new.clone();
                                }
                            };
                            if let Some(t) = self.tables.get_mut(&table) {
                                t.columns.iter_mut().for_each(rename);
                                t.keys.iter_mut().flatten().for_each(rename);
                                t.foreign_keys.iter_mut().flatten().for_each(rename);
                                if let Some(ty) = t.types.remove(&old) {
                                    t.types.insert(new.clone(), ty);
                                }
                            }
                            for (t, cols, _) in self.indexes.values_mut() {
                                if *t == table {
                                    cols.iter_mut().for_each(rename);
                                }
                            }
                        }
                        AlterTableOperation::DropColumn { column_names, .. } => {
                            for c in column_names {
                                let col = c.value.to_lowercase();
                                // SQLite keeps no index on a dropped column.
                                let on: Vec<String> = self
                                    .indexes
                                    .iter()
                                    .filter(|(_, (t, cols, _))| *t == table && cols.contains(&col))
                                    .map(|(n, _)| n.clone())
                                    .collect();
                                for n in on {
                                    self.drop_index(&n);
                                }
                                let _ = self.exec(&format!(
                                    "ALTER TABLE {} DROP COLUMN {}",
                                    quote(&table),
                                    quote(&col)
                                ));
                                if let Some(t) = self.tables.get_mut(&table) {
                                    t.columns.retain(|x| *x != col);
                                    t.keys.retain(|k| !k.contains(&col));
                                    t.foreign_keys.retain(|k| !k.contains(&col));
                                    t.types.remove(&col);
                                }
                            }
                        }
                        AlterTableOperation::AddColumn { column_def, .. } => {
                            let col = column_def.name.value.to_lowercase();
                            let ddl = format!(
                                "ALTER TABLE {} ADD COLUMN {} {}",
                                quote(&table),
                                quote(&col),
                                affinity(&column_def.data_type.to_string())
                            );
                            self.exec(&ddl)
                                .map_err(|e| format!("skipped new column `{table}.{col}`: {e}"))?;
                            // `ADD COLUMN x text UNIQUE` / `REFERENCES …`: SQLite
                            // cannot add a unique column, so its index comes apart.
                            let mut unique = false;
                            let mut foreign = false;
                            for o in &column_def.options {
                                match &o.option {
                                    ColumnOption::Unique(_) | ColumnOption::PrimaryKey(_) => {
                                        unique = true
                                    }
                                    ColumnOption::ForeignKey(_) => foreign = true,
                                    _ => {}
                                }
                            }
                            if unique {
                                let _ = self.exec(&format!(
                                    "CREATE UNIQUE INDEX IF NOT EXISTS {} ON {} ({})",
                                    quote(&format!("{table}_{col}_key")),
                                    quote(&table),
                                    quote(&col)
                                ));
                            }
                            if let Some(t) = self.tables.get_mut(&table) {
                                t.types.insert(
                                    col.clone(),
                                    column_def.data_type.to_string().to_lowercase(),
                                );
                                if unique {
                                    t.keys.push(vec![col.clone()]);
                                }
                                if foreign {
                                    t.foreign_keys.push(vec![col.clone()]);
                                }
                                t.columns.push(col);
                            }
                        }
                        _ => {}
                    }
                }
                Ok(())
            }
            // A later migration takes an index or a table away.
            Statement::Drop {
                object_type, names, ..
            } => {
                for n in names {
                    let name = name_of(n);
                    match object_type {
                        ObjectType::Index => self.drop_index(&name),
                        ObjectType::Table | ObjectType::View => {
                            let _ = self.exec(&format!("DROP TABLE IF EXISTS {}", quote(&name)));
                            let _ = self.exec(&format!("DROP VIEW IF EXISTS {}", quote(&name)));
                            if self.tables.remove(&name).is_some() && !self.beyond.remove(&name) {
                                self.replica_tables = self.replica_tables.saturating_sub(1);
                            }
                            self.indexes.retain(|_, (t, _, _)| *t != name);
                        }
                        _ => {}
                    }
                }
                Ok(())
            }
            Statement::CreateView(v) => {
                let n = name_of(&v.name);
                self.tables.insert(
                    n,
                    TableInfo {
                        is_view: true,
                        ..Default::default()
                    },
                );
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn create_table(&mut self, t: &CreateTable) -> Result<(), String> {
        let table = name_of(&t.name);
        let mut info = TableInfo::default();
        let mut defs = Vec::new();
        for c in &t.columns {
            let col = c.name.value.to_lowercase();
            let mut def = format!("{} {}", quote(&col), affinity(&c.data_type.to_string()));
            for o in &c.options {
                match &o.option {
                    ColumnOption::PrimaryKey(_) => {
                        def.push_str(" PRIMARY KEY");
                        info.keys.push(vec![col.clone()]);
                    }
                    ColumnOption::Unique(_) => {
                        def.push_str(" UNIQUE");
                        info.keys.push(vec![col.clone()]);
                    }
                    ColumnOption::ForeignKey(_) => info.foreign_keys.push(vec![col.clone()]),
                    _ => {}
                }
            }
            info.types
                .insert(col.clone(), c.data_type.to_string().to_lowercase());
            // `serial` and identity columns are integer keys in SQLite too.
            info.columns.push(col);
            defs.push(def);
        }
        let mut plain_indexes = Vec::new();
        for con in &t.constraints {
            if let TableConstraint::ForeignKey(fk) = con {
                info.foreign_keys
                    .push(fk.columns.iter().map(|c| c.value.to_lowercase()).collect());
            }
            if let Some((cols, unique)) = constraint_columns(con) {
                let list = cols.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ");
                let primary = matches!(con, TableConstraint::PrimaryKey(_));
                if primary {
                    defs.push(format!("PRIMARY KEY ({list})"));
                } else if unique {
                    defs.push(format!("UNIQUE ({list})"));
                } else {
                    // MySQL `KEY name (cols)` inside CREATE TABLE.
                    plain_indexes.push(format!(
                        "CREATE INDEX IF NOT EXISTS {} ON {} ({list})",
                        quote(&format!("{table}_{}_idx", cols.join("_"))),
                        quote(&table)
                    ));
                }
                info.keys.push(cols);
            }
        }
        if defs.is_empty() {
            return Err(format!("skipped table `{table}`: no columns"));
        }
        let ddl = format!(
            "CREATE TABLE IF NOT EXISTS {} ({})",
            quote(&table),
            defs.join(", ")
        );
        let new = !self.tables.contains_key(&table);
        if new && self.replica_tables >= self.max_replica_tables {
            self.beyond.insert(table.clone());
        }
        self.exec(&ddl)
            .map_err(|e| format!("skipped table `{table}`: {e}"))?;
        if new && !self.beyond.contains(&table) {
            self.replica_tables += 1;
        }
        for ddl in plain_indexes {
            self.exec(&ddl)
                .map_err(|e| format!("skipped an index of `{table}`: {e}"))?;
        }
        self.tables.insert(table, info);
        Ok(())
    }

    fn create_index(&mut self, i: &CreateIndex) -> Result<(), String> {
        let table = name_of(&i.table_name);
        if let Some(using) = &i.using {
            let u = using.to_string().to_ascii_lowercase();
            if u != "btree" {
                return Err(format!(
                    "skipped {u} index on `{table}`: SQLite has only b-tree indexes"
                ));
            }
        }
        let exprs: Vec<String> = i
            .columns
            .iter()
            .map(|c| {
                let e = c.column.expr.to_string();
                rewrite::to_sqlite(&e.to_lowercase())
            })
            .collect();
        let name = i
            .name
            .as_ref()
            .map(name_of)
            .unwrap_or_else(|| format!("{table}_{}_idx", exprs.join("_")));
        let mut ddl = format!(
            "CREATE {}INDEX IF NOT EXISTS {} ON {} ({})",
            if i.unique { "UNIQUE " } else { "" },
            quote(&name),
            quote(&table),
            exprs.join(", ")
        );
        if let Some(p) = &i.predicate {
            ddl.push_str(" WHERE ");
            ddl.push_str(&rewrite::to_sqlite(&p.to_string().to_lowercase()));
        }
        self.exec(&ddl)
            .map_err(|e| format!("skipped index `{name}` on `{table}`: {e}"))?;
        let cols: Vec<String> = exprs.iter().map(|e| ident(e)).collect();
        if let Some(t) = self.tables.get_mut(&table) {
            match &i.predicate {
                // A partial index serves only queries inside its predicate.
                Some(p) => t
                    .partial
                    .push((cols.clone(), normalize_predicate(&p.to_string()))),
                None => t.keys.push(cols.clone()),
            }
        }
        self.indexes
            .insert(name, (table, cols, i.predicate.is_some()));
        Ok(())
    }

    /// MySQL's InnoDB indexes every foreign key whose columns lead no
    /// index yet: the replica of a MySQL schema gets those indexes too.
    pub fn index_foreign_keys(&mut self) {
        let mut ddl = Vec::new();
        for (name, t) in self.tables.iter_mut() {
            for fk in t.foreign_keys.clone() {
                if fk.is_empty() || t.keys.iter().any(|k| k.starts_with(&fk)) {
                    continue;
                }
                ddl.push(format!(
                    "CREATE INDEX IF NOT EXISTS {} ON {} ({})",
                    quote(&format!("{name}_{}_fk", fk.join("_"))),
                    quote(name),
                    fk.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ")
                ));
                t.keys.push(fk);
            }
        }
        for d in ddl {
            let _ = self.exec(&d);
        }
    }

    /// `DROP INDEX name`: its cover goes with it (a key of the same
    /// columns from another index or constraint stays).
    fn drop_index(&mut self, name: &str) {
        let _ = self.exec(&format!("DROP INDEX IF EXISTS {}", quote(name)));
        let Some((table, cols, partial)) = self.indexes.remove(name) else {
            return;
        };
        if let Some(t) = self.tables.get_mut(&table) {
            if partial {
                if let Some(i) = t.partial.iter().position(|(k, _)| *k == cols) {
                    t.partial.remove(i);
                }
            } else if let Some(i) = t.keys.iter().position(|k| *k == cols) {
                t.keys.remove(i);
            }
        }
    }

    /// Tells the planner how big each table is (`sqlite_stat1`), so small
    /// lookup tables plan as small.
    pub fn set_rows(&mut self, rows: &BTreeMap<String, u64>) {
        self.rows = rows.iter().map(|(k, v)| (k.to_lowercase(), *v)).collect();
        let _ = self.exec("ANALYZE; DELETE FROM sqlite_stat1;");
        let tables: Vec<String> = self
            .tables
            .iter()
            .filter(|(_, t)| !t.is_view)
            .map(|(k, _)| k.clone())
            .collect();
        for t in tables {
            let n = self.rows_of(&t).max(1);
            let _ = self.conn.execute(
                "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?1, NULL, ?2)",
                rusqlite::params![t, n.to_string()],
            );
            // Each index: N rows, ~10 per key value (1 for unique ones).
            let idx: Vec<(String, bool)> = self
                .conn
                .prepare("SELECT name, \"unique\" FROM pragma_index_list(?1)")
                .and_then(|mut s| {
                    s.query_map([&t], |r| {
                        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? == 1))
                    })
                    .map(|rows| rows.filter_map(Result::ok).collect())
                })
                .unwrap_or_default();
            for (name, unique) in idx {
                let ncols: usize = self
                    .conn
                    .query_row("SELECT count(*) FROM pragma_index_info(?1)", [&name], |r| {
                        r.get::<_, i64>(0)
                    })
                    .unwrap_or(1)
                    .max(1) as usize;
                let per = if unique { 1 } else { 10.min(n) };
                let stat = std::iter::once(n.to_string())
                    .chain((0..ncols).map(|k| {
                        if k + 1 == ncols && unique {
                            "1".to_string()
                        } else {
                            per.to_string()
                        }
                    }))
                    .collect::<Vec<_>>()
                    .join(" ");
                let _ = self.conn.execute(
                    "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?1, ?2, ?3)",
                    rusqlite::params![t, name, stat],
                );
            }
        }
        let _ = self.exec("ANALYZE sqlite_schema;");
    }

    /// The replica's DDL as SQLite holds it, tables first.
    pub fn sqlite_ddl(&self) -> Vec<String> {
        self.conn
            .prepare("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type DESC, rowid")
            .and_then(|mut s| {
                s.query_map([], |r| r.get::<_, String>(0))
                    .map(|rows| rows.filter_map(Result::ok).collect())
            })
            .unwrap_or_default()
    }

    pub fn rows_of(&self, table: &str) -> u64 {
        self.rows
            .get(&table.to_lowercase())
            .copied()
            .unwrap_or(self.default_rows)
    }

    /// `EXPLAIN QUERY PLAN` details, or why the statement cannot be planned.
    pub fn plan(&self, sql: &str) -> Result<Vec<String>, String> {
        for _ in 0..8 {
            match self.try_plan(sql) {
                Err(e) if e.starts_with("no such function: ") => {
                    // Planning needs the name only: a stand-in that returns NULL.
                    let f = e
                        .trim_start_matches("no such function: ")
                        .split_whitespace()
                        .next()
                        .unwrap_or("")
                        .to_string();
                    self.conn
                        .create_scalar_function(
                            f.as_str(),
                            -1,
                            rusqlite::functions::FunctionFlags::SQLITE_DETERMINISTIC,
                            |_| Ok(rusqlite::types::Null),
                        )
                        .map_err(|e| e.to_string())?;
                }
                other => return other,
            }
        }
        self.try_plan(sql)
    }

    fn try_plan(&self, sql: &str) -> Result<Vec<String>, String> {
        let mut s = self
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .map_err(|e| e.to_string())?;
        let n = s.parameter_count();
        let nulls = vec![rusqlite::types::Null; n];
        let rows = s
            .query_map(rusqlite::params_from_iter(nulls.iter()), |r| {
                r.get::<_, String>(3)
            })
            .map_err(|e| e.to_string())?;
        Ok(rows.filter_map(Result::ok).collect())
    }

    /// Creates an index in the replica, runs `f`, and drops it again.
    pub fn with_index<T>(
        &self,
        table: &str,
        columns: &[String],
        f: impl FnOnce(&Schema) -> T,
    ) -> Result<T, String> {
        let ddl = format!(
            "CREATE INDEX \"ormlint_probe\" ON {} ({})",
            quote(table),
            columns
                .iter()
                .map(|c| quote(c))
                .collect::<Vec<_>>()
                .join(", ")
        );
        self.exec(&ddl)?;
        // Give the probe index the same statistics as the others.
        let n = self.rows_of(table).max(1);
        let stat = std::iter::once(n.to_string())
            .chain(columns.iter().map(|_| 10.min(n).to_string()))
            .collect::<Vec<_>>()
            .join(" ");
        let _ = self.conn.execute(
            "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?1, 'ormlint_probe', ?2)",
            rusqlite::params![table, stat],
        );
        let _ = self.exec("ANALYZE sqlite_schema;");
        let out = f(self);
        let _ = self.exec("DROP INDEX \"ormlint_probe\"; DELETE FROM sqlite_stat1 WHERE idx = 'ormlint_probe'; ANALYZE sqlite_schema;");
        Ok(out)
    }
}

/// Predicate text to compare: lower-case, no quotes around names, no
/// parentheses, single spaces.
pub fn normalize_predicate(text: &str) -> String {
    let lower = text.to_lowercase();
    // `(status)::text <> 'done'::text` (pg_dump) states `status <> 'done'`.
    let mut out = String::with_capacity(lower.len());
    let mut rest = lower.as_str();
    while let Some(i) = rest.find("::") {
        out.push_str(&rest[..i]);
        rest =
            rest[i + 2..].trim_start_matches(|c: char| c.is_alphanumeric() || c == '_' || c == ' ');
    }
    out.push_str(rest);
    out.replace(['"', '`', '(', ')'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Is there an `OR` at the level of the first `WHERE` (not inside
/// parentheses under it): rows that satisfy only its other side need not
/// be in a partial index.
fn or_beside_where(sql: &str) -> bool {
    let lower = sql.to_ascii_lowercase();
    let b = lower.as_bytes();
    let word_at = |i: usize, w: &str| {
        lower[i..].starts_with(w)
            && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_'))
            && b.get(i + w.len())
                .is_none_or(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
    };
    let Some(start) = (0..b.len()).find(|&i| word_at(i, "where")) else {
        return false;
    };
    let (mut depth, mut quote) = (0i32, false);
    for (i, c) in b.iter().enumerate().skip(start) {
        match *c {
            b'\'' => quote = !quote,
            _ if quote => {}
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            b'o' if depth == 0 && word_at(i, "or") => return true,
            _ => {}
        }
    }
    false
}

/// What stands after each whole-word `column` and one of `ops` in `text`
/// (`t.c <> $1` gives `$1`), its leading blanks trimmed. Quotes around
/// the name are passed over; `ops` are tried in order.
pub(crate) fn operands_of<'a>(text: &'a str, column: &str, ops: &[&str]) -> Vec<&'a str> {
    let mut out = Vec::new();
    if column.is_empty() {
        return out;
    }
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut from = 0;
    while let Some(i) = text[from..].find(column) {
        let (start, end) = (from + i, from + i + column.len());
        from = end;
        if text[..start].ends_with(word) || text[end..].starts_with(word) {
            continue;
        }
        let rest = text[end..].trim_start_matches(['"', '`', ' ']);
        if let Some(rest) = ops.iter().find_map(|op| rest.strip_prefix(op)) {
            out.push(rest.trim_start());
        }
    }
    out
}

/// Does normalized statement text compare `column` to a bound value
/// (`c = $1`, `t.c <> ?`, `c not in $2, $3`, `c >= :since`)?
fn compared_to_bound(text: &str, column: &str) -> bool {
    const OPS: &[&str] = &[
        "=",
        "!=",
        "<>",
        "<=",
        ">=",
        "<",
        ">",
        "not in ",
        "in ",
        "is distinct from ",
        "is not distinct from ",
    ];
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    operands_of(text, column, OPS).into_iter().any(|rest| {
        rest.starts_with('?')
            || rest.starts_with('$') && rest[1..].starts_with(|c: char| c.is_ascii_digit())
            || rest.starts_with([':', '@']) && rest[1..].starts_with(word)
    })
}

/// Default row count for tables the user gave no size: large enough to
/// matter (documented in the missing-index page).
pub const DEFAULT_ROWS: u64 = 1_000_000;

fn constraint_columns(c: &TableConstraint) -> Option<(Vec<String>, bool)> {
    let cols = |cs: &[sqlparser::ast::IndexColumn]| -> Vec<String> {
        cs.iter()
            .map(|c| ident(&c.column.expr.to_string()))
            .collect()
    };
    match c {
        TableConstraint::PrimaryKey(p) => Some((cols(&p.columns), true)),
        TableConstraint::Unique(u) => Some((cols(&u.columns), true)),
        TableConstraint::Index(i) => Some((cols(&i.columns), false)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_of_an_unreadable_statement_is_named() {
        let t = |s: &str| table_named_in(s);
        assert_eq!(
            t("ALTER TABLE IF EXISTS ONLY public.\"Users\" ADD x"),
            Some("users".into())
        );
        assert_eq!(
            t("CREATE UNIQUE INDEX CONCURRENTLY i ON ONLY orders USING gist (a)"),
            Some("orders".into())
        );
        assert_eq!(
            t("create temp table if not exists jobs (id int)"),
            Some("jobs".into())
        );
        assert_eq!(t("CREATE FUNCTION f() RETURNS int"), None);
        assert_eq!(t(""), None);
    }

    #[test]
    fn tables_past_the_replica_cap_are_known_but_not_created() {
        let mut s = Schema::new().unwrap();
        s.set_max_replica_tables(10);
        let ddl: String = (0..25)
            .map(|i| format!("CREATE TABLE t{i} (id INT PRIMARY KEY, a INT);\nCREATE INDEX t{i}_a ON t{i} (a);\nALTER TABLE t{i} ADD COLUMN b TEXT;\n"))
            .collect();
        s.apply_sql(&ddl, "big.sql");
        assert_eq!(s.tables.len(), 25);
        assert_eq!(s.beyond_replica(), 15);
        assert!(s.tables["t24"].covers("a"));
        assert!(s.tables["t24"].columns.contains(&"b".to_string()));
        // Only the first ten are in the replica, and nothing was noted.
        let tables = s
            .sqlite_ddl()
            .iter()
            .filter(|d| d.starts_with("CREATE TABLE"))
            .count();
        assert_eq!(tables, 10);
        assert!(s.notes.is_empty(), "{:?}", s.notes);
    }

    #[test]
    fn a_partial_index_may_serve_a_predicate_stated_through_bound_values() {
        let mut s = Schema::new().unwrap();
        s.apply_sql(
            "CREATE TABLE backend (id INT PRIMARY KEY, drone_id INT, last_status TEXT, deleted_at TIMESTAMP);\n\
             CREATE INDEX live ON backend (drone_id) WHERE last_status != 'terminated';",
            "s.sql",
        );
        let b = &s.tables["backend"];
        let may = |sql: &str| b.partial_may_serve(sql, &["drone_id"]);
        assert!(may(
            "SELECT id FROM backend WHERE drone_id = $1 AND last_status NOT IN ($2, $3)"
        ));
        assert!(may(
            "SELECT id FROM backend WHERE drone_id = ? AND backend.last_status <> ?"
        ));
        assert!(may(
            "SELECT id FROM backend WHERE drone_id = $1 AND last_status <> $2 AND (a > 1 OR b < 2)"
        ));
        // Not stated at all, only in SET, or behind an OR.
        assert!(!may("SELECT id FROM backend WHERE drone_id = $1"));
        assert!(!may(
            "UPDATE backend SET last_status = $1 WHERE drone_id = $2"
        ));
        assert!(!may(
            "SELECT id FROM backend WHERE drone_id = $1 OR last_status = $2"
        ));
        let mut s = Schema::new().unwrap();
        s.apply_sql(
            "CREATE TABLE posts (id INT PRIMARY KEY, author_id INT, deleted_at TIMESTAMP);\n\
             CREATE INDEX live ON posts (author_id) WHERE deleted_at IS NULL;",
            "s.sql",
        );
        // A null test is never stated by a bound value.
        assert!(!s.tables["posts"].partial_may_serve(
            "SELECT id FROM posts WHERE author_id = $1 AND deleted_at < $2",
            &["author_id"]
        ));
    }

    #[test]
    fn a_not_null_partial_index_serves_comparisons_not_null_tests() {
        let mut s = Schema::new().expect("sqlite opens");
        s.apply_sql(
            "CREATE TABLE o (id int PRIMARY KEY, token text);
             CREATE UNIQUE INDEX o_token ON o (token) WHERE token IS NOT NULL;",
            "m.sql",
        );
        let info = &s.tables["o"];
        assert!(info.not_null_partial_serves("SELECT 1 FROM o WHERE token = ?", &["token"]));
        assert!(info.not_null_partial_serves("SELECT 1 FROM o WHERE o.token = ?", &["token"]));
        assert!(!info.not_null_partial_serves("SELECT 1 FROM o WHERE token IS NULL", &["token"]));
        assert!(!info.not_null_partial_serves("SELECT 1 FROM o WHERE o.token IS NULL", &["token"]));
    }

    const PG: &str = r#"
SET statement_timeout = 0;
CREATE TABLE public.users (
    id integer NOT NULL,
    email character varying(255) NOT NULL,
    created_at timestamp with time zone DEFAULT now()
);
CREATE SEQUENCE public.users_id_seq START WITH 1;
ALTER TABLE ONLY public.users ADD CONSTRAINT users_pkey PRIMARY KEY (id);
CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id bigint REFERENCES users(id), status text, total numeric(10,2), UNIQUE (customer_id, id));
CREATE INDEX orders_status_idx ON orders (status) WHERE status <> 'done';
CREATE INDEX users_lower_email ON users (lower(email));
CREATE INDEX orders_gin ON orders USING gin (status);
CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;
CREATE VIEW v AS SELECT 1;
"#;

    #[test]
    fn later_migrations_drop_and_rename() {
        let mut s = Schema::new().unwrap();
        s.apply_sql(
            "CREATE TABLE users (id INT PRIMARY KEY, email TEXT, name TEXT, age INT);
             CREATE INDEX users_name ON users (name);
             CREATE INDEX users_age ON users (age);
             CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email ON users (email);
             DROP INDEX IF EXISTS users_name;
             ALTER TABLE users RENAME COLUMN email TO mail;
             ALTER TABLE users DROP COLUMN age;
             ALTER TABLE users RENAME TO people;
             ALTER TABLE people ADD COLUMN actor_id text NOT NULL UNIQUE;
             CREATE TABLE gone (id INT);
             DROP TABLE gone;",
            "m.sql",
        );
        assert!(!s.tables.contains_key("users"));
        assert!(!s.tables.contains_key("gone"));
        let p = &s.tables["people"];
        assert_eq!(p.columns, vec!["id", "mail", "name", "actor_id"]);
        assert!(p.covers("actor_id"));
        assert!(p.covers("id"));
        assert!(p.covers("mail"));
        assert!(!p.covers("name"));
        assert!(!p.covers("age"));
        assert!(s.notes.is_empty(), "{:?}", s.notes);
    }

    #[test]
    fn loads_postgres_dump() {
        let mut s = Schema::new().unwrap();
        s.apply_sql(PG, "schema.sql");
        assert_eq!(s.tables["users"].columns, vec!["id", "email", "created_at"]);
        assert!(s.tables["users"].covers("id"));
        assert!(s.tables["orders"].covers("customer_id"));
        // A partial index serves only queries inside its predicate.
        assert!(!s.tables["orders"].covers("status"));
        assert!(s.tables["orders"].partial_serves(
            "SELECT id FROM orders WHERE status <> 'done' AND status = $1",
            &["status"]
        ));
        assert!(!s.tables["orders"]
            .partial_serves("SELECT id FROM orders WHERE status = $1", &["status"]));
        let mut d = Schema::new().unwrap();
        d.apply_sql(
            "CREATE TABLE h (id INT PRIMARY KEY, deleted_at TIMESTAMP, other_deleted_at TIMESTAMP, ts INT);
             CREATE INDEX h_live ON public.h USING btree (ts) WHERE (deleted_at IS NULL);",
            "d.sql",
        );
        let h = &d.tables["h"];
        assert!(h.partial_serves("SELECT id FROM h WHERE deleted_at IS NULL", &["deleted_at"]));
        assert!(!h.partial_serves(
            "SELECT id FROM h WHERE other_deleted_at IS NULL",
            &["other_deleted_at"]
        ));
        assert_eq!(
            normalize_predicate("((status)::text <> 'done'::text)"),
            "status <> 'done'"
        );
        // An expression index serves its expression, not the bare column.
        let users = &s.tables["users"];
        assert!(users.expression_serves("SELECT id FROM users WHERE lower(email) = $1", "email"));
        assert!(!users.expression_serves("SELECT id FROM users WHERE email = $1", "email"));
        assert!(!s.tables["orders"].covers("total"));
        assert!(s.tables["v"].is_view);
        assert_eq!(s.notes.len(), 1, "{:?}", s.notes);
        assert!(s.notes[0].message.contains("gin"), "{:?}", s.notes);
        assert_eq!(s.notes[0].line, 13);
    }

    #[test]
    fn plans_and_proves() {
        let mut s = Schema::new().unwrap();
        s.apply_sql(PG, "schema.sql");
        s.set_rows(&BTreeMap::new());
        let plan = s.plan("SELECT * FROM orders WHERE total > ?").unwrap();
        assert_eq!(plan, vec!["SCAN orders"]);
        let after = s
            .with_index("orders", &["total".to_string()], |s| {
                s.plan("SELECT * FROM orders WHERE total > ?")
            })
            .unwrap()
            .unwrap();
        assert!(
            after[0].starts_with("SEARCH orders USING INDEX ormlint_probe"),
            "{after:?}"
        );
        // The probe is gone again.
        assert_eq!(
            s.plan("SELECT * FROM orders WHERE total > ?").unwrap(),
            vec!["SCAN orders"]
        );
        // Unknown functions get stand-ins; unknown tables are errors.
        let r = s.plan("SELECT date_trunc(?, created_at) FROM users WHERE id = ?");
        assert!(r.is_ok(), "{r:?}");
        assert!(s
            .plan("SELECT * FROM nope")
            .unwrap_err()
            .contains("no such table"));
    }

    #[test]
    fn loads_mysql_dump() {
        let mut s = Schema::new().unwrap();
        s.apply_sql(
            "CREATE TABLE `orders` (\n  `id` int NOT NULL AUTO_INCREMENT,\n  `customer_id` int NOT NULL,\n  `sku` varchar(32) DEFAULT NULL,\n  PRIMARY KEY (`id`),\n  UNIQUE KEY `sku_uq` (`sku`),\n  KEY `cust_idx` (`customer_id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n",
            "dump.sql",
        );
        let t = &s.tables["orders"];
        assert_eq!(t.columns, vec!["id", "customer_id", "sku"]);
        assert!(
            t.covers("id") && t.covers("sku") && t.covers("customer_id"),
            "{t:?} {:?}",
            s.notes
        );
        s.set_rows(&BTreeMap::new());
        let plan = s
            .plan("select * from orders where customer_id = ?")
            .unwrap();
        assert!(plan[0].starts_with("SEARCH orders USING INDEX"), "{plan:?}");
    }

    #[test]
    fn splits_on_top_level_semicolons() {
        let parts = split_statements("a; -- x;\nb 'c;d'; $$ e; $$;\n\n");
        let texts: Vec<&str> = parts.iter().map(|p| p.1).collect();
        assert_eq!(texts, vec!["a", "b 'c;d'", "$$ e; $$"]);
        assert_eq!(parts[1].0, 2);
    }
}
