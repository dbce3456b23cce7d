//! SeaORM migrations, read without running them: a migration crate's
//! `Migrator::migrations()` lists its migrations in the order the runner
//! applies them, and each one's `up` builds its statements with sea-query
//! (`Table::create()…`, `Index::create()…`, `Table::alter()…`). Each builder
//! is translated into the DDL it stands for, which the schema replica then
//! applies like any migration file. Names follow sea-query's `Iden`:
//! `Post::Table` is `post`, `Post::CreatedAt` is `created_at`, unless
//! `#[iden = "…"]` / `#[sea_orm(iden = "…")]` says otherwise.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use syn::visit::Visit;
use syn::{Expr, Lit};

/// One statement a migration makes: where it is built and its DDL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ddl {
    pub path: PathBuf,
    pub line: usize,
    /// The DDL, or why the builder could not be read.
    pub sql: Result<String, String>,
    /// The table the statement changes, when known (for a finding on it to
    /// say its history was not read in full).
    pub table: Option<String>,
}

/// Does this Rust file declare a SeaORM migrator?
pub fn is_migrator(text: &str) -> bool {
    text.contains("MigratorTrait for")
}

/// The statements of the migrator declared in `lib` (a `.rs` file), in
/// the order its `migrations()` lists them.
pub fn statements(lib: &Path) -> Result<Vec<Ddl>, String> {
    let order = migration_list(lib)?;
    if order.is_empty() {
        return Err(format!(
            "{}: the migrator lists no migrations ormlint can read",
            lib.display()
        ));
    }
    let dir = lib.parent().unwrap_or(Path::new("."));
    // Names given with `#[iden = "…"]`: each file's own first (sea-orm-cli
    // declares `enum Post` again in every migration), then the crate's.
    let mut names = HashMap::new();
    let mut parsed = Vec::new();
    for p in super::locate::rust_files(dir) {
        let Ok(text) = read(&p) else { continue };
        if crate::source::nesting::too_deep(&text, crate::source::nesting::MAX_NESTING).is_some() {
            continue;
        }
        let Ok(f) = syn::parse_file(&text) else {
            continue;
        };
        let mut own = HashMap::new();
        collect_names(&f.items, &mut own);
        for (k, v) in &own {
            names.entry(k.clone()).or_insert_with(|| v.clone());
        }
        parsed.push((p, f, own));
    }
    let mut out = Vec::new();
    for m in &order {
        let file = [dir.join(format!("{m}.rs")), dir.join(m).join("mod.rs")]
            .into_iter()
            .find(|p| p.is_file());
        let Some(p) = file else {
            out.push(Ddl {
                path: lib.to_path_buf(),
                line: 1,
                sql: Err(format!("cannot find migration `{m}` beside this file")),
                table: None,
            });
            continue;
        };
        let Some((_, f, own)) = parsed.iter().find(|(q, _, _)| *q == p) else {
            out.push(Ddl {
                path: p.clone(),
                line: 1,
                sql: Err("cannot parse this migration".into()),
                table: None,
            });
            continue;
        };
        let mut v = Up {
            names: Names {
                own,
                crate_wide: &names,
            },
            path: &p,
            out: &mut out,
            in_up: false,
        };
        v.visit_file(f);
    }
    Ok(out)
}

/// The modules `Migrator::migrations()` lists, in its order.
pub fn migration_list(lib: &Path) -> Result<Vec<String>, String> {
    let text = read(lib)?;
    if crate::source::nesting::too_deep(&text, crate::source::nesting::MAX_NESTING).is_some() {
        return Err(format!(
            "{}: brackets nested deeper than {}: not parsed",
            lib.display(),
            crate::source::nesting::MAX_NESTING
        ));
    }
    let file = syn::parse_file(&text).map_err(|e| format!("{}: {e}", lib.display()))?;
    let mut order = Vec::new();
    for item in &file.items {
        if let syn::Item::Impl(i) = item {
            let is_migrator = i
                .trait_
                .as_ref()
                .and_then(|(p, _)| p.segments.last())
                .is_some_and(|s| s.ident == "MigratorTrait");
            if is_migrator {
                let mut v = MigrationList(&mut order);
                v.visit_item_impl(i);
            }
        }
    }
    Ok(order)
}

/// `#[iden]` names: the migration file's own, then the crate's.
struct Names<'a> {
    own: &'a HashMap<String, String>,
    crate_wide: &'a HashMap<String, String>,
}

impl Names<'_> {
    fn get(&self, key: &str) -> Option<&String> {
        self.own.get(key).or_else(|| self.crate_wide.get(key))
    }
}

fn read(p: &Path) -> Result<String, String> {
    std::fs::read(p)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .map_err(|e| format!("{}: {e}", p.display()))
}

/// `Box::new(m2024_x::Migration)` in `migrations()`, in order.
struct MigrationList<'a>(&'a mut Vec<String>);

impl<'ast> Visit<'ast> for MigrationList<'_> {
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        // `vec![Box::new(m1::Migration), …]`
        let parser = syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated;
        if let Ok(items) = m.parse_body_with(parser) {
            for e in &items {
                self.visit_expr(e);
            }
        }
    }

    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        let segs: Vec<String> = p
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        if let [.., m, last] = segs.as_slice() {
            if last == "Migration" && !self.0.contains(m) {
                self.0.push(m.clone());
            }
        }
    }
}

/// `#[iden = "user"]` / `#[sea_orm(iden = "user")]` on an `Iden` enum's
/// variants: `UserIden::Table` → `user`.
fn collect_names(items: &[syn::Item], out: &mut HashMap<String, String>) {
    for item in items {
        match item {
            syn::Item::Enum(e) => {
                // `#[iden = "users"]` on the enum names its `Table`.
                if let Some(n) = e.attrs.iter().find_map(iden_attr) {
                    out.insert(format!("{}::Table", e.ident), n);
                }
                for v in &e.variants {
                    if let Some(n) = v.attrs.iter().find_map(iden_attr) {
                        out.insert(format!("{}::{}", e.ident, v.ident), n);
                    }
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    collect_names(items, out);
                }
            }
            _ => {}
        }
    }
}

fn iden_attr(a: &syn::Attribute) -> Option<String> {
    match &a.meta {
        // `#[iden = "user"]`
        syn::Meta::NameValue(nv) if nv.path.is_ident("iden") => string_lit(&nv.value),
        // `#[sea_orm(iden = "user")]`, `#[iden(rename = "user")]`
        syn::Meta::List(l) if l.path.is_ident("sea_orm") => attr_value(l, "iden"),
        syn::Meta::List(l) if l.path.is_ident("iden") => attr_value(l, "rename"),
        _ => None,
    }
}

/// `key = "value"` among an attribute's arguments.
pub(crate) fn attr_value(l: &syn::MetaList, key: &str) -> Option<String> {
    let text = l.tokens.to_string();
    let mut rest = text.as_str();
    while let Some(i) = rest.find(key) {
        let before = rest[..i].chars().next_back();
        let after = rest[i + key.len()..].trim_start();
        rest = &rest[i + key.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(lit) = after.strip_prefix('=').map(str::trim_start) {
            let lit = lit.strip_prefix('"')?;
            return Some(lit[..lit.find('"')?].to_string());
        }
    }
    None
}

/// sea-query's (and heck's) snake case: `CreatedAt` → `created_at`,
/// `HTTPStatus` → `http_status`, `ETag` → `e_tag`.
pub(crate) fn snake(s: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = s.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev_lower = i > 0 && !chars[i - 1].is_ascii_uppercase();
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if i > 0 && (prev_lower || (next_lower && chars[i - 1].is_ascii_uppercase())) {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(*c);
        }
    }
    out
}

/// Walks a migration's `up` and translates each builder it finds.
struct Up<'a> {
    names: Names<'a>,
    path: &'a Path,
    out: &'a mut Vec<Ddl>,
    in_up: bool,
}

impl<'ast> Visit<'ast> for Up<'_> {
    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if f.sig.ident == "up" {
            self.in_up = true;
            syn::visit::visit_impl_item_fn(self, f);
            self.in_up = false;
        }
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        // Builders inside `try_join!(…)`, `vec![…]`.
        if self.in_up {
            let parser = syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated;
            if let Ok(items) = m.parse_body_with(parser) {
                for e in &items {
                    self.visit_expr(e);
                }
            }
        }
    }

    fn visit_expr(&mut self, e: &'ast Expr) {
        if !self.in_up {
            return syn::visit::visit_expr(self, e);
        }
        if let Expr::MethodCall(m) = e {
            if m.method == "execute_unprepared" {
                match m.args.first().and_then(string_lit) {
                    Some(sql) => self.push(e, Ok(sql), None),
                    None => self.push(e, Err("SQL built at run time".into()), None),
                }
                return;
            }
        }
        if let Expr::Call(c) = e {
            // `Statement::from_string(backend, "…")`.
            if let Expr::Path(p) = &*c.func {
                if p.path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "from_string")
                {
                    if let Some(sql) = c.args.iter().find_map(string_lit) {
                        self.push(e, Ok(sql), None);
                        return;
                    }
                }
            }
        }
        let (root, calls) = chain(e);
        if let Some(kind) = root.and_then(builder_kind) {
            let t = Translate { names: &self.names };
            let table = calls
                .iter()
                .find(|m| m.method == "table")
                .and_then(|m| t.name(m.args.first()?));
            if let Some(sql) = t.statement(kind, &calls) {
                self.push(e, sql, table);
            }
            // The builder's own arguments hold no further statement.
            return;
        }
        syn::visit::visit_expr(self, e);
    }
}

impl Up<'_> {
    fn push(&mut self, at: &Expr, sql: Result<String, String>, table: Option<String>) {
        let line = syn::spanned::Spanned::span(at).start().line;
        self.out.push(Ddl {
            path: self.path.to_path_buf(),
            line,
            sql,
            table,
        });
    }
}

fn string_lit(e: &Expr) -> Option<String> {
    match e {
        Expr::Lit(l) => match &l.lit {
            Lit::Str(s) => Some(s.value()),
            _ => None,
        },
        Expr::Reference(r) => string_lit(&r.expr),
        Expr::Paren(p) => string_lit(&p.expr),
        _ => None,
    }
}

/// A method chain from its root call outwards: `A::b().c(x).d()` →
/// (`A::b()`, [c(x), d()]).
fn chain(e: &Expr) -> (Option<&syn::ExprCall>, Vec<&syn::ExprMethodCall>) {
    let mut calls = Vec::new();
    let mut cur = e;
    loop {
        match cur {
            Expr::MethodCall(m) => {
                calls.push(m);
                cur = &m.receiver;
            }
            Expr::Paren(p) => cur = &p.expr,
            Expr::Call(c) => {
                calls.reverse();
                return (Some(c), calls);
            }
            _ => {
                calls.reverse();
                return (None, calls);
            }
        }
    }
}

fn call_name(c: &syn::ExprCall) -> Option<(String, String)> {
    let Expr::Path(p) = &*c.func else {
        return None;
    };
    let segs: Vec<String> = p
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    match segs.as_slice() {
        [.., a, b] => Some((a.clone(), b.clone())),
        [b] => Some((String::new(), b.clone())),
        _ => None,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    CreateTable,
    AlterTable,
    DropTable,
    RenameTable,
    CreateIndex,
    DropIndex,
}

fn builder_kind(c: &syn::ExprCall) -> Option<Kind> {
    let (ty, f) = call_name(c)?;
    Some(match (ty.as_str(), f.as_str()) {
        ("Table", "create") => Kind::CreateTable,
        ("Table", "alter") => Kind::AlterTable,
        ("Table", "drop") => Kind::DropTable,
        ("Table", "rename") => Kind::RenameTable,
        ("Index", "create") => Kind::CreateIndex,
        ("Index", "drop") => Kind::DropIndex,
        _ => return None,
    })
}

/// Column types by the builder's method (or the `schema` helper's name).
const TYPES: &[&str] = &[
    "boolean",
    "integer",
    "big_integer",
    "small_integer",
    "tiny_integer",
    "unsigned",
    "big_unsigned",
    "string",
    "string_len",
    "text",
    "char",
    "uuid",
    "timestamp",
    "timestamp_with_time_zone",
    "date_time",
    "date",
    "time",
    "json",
    "json_binary",
    "binary",
    "var_binary",
    "blob",
    "float",
    "double",
    "decimal",
    "decimal_len",
    "money",
    "enumeration",
    "custom",
    "array",
    "inet",
    "cidr",
    "interval",
    "year",
    "bit",
    "var_bit",
];

struct Translate<'a> {
    names: &'a Names<'a>,
}

use super::quote as q;

impl Translate<'_> {
    /// The name an iden expression stands for.
    fn name(&self, e: &Expr) -> Option<String> {
        match e {
            Expr::Path(p) => {
                let segs: Vec<String> = p
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                match segs.as_slice() {
                    [.., ty, v] => {
                        if let Some(n) = self.names.get(&format!("{ty}::{v}")) {
                            return Some(n.clone());
                        }
                        if ty == "Entity" || v == "Entity" {
                            return None;
                        }
                        Some(if v == "Table" { snake(ty) } else { snake(v) })
                    }
                    _ => None,
                }
            }
            Expr::Call(c) => {
                let (_, f) = call_name(c)?;
                if f == "new" || f == "from" {
                    c.args.first().and_then(string_lit)
                } else {
                    None
                }
            }
            Expr::MethodCall(m)
                if matches!(
                    m.method.to_string().as_str(),
                    "into_iden" | "into_table_ref" | "to_owned" | "clone"
                ) =>
            {
                self.name(&m.receiver)
            }
            Expr::Reference(r) => self.name(&r.expr),
            Expr::Paren(p) => self.name(&p.expr),
            other => string_lit(other),
        }
    }

    /// One or several columns: `X::A` or `(X::A, X::B)`.
    fn names(&self, e: &Expr) -> Option<Vec<String>> {
        match e {
            Expr::Tuple(t) => t.elems.iter().map(|e| self.name(e)).collect(),
            Expr::Array(a) => a.elems.iter().map(|e| self.name(e)).collect(),
            Expr::Reference(r) => self.names(&r.expr),
            other => Some(vec![self.name(other)?]),
        }
    }

    /// An index column: `X::A`, `(X::A, IndexOrder::Desc)`, `Expr::col(X::A)`.
    fn index_column(&self, e: &Expr) -> Option<String> {
        match e {
            Expr::Tuple(t) => self.name(t.elems.first()?),
            Expr::Call(c) if call_name(c).is_some_and(|(_, f)| f == "col") => {
                self.name(c.args.first()?)
            }
            other => self.name(other),
        }
    }

    /// `ColumnDef::new(X::A).integer().not_null().primary_key()`, or a
    /// `schema` helper: `pk_auto(X::Id)`, `string_uniq(X::Slug)`.
    fn column(&self, e: &Expr) -> Option<String> {
        let (root, calls) = chain(e);
        let root = root?;
        let (_, f) = call_name(root)?;
        let name = self.name(root.args.first()?)?;
        let mut ty: Option<&str> = None;
        let (mut pk, mut unique) = (false, false);
        if f != "new" {
            // `schema` helpers: `pk_auto`, `pk_uuid`, `string_uniq`, `boolean_null`.
            pk = f.starts_with("pk_");
            unique = f.ends_with("_uniq");
            let base = f.trim_end_matches("_uniq").trim_end_matches("_null");
            ty = TYPES.iter().find(|t| **t == base).copied();
            if f == "pk_auto" || f == "big_pk_auto" {
                ty = Some("integer");
            } else if f == "pk_uuid" {
                ty = Some("uuid");
            }
        }
        for m in &calls {
            let n = m.method.to_string();
            match n.as_str() {
                "primary_key" => pk = true,
                "unique_key" => unique = true,
                _ => {
                    if ty.is_none() {
                        ty = TYPES.iter().find(|t| **t == n).copied();
                    }
                }
            }
        }
        let ty = match ty.unwrap_or("text") {
            "boolean" => "boolean",
            t if t.contains("integer") || t.contains("unsigned") => "integer",
            _ => "text",
        };
        let mut col = format!("{} {ty}", q(&name));
        if pk {
            col.push_str(" PRIMARY KEY");
        }
        if unique {
            col.push_str(" UNIQUE");
        }
        Some(col)
    }

    /// `Some(Err(why))` when a builder was found and not understood.
    fn statement(
        &self,
        kind: Kind,
        calls: &[&syn::ExprMethodCall],
    ) -> Option<Result<String, String>> {
        let arg = |m: &syn::ExprMethodCall| m.args.first().cloned();
        let table = calls
            .iter()
            .find(|m| m.method == "table")
            .and_then(|m| self.name(m.args.first()?));
        let fail = |what: &str| Some(Err(format!("cannot read this sea-query `{what}`")));
        match kind {
            Kind::CreateTable => {
                let Some(t) = table else {
                    return fail("Table::create()");
                };
                let mut parts = Vec::new();
                for m in calls {
                    match m.method.to_string().as_str() {
                        "col" => match arg(m).and_then(|a| self.column(&a)) {
                            Some(c) => parts.push(c),
                            None => return fail("Table::create()"),
                        },
                        "primary_key" => {
                            let cols = arg(m).and_then(|a| self.index_columns(&a));
                            if let Some(cols) = cols {
                                parts.push(format!("PRIMARY KEY ({})", list(&cols)));
                            }
                        }
                        "foreign_key" => {
                            if let Some(fk) = arg(m).and_then(|a| self.foreign_key(&a)) {
                                parts.push(fk);
                            }
                        }
                        _ => {}
                    }
                }
                if parts.is_empty() {
                    return fail("Table::create()");
                }
                let mut sql = format!("CREATE TABLE {} ({})", q(&t), parts.join(", "));
                // `.index(Index::create().name(..).col(..))` inside the table.
                for m in calls.iter().filter(|m| m.method == "index") {
                    let Some(a) = arg(m) else { continue };
                    let a = match &a {
                        Expr::Reference(r) => (*r.expr).clone(),
                        other => other.clone(),
                    };
                    let (_, inner) = chain(&a);
                    match self.index_ddl(&t, &inner) {
                        Ok(ddl) => {
                            sql.push_str("; ");
                            sql.push_str(&ddl);
                        }
                        Err(why) => return fail(&format!("Table::create() … .index(…){why}")),
                    }
                }
                Some(Ok(sql))
            }
            Kind::CreateIndex => {
                let Some(t) = table else {
                    return fail("Index::create()");
                };
                match self.index_ddl(&t, calls) {
                    Ok(ddl) => Some(Ok(ddl)),
                    Err(why) => fail(&format!("Index::create(){why}")),
                }
            }
            Kind::DropIndex => {
                let name = calls
                    .iter()
                    .find(|m| m.method == "name")
                    .and_then(|m| self.name(m.args.first()?));
                match name {
                    Some(n) => Some(Ok(format!("DROP INDEX IF EXISTS {}", q(&n)))),
                    None => fail("Index::drop()"),
                }
            }
            Kind::DropTable => {
                let names: Vec<String> = calls
                    .iter()
                    .filter(|m| m.method == "table")
                    .filter_map(|m| self.name(m.args.first()?))
                    .collect();
                if names.is_empty() {
                    return fail("Table::drop()");
                }
                Some(Ok(names
                    .iter()
                    .map(|n| format!("DROP TABLE IF EXISTS {}", q(n)))
                    .collect::<Vec<_>>()
                    .join("; ")))
            }
            Kind::RenameTable => {
                let Some(m) = calls.iter().find(|m| m.method == "table") else {
                    return fail("Table::rename()");
                };
                let (Some(a), Some(b)) = (
                    m.args.first().and_then(|e| self.name(e)),
                    m.args.iter().nth(1).and_then(|e| self.name(e)),
                ) else {
                    return fail("Table::rename()");
                };
                Some(Ok(format!("ALTER TABLE {} RENAME TO {}", q(&a), q(&b))))
            }
            Kind::AlterTable => {
                let Some(t) = table else {
                    return fail("Table::alter()");
                };
                let mut stmts = Vec::new();
                for m in calls {
                    let op = match m.method.to_string().as_str() {
                        "add_column" | "add_column_if_not_exists" => {
                            match arg(m).and_then(|a| self.column(&a)) {
                                Some(c) => format!("ADD COLUMN {c}"),
                                None => return fail("Table::alter()"),
                            }
                        }
                        "drop_column" => match arg(m).and_then(|a| self.name(&a)) {
                            Some(c) => format!("DROP COLUMN {}", q(&c)),
                            None => return fail("Table::alter()"),
                        },
                        "rename_column" => {
                            let (Some(a), Some(b)) = (
                                m.args.first().and_then(|e| self.name(e)),
                                m.args.iter().nth(1).and_then(|e| self.name(e)),
                            ) else {
                                return fail("Table::alter()");
                            };
                            format!("RENAME COLUMN {} TO {}", q(&a), q(&b))
                        }
                        _ => continue,
                    };
                    stmts.push(format!("ALTER TABLE {} {op}", q(&t)));
                }
                (!stmts.is_empty()).then(|| Ok(stmts.join("; ")))
            }
        }
    }

    /// `CREATE [UNIQUE] INDEX` on `table` from an index builder's calls
    /// (`Index::create()…` alone or inside `Table::create().index(…)`); the
    /// error is what follows the builder's name in the note.
    fn index_ddl(
        &self,
        table: &str,
        calls: &[&syn::ExprMethodCall],
    ) -> Result<String, &'static str> {
        // One unreadable column would make the next one look like the
        // index's first: the whole index is unread instead.
        let cols: Option<Vec<String>> = calls
            .iter()
            .filter(|m| m.method == "col")
            .map(|m| self.index_column(m.args.first()?))
            .collect();
        let Some(cols) = cols.filter(|c| !c.is_empty()) else {
            return Err("");
        };
        // A partial index's predicate is not read: not taken as a full index.
        if calls
            .iter()
            .any(|m| m.method == "and_where" || m.method == "cond_where")
        {
            return Err(" … .and_where(…)");
        }
        let unique = calls.iter().any(|m| m.method == "unique");
        let name = calls
            .iter()
            .find(|m| m.method == "name")
            .and_then(|m| self.name(m.args.first()?))
            .unwrap_or_else(|| format!("idx_{table}_{}", cols.join("_")));
        Ok(format!(
            "CREATE {}INDEX {} ON {} ({})",
            if unique { "UNIQUE " } else { "" },
            q(&name),
            q(table),
            list(&cols)
        ))
    }

    /// `Index::create().col(A).col(B)` → [a, b].
    fn index_columns(&self, e: &Expr) -> Option<Vec<String>> {
        let e = match e {
            Expr::Reference(r) => &r.expr,
            other => other,
        };
        let (_, calls) = chain(e);
        let cols: Option<Vec<String>> = calls
            .iter()
            .filter(|m| m.method == "col")
            .map(|m| self.index_column(m.args.first()?))
            .collect();
        cols.filter(|c| !c.is_empty())
    }

    /// `ForeignKey::create().from(T, C).to(P, K)`.
    fn foreign_key(&self, e: &Expr) -> Option<String> {
        let e = match e {
            Expr::Reference(r) => &r.expr,
            other => other,
        };
        let (_, calls) = chain(e);
        let from = calls.iter().find(|m| m.method == "from")?;
        let to = calls.iter().find(|m| m.method == "to")?;
        let cols = self.names(from.args.iter().nth(1)?)?;
        let parent = self.name(to.args.first()?)?;
        let keys = self.names(to.args.iter().nth(1)?)?;
        Some(format!(
            "FOREIGN KEY ({}) REFERENCES {} ({})",
            list(&cols),
            q(&parent),
            list(&keys)
        ))
    }
}

fn list(cols: &[String]) -> String {
    cols.iter().map(|c| q(c)).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iden_names_are_snake_case_unless_named() {
        assert_eq!(snake("CreatedAt"), "created_at");
        assert_eq!(snake("UserIden"), "user_iden");
        assert_eq!(snake("ETag"), "e_tag");
        let f: syn::File = syn::parse_str(
            r#"#[derive(DeriveIden)] enum Post { #[sea_orm(iden = "posts")] Table, Id }
               #[derive(Iden)] enum UserIden { #[iden = "user"] Table }"#,
        )
        .expect("parses");
        let mut names = HashMap::new();
        collect_names(&f.items, &mut names);
        assert_eq!(names.get("Post::Table").map(String::as_str), Some("posts"));
        assert_eq!(
            names.get("UserIden::Table").map(String::as_str),
            Some("user")
        );
        assert_eq!(names.len(), 2);
    }

    fn translate(src: &str) -> Vec<String> {
        let f: syn::File = syn::parse_str(src).expect("fixture parses");
        let (own, crate_wide) = (HashMap::new(), HashMap::new());
        let mut names_own = own;
        collect_names(&f.items, &mut names_own);
        let mut out = Vec::new();
        let mut v = Up {
            names: Names {
                own: &names_own,
                crate_wide: &crate_wide,
            },
            path: Path::new("m.rs"),
            out: &mut out,
            in_up: false,
        };
        v.visit_file(&f);
        out.into_iter()
            .map(|d| {
                d.sql
                    .unwrap_or_else(|e| format!("error: {e} ({:?})", d.table))
            })
            .collect()
    }

    #[test]
    fn odd_builders_are_read_or_said_unread() {
        let got = translate(
            r#"
            impl MigrationTrait for Migration {
                async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
                    futures::try_join!(
                        m.create_table(Table::create().table(Users::Table)
                            .col(pk_auto(Users::Id))
                            .col(string(Users::Email))
                            .index(Index::create().name("users_email").col(Users::Email).unique())
                            .to_owned()),
                    )?;
                    m.create_index(Index::create().name("odd").table(Users::Table)
                        .col(weird()).col(Users::Email).to_owned()).await?;
                    m.create_index(Index::create().name("part").table(Users::Table)
                        .col(Users::Email).and_where(Expr::col(Users::Id).gt(1)).to_owned()).await?;
                    m.get_connection().execute_unprepared(&format!("CREATE INDEX x ON {t} (a)")).await?;
                    Ok(())
                }
            }
            #[derive(Iden)]
            #[iden = "accounts"]
            enum Users { Table, Id, #[iden(rename = "mail")] Email }
            "#,
        );
        assert_eq!(
            got,
            [
                r#"CREATE TABLE "accounts" ("id" integer PRIMARY KEY, "mail" text); CREATE UNIQUE INDEX "users_email" ON "accounts" ("mail")"#,
                r#"error: cannot read this sea-query `Index::create()` (Some("accounts"))"#,
                r#"error: cannot read this sea-query `Index::create() … .and_where(…)` (Some("accounts"))"#,
                "error: SQL built at run time (None)",
            ]
        );
    }

    #[test]
    fn migrator_order_and_builders() {
        let lib = Path::new("testdata/semantic/schema_seaorm/migration/src/lib.rs");
        let got: Vec<String> = statements(lib)
            .expect("the fixture reads")
            .into_iter()
            .map(|d| {
                let file = d.path.file_name().map(|f| f.to_string_lossy().into_owned());
                format!(
                    "{}:{} {}",
                    file.unwrap_or_default(),
                    d.line,
                    d.sql.unwrap_or_else(|e| e)
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                r#"m20240101_000001_create_post.rs:11 CREATE TABLE "post" ("id" integer PRIMARY KEY, "slug" text UNIQUE, "title" text, "author_id" integer, "published" boolean)"#,
                r#"m20240101_000001_create_post.rs:24 CREATE TABLE "accounts" ("id" integer PRIMARY KEY, "email" text UNIQUE, "display_name" text)"#,
                r#"m20240101_000001_create_post.rs:39 CREATE INDEX "idx_post_title" ON "post" ("title")"#,
                r#"m20240201_000001_rename.rs:11 DROP INDEX IF EXISTS "idx_post_title""#,
                r#"m20240201_000001_rename.rs:15 ALTER TABLE "post" ADD COLUMN "reviewer_id" integer"#,
                r#"m20240301_000001_indexes.rs:11 CREATE INDEX "idx_post_author" ON "post" ("author_id")"#,
                "m20240301_000001_indexes.rs:19 CREATE INDEX idx_post_reviewer ON post (reviewer_id)",
            ]
        );
    }
}
