//! ORM knowledge as data: `rules/orms/<orm>.toml`, embedded at compile time,
//! plus wrappers a team declares under `[orms.<name>]` in `ormlint.toml`.

use serde::Deserialize;

/// Calls that execute a query.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ExecSpec {
    /// Method names (`load`, `fetch_all`).
    #[serde(default)]
    pub methods: Vec<String>,
    /// Free functions or associated functions, matched on whole path
    /// segments from the end (`find_user`, `UserRepo::find`).
    #[serde(default)]
    pub functions: Vec<String>,
    /// Allowed argument counts; empty allows any.
    #[serde(default)]
    pub args: Vec<usize>,
    /// One of these must appear in the receiver chain (method names, path
    /// segments, `macro!` names).
    #[serde(default)]
    pub chain: Vec<String>,
    /// Or the receiver's name must contain one of these words (`conn`, `pool`).
    #[serde(default)]
    pub receivers: Vec<String>,
    /// Or the first argument's name must contain one of these words.
    #[serde(default)]
    pub argnames: Vec<String>,
    /// Or the receiver's declared type (a parameter or annotated `let`) is one of these.
    #[serde(default)]
    pub types: Vec<String>,
    /// `select`, `insert`, `update`, `delete`, `raw` or `other`.
    #[serde(default)]
    pub operation: Option<String>,
    /// This call carries SQL text in the argument at this index.
    #[serde(default)]
    pub sql_arg: Option<usize>,
}

/// Functions and methods that take SQL text.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SinkSpec {
    #[serde(default)]
    pub functions: Vec<String>,
    #[serde(default)]
    pub methods: Vec<String>,
    #[serde(default)]
    pub chain: Vec<String>,
    /// Index of the argument that carries SQL text.
    pub arg: usize,
    /// `Statement::from_string(backend, sql)`: the SQL is the second argument.
    #[serde(default)]
    pub first_arg_is_backend: bool,
    /// The call appends its argument to SQL text already started
    /// (`QueryBuilder::push`): any value that is not constant is dynamic.
    #[serde(default)]
    pub appends: bool,
    #[serde(default)]
    pub operation: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BatchSpec {
    /// Methods whose presence in a chain means the query is already batched.
    #[serde(default)]
    pub methods: Vec<String>,
}

/// What an ORM function or method returns, so the type of a local like
/// `let mut tx = client.transaction()?` is known.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReturnSpec {
    /// Method names (`transaction`, `prepare`).
    #[serde(default)]
    pub methods: Vec<String>,
    /// Functions, matched on whole path segments from the end (`Client::connect`).
    #[serde(default)]
    pub functions: Vec<String>,
    /// The receiver types the methods apply to; empty: any of this ORM's types.
    #[serde(default)]
    pub on: Vec<String>,
    /// The returned type's name, in the ORM's crate (`Transaction`).
    #[serde(rename = "type")]
    pub ty: String,
}

/// Help texts for one database.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DbHelp {
    #[serde(default)]
    pub batched: String,
    #[serde(default)]
    pub batched_write: String,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OrmSpec {
    /// The ORM's id; for `[orms.<name>]` tables in `ormlint.toml`, the table name.
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub display: String,
    /// Crate names whose paths or imports mark a file as using this ORM.
    /// Empty for user wrappers, which apply everywhere.
    #[serde(default)]
    pub crates: Vec<String>,
    /// Help text for n-plus-one: this ORM's batched form.
    #[serde(default)]
    pub batched: String,
    /// Help text for n-plus-one when the code base declares the relation
    /// (`#[derive(Associations)]`, SeaORM `Relation`): relation loading.
    #[serde(default)]
    pub batched_related: String,
    /// Help text for write-in-loop: this ORM's multi-row write.
    #[serde(default)]
    pub batched_write: String,
    /// Help in one database's terms (`postgres`, `sqlite`, `mysql`), for
    /// ORMs that speak several.
    #[serde(default)]
    pub help: std::collections::BTreeMap<String, DbHelp>,
    /// Help text for sql-injection: this ORM's binding API.
    #[serde(default)]
    pub bind: String,
    #[serde(default)]
    pub execute: Vec<ExecSpec>,
    #[serde(default)]
    pub sink: Vec<SinkSpec>,
    #[serde(default)]
    pub batch: BatchSpec,
    #[serde(default)]
    pub returns: Vec<ReturnSpec>,
}

const BUILTIN: &[(&str, &str)] = &[
    ("diesel", include_str!("../../rules/orms/diesel.toml")),
    ("sea-orm", include_str!("../../rules/orms/sea-orm.toml")),
    ("sqlx", include_str!("../../rules/orms/sqlx.toml")),
    ("rusqlite", include_str!("../../rules/orms/rusqlite.toml")),
    ("postgres", include_str!("../../rules/orms/postgres.toml")),
    ("mysql", include_str!("../../rules/orms/mysql.toml")),
];

/// The built-in ORM specs. They are checked by a test, so parsing cannot fail
/// in a released binary; a broken one is skipped rather than aborting.
pub fn builtin() -> Vec<OrmSpec> {
    BUILTIN
        .iter()
        .filter_map(|(_, text)| toml::from_str::<OrmSpec>(text).ok())
        .map(|mut s| {
            if s.display.is_empty() {
                s.display = s.name.clone();
            }
            s
        })
        .collect()
}

impl OrmSpec {
    /// The ORM's handle types: those its calls run on, and those its
    /// functions return.
    pub fn handle_types(&self) -> impl Iterator<Item = &str> {
        self.execute
            .iter()
            .flat_map(|e| e.types.iter())
            .chain(self.returns.iter().map(|r| &r.ty))
            .map(String::as_str)
    }

    pub fn display(&self) -> &str {
        if self.display.is_empty() {
            &self.name
        } else {
            &self.display
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_specs_parse() {
        for (name, text) in BUILTIN {
            let spec: OrmSpec = toml::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(spec.name, *name);
            assert!(!spec.execute.is_empty() || !spec.sink.is_empty(), "{name}");
            assert!(!spec.batched.is_empty() && !spec.bind.is_empty(), "{name}");
        }
        assert_eq!(builtin().len(), BUILTIN.len());
    }
}
