//! Facts the front ends hand to the rules. Front ends produce these; they
//! never report. Rules read them; they never re-read a file.

use super::diagnostic::Span;

/// What a database call does.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Operation {
    Select,
    Insert,
    Update,
    Delete,
    /// Raw SQL whose statement kind is not known statically.
    Raw,
    Other,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Select => "select",
            Operation::Insert => "insert",
            Operation::Update => "update",
            Operation::Delete => "delete",
            Operation::Raw => "raw",
            Operation::Other => "other",
        }
    }

    pub fn is_write(self) -> bool {
        matches!(
            self,
            Operation::Insert | Operation::Update | Operation::Delete
        )
    }
}

/// Where a value spliced into SQL text stands, which decides how to fix it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SqlPosition {
    /// A value (a literal's place): a bind parameter carries it.
    #[default]
    Value,
    /// A table, column or schema name: no bind parameter can carry it.
    Identifier,
    /// A keyword or a setting (`SET x = …`, `SAVEPOINT …`, `BEGIN …`):
    /// no bind parameter can carry it either; validate it.
    Setting,
}

impl SqlPosition {
    pub fn is_value(&self) -> bool {
        *self == SqlPosition::Value
    }
}

/// How a call comes to run once per element.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum LoopKind {
    For,
    While,
    WhileLet,
    Loop,
    /// A closure given to an iterator or stream adapter (`map`, `for_each`, …).
    Adapter(String),
}

impl LoopKind {
    pub fn describe(&self) -> String {
        match self {
            LoopKind::For => "`for` loop".into(),
            LoopKind::While => "`while` loop".into(),
            LoopKind::WhileLet => "`while let` loop".into(),
            LoopKind::Loop => "`loop`".into(),
            LoopKind::Adapter(name) => format!("closure passed to `{name}`"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoopInfo {
    pub kind: LoopKind,
    /// The loop header (`for x in xs`) or the adapter call (`.map(`).
    pub header: Span,
    /// The loop runs over batches (`for chunk in ids.chunks(500)`).
    pub batched: bool,
    /// The loop walks data (a collection, a cursor, a worklist), not a list
    /// written in the code nor a service, retry or event loop.
    pub over_data: bool,
    /// A constant caps how many elements it walks (`.take(3)`).
    pub bounded: bool,
}

/// One step from a call inside a loop to the query it ends up running.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallHop {
    /// The called function, as written (`load_author`, `Repo::find`).
    pub callee: String,
    /// Where the query (or the next call) sits inside the callee.
    pub span: Span,
}

/// Where the SQL text of a raw-SQL sink comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SqlSource {
    /// A literal, `const`, `static`, `concat!` or `format!` of constants.
    Constant,
    /// Text built at run time from a value: `what` names the value as written.
    Dynamic {
        what: String,
        /// The value is visibly numeric or boolean (a typed parameter or `let`).
        numeric: bool,
        /// Where the value enters the SQL text.
        at: Span,
        /// How it enters: `format!`, `+`, `push_str`, `replace`, `push`.
        how: String,
        /// Where its text comes from, followed through the callers.
        origin: Origin,
    },
    /// Not visible from this function (a parameter of type `&str`, a call result).
    Unknown,
}

/// Where a value spliced into SQL text comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Outside text: its kind (`remote`, `cli`, `env`, `stdin`, `file`),
    /// in words ("the HTTP request"), and the steps from where it enters
    /// to the SQL, first to last.
    Input {
        kind: String,
        what: String,
        steps: Vec<(Span, String)>,
    },
    /// A value read from the database: a second-order source.
    Row { steps: Vec<(Span, String)> },
    /// A parameter of a `pub` function that nothing in the workspace
    /// calls: its callers, outside, decide.
    Unresolved { function: String, param: String },
    /// Nothing from outside reaches it, as far as the analysis follows.
    None,
}

/// One database call recognized in Rust source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuerySite {
    /// The executing call (`.load(conn)`, `sqlx::query(..).fetch_all(..)`).
    pub span: Span,
    /// `diesel`, `sea-orm`, `sqlx`, `rusqlite`, `postgres`, `mysql`, or a user-taught name.
    pub orm: String,
    /// The ORM as users write it (`Diesel`, `SeaORM`).
    pub orm_display: String,
    /// This ORM's batched read, for n-plus-one help.
    pub batched_form: String,
    /// This ORM's multi-row write, for write-in-loop help.
    pub batched_write: String,
    /// This ORM's bind-parameter API, for sql-injection help.
    pub bind_form: String,
    pub operation: Operation,
    /// The executing method or function as written.
    pub method: String,
    /// Tables or entities, when the chain names them.
    pub tables: Vec<String>,
    /// SQL text, when it is a literal (or derived from a builder chain).
    pub sql: Option<String>,
    /// The raw-SQL argument, when the call takes SQL text.
    pub raw_sql: Option<(Span, SqlSource)>,
    /// Per-element contexts around the call, outermost first.
    pub loops: Vec<LoopInfo>,
    /// When the query runs inside a called function: the chain of calls,
    /// from the call in the loop to the query itself.
    pub via: Vec<CallHop>,
    /// A call through a trait (`&dyn Store`, `T: Store`): the other
    /// implementations that also run a query, and where.
    pub also_via: Vec<CallHop>,
    /// The enclosing fn, as `name` or `Type::name`.
    pub function: Option<String>,
    /// Whether the call uses a batched form (`eq_any`, `= ANY`, `IN (…)`, `belonging_to`).
    pub batched: bool,
    /// The call runs a query; false for a raw-SQL sink that only builds one.
    pub executes: bool,
    /// The query fetches one page (`LIMIT`, `offset`, `paginate`): a paging
    /// `loop` or `while` is not N+1.
    pub paging: bool,
    /// The SQL text changes per element: a script of different statements.
    pub sql_varies: bool,
    /// The innermost loop also fetches a page (`LIMIT`) per turn: work in
    /// it happens once per page, not once per row.
    pub in_paging_loop: bool,
    /// The call (or the loop that reaches it) is test code: a `#[test]`
    /// or `#[cfg(test)]` item, or a file under `tests/`, `benches/`,
    /// `examples/`.
    pub in_test: bool,
    /// DDL (`CREATE`, `DROP`, `ALTER`, `TRUNCATE`): schema work.
    pub ddl: bool,
    /// Each run needs the previous one's result (`next = query(next)`).
    pub sequential: bool,
    /// Where the dynamic value in the SQL text stands: a value, an
    /// identifier, a keyword or setting.
    pub sql_position: SqlPosition,
    /// For query-builder chains: the SQL they send, derived from the chain
    /// (`?` for bound values), when `sql` is not known.
    pub derived_sql: Option<String>,
    /// SQL built with `format!`, when `sql` is not known: the format
    /// string, its holes (`{term}`) as written.
    pub sql_template: Option<String>,
    /// Columns a builder chain compares to a constant of the code: a truth
    /// value or an enum variant (`status.eq(Status::Broadcast as i32)`).
    pub constant_columns: Vec<String>,
    /// A filter or sort no index of the crate's schema covers.
    pub unindexed: Option<Unindexed>,
    /// The database the crate talks to, when one is known: `postgres`,
    /// `sqlite`, `mysql`.
    pub database: Option<&'static str>,
    /// Nothing the query is run with changes per element: the same query
    /// every iteration, which can be run once before the loop.
    pub invariant: bool,
    /// Behind a branch inside the innermost loop: it may not run on every
    /// turn.
    pub conditional: bool,
    /// The query looks one row up by its table's key (Diesel's `.find(k)`):
    /// in a loop it fetches each element's parent, so the help is a batch by
    /// ids, never loading children with `belonging_to`.
    pub by_key: bool,
}

/// Static missing-index evidence: the table, its size, the columns to index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unindexed {
    pub table: String,
    pub rows: u64,
    pub columns: Vec<String>,
    pub uses: Vec<String>,
    /// The first migration statement on the table that could not be read
    /// (`path:line`): the judgement may miss an index made there.
    pub gap: Option<String>,
}

/// One fingerprinted SQL shape: from a literal in Rust source, or one
/// execution of a shape in a log.
#[derive(Clone, Debug)]
pub struct QueryFacts {
    /// The text as written or logged (one execution; values included).
    pub sql: String,
    /// Normalized text and its hash.
    pub fingerprint: String,
    pub hash: u64,
    /// Where it was written (source).
    pub span: Option<Span>,
    /// Where it was logged (replay).
    pub pos: Option<LogPos>,
    pub shape: Option<std::sync::Arc<ShapeInfo>>,
    /// Executions this fact stands for.
    pub count: u64,
    /// Literals in this execution's text.
    pub inline_literals: usize,
    /// Bind parameters in this execution's text.
    pub bound_params: usize,
    /// When non-zero: other executions of the same query shape bound their
    /// values as parameters this many times, while `count` executions inlined them.
    pub family_param_execs: u64,
    /// When non-zero: executions of this shape bind some values as
    /// parameters and splice literals beside them, and those literals took
    /// this many different values (counted up to 16).
    pub spliced_values: u32,
    /// The user asked to see literal values (`--show-values`).
    pub show_values: bool,
}

/// A statement's place in a log: which log, which lines. Turned into a
/// [`Span`] only when a rule reports on it ([`Cx::log_span`]).
///
/// [`Cx::log_span`]: super::Cx::log_span
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LogPos {
    /// Index of the log in the run's list of logs.
    pub log: u32,
    pub first_line: u64,
    pub last_line: u64,
}

/// One distinct query shape seen in a log, analysed once.
#[derive(Debug)]
pub struct ShapeInfo {
    pub hash: u64,
    /// The normalized text: what reports show instead of values.
    pub text: String,
    pub operation: Operation,
    pub analysis: std::sync::Arc<crate::sql::analyze::SqlAnalysis>,
}

/// One statement inside a [`QueryGroup`].
#[derive(Clone, Debug)]
pub struct GroupEvent {
    pub shape: std::sync::Arc<ShapeInfo>,
    /// Hash of the statement's literal and bound values, to tell repeats with
    /// the same values (duplicates) from repeats with new ones (N+1).
    pub values_hash: u64,
    /// Literals plus bound parameters: a multi-row `VALUES` has more than a
    /// single row of the same shape.
    pub n_values: u32,
    pub pos: LogPos,
    pub duration_ms: Option<f64>,
}

/// Statements that belong together: one request, transaction, or session burst.
#[derive(Clone, Debug)]
pub struct QueryGroup {
    /// How the group was formed and its key: `request b042`, `session 4411 @ 10:02:03.120`.
    pub key: String,
    pub events: Vec<GroupEvent>,
}

/// The plan SQLite chose for one query shape, with the schema replica at hand.
#[derive(Clone, Debug)]
pub struct PlanFacts {
    /// The shape, its first execution and how often it ran.
    pub query: QueryFacts,
    /// The table read in full.
    pub table: String,
    /// Its size as the planner was told.
    pub rows: u64,
    /// The proposed index: equality columns, then range, then sort; at most 3.
    pub columns: Vec<String>,
    /// How each proposed column is used (`customer_id = ?`, `ORDER BY created_at`).
    pub uses: Vec<String>,
    /// `EXPLAIN QUERY PLAN` detail lines without and with the index.
    pub plan_before: Vec<String>,
    pub plan_after: Vec<String>,
    /// Total time of the shape in the log, when durations were logged.
    pub total_ms: Option<f64>,
    /// Its place among the run's index proposals by time spent in the log
    /// (executions × mean time), 1-based, and how many were timed.
    pub rank: Option<(usize, usize)>,
    /// PostgreSQL's total plan cost without and with the index, when the
    /// user's database planned it (`--explain-with`); `None` on the SQLite
    /// replica, which has no comparable cost.
    pub costs: Option<(f64, f64)>,
}
