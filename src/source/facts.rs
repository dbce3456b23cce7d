//! Per-file facts from one visit, before the crate-level call graph joins them.

use std::ops::Range;

use super::types::{Ty, TyExpr};
use crate::engine::{LoopKind, Operation, SqlPosition};

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LoopRaw {
    pub kind: LoopKind,
    pub header: Range<usize>,
    /// Names the loop binds per element (`for (id, name) in …`, closure params).
    pub vars: Vec<String>,
    /// The loop runs over batches (`for chunk in ids.chunks(500)`).
    pub batched: bool,
    /// The loop walks data: a collection, a cursor, a worklist — not a
    /// list written in the code, nor a service, retry or event loop.
    pub over_data: bool,
    /// A constant caps how many elements it walks (`.take(3)`).
    pub bounded: bool,
}

/// Where the text given to a raw-SQL sink comes from (byte ranges in the file).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TextSource {
    Constant,
    Dynamic {
        what: String,
        numeric: bool,
        at: Range<usize>,
        how: String,
        /// Where the value's text may come from (empty: nothing outside).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        taint: Vec<Taint>,
    },
    Unknown,
}

fn none_vary(v: &[bool]) -> bool {
    !v.iter().any(|&b| b)
}

fn no_taint(v: &[Vec<Taint>]) -> bool {
    v.iter().all(Vec::is_empty)
}

/// Where a value's text may come from, as far as one function shows.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Taint {
    /// Outside text of a kind in `rules/sources.toml`, entering at `at`.
    Source {
        kind: String,
        what: String,
        at: Range<usize>,
    },
    /// Read from the database: a second-order source.
    Row { at: Range<usize> },
    /// A parameter of the enclosing fn (not `self`): its callers decide.
    Param { index: usize, name: String },
    /// What a call into the workspace returns (the call's span): rows,
    /// when the function runs a query.
    Call { at: Range<usize> },
    /// `Ty::parse()`: input when `Ty` derives a command-line parser.
    Parsed { ty: String, at: Range<usize> },
    /// `self.field` of a type of the workspace: what the workspace stores
    /// in that field (`FileFacts::field_writes`) decides.
    Field {
        owner: String,
        field: String,
        at: Range<usize>,
    },
    /// Something this analysis cannot follow (what a function of another
    /// crate returns, a closure's parameter).
    Unknown,
}

/// A recognized database call or raw-SQL sink in one file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SiteRaw {
    pub span: Range<usize>,
    /// Index into the ORM specs.
    pub orm: usize,
    pub method: String,
    pub operation: Operation,
    pub tables: Vec<String>,
    pub sql: Option<String>,
    /// The SQL argument and where its text comes from (sinks only).
    pub raw_sql: Option<(Range<usize>, TextSource)>,
    pub loops: Vec<LoopRaw>,
    /// Index into `FileFacts::fns` of the enclosing fn.
    pub func: Option<usize>,
    /// The call runs a query (false for a sink that only builds one).
    pub executes: bool,
    pub batched: bool,
    /// A `LIMIT`/`offset`/page call: a paging loop fetches in batches.
    pub paging: bool,
    /// The SQL text changes per element (it names a loop variable): a
    /// script of different statements, not one query per element.
    pub sql_varies: bool,
    /// The SQL text is a parameter of the enclosing fn (the caller decides it).
    pub sql_param: bool,
    /// Each run needs the previous one's result (`next = query(next)`).
    pub sequential: bool,
    /// Where the dynamic value in the SQL text stands.
    #[serde(default, skip_serializing_if = "SqlPosition::is_value")]
    pub sql_position: SqlPosition,
    /// For query-builder chains: the SQL they send, derived from the chain.
    pub derived_sql: Option<String>,
    /// SQL built with `format!`: the format string, holes and all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql_template: Option<String>,
    /// Columns the chain compares to a truth value or an enum variant.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub constant_columns: Vec<String>,
    /// In a branch that leaves the loop: runs at most once per loop.
    pub once: bool,
    /// What recognized the call, and so what the receiver's type can still decide.
    pub evidence: Evidence,
    /// The receiver's type, for the resolution pass.
    pub recv: Option<TyExpr>,
    /// For a match by name or method alone: the handle types the matched
    /// spec runs on.
    pub handle_types: Vec<String>,
    /// In test code: a `#[test]` or `#[cfg(test)]` item, or a test, bench
    /// or example file.
    pub in_test: bool,
    /// The statement is DDL (`CREATE`, `DROP`, `ALTER`, `TRUNCATE`):
    /// schema work, not a query per element.
    pub ddl: bool,
    /// Runs only on a cache miss.
    pub memo: bool,
    /// The type of the dynamic value in the SQL text, for the resolution
    /// pass (a `&'static str` is a constant after all).
    pub raw_ty: Option<TyExpr>,
    /// In a loop, and nothing the call is made with names a loop variable.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub invariant: bool,
    /// Only on an error path (`Err(e) => …`, `.map_err(|e| …)`): not
    /// once per element.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub on_error: bool,
    /// Behind a branch inside the innermost loop (`if`, a `match` arm).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub conditional: bool,
}

/// How a call was recognized as a database call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Evidence {
    /// The builder chain, an SQL literal argument or a function path: the
    /// receiver's type cannot overrule it.
    Shape,
    /// Only the receiver's or argument's name (`conn`, `client`): dropped
    /// when the receiver's type turns out to be something else.
    Name,
    /// The first argument's name (`model.save(db)`): the receiver is not
    /// the handle, so only a workspace method of its type overrules it.
    ArgName,
    /// Nothing but the method name: kept only when the receiver's type
    /// turns out to be one of the ORM's types.
    TypeOnly,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FnInfo {
    /// `name` for free fns, `Type::name` for methods.
    pub key: String,
    pub name: String,
    pub owner: Option<String>,
    pub span: Range<usize>,
    /// Parameters, not counting `self`.
    pub params: usize,
    pub has_self: bool,
    /// The trait of the impl (or the trait itself, for a default method).
    pub trait_name: Option<String>,
    /// The return type as callers see it (`Self` replaced by the owner).
    pub ret: Option<Ty>,
    /// False for a trait method declared without a default body.
    pub has_body: bool,
    /// The parameters' types (not `self`), where written.
    pub param_tys: Vec<Option<Ty>>,
    /// `pub` (a library's callers may be outside the workspace).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub public: bool,
    /// The parameters' names (not `self`), `_` for patterns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub param_names: Vec<String>,
    /// Where the returned value's text comes from (its tail expression).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ret_taint: Vec<Taint>,
    /// For a body that is one expression (`self.db_name`), its type's
    /// recipe: it can say more than the signature (`&'static str` behind
    /// `-> &str`).
    pub ret_recipe: Option<TyExpr>,
}

/// A struct's named fields and their types (workspace types by name).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StructInfo {
    pub name: String,
    pub fields: Vec<(String, Ty)>,
}

#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum CallTarget {
    /// `foo(..)` or `module::foo(..)`.
    Free(String),
    /// `Type::foo(..)`, `Self::foo(..)` (owner known), or `x.foo(..)` (owner unknown).
    Method { owner: Option<String>, name: String },
}

impl CallTarget {
    pub fn name(&self) -> &str {
        match self {
            CallTarget::Free(n) => n,
            CallTarget::Method { name, .. } => name,
        }
    }
}

/// A call to some other function of the crate, with the loops around it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CallRaw {
    pub caller: Option<usize>,
    pub target: CallTarget,
    pub span: Range<usize>,
    pub loops: Vec<LoopRaw>,
    pub args: usize,
    /// An argument names a loop variable or is built from one.
    pub args_vary: bool,
    /// Each run needs the previous result (`next = parent_of(next)`).
    pub sequential: bool,
    /// In a branch that leaves the loop.
    pub once: bool,
    /// For method calls, the receiver's type.
    pub recv: Option<TyExpr>,
    /// In test code.
    pub in_test: bool,
    /// Runs only on a cache miss: calling the enclosing function does not
    /// always run it.
    pub memo: bool,
    /// Only on an error path.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub on_error: bool,
    /// Behind a branch inside the innermost loop.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub conditional: bool,
    /// Where each argument's text may come from (for sql-injection's
    /// parameters: the callers decide).
    #[serde(default, skip_serializing_if = "no_taint")]
    pub arg_taints: Vec<Vec<Taint>>,
    /// Which arguments name a loop variable.
    #[serde(default, skip_serializing_if = "none_vary")]
    pub vary_each: Vec<bool>,
    /// The call (receiver or arguments) may differ from one turn of the
    /// loop to the next: it names a loop variable or a local that changes.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub recv_varies: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileFacts {
    pub sites: Vec<SiteRaw>,
    pub fns: Vec<FnInfo>,
    pub calls: Vec<CallRaw>,
    pub structs: Vec<StructInfo>,
    /// `type Name = Ty;`
    pub aliases: Vec<(String, Ty)>,
    /// Which impls name which traits: (trait, type).
    pub impls: Vec<(String, String)>,
    /// Macro invocations whose tokens did not parse as code (counted for `-v`).
    pub opaque_macros: usize,
    /// Traits defined in the file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub traits: Vec<String>,
    /// Structs filled from the command line (`#[derive(Parser)]`).
    #[serde(default)]
    pub cli_structs: Vec<String>,
    /// What the file stores in struct fields (`self.f = v`, `T { f: v }`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub field_writes: Vec<FieldWrite>,
    /// Diesel `table!` and `joinable!` declarations.
    #[serde(
        default,
        skip_serializing_if = "crate::source::diesel_schema::DieselFacts::is_empty"
    )]
    pub diesel: crate::source::diesel_schema::DieselFacts,
}

/// `self.f = v` or `T { f: v }` in fn `func`: the taint `T.f` is given.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FieldWrite {
    pub owner: String,
    pub field: String,
    pub func: Option<usize>,
    pub at: Range<usize>,
    pub taint: Vec<Taint>,
}
