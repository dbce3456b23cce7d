//! Rewrites a fingerprinted query shape (lower case, `?` for values) from
//! PostgreSQL or MySQL into SQL SQLite can plan.

/// Multi-word type names that may follow `::`.
const TYPE_TAILS: &[&str] = &[
    "varying",
    "precision",
    "with time zone",
    "without time zone",
];

/// Drops `::type` casts (`?::integer`, `col::text`, `?::character varying`).
fn drop_casts(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("::") {
        out.push_str(&rest[..i]);
        let mut tail = &rest[i + 2..];
        let end = tail
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '"' || c == '.'))
            .unwrap_or(tail.len());
        tail = &tail[end..];
        // `(255)` and `[]` after the type name.
        if tail.starts_with('(') {
            if let Some(close) = tail.find(')') {
                tail = &tail[close + 1..];
            }
        }
        loop {
            let t = tail.trim_start();
            if let Some(x) = TYPE_TAILS.iter().find(|x| t.starts_with(*x)) {
                tail = &t[x.len()..];
            } else if let Some(x) = t.strip_prefix("[]") {
                tail = x;
            } else {
                break;
            }
        }
        rest = tail;
    }
    out.push_str(rest);
    out
}

/// SQLite takes `OFFSET` only after a `LIMIT`: PostgreSQL's `offset ?`
/// alone (Prisma writes it) becomes `limit -1 offset ?`, and `offset ?
/// limit ?` is put in SQLite's order.
fn limit_before_offset(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    let mut rest = s;
    while let Some(i) = rest.find(" offset ") {
        let (head, tail) = rest.split_at(i);
        out.push_str(head);
        let has_limit = same_level(&out).contains(" limit ");
        let after = &tail[" offset ".len()..];
        let value_end = after.find([' ', ')']).unwrap_or(after.len());
        let (value, after) = after.split_at(value_end);
        if has_limit {
            out.push_str(" offset ");
            out.push_str(value);
            rest = after;
            continue;
        }
        if let Some(limit) = after.strip_prefix(" limit ") {
            let end = limit.find([' ', ')']).unwrap_or(limit.len());
            out.push_str(" limit ");
            out.push_str(&limit[..end]);
            out.push_str(" offset ");
            out.push_str(value);
            rest = &limit[end..];
        } else {
            out.push_str(" limit -1 offset ");
            out.push_str(value);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// The end of `s` at its last open level, with parenthesised parts left
/// out: the clauses of the SELECT that `s` is in the middle of.
fn same_level(s: &str) -> String {
    let mut depth = 0usize;
    let mut kept = Vec::new();
    for (i, c) in s.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' if depth == 0 => break,
            '(' => depth -= 1,
            _ if depth == 0 => kept.push(&s[i..i + c.len_utf8()]),
            _ => {}
        }
    }
    kept.reverse();
    let level = kept.concat();
    match level.rfind("select ") {
        Some(i) => level[i..].to_string(),
        None => level,
    }
}

/// The SQLite form of a query shape.
pub fn to_sqlite(shape: &str) -> String {
    let mut s = drop_casts(shape);
    for (from, to) in [
        (" not ilike ", " not like "),
        (" ilike ", " like "),
        ("= any (?)", "in (?)"),
        ("= any(?)", "in (?)"),
        ("<> all (?)", "not in (?)"),
        ("in (...)", "in (?)"),
        (" now()", " current_timestamp"),
        ("public.", ""),
        ("\"public\".", ""),
        (" nulls first", ""),
        (" nulls last", ""),
    ] {
        if s.contains(from) {
            s = s.replace(from, to);
        }
    }
    s = limit_before_offset(&s);
    // Row locks have no meaning for a plan.
    for lock in [
        " for update",
        " for share",
        " for no key update",
        " for key share",
    ] {
        if let Some(i) = s.find(lock) {
            s.truncate(i);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_dialects() {
        assert_eq!(
            to_sqlite("select * from public.users where email = ?::character varying and id = any (?) for update"),
            "select * from users where email = ? and id in (?)"
        );
        assert_eq!(
            to_sqlite("select * from t where name ilike ? and x::text = ?"),
            "select * from t where name like ? and x = ?"
        );
        assert_eq!(
            to_sqlite("select * from t where a in (...) and b = ?::int[]"),
            "select * from t where a in (?) and b = ?"
        );
        assert_eq!(to_sqlite("select ?::numeric(10, 2)"), "select ?");
        assert_eq!(
            to_sqlite("select a from t where b in (...) offset ?"),
            "select a from t where b in (?) limit -1 offset ?"
        );
        assert_eq!(
            to_sqlite("select a from t offset ? limit ?"),
            "select a from t limit ? offset ?"
        );
        assert_eq!(
            to_sqlite("select a from t where c = ? limit ? offset ?"),
            "select a from t where c = ? limit ? offset ?"
        );
        assert_eq!(
            to_sqlite("select a from (select b from u limit ?) x offset ?"),
            "select a from (select b from u limit ?) x limit -1 offset ?"
        );
    }
}
