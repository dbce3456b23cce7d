//! Facts the front ends hand to the rules. Front ends produce these; they
//! never report. Rules read them; they never re-read a file.

use super::diagnostic::Span;

/// What a database call does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
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

/// How a call comes to run once per element.
#[derive(Clone, Debug, PartialEq, Eq)]
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
    },
    /// Not visible from this function (a parameter of type `&str`, a call result).
    Unknown,
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
    /// The enclosing fn, as `name` or `Type::name`.
    pub function: Option<String>,
    /// Whether the call uses a batched form (`eq_any`, `= ANY`, `IN (…)`, `belonging_to`).
    pub batched: bool,
    /// The call runs a query; false for a raw-SQL sink that only builds one.
    pub executes: bool,
    /// The query fetches one page (`LIMIT`, `offset`, `paginate`): a paging
    /// `loop` or `while` is not N+1.
    pub paging: bool,
}

/// One fingerprinted SQL shape: from a literal in Rust source, or the
/// executions of one shape in a log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryFacts {
    /// The text as written or logged (one representative execution).
    pub sql: String,
    /// Normalized text and its hash.
    pub fingerprint: String,
    pub hash: u64,
    /// Where it was seen: the literal, or the log lines of the first execution.
    pub span: Span,
    /// How many times it ran (1 for source).
    pub count: u64,
}

/// One statement inside a [`QueryGroup`].
#[derive(Clone, Debug, PartialEq)]
pub struct GroupEvent {
    pub hash: u64,
    pub operation: Operation,
    /// Hash of the statement's literal and bound values, to tell repeats with
    /// the same values (duplicates) from repeats with new ones (N+1).
    pub values_hash: u64,
    pub span: Span,
    pub duration_ms: Option<f64>,
}

/// Statements that belong together: one request, transaction, or session burst.
#[derive(Clone, Debug, PartialEq)]
pub struct QueryGroup {
    /// How the group was formed and its key: `request 7f3a…`, `session 4411`.
    pub key: String,
    pub events: Vec<GroupEvent>,
}

/// The plan SQLite chose for one query shape, with the schema replica at hand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanFacts {
    pub query: QueryFacts,
    /// `EXPLAIN QUERY PLAN` detail lines, in order.
    pub plan: Vec<String>,
}
