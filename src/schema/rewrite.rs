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
    }
}
