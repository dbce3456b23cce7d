//! The SQL a Diesel or SeaORM builder chain sends, derived from the chain
//! itself, for `ormlint inspect`: single-table `filter` / `find` / `select` /
//! `order` / `limit` / `offset` / `count` / joins, and the write builders.
//! Bound values are `?`. Derivation stops (returns `None`) at anything it
//! does not understand rather than guess.

use syn::Expr;

/// The identifiers of a path: `users::dsl::email` → `["users", "dsl", "email"]`.
fn segments(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

/// `users::email` → `users.email`; `users::dsl::email` and `email` → `email`;
/// `Column::CreatedAt` → `created_at`.
fn column(e: &Expr) -> Option<String> {
    match strip(e) {
        Expr::Path(p) => {
            let segs = segments(&p.path);
            match segs.as_slice() {
                [.., c, col] if c == "Column" => Some(snake(col)),
                [.., _, dsl, col] if dsl == "dsl" => Some(col.clone()),
                [table, col] => Some(format!("{table}.{col}")),
                [col] => Some(col.clone()),
                _ => None,
            }
        }
        Expr::MethodCall(m) if matches!(m.method.to_string().as_str(), "desc" | "asc") => {
            let c = column(&m.receiver)?;
            Some(if m.method == "desc" {
                format!("{c} DESC")
            } else {
                c
            })
        }
        Expr::MethodCall(m)
            if matches!(
                m.method.to_string().as_str(),
                "nullable" | "assume_not_null" | "single_value"
            ) =>
        {
            column(&m.receiver)
        }
        Expr::Tuple(t) => {
            let cols: Option<Vec<String>> = t.elems.iter().map(column).collect();
            Some(cols?.join(", "))
        }
        _ => None,
    }
}

fn strip(e: &Expr) -> &Expr {
    match e {
        Expr::Reference(r) => strip(&r.expr),
        Expr::Paren(p) => strip(&p.expr),
        Expr::Group(g) => strip(&g.expr),
        _ => e,
    }
}

use crate::schema::seaorm::snake;

/// A predicate: `users::id.eq(x)` → `users.id = ?`.
fn predicate(e: &Expr) -> Option<String> {
    let Expr::MethodCall(m) = strip(e) else {
        return None;
    };
    let name = m.method.to_string();
    if name == "and" || name == "or" {
        let l = predicate(&m.receiver)?;
        let r = predicate(m.args.first()?)?;
        return Some(if name == "and" {
            format!("{l} AND {r}")
        } else {
            format!("({l} OR {r})")
        });
    }
    let col = column(&m.receiver)?;
    Some(match name.as_str() {
        "eq" => format!("{col} = ?"),
        "ne" => format!("{col} <> ?"),
        "gt" => format!("{col} > ?"),
        "lt" => format!("{col} < ?"),
        "ge" | "gte" => format!("{col} >= ?"),
        "le" | "lte" => format!("{col} <= ?"),
        "like" => format!("{col} LIKE ?"),
        "ilike" => format!("{col} ILIKE ?"),
        "eq_any" => format!("{col} = ANY(?)"),
        "is_in" => format!("{col} IN (...)"),
        "is_null" => format!("{col} IS NULL"),
        "is_not_null" => format!("{col} IS NOT NULL"),
        "between" => format!("{col} BETWEEN ? AND ?"),
        _ => return None,
    })
}

/// Columns a chain's filters compare to a constant of the code: a truth
/// value (`true`, `i32::from(false)`, a `bool` parameter) or an enum
/// variant (`Status::Broadcast as i32`, `[Kind::A, Kind::B]`). Such a
/// column holds a few distinct values; alone, it picks a large share of the
/// table, and no index led by it helps. Bare column names.
pub fn constant_columns(calls: &[&Expr], is_bool: &dyn Fn(&str) -> bool) -> Vec<String> {
    fn constant(e: &Expr, is_bool: &dyn Fn(&str) -> bool, depth: usize) -> bool {
        if depth > 8 {
            return false;
        }
        match strip(e) {
            Expr::Lit(l) => matches!(l.lit, syn::Lit::Bool(_)),
            Expr::Cast(c) => constant(&c.expr, is_bool, depth + 1),
            Expr::Call(c) => {
                // `i32::from(x)`, `From::from(x)`.
                let Expr::Path(p) = &*c.func else {
                    return false;
                };
                p.path.segments.last().is_some_and(|s| s.ident == "from")
                    && c.args.len() == 1
                    && c.args
                        .first()
                        .is_some_and(|a| constant(a, is_bool, depth + 1))
            }
            Expr::MethodCall(m) => {
                matches!(
                    m.method.to_string().as_str(),
                    "into" | "to_string" | "as_str" | "to_owned" | "clone" | "as_ref"
                ) && constant(&m.receiver, is_bool, depth + 1)
            }
            Expr::Array(a) => {
                !a.elems.is_empty() && a.elems.iter().all(|x| constant(x, is_bool, depth + 1))
            }
            Expr::Path(p) => {
                let segs = segments(&p.path);
                match segs.as_slice() {
                    [one] => is_bool(one),
                    [.., ty, variant] => {
                        let camel = |s: &str| {
                            s.starts_with(|c: char| c.is_ascii_uppercase())
                                && s.chars().any(|c| c.is_ascii_lowercase())
                        };
                        (camel(ty) || ty == "Self") && camel(variant)
                    }
                    [] => false,
                }
            }
            _ => false,
        }
    }
    fn walk(e: &Expr, is_bool: &dyn Fn(&str) -> bool, out: &mut Vec<String>) {
        let Expr::MethodCall(m) = strip(e) else {
            return;
        };
        let name = m.method.to_string();
        if name == "and" || name == "or" {
            walk(&m.receiver, is_bool, out);
            if let Some(a) = m.args.first() {
                walk(a, is_bool, out);
            }
            return;
        }
        let compares = matches!(
            name.as_str(),
            "eq" | "ne" | "eq_any" | "ne_all" | "is_in" | "is_not_in"
        );
        if compares && m.args.first().is_some_and(|a| constant(a, is_bool, 0)) {
            if let Some(c) = column(&m.receiver) {
                let bare = c.rsplit('.').next().unwrap_or(&c).to_string();
                if !out.contains(&bare) {
                    out.push(bare);
                }
            }
        }
    }
    fn chain(e: &Expr, is_bool: &dyn Fn(&str) -> bool, out: &mut Vec<String>) {
        match strip(e) {
            Expr::MethodCall(m) => {
                chain(&m.receiver, is_bool, out);
                if matches!(m.method.to_string().as_str(), "filter" | "or_filter") {
                    if let Some(a) = m.args.first() {
                        walk(a, is_bool, out);
                    }
                }
            }
            Expr::Call(c) => {
                // `diesel::update(t.filter(…))`, `diesel::delete(…)`.
                for a in &c.args {
                    chain(a, is_bool, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for node in calls {
        match node {
            Expr::MethodCall(m)
                if matches!(m.method.to_string().as_str(), "filter" | "or_filter") =>
            {
                if let Some(a) = m.args.first() {
                    walk(a, is_bool, &mut out);
                }
            }
            Expr::Call(_) => chain(node, is_bool, &mut out),
            _ => {}
        }
    }
    out
}

/// `posts::table` / `post::Entity` / `Post::find` root → the table name.
fn table_of(e: &Expr) -> Option<String> {
    match strip(e) {
        Expr::Path(p) => {
            let segs = segments(&p.path);
            match segs.as_slice() {
                [.., t, last] if last == "table" || last == "Entity" => Some(t.clone()),
                [t] => Some(t.clone()),
                _ => None,
            }
        }
        Expr::MethodCall(m) => table_of(&m.receiver),
        _ => None,
    }
}

/// Derives the SQL of a builder chain ending in the executing method `exec`.
/// `calls` are the chain's calls from the root outwards.
pub fn derive(calls: &[&Expr], exec: &str) -> Option<String> {
    let mut table: Option<String> = None;
    let mut kind = "SELECT";
    let mut select = "*".to_string();
    let (mut wheres, mut orders, mut joins) = (Vec::new(), Vec::new(), Vec::new());
    let (mut limit, mut offset, mut set) = (None, false, None);
    for node in calls {
        match node {
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else { return None };
                let segs = segments(&p.path);
                let last = segs.last()?.as_str();
                match last {
                    "insert_into" => {
                        kind = "INSERT";
                        table = table_of(c.args.first()?);
                    }
                    "update" => {
                        kind = "UPDATE";
                        table = table_of(c.args.first()?);
                        collect_filters(c.args.first()?, &mut wheres)?;
                    }
                    "delete" => {
                        kind = "DELETE";
                        table = table_of(c.args.first()?);
                        collect_filters(c.args.first()?, &mut wheres)?;
                    }
                    "find" | "find_by_id" if segs.len() >= 2 => {
                        table = Some(segs[segs.len() - 2].clone())
                            .filter(|t| t != "Entity")
                            .or_else(|| segs.first().cloned());
                        if last == "find_by_id" {
                            wheres.push("id = ?".to_string());
                        }
                    }
                    "belonging_to" if segs.len() >= 2 => {
                        table = Some(snake(&segs[segs.len() - 2]));
                        wheres.push(format!(
                            "{} = ANY(?)",
                            crate::source::diesel_schema::PARENT_KEY
                        ));
                    }
                    _ => return None,
                }
            }
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                if table.is_none() {
                    table = table_of(&m.receiver);
                }
                match name.as_str() {
                    "filter" | "or_filter" => wheres.push(predicate(m.args.first()?)?),
                    "find" => wheres.push(find_key(&table.clone()?)),
                    "find_by_id" => wheres.push("id = ?".to_string()),
                    "select" => select = column(m.args.first()?)?,
                    "order" | "order_by" | "then_order_by" => orders.push(column(m.args.first()?)?),
                    "order_by_asc" => orders.push(column(m.args.first()?)?),
                    "order_by_desc" => orders.push(format!("{} DESC", column(m.args.first()?)?)),
                    "limit" => limit = Some("?".to_string()),
                    "offset" => offset = true,
                    "count" => select = "COUNT(*)".to_string(),
                    "distinct" => select = format!("DISTINCT {select}"),
                    "inner_join" | "left_join" | "left_outer_join" => {
                        let target = m.args.first()?;
                        let t = table_of(target)?;
                        let how = if name == "inner_join" {
                            "JOIN"
                        } else {
                            "LEFT JOIN"
                        };
                        // `.on(a.eq(b))` names the condition; without it the
                        // schema's `joinable!` does (`DieselSchema::complete`).
                        match on_condition(target) {
                            Some(on) => joins.push(format!("{how} {t} ON {on}")),
                            None => joins.push(format!("{how} {t}")),
                        }
                    }
                    "find_related" | "find_also_related" => {
                        joins.push(format!("JOIN {}", table_of(m.args.first()?)?))
                    }
                    "values" => {}
                    "set" => {
                        set = Some(
                            m.args
                                .first()
                                .and_then(assignments)
                                .unwrap_or_else(|| "…".into()),
                        )
                    }
                    "into_boxed" | "into_model" | "into_json" | "into_tuple" | "bind" => {}
                    _ => return None,
                }
            }
            _ => {}
        }
    }
    match exec {
        "first" | "one" | "get_result"
            if kind == "SELECT" && limit.is_none() && exec != "get_result" =>
        {
            limit = Some("1".to_string())
        }
        "count" => select = "COUNT(*)".to_string(),
        _ => {}
    }
    let table = table?;
    let mut sql = match kind {
        "INSERT" => format!("INSERT INTO {table} VALUES (…)"),
        "UPDATE" => format!("UPDATE {table} SET {}", set.unwrap_or_else(|| "…".into())),
        "DELETE" => format!("DELETE FROM {table}"),
        _ => format!("SELECT {select} FROM {table}"),
    };
    for j in joins {
        sql.push(' ');
        sql.push_str(&j);
    }
    if !wheres.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&wheres.join(" AND "));
    }
    if !orders.is_empty() {
        sql.push_str(" ORDER BY ");
        sql.push_str(&orders.join(", "));
    }
    if let Some(l) = limit {
        sql.push_str(&format!(" LIMIT {l}"));
    }
    if offset {
        sql.push_str(" OFFSET ?");
    }
    Some(sql)
}

/// What `.find(k)` filters on: the table's key, which its `table!` tells
/// (completed over the workspace by `DieselSchema::complete`).
fn find_key(table: &str) -> String {
    format!("{table}.{} = ?", crate::source::diesel_schema::FIND_KEY)
}

/// `b::table.on(a::x.eq(b::y).and(…))` → `a.x = b.y AND …`.
fn on_condition(target: &Expr) -> Option<String> {
    let Expr::MethodCall(m) = strip(target) else {
        return None;
    };
    if m.method != "on" {
        return on_condition(&m.receiver);
    }
    fn cond(e: &Expr) -> Option<String> {
        let Expr::MethodCall(m) = strip(e) else {
            return None;
        };
        match m.method.to_string().as_str() {
            "and" => Some(format!(
                "{} AND {}",
                cond(&m.receiver)?,
                cond(m.args.first()?)?
            )),
            "eq" => {
                let l = column(&m.receiver)?;
                let r = column(m.args.first()?).unwrap_or_else(|| "?".to_string());
                Some(format!("{l} = {r}"))
            }
            _ => predicate(e),
        }
    }
    cond(m.args.first()?)
}

/// Filters inside an `update(…)` / `delete(…)` target.
fn collect_filters(e: &Expr, out: &mut Vec<String>) -> Option<()> {
    match strip(e) {
        Expr::MethodCall(m) => {
            collect_filters(&m.receiver, out)?;
            match m.method.to_string().as_str() {
                "filter" => out.push(predicate(m.args.first()?)?),
                "find" => out.push(find_key(&table_of(&m.receiver)?)),
                _ => {}
            }
            Some(())
        }
        _ => Some(()),
    }
}

/// `(name.eq(x), seen.eq(true))` → `name = ?, seen = ?`.
fn assignments(e: &Expr) -> Option<String> {
    let one = |e: &Expr| -> Option<String> {
        let Expr::MethodCall(m) = strip(e) else {
            return None;
        };
        (m.method == "eq").then(|| column(&m.receiver).map(|c| format!("{c} = ?")))?
    };
    match strip(e) {
        Expr::Tuple(t) => Some(
            t.elems
                .iter()
                .map(one)
                .collect::<Option<Vec<_>>>()?
                .join(", "),
        ),
        other => one(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(src: &str) -> (Vec<Expr>, String) {
        // Split `a.b(..).c(..)` into its calls, root first, and the exec name.
        let e: Expr = syn::parse_str(src).unwrap();
        let Expr::MethodCall(exec) = e else {
            panic!("not a call")
        };
        let mut calls = Vec::new();
        let mut cur = (*exec.receiver).clone();
        loop {
            match cur {
                Expr::MethodCall(ref m) => {
                    let next = (*m.receiver).clone();
                    calls.push(cur.clone());
                    cur = next;
                }
                Expr::Call(_) => {
                    calls.push(cur.clone());
                    break;
                }
                _ => break,
            }
        }
        calls.reverse();
        (calls, exec.method.to_string())
    }

    fn sql(src: &str) -> Option<String> {
        let (calls, exec) = chain(src);
        let refs: Vec<&Expr> = calls.iter().collect();
        derive(&refs, &exec)
    }

    #[test]
    fn diesel_chains() {
        assert_eq!(
            sql("users::table.filter(users::email.eq(e)).select((users::id, users::name)).first(conn)").as_deref(),
            Some("SELECT users.id, users.name FROM users WHERE users.email = ? LIMIT 1")
        );
        assert_eq!(
            sql("posts::table.filter(posts::author_id.eq_any(ids)).order(posts::id.desc()).limit(20).load(conn)").as_deref(),
            Some("SELECT * FROM posts WHERE posts.author_id = ANY(?) ORDER BY posts.id DESC LIMIT ?")
        );
        assert_eq!(
            sql("users::table.find(id).first(conn)").as_deref(),
            Some("SELECT * FROM users WHERE users.<key> = ? LIMIT 1")
        );
        assert_eq!(
            sql("diesel::update(users::table.find(id)).set(users::name.eq(n)).execute(conn)")
                .as_deref(),
            Some("UPDATE users SET users.name = ? WHERE users.<key> = ?")
        );
        assert_eq!(
            sql("Comment::belonging_to(&posts).load(conn)").as_deref(),
            Some("SELECT * FROM comment WHERE <parent>_id = ANY(?)")
        );
        assert_eq!(
            sql("posts::table.inner_join(users::table.on(posts::author_id.eq(users::id).and(users::active.eq(true)))).filter(users::name.eq(n)).load(conn)").as_deref(),
            Some("SELECT * FROM posts JOIN users ON posts.author_id = users.id AND users.active = ? WHERE users.name = ?")
        );
        assert_eq!(sql("users::table.filter(weird(x)).load(conn)"), None);
    }

    #[test]
    fn seaorm_chains() {
        assert_eq!(
            sql("cake::Entity::find().filter(cake::Column::Name.eq(n)).order_by_desc(cake::Column::CreatedAt).one(db)").as_deref(),
            Some("SELECT * FROM cake WHERE name = ? ORDER BY created_at DESC LIMIT 1")
        );
    }
}
