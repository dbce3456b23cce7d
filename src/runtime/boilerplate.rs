//! Statements that tools and drivers send around an app's own queries:
//! catalog introspection (ORMs at boot, `psql`'s `\d`, `pg_dump`, admin
//! consoles), monitoring polls of `pg_stat_*`, pool health checks
//! (`SELECT 1`), session settings (`SET`, `SHOW`) and savepoints.
//!
//! None of them is a request's work: they are kept in the profile but stay
//! out of request groups (a health check before `BEGIN` must not hide that
//! the unit of work began there, and a catalog query per model at boot is
//! not N+1), and catalog queries are not searched for injection payloads
//! (`pg_dump` joins catalogs with `UNION`; `psql` splices its patterns).

use crate::sql::analyze::SqlAnalysis;

/// How a statement relates to the app's own work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Boilerplate {
    /// The app's own query: grouped and judged by every rule.
    No,
    /// A health check, a session setting or a savepoint: not grouped.
    Session,
    /// Reads only system catalogs: not grouped, not an injection target.
    Catalog,
}

/// Commands that change or read session state, never a table's rows.
const SESSION_COMMANDS: &[&str] = &[
    "set",
    "show",
    "reset",
    "discard",
    "savepoint",
    "release",
    "deallocate",
    "listen",
    "unlisten",
    "use",
];

/// Schemas that hold catalogs, as they prefix a table in SQL text.
const SYSTEM_SCHEMAS: &[&str] = &[
    "pg_catalog.",
    "information_schema.",
    "performance_schema.",
    "mysql.",
    "sys.",
];

/// SQLite's catalogs.
const SQLITE_CATALOGS: &[&str] = &["sqlite_master", "sqlite_schema", "sqlite_sequence"];

/// Classifies a shape from its normalized (lowercase) text and its analysis.
pub fn classify(text: &str, analysis: &SqlAnalysis) -> Boilerplate {
    let first = text
        .split(|c: char| !c.is_ascii_alphabetic() && c != '_')
        .find(|w| !w.is_empty())
        .unwrap_or("");
    if SESSION_COMMANDS.contains(&first) || text.starts_with("rollback to") {
        return Boilerplate::Session;
    }
    if analysis.tables.is_empty() {
        // `pg_dump`'s and the agents' catalog queries that the parser could
        // not read still name their schema.
        if analysis.error.is_some() {
            return if SYSTEM_SCHEMAS.iter().any(|s| text.contains(s)) {
                Boilerplate::Catalog
            } else {
                Boilerplate::No
            };
        }
        // `SELECT 1`, `SELECT version()`, `SELECT @@session.x`: reads no
        // table. A table-less call with a bound parameter may be the app's
        // own function, called once per row.
        return if first == "select" && analysis.params == 0 {
            Boilerplate::Session
        } else {
            Boilerplate::No
        };
    }
    let system = |table: &str| {
        table.starts_with("pg_")
            || SQLITE_CATALOGS.contains(&table)
            || SYSTEM_SCHEMAS
                .iter()
                .any(|schema| qualified(text, schema, table))
    };
    if analysis.tables.iter().all(|t| system(t)) {
        Boilerplate::Catalog
    } else {
        Boilerplate::No
    }
}

/// Whether `text` names `schema` + `table` (`information_schema.columns`),
/// as a whole word.
fn qualified(text: &str, schema: &str, table: &str) -> bool {
    let mut from = 0;
    while let Some(at) = text[from..].find(schema) {
        let start = from + at;
        let before_ok = start == 0
            || !text[..start]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        let rest = &text[start + schema.len()..];
        let rest = rest.trim_start_matches('"').trim_start_matches('`');
        if before_ok
            && rest.starts_with(table)
            && !rest[table.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return true;
        }
        from = start + schema.len();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::analyze::analyze;
    use crate::sql::fingerprint::fingerprint;

    fn kind(sql: &str) -> Boilerplate {
        classify(&fingerprint(sql).text, &analyze(sql))
    }

    #[test]
    fn catalogs_and_session_commands() {
        for sql in [
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a WHERE a.attrelid = 16384",
            "SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'",
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'users'",
            "SELECT COLUMN_NAME FROM INFORMATION_SCHEMA.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = 'shop'",
            "SELECT name FROM sqlite_master WHERE type = 'table'",
            "COPY (SELECT relname, n_dead_tup FROM pg_stat_user_tables WHERE n_dead_tup > 0) TO STDOUT",
            "SELECT count(*) FROM pg_ls_dir('pg_wal')",
        ] {
            assert_eq!(kind(sql), Boilerplate::Catalog, "{sql}");
        }
        for sql in [
            "SELECT 1",
            "select version()",
            "SELECT @@session.transaction_isolation",
            "SET TIME ZONE 'UTC'",
            "SET statement_timeout = '5s'",
            "SHOW TRANSACTION ISOLATION LEVEL",
            "SAVEPOINT sa_savepoint_1",
            "RELEASE SAVEPOINT sa_savepoint_1",
            "ROLLBACK TO SAVEPOINT s1",
            "DISCARD ALL",
        ] {
            assert_eq!(kind(sql), Boilerplate::Session, "{sql}");
        }
    }

    #[test]
    fn the_apps_own_statements() {
        for sql in [
            "SELECT id, name FROM customers WHERE id = $1",
            "SELECT * FROM columns WHERE id = 3",
            "SELECT c.name FROM customers c JOIN pg_class p ON p.relname = c.name",
            "SELECT title FROM posts WHERE id = 5 UNION SELECT usename FROM pg_user",
            "SELECT my_function($1)",
            "SELECT * FROM settings WHERE key = 'x'",
            "UPDATE sys_config SET v = 1 WHERE k = 2",
            "BEGIN",
            "COMMIT",
        ] {
            assert_eq!(kind(sql), Boilerplate::No, "{sql}");
        }
    }
}
