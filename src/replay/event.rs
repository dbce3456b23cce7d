//! The record every log reader yields.

/// One SQL statement taken from a query log.
///
/// `sql` is the statement text as the server logged it: multi-line statements
/// are joined with `'\n'` (PostgreSQL stderr's continuation TAB removed), bind
/// parameters are *not* substituted. Line numbers are 1-based physical lines of
/// the (decompressed) input and cover the whole entry, including an attached
/// `DETAIL:  parameters:` line; byte offsets are into the same stream, `byte_end`
/// exclusive.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QueryEvent {
    /// Statement text as logged, parameters not substituted.
    pub sql: String,
    /// Bound parameter values in order (`$1`, `$2`, …), unquoted; `NULL` is `None`.
    pub params: Vec<Option<String>>,
    /// Unix epoch microseconds. Numeric zone offsets are applied; named zones
    /// (`UTC`, `GMT`, `CET`, `MSK`, …) are taken as UTC.
    pub at_micros: Option<i64>,
    pub duration_ms: Option<f64>,
    /// PostgreSQL: session id (`%c`) or else pid; MySQL: thread id; JSON: `session`/`connection`.
    pub session: Option<String>,
    /// PostgreSQL virtual transaction id (or the xid when only that is logged); JSON `txn`.
    pub txn: Option<String>,
    /// JSON `request` / `request_id` / `trace_id`.
    pub request: Option<String>,
    /// PostgreSQL `application_name`; JSON `app` / `application`.
    pub application: Option<String>,
    pub user: Option<String>,
    pub database: Option<String>,
    pub first_line: u64,
    pub last_line: u64,
    pub byte_start: u64,
    pub byte_end: u64,
}
