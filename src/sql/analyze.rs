//! `sqlparser` analysis of one statement shape: its kind, the tables it
//! touches, the columns its WHERE / JOIN / ORDER BY use, literals spliced into
//! predicates, and stacked statements. It runs once per distinct fingerprint
//! ([`AnalysisCache`]); the lexer, not the parser, is the hot path.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::Arc;

use sqlparser::ast::{
    BinaryOperator, Expr, JoinConstraint, JoinOperator, ObjectName, OrderByKind, Select, SetExpr,
    Statement, Value, Visit, Visitor,
};
use sqlparser::dialect::{Dialect, GenericDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;

use crate::engine::Operation;

/// How a predicate uses a column, for choosing index column order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ColumnUse {
    /// `col = ?`, `col IN (…)`, `col = ANY(?)`, `col IS TRUE`.
    Equality,
    /// `col > ?`, `BETWEEN`, `LIKE 'x%'`.
    Range,
    /// Join condition.
    Join,
    /// ORDER BY.
    Order,
    /// `col IS NULL`, `col IS NOT NULL`: how many rows match depends on
    /// the data, not on the query (a soft-delete's live rows are most of
    /// the table); a partial index, not a plain one, is the usual answer.
    Null,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ColumnRef {
    /// Table or alias qualifier as written (lowercase), if any.
    pub qualifier: Option<String>,
    pub column: String,
    pub usage: ColumnUse,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SqlAnalysis {
    /// Kind of the first statement.
    pub operation: Option<Operation>,
    /// Statements in the text: more than one means stacked statements.
    pub statements: usize,
    /// Tables read or written, lowercase, without schema, sorted.
    pub tables: Vec<String>,
    /// `alias → table` for the FROM/JOIN items that have one.
    pub aliases: Vec<(String, String)>,
    /// The table the statement reads from: the first `FROM` item of the
    /// outermost SELECT, or the table an UPDATE/DELETE changes. Other
    /// tables are reached from it through joins.
    pub driving: Option<String>,
    /// Columns used in WHERE, JOIN … ON and ORDER BY, in order of appearance.
    pub columns: Vec<ColumnRef>,
    /// Literals (not bind parameters) in WHERE / ON / HAVING predicates.
    pub predicate_literals: usize,
    /// The statement has a WHERE, ON or HAVING condition.
    pub has_predicate: bool,
    /// Bind parameters anywhere.
    pub params: usize,
    /// Why the text did not parse in any dialect, if it did not.
    pub error: Option<String>,
}

/// Longest statement handed to the parser.
pub const MAX_ANALYZED_BYTES: usize = 1 << 20;

fn dialects() -> [Box<dyn Dialect>; 4] {
    [
        Box::new(PostgreSqlDialect {}),
        Box::new(MySqlDialect {}),
        Box::new(SQLiteDialect {}),
        Box::new(GenericDialect {}),
    ]
}

/// Analyses SQL text, trying PostgreSQL, MySQL, SQLite and generic dialects in turn.
pub fn analyze(sql: &str) -> SqlAnalysis {
    // A multi-megabyte statement (a bulk INSERT) is fingerprinted but not
    // parsed: the parser's time and memory grow with it, and its shape is
    // already known from the fingerprint.
    if sql.len() > MAX_ANALYZED_BYTES {
        return SqlAnalysis {
            error: Some(format!(
                "statement longer than {MAX_ANALYZED_BYTES} bytes; not parsed"
            )),
            ..SqlAnalysis::default()
        };
    }
    let mut first_error = None;
    for d in dialects() {
        match Parser::parse_sql(d.as_ref(), sql) {
            Ok(stmts) => return from_statements(&stmts),
            Err(e) => {
                first_error.get_or_insert_with(|| e.to_string());
            }
        }
    }
    SqlAnalysis {
        error: first_error,
        ..SqlAnalysis::default()
    }
}

fn last_name(name: &ObjectName) -> String {
    name.0
        .last()
        .map(|p| match p.as_ident() {
            Some(i) => i.value.to_lowercase(),
            None => p.to_string().to_lowercase(),
        })
        .unwrap_or_default()
}

fn from_statements(stmts: &[Statement]) -> SqlAnalysis {
    let mut a = SqlAnalysis {
        statements: stmts.len(),
        operation: stmts.first().map(statement_operation),
        ..SqlAnalysis::default()
    };
    let mut c = Collector { a: &mut a };
    for s in stmts {
        let _ = s.visit(&mut c);
    }
    // UPDATE/DELETE: their target is the first relation visited.
    if matches!(a.operation, Some(Operation::Update | Operation::Delete)) || a.driving.is_none() {
        a.driving = a.tables.first().cloned();
    }
    a.tables.sort();
    a.tables.dedup();
    a.aliases.sort();
    a.aliases.dedup();
    a
}

fn statement_operation(s: &Statement) -> Operation {
    match s {
        Statement::Query(_) => Operation::Select,
        Statement::Insert(_) => Operation::Insert,
        Statement::Update(_) => Operation::Update,
        Statement::Delete(_) => Operation::Delete,
        _ => Operation::Other,
    }
}

struct Collector<'a> {
    a: &'a mut SqlAnalysis,
}

impl Collector<'_> {
    fn column(e: &Expr) -> Option<(Option<String>, String)> {
        match e {
            Expr::Identifier(i) => Some((None, i.value.to_lowercase())),
            Expr::CompoundIdentifier(parts) if parts.len() >= 2 => Some((
                Some(parts[parts.len() - 2].value.to_lowercase()),
                parts[parts.len() - 1].value.to_lowercase(),
            )),
            Expr::Nested(inner) | Expr::Cast { expr: inner, .. } => Self::column(inner),
            _ => None,
        }
    }

    fn push(&mut self, e: &Expr, usage: ColumnUse) {
        if let Some((qualifier, column)) = Self::column(e) {
            self.a.columns.push(ColumnRef {
                qualifier,
                column,
                usage,
            });
        }
    }

    /// Columns of a predicate, by how they are compared.
    fn predicate(&mut self, e: &Expr, join: bool) {
        let eq = if join {
            ColumnUse::Join
        } else {
            ColumnUse::Equality
        };
        match e {
            Expr::BinaryOp { left, op, right } => match op {
                BinaryOperator::And | BinaryOperator::Or => {
                    self.predicate(left, join);
                    self.predicate(right, join);
                }
                BinaryOperator::Eq => {
                    self.push(left, eq);
                    self.push(right, eq);
                }
                BinaryOperator::Gt
                | BinaryOperator::Lt
                | BinaryOperator::GtEq
                | BinaryOperator::LtEq => {
                    let r = if join {
                        ColumnUse::Join
                    } else {
                        ColumnUse::Range
                    };
                    self.push(left, r);
                    self.push(right, r);
                }
                _ => {}
            },
            Expr::Nested(inner) => self.predicate(inner, join),
            Expr::InList { expr, .. }
            | Expr::InSubquery { expr, .. }
            | Expr::InUnnest { expr, .. } => self.push(expr, eq),
            Expr::AnyOp { left, .. } | Expr::AllOp { left, .. } => self.push(left, eq),
            Expr::IsNull(x) | Expr::IsNotNull(x) => self.push(x, ColumnUse::Null),
            Expr::IsTrue(x) | Expr::IsFalse(x) => self.push(x, eq),
            Expr::Between { expr, .. } => self.push(expr, ColumnUse::Range),
            Expr::Like { expr, pattern, .. } | Expr::ILike { expr, pattern, .. } => {
                // Only a prefix pattern can use an index.
                let prefix = matches!(&**pattern, Expr::Value(v) if matches!(&v.value, Value::SingleQuotedString(s) if !s.starts_with('%') && !s.starts_with('_')))
                    || matches!(&**pattern, Expr::Value(v) if matches!(v.value, Value::Placeholder(_)));
                if prefix {
                    self.push(expr, ColumnUse::Range);
                }
            }
            _ => {}
        }
    }

    fn count_literals(&mut self, e: &Expr) {
        self.a.has_predicate = true;
        struct Count(usize);
        impl Visitor for Count {
            type Break = ();
            fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
                if let Expr::Value(v) = e {
                    if !matches!(v.value, Value::Placeholder(_) | Value::Null) {
                        self.0 += 1;
                    }
                }
                ControlFlow::Continue(())
            }
        }
        let mut c = Count(0);
        let _ = e.visit(&mut c);
        self.a.predicate_literals += c.0;
    }

    fn where_clause(&mut self, e: &Expr) {
        self.predicate(e, false);
        self.count_literals(e);
    }

    fn select(&mut self, s: &Select) {
        if self.a.driving.is_none() {
            if let Some(sqlparser::ast::TableFactor::Table { name, .. }) =
                s.from.first().map(|t| &t.relation)
            {
                self.a.driving = Some(last_name(name));
            }
        }
        for twj in &s.from {
            self.table_factor(&twj.relation);
            for j in &twj.joins {
                self.table_factor(&j.relation);
                let constraint = match &j.join_operator {
                    JoinOperator::Join(c)
                    | JoinOperator::Inner(c)
                    | JoinOperator::Left(c)
                    | JoinOperator::LeftOuter(c)
                    | JoinOperator::Right(c)
                    | JoinOperator::RightOuter(c)
                    | JoinOperator::FullOuter(c) => Some(c),
                    _ => None,
                };
                if let Some(JoinConstraint::On(e)) = constraint {
                    self.predicate(e, true);
                    self.count_literals(e);
                }
            }
        }
        if let Some(w) = &s.selection {
            self.where_clause(w);
        }
        if let Some(h) = &s.having {
            self.count_literals(h);
        }
    }

    fn table_factor(&mut self, t: &sqlparser::ast::TableFactor) {
        if let sqlparser::ast::TableFactor::Table { name, alias, .. } = t {
            let table = last_name(name);
            if let Some(alias) = alias {
                self.a
                    .aliases
                    .push((alias.name.value.to_lowercase(), table));
            }
        }
    }
}

impl Visitor for Collector<'_> {
    type Break = ();

    fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<()> {
        self.a.tables.push(last_name(relation));
        ControlFlow::Continue(())
    }

    fn pre_visit_select(&mut self, s: &Select) -> ControlFlow<()> {
        self.select(s);
        ControlFlow::Continue(())
    }

    fn pre_visit_order_by(&mut self, o: &sqlparser::ast::OrderBy) -> ControlFlow<()> {
        if let OrderByKind::Expressions(exprs) = &o.kind {
            for e in exprs {
                self.push(&e.expr, ColumnUse::Order);
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_statement(&mut self, s: &Statement) -> ControlFlow<()> {
        match s {
            Statement::Update(u) => {
                if let Some(w) = &u.selection {
                    self.where_clause(w);
                }
            }
            Statement::Delete(d) => {
                if let Some(w) = &d.selection {
                    self.where_clause(w);
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
        if let Expr::Value(v) = e {
            if matches!(v.value, Value::Placeholder(_)) {
                self.a.params += 1;
            }
        }
        ControlFlow::Continue(())
    }
}

/// Analyses cached by fingerprint hash: each distinct shape is parsed once.
#[derive(Default)]
pub struct AnalysisCache {
    map: HashMap<u64, Arc<SqlAnalysis>>,
}

impl AnalysisCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// The analysis of the shape with this fingerprint hash, parsing `sql` the first time.
    pub fn get(&mut self, hash: u64, sql: &str) -> Arc<SqlAnalysis> {
        self.map
            .entry(hash)
            .or_insert_with(|| Arc::new(analyze(sql)))
            .clone()
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// Whether a `SetExpr` is a plain SELECT (used by injection heuristics).
pub fn is_simple_select(s: &SetExpr) -> bool {
    matches!(s, SetExpr::Select(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(a: &SqlAnalysis) -> Vec<(String, ColumnUse)> {
        a.columns
            .iter()
            .map(|c| (c.column.clone(), c.usage))
            .collect()
    }

    #[test]
    fn where_join_order_columns() {
        let a = analyze(
            "SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id \
             WHERE o.status = $1 AND o.created_at > $2 ORDER BY o.created_at DESC LIMIT 20",
        );
        assert_eq!(a.operation, Some(Operation::Select));
        assert_eq!(a.tables, vec!["customers", "orders"]);
        assert_eq!(
            a.aliases,
            vec![
                ("c".into(), "customers".into()),
                ("o".into(), "orders".into())
            ]
        );
        assert_eq!(
            cols(&a),
            vec![
                ("id".into(), ColumnUse::Join),
                ("customer_id".into(), ColumnUse::Join),
                ("status".into(), ColumnUse::Equality),
                ("created_at".into(), ColumnUse::Range),
                ("created_at".into(), ColumnUse::Order),
            ]
        );
        assert_eq!(a.predicate_literals, 0);
        assert_eq!(a.params, 2);
        assert_eq!(a.statements, 1);
    }

    #[test]
    fn literals_stacked_and_mysql() {
        let a = analyze("SELECT * FROM users WHERE name = 'x' OR 1=1; DROP TABLE users");
        assert_eq!(a.statements, 2);
        assert_eq!(a.predicate_literals, 3);
        let m = analyze("UPDATE `users` SET `seen` = 1 WHERE `id` IN (1, 2, 3)");
        assert_eq!(m.operation, Some(Operation::Update));
        assert_eq!(cols(&m), vec![("id".into(), ColumnUse::Equality)]);
        assert_eq!(m.tables, vec!["users"]);
    }

    #[test]
    fn unparsable_text_reports_error() {
        let a = analyze("SELEKT nonsense FROM");
        assert!(a.error.is_some());
        assert_eq!(a.statements, 0);
    }

    #[test]
    fn cache_parses_once() {
        let mut c = AnalysisCache::new();
        let a = c.get(7, "SELECT 1");
        let b = c.get(7, "SELECT 2");
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(c.len(), 1);
    }
}
