//! What the code declares about its tables: a Diesel `schema.rs`'s
//! `table!` primary keys (`table! { t (user_id, action) { … } }`; `id` when
//! none is written) and SQL names (`#[sql_name = "…"]`), its `joinable!(child
//! -> parent (fk))`, and a SeaORM entity's `#[sea_orm(table_name = "…")]`.
//! Read per file; [`DieselSchema`] joins them over the workspace and
//! completes the SQL derived from a builder chain: a `.find(k)` filters on
//! the key, a join without `.on(..)` takes its `joinable!`, and an entity's
//! module name (`post::Entity`) becomes its table's (`posts`).

use std::collections::HashMap;

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use serde::{Deserialize, Serialize};

/// The key column a derived `.find(k)` stands for until the table's
/// `table!` is known; [`DieselSchema::complete`] replaces it.
pub const FIND_KEY: &str = "<key>";
/// What `Child::belonging_to(..)` filters on, until the model's
/// `belongs_to` names it.
pub const PARENT_KEY: &str = "<parent>_id";

/// One `table!` entry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DieselTable {
    /// The name the Rust code uses (`users` in `users::table`).
    pub name: String,
    /// `#[sql_name = "…"]` when the database's name differs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql_name: Option<String>,
    pub key: Vec<String>,
}

/// `joinable!(child -> parent (column))`: `child.column = parent.<key>`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Joinable {
    pub child: String,
    pub parent: String,
    pub column: String,
}

/// The `table!` and `joinable!` macros of one file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DieselFacts {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tables: Vec<DieselTable>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub joins: Vec<Joinable>,
    /// SeaORM entities whose table is not named like their module, and
    /// Diesel models whose table is not named like their struct:
    /// (module or snake_case struct name, table).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entities: Vec<(String, String)>,
    /// Diesel models' `belongs_to(Parent, foreign_key = col)`: (the model's
    /// table, the column that names its parent; `parent_id` by default).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub belongs: Vec<(String, String)>,
}

impl DieselFacts {
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
            && self.joins.is_empty()
            && self.entities.is_empty()
            && self.belongs.is_empty()
    }

    /// Reads the file's top-level and module-level declarations; `module`
    /// is the file's own module name (`post` for `entity/post.rs`).
    pub fn collect(file: &syn::File, module: Option<&str>) -> DieselFacts {
        let mut out = DieselFacts::default();
        out.items(&file.items, module);
        out
    }

    fn items(&mut self, items: &[syn::Item], module: Option<&str>) {
        for item in items {
            match item {
                syn::Item::Struct(st) => {
                    let name = st.attrs.iter().find_map(seaorm_table_name);
                    if let (Some(m), Some(t)) = (module, name) {
                        if m != t && !self.entities.iter().any(|(a, _)| a == m) {
                            self.entities.push((m.to_string(), t));
                        }
                    }
                    self.diesel_model(st);
                }
                syn::Item::Macro(m) => {
                    let name = m
                        .mac
                        .path
                        .segments
                        .last()
                        .map(|s| s.ident.to_string())
                        .unwrap_or_default();
                    match name.as_str() {
                        "table" => self.tables.extend(tables(m.mac.tokens.clone())),
                        "joinable" => self.joins.extend(joinable(m.mac.tokens.clone())),
                        _ => {}
                    }
                }
                syn::Item::Mod(m) => {
                    if let Some((_, items)) = &m.content {
                        self.items(items, Some(&m.ident.to_string()));
                    }
                }
                _ => {}
            }
        }
    }
}

impl DieselFacts {
    /// A Diesel model: `#[diesel(table_name = comments, belongs_to(Post))]`
    /// (Diesel 1: `#[table_name = "comments"]`, `#[belongs_to(Post)]`).
    /// `Comment::belonging_to(..)` then reads `comments` by `post_id`.
    fn diesel_model(&mut self, st: &syn::ItemStruct) {
        let model = crate::schema::seaorm::snake(&st.ident.to_string());
        let mut table = None;
        let mut parents: Vec<(String, Option<String>)> = Vec::new();
        for a in &st.attrs {
            match &a.meta {
                syn::Meta::NameValue(nv) if nv.path.is_ident("table_name") => {
                    if let syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(l),
                        ..
                    }) = &nv.value
                    {
                        table = Some(l.value());
                    }
                }
                syn::Meta::List(l) if l.path.is_ident("belongs_to") => {
                    parents.extend(belongs_to(l.tokens.clone()));
                }
                syn::Meta::List(l) if l.path.is_ident("diesel") => {
                    let toks: Vec<TokenTree> = l.tokens.clone().into_iter().collect();
                    for (i, t) in toks.iter().enumerate() {
                        let TokenTree::Ident(id) = t else { continue };
                        match (id.to_string().as_str(), toks.get(i + 1), toks.get(i + 2)) {
                            ("table_name", Some(TokenTree::Punct(p)), Some(_))
                                if p.as_char() == '=' =>
                            {
                                // `posts`, `"posts"` or `crate::schema::posts`:
                                // the last name before the next comma.
                                let named = toks[i + 2..]
                                    .iter()
                                    .take_while(
                                        |t| !matches!(t, TokenTree::Punct(c) if c.as_char() == ','),
                                    )
                                    .filter_map(|t| match t {
                                        TokenTree::Ident(n) => Some(n.to_string()),
                                        TokenTree::Literal(l) => {
                                            Some(l.to_string().trim_matches('"').to_string())
                                        }
                                        _ => None,
                                    })
                                    .last();
                                if named.is_some() {
                                    table = named;
                                }
                            }
                            ("belongs_to", Some(TokenTree::Group(g)), _)
                                if g.delimiter() == Delimiter::Parenthesis =>
                            {
                                parents.extend(belongs_to(g.stream()));
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        if parents.is_empty() && table.is_none() {
            return;
        }
        // Diesel's default: the struct's name in snake case, plus `s`.
        let table = table.unwrap_or_else(|| format!("{model}s"));
        if table != model && !self.entities.iter().any(|(a, _)| *a == model) {
            self.entities.push((model, table.clone()));
        }
        for (parent, fk) in parents {
            let fk = fk.unwrap_or_else(|| format!("{}_id", crate::schema::seaorm::snake(&parent)));
            let entry = (table.clone(), fk);
            if !self.belongs.contains(&entry) {
                self.belongs.push(entry);
            }
        }
    }
}

/// `Post` or `Post, foreign_key = author_id` (a path's last segment names
/// the parent model).
fn belongs_to(tokens: TokenStream) -> Option<(String, Option<String>)> {
    let toks: Vec<TokenTree> = tokens.into_iter().collect();
    let comma = toks
        .iter()
        .position(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ','))
        .unwrap_or(toks.len());
    let parent = toks[..comma].iter().rev().find_map(|t| match t {
        TokenTree::Ident(i) => Some(i.to_string()),
        _ => None,
    })?;
    let rest = &toks[comma.min(toks.len())..];
    let fk = rest
        .iter()
        .enumerate()
        .find_map(|(i, t)| match (t, rest.get(i + 2)) {
            (TokenTree::Ident(k), Some(v)) if k == "foreign_key" => {
                Some(v.to_string().trim_matches('"').to_string())
            }
            _ => None,
        });
    Some((parent, fk))
}

/// `#[sea_orm(table_name = "posts")]`.
fn seaorm_table_name(a: &syn::Attribute) -> Option<String> {
    let syn::Meta::List(l) = &a.meta else {
        return None;
    };
    if !l.path.is_ident("sea_orm") {
        return None;
    }
    let text = l.tokens.to_string();
    let rest = text.split_once("table_name")?.1.trim_start();
    let lit = rest.strip_prefix('=')?.trim_start().strip_prefix('"')?;
    Some(lit[..lit.find('"')?].to_string())
}

/// `sql_name = "x"` inside an attribute's brackets.
fn sql_name(attr: &TokenStream) -> Option<String> {
    let toks: Vec<TokenTree> = attr.clone().into_iter().collect();
    match toks.as_slice() {
        [TokenTree::Ident(i), TokenTree::Punct(p), TokenTree::Literal(l)]
            if i == "sql_name" && p.as_char() == '=' =>
        {
            Some(l.to_string().trim_matches('"').to_string())
        }
        _ => None,
    }
}

/// The entries of one `table! { … }` (Diesel 2 allows several).
fn tables(tokens: TokenStream) -> Vec<DieselTable> {
    let mut out = Vec::new();
    let mut name: Vec<String> = Vec::new();
    let mut key: Option<Vec<String>> = None;
    let mut sql: Option<String> = None;
    let mut in_use = false;
    let mut after_hash = false;
    for t in tokens {
        if in_use {
            in_use = !matches!(&t, TokenTree::Punct(p) if p.as_char() == ';');
            continue;
        }
        match t {
            TokenTree::Ident(i) if name.is_empty() && i == "use" => in_use = true,
            TokenTree::Punct(p) if p.as_char() == '#' => after_hash = true,
            TokenTree::Group(g) if after_hash && g.delimiter() == Delimiter::Bracket => {
                after_hash = false;
                if let Some(n) = sql_name(&g.stream()) {
                    sql = Some(n);
                }
            }
            TokenTree::Ident(i) => name.push(i.to_string()),
            TokenTree::Punct(p) if p.as_char() == '.' => {}
            TokenTree::Group(g) if g.delimiter() == Delimiter::Parenthesis => {
                key = Some(
                    g.stream()
                        .into_iter()
                        .filter_map(|t| match t {
                            TokenTree::Ident(i) => Some(i.to_string()),
                            _ => None,
                        })
                        .collect(),
                );
            }
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => {
                // `schema.table` names the table by its last word.
                if let Some(n) = name.last() {
                    out.push(DieselTable {
                        name: n.trim_start_matches("r#").to_string(),
                        sql_name: sql.take(),
                        key: key.take().unwrap_or_else(|| vec!["id".to_string()]),
                    });
                }
                name.clear();
                key = None;
                sql = None;
            }
            _ => {
                after_hash = false;
            }
        }
    }
    out
}

/// `child -> parent (column)`.
fn joinable(tokens: TokenStream) -> Option<Joinable> {
    let toks: Vec<TokenTree> = tokens.into_iter().collect();
    let idents: Vec<String> = toks
        .iter()
        .filter_map(|t| match t {
            TokenTree::Ident(i) => Some(i.to_string()),
            _ => None,
        })
        .collect();
    let column = toks.iter().find_map(|t| match t {
        TokenTree::Group(g) if g.delimiter() == Delimiter::Parenthesis => {
            g.stream().into_iter().find_map(|t| match t {
                TokenTree::Ident(i) => Some(i.to_string()),
                _ => None,
            })
        }
        _ => None,
    })?;
    match idents.as_slice() {
        [child, parent, ..] => Some(Joinable {
            child: child.clone(),
            parent: parent.clone(),
            column,
        }),
        _ => None,
    }
}

/// The workspace's `table!` and `joinable!` declarations.
#[derive(Default)]
pub struct DieselSchema {
    tables: HashMap<String, DieselTable>,
    joins: Vec<Joinable>,
    /// SeaORM entity module or Diesel model → table.
    entities: HashMap<String, String>,
    /// A Diesel model's table → the column naming its parent, when it
    /// belongs to exactly one parent.
    belongs: HashMap<String, Option<String>>,
}

impl DieselSchema {
    pub fn new<'a>(facts: impl Iterator<Item = &'a DieselFacts>) -> DieselSchema {
        let mut s = DieselSchema::default();
        for f in facts {
            for t in &f.tables {
                s.tables.entry(t.name.clone()).or_insert_with(|| t.clone());
            }
            for j in &f.joins {
                if !s.joins.contains(j) {
                    s.joins.push(j.clone());
                }
            }
            for (m, t) in &f.entities {
                s.entities.entry(m.clone()).or_insert_with(|| t.clone());
            }
            for (t, fk) in &f.belongs {
                // Several parents: `belonging_to` does not say which one.
                s.belongs
                    .entry(t.clone())
                    .and_modify(|k| {
                        if k.as_deref() != Some(fk) {
                            *k = None;
                        }
                    })
                    .or_insert_with(|| Some(fk.clone()));
            }
        }
        s
    }

    fn key(&self, table: &str) -> Vec<String> {
        self.tables
            .get(table)
            .map(|t| t.key.clone())
            .unwrap_or_else(|| vec!["id".to_string()])
    }

    /// Completes SQL derived from a chain: `t.<key> = ?` becomes the
    /// table's key columns, and `JOIN p` without a condition gets the one
    /// its `joinable!` declares (either way round).
    pub fn complete(&self, sql: &str) -> String {
        let mut out = self.entity_tables(sql);
        if let Some(at) = out.find(PARENT_KEY) {
            if let Some(Some(fk)) = from_table(&out).and_then(|t| self.belongs.get(&t)) {
                out.replace_range(at..at + PARENT_KEY.len(), fk);
            }
        }
        while let Some(at) = out.find(FIND_KEY) {
            let start = out[..at]
                .char_indices()
                .rev()
                .find(|&(_, c)| c.is_whitespace() || matches!(c, '(' | ','))
                .map_or(0, |(i, c)| i + c.len_utf8());
            let table = out[start..at].trim_end_matches('.').to_string();
            let after = at + FIND_KEY.len();
            let end = if out[after..].starts_with(" = ?") {
                after + 4
            } else {
                after
            };
            let cond = self
                .key(&table)
                .iter()
                .map(|k| {
                    if table.is_empty() {
                        format!("{k} = ?")
                    } else {
                        format!("{table}.{k} = ?")
                    }
                })
                .collect::<Vec<_>>()
                .join(" AND ");
            out.replace_range(start..end, &cond);
        }
        let Some(root) = from_table(&out) else {
            return out;
        };
        let mut joined = vec![root];
        let mut result = String::new();
        let mut rest = out.as_str();
        while let Some(i) = rest.find(" JOIN ") {
            let (head, tail) = rest.split_at(i + 6);
            result.push_str(head);
            let name_len = tail
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(tail.len());
            let parent = &tail[..name_len];
            result.push_str(parent);
            rest = &tail[name_len..];
            if !rest.starts_with(" ON ") {
                if let Some(on) = self.condition(&joined, parent) {
                    result.push_str(" ON ");
                    result.push_str(&on);
                }
            }
            joined.push(parent.to_string());
        }
        result.push_str(rest);
        result
    }

    /// The table a model or entity name stands for (`Comment` → `comments`).
    pub fn model_table(&self, name: &str) -> Option<&str> {
        let snake = crate::schema::seaorm::snake(name);
        self.entities.get(&snake).map(String::as_str)
    }

    /// `FROM post` → `FROM posts` where `post::Entity` says
    /// `table_name = "posts"`.
    fn entity_tables(&self, sql: &str) -> String {
        if self.entities.is_empty() {
            return sql.to_string();
        }
        let mut out = String::with_capacity(sql.len());
        let mut rest = sql;
        let word = |c: char| c.is_alphanumeric() || c == '_';
        while !rest.is_empty() {
            let next = ["FROM ", "JOIN ", "UPDATE "]
                .iter()
                .filter_map(|k| rest.find(k).map(|i| i + k.len()))
                .min();
            let Some(at) = next else {
                break;
            };
            out.push_str(&rest[..at]);
            rest = &rest[at..];
            let len = rest.find(|c: char| !word(c)).unwrap_or(rest.len());
            match self.entities.get(&rest[..len]) {
                Some(t) => out.push_str(t),
                None => out.push_str(&rest[..len]),
            }
            rest = &rest[len..];
        }
        out.push_str(rest);
        out
    }

    /// The join condition between `table` and one of the tables already in
    /// the query, from a `joinable!` either way round.
    fn condition(&self, joined: &[String], table: &str) -> Option<String> {
        for j in &self.joins {
            if j.child == table && joined.contains(&j.parent) {
                let key = self.key(&j.parent).into_iter().next()?;
                return Some(format!("{}.{} = {}.{key}", j.child, j.column, j.parent));
            }
            if j.parent == table && joined.contains(&j.child) {
                let key = self.key(&j.parent).into_iter().next()?;
                return Some(format!("{}.{} = {}.{key}", j.child, j.column, j.parent));
            }
        }
        None
    }
}

/// `… FROM t …` → `t`.
fn from_table(sql: &str) -> Option<String> {
    let i = sql.find(" FROM ").map(|i| i + 6).or_else(|| {
        ["UPDATE ", "DELETE FROM "]
            .iter()
            .find_map(|p| sql.starts_with(p).then_some(p.len()))
    })?;
    let t: String = sql[i..]
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!t.is_empty()).then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(src: &str) -> DieselFacts {
        DieselFacts::collect(&syn::parse_file(src).expect("fixture parses"), Some("post"))
    }

    #[test]
    fn reads_keys_names_and_joins() {
        let f = facts(
            r#"
            diesel::table! {
                use diesel::sql_types::*;
                person_block (person_id, target_id) {
                    person_id -> Int4,
                    target_id -> Int4,
                }
                #[sql_name = "type"]
                type_ { id -> Int4, }
                public.users { id -> Int4, #[sql_name = "kind"] kind_ -> Text, }
            }
            mod inner { table! { comment { id -> Int4, post_id -> Int4, } } }
            diesel::joinable!(comment -> post (post_id));
            "#,
        );
        let keys: Vec<(&str, Vec<&str>, Option<&str>)> = f
            .tables
            .iter()
            .map(|t| {
                (
                    t.name.as_str(),
                    t.key.iter().map(String::as_str).collect(),
                    t.sql_name.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            keys,
            vec![
                ("person_block", vec!["person_id", "target_id"], None),
                ("type_", vec!["id"], Some("type")),
                ("users", vec!["id"], None),
                ("comment", vec!["id"], None),
            ]
        );
        assert_eq!(
            f.joins,
            vec![Joinable {
                child: "comment".into(),
                parent: "post".into(),
                column: "post_id".into()
            }]
        );
    }

    #[test]
    fn diesel_models_name_their_table_and_parent_key() {
        let f = facts(
            r#"
            #[derive(Queryable, Associations)]
            #[diesel(table_name = comments, belongs_to(Post))]
            pub struct Comment { id: i32, post_id: i32 }
            #[derive(Associations)]
            #[diesel(belongs_to(crate::models::User, foreign_key = author_id))]
            #[diesel(table_name = crate::schema::posts)]
            pub struct Post { id: i32 }
            #[derive(Associations)]
            #[diesel(belongs_to(Post))]
            pub struct Tag { id: i32 }
            #[table_name = "likes"]
            #[belongs_to(Post)]
            #[belongs_to(User)]
            pub struct Like { id: i32 }
            "#,
        );
        assert_eq!(
            f.belongs,
            [
                ("comments", "post_id"),
                ("posts", "author_id"),
                ("tags", "post_id"),
                ("likes", "post_id"),
                ("likes", "user_id")
            ]
            .map(|(a, b)| (a.to_string(), b.to_string()))
        );
        let s = DieselSchema::new(std::iter::once(&f));
        assert_eq!(
            s.complete("SELECT * FROM comment WHERE <parent>_id = ANY(?)"),
            "SELECT * FROM comments WHERE post_id = ANY(?)"
        );
        assert_eq!(
            s.complete("SELECT * FROM post WHERE <parent>_id = ANY(?)"),
            "SELECT * FROM posts WHERE author_id = ANY(?)"
        );
        // Two parents: `belonging_to` alone does not say which key.
        assert_eq!(
            s.complete("SELECT * FROM like WHERE <parent>_id = ANY(?)"),
            "SELECT * FROM likes WHERE <parent>_id = ANY(?)"
        );
    }

    #[test]
    fn seaorm_entities_name_their_tables() {
        let f = facts(
            r#"
            #[derive(DeriveEntityModel)]
            #[sea_orm(table_name = "posts")]
            pub struct Model { id: i32 }
            pub mod tag { #[sea_orm(table_name = "tag")] pub struct Model {} }
            "#,
        );
        assert_eq!(f.entities, vec![("post".to_string(), "posts".to_string())]);
        let s = DieselSchema::new(std::iter::once(&f));
        assert_eq!(
            s.complete("SELECT * FROM post JOIN tag WHERE post_id = ?"),
            "SELECT * FROM posts JOIN tag WHERE post_id = ?"
        );
    }

    #[test]
    fn completes_find_keys_and_joins() {
        let f = facts(
            r#"
            table! { person_block (person_id, target_id) { person_id -> Int4, } }
            table! { post { id -> Int4, } }
            table! { comment { id -> Int4, post_id -> Int4, } }
            joinable!(comment -> post (post_id));
            "#,
        );
        let s = DieselSchema::new(std::iter::once(&f));
        assert_eq!(
            s.complete("SELECT * FROM person_block WHERE person_block.<key> = ? LIMIT 1"),
            "SELECT * FROM person_block WHERE person_block.person_id = ? AND person_block.target_id = ? LIMIT 1"
        );
        assert_eq!(
            s.complete("SELECT * FROM unknown WHERE unknown.<key> = ?"),
            "SELECT * FROM unknown WHERE unknown.id = ?"
        );
        // Names that are not ASCII, and a key with no comparison after it.
        assert_eq!(
            s.complete("SELECT * FROM usérs\u{301} WHERE usérs\u{301}.<key> = ?"),
            "SELECT * FROM usérs\u{301} WHERE usérs\u{301}.id = ?"
        );
        assert_eq!(
            s.complete("SELECT * FROM t WHERE t.<key> AND x = ?"),
            "SELECT * FROM t WHERE t.id = ? AND x = ?"
        );
        assert_eq!(
            s.complete("SELECT * FROM post JOIN comment WHERE comment.author_id = ?"),
            "SELECT * FROM post JOIN comment ON comment.post_id = post.id WHERE comment.author_id = ?"
        );
        assert_eq!(
            s.complete("SELECT * FROM comment LEFT JOIN post WHERE post.<key> = ?"),
            "SELECT * FROM comment LEFT JOIN post ON comment.post_id = post.id WHERE post.id = ?"
        );
        assert_eq!(
            s.complete("SELECT * FROM comment JOIN other WHERE comment.id = ?"),
            "SELECT * FROM comment JOIN other WHERE comment.id = ?"
        );
    }
}
