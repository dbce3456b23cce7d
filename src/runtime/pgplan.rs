//! `replay --explain-with postgresql://…`: each query shape planned by the
//! user's own PostgreSQL, and index proposals proved there with HypoPG.
//!
//! Safety, since logs are where injections sit:
//! - every statement goes over the extended protocol, one per call: a
//!   logged `…; DROP TABLE x` is refused by the server's parser, never run;
//! - only `EXPLAIN (FORMAT JSON)`, never `ANALYZE`: the statement is
//!   planned, not executed;
//! - inside `BEGIN READ ONLY` … `ROLLBACK`, with a statement timeout;
//! - HypoPG's hypothetical indexes live in the session's memory, not the
//!   catalog; they are dropped (`hypopg_reset()`) after each shape.
//!
//! What is sent: the statements of the log, with the values of one
//! execution each (or, where the log has none, a plain value of each
//! parameter's type), and catalog reads (column names, row estimates).

use std::collections::HashMap;

use postgres::{Client, NoTls};
use serde_json::Value;

/// A proposal must cut the plan's total cost by at least this share to be
/// reported (Dexter's default: 50 %).
pub const MIN_SAVING: f64 = 0.5;
/// Per statement, so that a shape the planner chews on cannot stall a run.
const STATEMENT_TIMEOUT_MS: u32 = 5_000;

/// One execution of a shape, as logged: its text and bound values.
#[derive(Clone, Debug, Default)]
pub struct Sample {
    pub sql: String,
    pub params: Vec<Option<String>>,
}

/// A plan as the report shows it: one line per node, indented, and the
/// root's total cost.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub lines: Vec<String>,
    pub cost: f64,
    /// (relation, alias) of every full read: a sequential scan, or a walk
    /// of a whole index that only filters (`Index Scan Backward using
    /// orders_pkey` with a `Filter` and no `Index Cond`: every row read, in
    /// the index's order, to stop at a LIMIT).
    pub full_reads: Vec<(String, String)>,
    /// Index names the plan uses.
    pub indexes: Vec<String>,
}

pub struct PgPlanner {
    client: Client,
    /// HypoPG is installed in the database (or was created with
    /// `--allow-extension`).
    pub hypopg: bool,
    /// The server's major version (`server_version_num / 10000`).
    pub version: u32,
    columns: HashMap<String, Option<(Vec<String>, u64)>>,
}

/// `sslmode` as libpq reads it: `disable`, `allow`/`prefer` (TLS when the
/// server offers it, unverified), `require` (TLS, unverified), `verify-ca`
/// and `verify-full` (TLS checked against the system's trust store).
fn split_sslmode(url: &str) -> (String, String) {
    if !url.contains("://") {
        // `host=… sslmode=require`: the keyword form.
        let mut mode = "prefer".to_string();
        let kept: Vec<&str> = url
            .split_whitespace()
            .filter(|kv| match kv.strip_prefix("sslmode=") {
                Some(v) => {
                    mode = v.to_string();
                    false
                }
                None => true,
            })
            .collect();
        return (kept.join(" "), mode);
    }
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_string(), "prefer".to_string());
    };
    let mut mode = "prefer".to_string();
    let kept: Vec<&str> = query
        .split('&')
        .filter(|kv| match kv.split_once('=') {
            Some(("sslmode", v)) => {
                mode = v.to_string();
                false
            }
            _ => true,
        })
        .collect();
    let rest = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    (rest, mode)
}

/// Accepts any server certificate: libpq's `require`, which encrypts but
/// does not authenticate the server.
#[derive(Debug)]
struct AnyCert(std::sync::Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCert {
    fn verify_server_cert(
        &self,
        _: &rustls::pki_types::CertificateDer<'_>,
        _: &[rustls::pki_types::CertificateDer<'_>],
        _: &rustls::pki_types::ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn tls(verify: bool) -> Result<tokio_postgres_rustls::MakeRustlsConnect, String> {
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let config = if verify {
        let mut roots = rustls::RootCertStore::empty();
        for cert in rustls_native_certs::load_native_certs().certs {
            let _ = roots.add(cert);
        }
        builder.with_root_certificates(roots).with_no_client_auth()
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(std::sync::Arc::new(AnyCert(provider)))
            .with_no_client_auth()
    };
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

/// The URL without its password, for messages: the one in the authority
/// (`user:pw@host`, `@` in the password included), a `password=` query or
/// keyword.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url
            .split_whitespace()
            .map(|kv| {
                if kv.starts_with("password=") {
                    "password=…"
                } else {
                    kv
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
    };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let authority = match authority.rsplit_once('@') {
        Some((user, host)) => {
            let user = user.split(':').next().unwrap_or(user);
            format!("{user}@{host}")
        }
        None => authority.to_string(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let kept: Vec<&str> = query
                .split('&')
                .filter(|kv| !kv.starts_with("password="))
                .collect();
            if kept.is_empty() {
                path.to_string()
            } else {
                format!("{path}?{}", kept.join("&"))
            }
        }
        None => tail.to_string(),
    };
    format!("{scheme}://{authority}{tail}")
}

impl PgPlanner {
    /// Connects, reads the server version and whether HypoPG is there;
    /// creates it when `allow_extension` grants it and it is available.
    pub fn connect(url: &str, allow_extension: bool) -> Result<PgPlanner, String> {
        let (url_rest, mode) = split_sslmode(url);
        let mut config: postgres::Config = url_rest
            .parse()
            .map_err(|e| format!("{}: {e}", redact(url)))?;
        config.connect_timeout(std::time::Duration::from_secs(10));
        config.application_name("ormlint");
        // Every statement of the session, not only the EXPLAINs, is bounded
        // (a prepare or a catalog read behind a migration's lock would
        // otherwise wait forever), and quotes are the only escape in a
        // literal whatever the role's settings say.
        config.options(&format!(
            "-c statement_timeout={STATEMENT_TIMEOUT_MS} -c lock_timeout=2000 -c standard_conforming_strings=on"
        ));
        config.keepalives_idle(std::time::Duration::from_secs(30));
        let fail = |e: postgres::Error| format!("cannot connect to {}: {e}", redact(url));
        let client = match mode.as_str() {
            "disable" => config.connect(NoTls).map_err(fail)?,
            "allow" | "prefer" => {
                config.ssl_mode(postgres::config::SslMode::Prefer);
                config.connect(tls(false)?).map_err(fail)?
            }
            "require" => {
                config.ssl_mode(postgres::config::SslMode::Require);
                config.connect(tls(false)?).map_err(fail)?
            }
            "verify-ca" | "verify-full" => {
                config.ssl_mode(postgres::config::SslMode::Require);
                config.connect(tls(true)?).map_err(fail)?
            }
            other => {
                return Err(format!(
                    "{}: unknown sslmode `{other}` (disable, allow, prefer, require, verify-ca, verify-full)",
                    redact(url)
                ))
            }
        };
        let mut p = PgPlanner {
            client,
            hypopg: false,
            version: 0,
            columns: HashMap::new(),
        };
        let row = p
            .client
            .query_one("SELECT current_setting('server_version_num')::int", &[])
            .map_err(|e| e.to_string())?;
        p.version = (row.get::<_, i32>(0) / 10_000) as u32;
        p.hypopg = p.has_hypopg()?;
        if !p.hypopg && allow_extension {
            // The one write ormlint makes, and only when told to.
            if let Err(e) = p
                .client
                .batch_execute("CREATE EXTENSION IF NOT EXISTS hypopg")
            {
                return Err(format!(
                    "--allow-extension: could not create HypoPG in {}: {}",
                    redact(url),
                    first_line(&e)
                ));
            }
            p.hypopg = p.has_hypopg()?;
        }
        Ok(p)
    }

    fn has_hypopg(&mut self) -> Result<bool, String> {
        let n: i64 = self
            .client
            .query_one(
                "SELECT count(*) FROM pg_extension WHERE extname = 'hypopg'",
                &[],
            )
            .map_err(|e| e.to_string())?
            .get(0);
        Ok(n > 0)
    }

    /// The columns of `table` and its estimated rows, from the catalog.
    pub fn table(&mut self, table: &str) -> Option<(Vec<String>, u64)> {
        if let Some(t) = self.columns.get(table) {
            return t.clone();
        }
        let found = self
            .client
            .query(
                "SELECT a.attname::text, greatest(c.reltuples, 0)::float8
                 FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
                 WHERE c.oid = to_regclass(quote_ident($1))
                   AND a.attnum > 0 AND NOT a.attisdropped
                 ORDER BY a.attnum",
                &[&table],
            )
            .ok()
            .filter(|rows| !rows.is_empty())
            .map(|rows| {
                let reltuples: f64 = rows[0].get(1);
                (
                    rows.iter().map(|r| r.get::<_, String>(0)).collect(),
                    reltuples as u64,
                )
            });
        self.columns.insert(table.to_string(), found.clone());
        found
    }

    /// Plans `sql` as it is (values inline), in a read-only transaction.
    fn explain(&mut self, sql: &str) -> Result<Plan, String> {
        self.explain_with("FORMAT JSON", sql)
    }

    fn explain_with(&mut self, options: &str, sql: &str) -> Result<Plan, String> {
        let mut tx = self
            .client
            .build_transaction()
            .read_only(true)
            .start()
            .map_err(|e| first_line(&e))?;
        tx.batch_execute(&format!(
            "SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}"
        ))
        .map_err(|e| first_line(&e))?;
        // `query` parses with the extended protocol: one statement only.
        let rows = tx
            .query(format!("EXPLAIN ({options}) {sql}").as_str(), &[])
            .map_err(|e| first_line(&e))?;
        let _ = tx.rollback();
        let plan: Value = match rows.first() {
            Some(r) => r.try_get(0).map_err(|e| e.to_string())?,
            None => return Err("EXPLAIN returned no plan".into()),
        };
        plan_of(&plan)
    }

    /// The parameter types the server infers for `sql` (with `$n`): the
    /// statement is prepared, not run.
    fn param_types(&mut self, sql: &str) -> Result<Vec<String>, String> {
        let stmt = self
            .client
            .prepare(&format!("EXPLAIN (FORMAT JSON) {sql}"))
            .map_err(|e| first_line(&e))?;
        Ok(stmt.params().iter().map(|t| t.name().to_string()).collect())
    }

    /// Plans one execution: its values inline where the log has them, a
    /// plain value of each parameter's type where it does not.
    /// Gives the text planned (with `$n` left in for a generic plan) and
    /// the EXPLAIN options it needs.
    pub fn plan(&mut self, sample: &Sample) -> Result<(String, &'static str, Plan), String> {
        let n = max_param(&sample.sql);
        let sql = if n == 0 {
            sample.sql.clone()
        } else if sample.params.len() >= n {
            let values: Vec<Option<String>> = sample.params.clone();
            substitute(&sample.sql, |i| {
                literal(values.get(i - 1).cloned().flatten())
            })
        } else {
            // A plain value of each type the server infers. (PostgreSQL
            // 16's `EXPLAIN (GENERIC_PLAN)` would need the `$n` left
            // unbound, which the extended protocol does not allow: the
            // server gives them types, and then wants values.)
            let types = self.param_types(&sample.sql)?;
            substitute(&sample.sql, |i| {
                types
                    .get(i - 1)
                    .map_or("NULL".to_string(), |t| typed_default(t))
            })
        };
        let plan = self.explain(&sql)?;
        Ok((sql, "FORMAT JSON", plan))
    }

    /// Plans `sql` again with a hypothetical index on `table (columns)`;
    /// the index is gone afterwards. `None` when HypoPG is not there.
    pub fn plan_with_index(
        &mut self,
        sql: &str,
        options: &str,
        table: &str,
        columns: &[String],
    ) -> Result<Option<Plan>, String> {
        if !self.hypopg {
            return Ok(None);
        }
        let ddl = format!(
            "CREATE INDEX ON {} ({})",
            crate::schema::quote(table),
            columns
                .iter()
                .map(|c| crate::schema::quote(c))
                .collect::<Vec<_>>()
                .join(", ")
        );
        self.client
            .query("SELECT indexrelid FROM hypopg_create_index($1)", &[&ddl])
            .map_err(|e| first_line(&e))?;
        let plan = self.explain_with(options, sql);
        if let Err(e) = self.client.query("SELECT hypopg_reset()", &[]) {
            // A hypothetical index left behind would skew every later plan.
            self.hypopg = false;
            return Err(format!("hypopg_reset() failed: {}", first_line(&e)));
        }
        plan.map(Some)
    }
}

/// The server's own words for an error (`relation "x" does not exist`),
/// else the client's.
fn first_line(e: &postgres::Error) -> String {
    let s = match e.as_db_error() {
        Some(db) => db.message().to_string(),
        None => e.to_string(),
    };
    s.lines().next().unwrap_or(&s).to_string()
}

/// A value as an SQL literal of unknown type, which the server casts to
/// what the context needs (`'5'` for an integer column works). Quotes are
/// doubled; `standard_conforming_strings` has been on by default since
/// PostgreSQL 9.1, so backslashes are plain characters.
fn literal(v: Option<String>) -> String {
    match v {
        None => "NULL".to_string(),
        Some(v) => format!("'{}'", v.replace('\0', "").replace('\'', "''")),
    }
}

/// A value of the type, for shapes whose log has no values: typical for
/// an equality, so the planner's estimate is the usual one.
fn typed_default(t: &str) -> String {
    let v = match t {
        "int2" | "int4" | "int8" | "oid" | "numeric" | "float4" | "float8" | "money" => "1",
        "bool" => "true",
        "text" | "varchar" | "bpchar" | "name" | "citext" | "unknown" => "x",
        "uuid" => "00000000-0000-0000-0000-000000000001",
        "timestamp" | "timestamptz" => "2000-01-01 00:00:00",
        "date" => "2000-01-01",
        "time" | "timetz" => "12:00",
        "interval" => "1 day",
        "json" | "jsonb" => "{}",
        "bytea" => "\\x00",
        "inet" | "cidr" => "127.0.0.1",
        t if t.starts_with('_') => "{}",
        _ => return "NULL".to_string(),
    };
    format!("'{v}'::{t}")
}

/// The highest `$n` placeholder outside literals, identifiers and comments.
fn max_param(sql: &str) -> usize {
    let mut n = 0;
    scan_params(sql, |i, _| n = n.max(i));
    n
}

/// `sql` with each `$n` outside literals, identifiers and comments
/// replaced by `value(n)`.
fn substitute(sql: &str, mut value: impl FnMut(usize) -> String) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut last = 0;
    scan_params(sql, |i, range| {
        out.push_str(&sql[last..range.start]);
        out.push_str(&value(i));
        last = range.end;
    });
    out.push_str(&sql[last..]);
    out
}

fn scan_params(sql: &str, mut found: impl FnMut(usize, std::ops::Range<usize>)) {
    let b = sql.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\'' | b'"' => {
                let q = b[i];
                // `E'…'`: backslash escapes as well as doubled quotes.
                let escapes = q == b'\''
                    && i > 0
                    && matches!(b[i - 1], b'e' | b'E')
                    && (i < 2 || !word(b[i - 2]));
                i += 1;
                while i < b.len() {
                    if escapes && b[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    if b[i] == q {
                        if b.get(i + 1) == Some(&q) {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                // Comments nest in PostgreSQL.
                let mut depth = 0usize;
                while i < b.len() {
                    if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            }
            b'$' if i > 0 && word(b[i - 1]) => i += 1,
            b'$' => {
                let start = i;
                let mut j = i + 1;
                while j < b.len() && b[j].is_ascii_digit() {
                    j += 1;
                }
                if j > i + 1 {
                    if let Ok(n) = sql[i + 1..j].parse::<usize>() {
                        if n > 0 {
                            found(n, start..j);
                        }
                    }
                    i = j;
                    continue;
                }
                // A dollar-quoted string: `$tag$ … $tag$`.
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                    j += 1;
                }
                if b.get(j) == Some(&b'$') {
                    let tag = &sql[i..=j];
                    match sql[j + 1..].find(tag) {
                        Some(end) => i = j + 1 + end + tag.len(),
                        None => i = b.len(),
                    }
                    continue;
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
}

/// `EXPLAIN (FORMAT JSON)` output as report lines and facts.
#[cfg(test)]
fn parse_plan(text: &str) -> Result<Plan, String> {
    plan_of(&serde_json::from_str(text).map_err(|e| e.to_string())?)
}

fn plan_of(v: &Value) -> Result<Plan, String> {
    let root = v
        .get(0)
        .and_then(|p| p.get("Plan"))
        .ok_or("EXPLAIN output without a plan")?;
    let mut plan = Plan {
        lines: Vec::new(),
        cost: root
            .get("Total Cost")
            .and_then(Value::as_f64)
            .unwrap_or(0.0),
        full_reads: Vec::new(),
        indexes: Vec::new(),
    };
    walk(root, 0, &mut plan);
    Ok(plan)
}

fn walk(node: &Value, depth: usize, plan: &mut Plan) {
    let s = |k: &str| node.get(k).and_then(Value::as_str).unwrap_or("");
    let kind = s("Node Type");
    let mut line = format!("{}{kind}", "  ".repeat(depth));
    if s("Scan Direction") == "Backward" {
        line.push_str(" Backward");
    }
    if !s("Index Name").is_empty() {
        line.push_str(&format!(" using {}", s("Index Name")));
        plan.indexes.push(s("Index Name").to_string());
    }
    if !s("Relation Name").is_empty() {
        line.push_str(&format!(" on {}", s("Relation Name")));
        if !s("Alias").is_empty() && s("Alias") != s("Relation Name") {
            line.push_str(&format!(" {}", s("Alias")));
        }
        let whole_index = matches!(kind, "Index Scan" | "Index Only Scan")
            && node.get("Index Cond").is_none()
            && node.get("Filter").is_some();
        if kind == "Seq Scan" || whole_index {
            let alias = if s("Alias").is_empty() {
                s("Relation Name")
            } else {
                s("Alias")
            };
            plan.full_reads
                .push((s("Relation Name").to_string(), alias.to_string()));
        }
    }
    if let Some(c) = node.get("Total Cost").and_then(Value::as_f64) {
        line.push_str(&format!(" (cost {c:.2}"));
        if let Some(r) = node.get("Plan Rows").and_then(Value::as_f64) {
            line.push_str(&format!(", rows {r:.0}"));
        }
        line.push(')');
    }
    plan.lines.push(line);
    if let Some(children) = node.get("Plans").and_then(Value::as_array) {
        for c in children {
            walk(c, depth + 1, plan);
        }
    }
}

/// The report's name for a hypothetical index (`<13543>btree_orders_customer_id`).
pub fn is_hypothetical(index: &str) -> bool {
    index.starts_with('<') && index.contains(">btree")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_found_outside_literals_and_comments() {
        let sql = "SELECT '$1', \"$2\", $$ $3 $$, $tag$ $4 $tag$ /* $5 */ FROM t WHERE a = $1 AND b = $12 -- $6\n AND c = $2";
        assert_eq!(max_param(sql), 12);
        assert_eq!(
            substitute(sql, |i| format!("<{i}>")),
            "SELECT '$1', \"$2\", $$ $3 $$, $tag$ $4 $tag$ /* $5 */ FROM t WHERE a = <1> AND b = <12> -- $6\n AND c = <2>"
        );
    }

    #[test]
    fn escaped_strings_nested_comments_and_odd_dollars_hide_no_parameter() {
        let sql = r"SELECT E'it\'s $1', x$1, $0 /* a /* b */ $2 */ FROM t WHERE a = $3";
        assert_eq!(
            substitute(sql, |i| format!("<{i}>")),
            r"SELECT E'it\'s $1', x$1, $0 /* a /* b */ $2 */ FROM t WHERE a = <3>"
        );
    }

    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(
            redact("postgresql://u:p@ss@h:5432/db?password=x&sslmode=require"),
            "postgresql://u@h:5432/db?sslmode=require"
        );
        assert_eq!(
            redact("host=h password=secret dbname=d"),
            "host=h password=… dbname=d"
        );
        assert_eq!(
            split_sslmode("host=h sslmode=verify-full dbname=d"),
            ("host=h dbname=d".to_string(), "verify-full".to_string())
        );
    }

    #[test]
    fn logged_values_become_quoted_literals() {
        let sql = substitute("SELECT * FROM t WHERE a = $1 AND b = $2", |i| {
            literal([Some("x'); DROP TABLE t; --".to_string()), None][i - 1].clone())
        });
        assert_eq!(
            sql,
            "SELECT * FROM t WHERE a = 'x''); DROP TABLE t; --' AND b = NULL"
        );
        assert_eq!(typed_default("int8"), "'1'::int8");
        assert_eq!(typed_default("_int4"), "'{}'::_int4");
        assert_eq!(typed_default("my_enum"), "NULL");
    }

    #[test]
    fn sslmode_is_read_from_the_url() {
        assert_eq!(
            split_sslmode("postgresql://u:pw@h/db?sslmode=require&application_name=x"),
            (
                "postgresql://u:pw@h/db?application_name=x".to_string(),
                "require".to_string()
            )
        );
        assert_eq!(
            split_sslmode("postgresql://h/db"),
            ("postgresql://h/db".to_string(), "prefer".to_string())
        );
        assert_eq!(
            redact("postgresql://u:secret@h:5432/db"),
            "postgresql://u@h:5432/db"
        );
    }

    #[test]
    fn a_walk_of_a_whole_index_that_filters_is_a_full_read() {
        let json = r#"[{"Plan": {"Node Type": "Limit", "Total Cost": 60.2, "Plans": [
            {"Node Type": "Index Scan", "Scan Direction": "Backward", "Index Name": "orders_pkey",
             "Relation Name": "orders", "Alias": "orders", "Filter": "(status = 'pending'::text)",
             "Total Cost": 1505.3, "Plan Rows": 12500}]}}]"#;
        let p = parse_plan(json).unwrap();
        assert_eq!(p.full_reads, [("orders".to_string(), "orders".to_string())]);
        assert_eq!(
            p.lines[1],
            "  Index Scan Backward using orders_pkey on orders (cost 1505.30, rows 12500)"
        );
        // An index searched by its condition is no full read.
        let json = r#"[{"Plan": {"Node Type": "Index Scan", "Index Name": "orders_pkey",
             "Relation Name": "orders", "Index Cond": "(id = 5)", "Total Cost": 8.3}}]"#;
        assert!(parse_plan(json).unwrap().full_reads.is_empty());
    }

    #[test]
    fn plans_are_read_from_explain_json() {
        let json = r#"[{"Plan": {"Node Type": "Limit", "Total Cost": 1834.5, "Plan Rows": 1,
            "Plans": [{"Node Type": "Seq Scan", "Relation Name": "orders", "Alias": "o",
                       "Total Cost": 1834.5, "Plan Rows": 10},
                      {"Node Type": "Index Scan", "Index Name": "<13543>btree_items_order_id",
                       "Relation Name": "items", "Alias": "items", "Total Cost": 8.3, "Plan Rows": 3}]}}]"#;
        let p = parse_plan(json).unwrap();
        assert_eq!(p.cost, 1834.5);
        assert_eq!(p.full_reads, [("orders".to_string(), "o".to_string())]);
        assert_eq!(
            p.lines,
            [
                "Limit (cost 1834.50, rows 1)",
                "  Seq Scan on orders o (cost 1834.50, rows 10)",
                "  Index Scan using <13543>btree_items_order_id on items (cost 8.30, rows 3)"
            ]
        );
        assert!(is_hypothetical(&p.indexes[0]));
    }
}
