//! The one list of rules, and lookup by id.

use super::rule::{Rule, RuleMeta};

/// Every rule ormlint has, in id order.
pub fn all() -> &'static [&'static dyn Rule] {
    crate::rules::ALL
}

/// Finds a rule by id or former id.
pub fn find(id: &str) -> Option<&'static dyn Rule> {
    all()
        .iter()
        .copied()
        .find(|r| r.meta().id == id || r.meta().aliases.contains(&id))
}

pub fn meta(id: &str) -> Option<&'static RuleMeta> {
    find(id).map(|r| r.meta())
}

/// The known id closest to `id`, when one is close enough to be a typo.
pub fn suggest(id: &str) -> Option<&'static str> {
    let id = id.to_ascii_lowercase();
    all()
        .iter()
        .map(|r| r.meta().id)
        .map(|known| (edit_distance(&id, known), known))
        .filter(|(d, known)| *d <= (known.len() / 3).max(2) || known.contains(id.as_str()))
        .min()
        .map(|(_, known)| known)
}

/// The message for an unknown id: what was asked and what was probably meant.
pub fn unknown_rule_message(id: &str) -> String {
    match suggest(id) {
        Some(near) => format!("unknown rule `{id}`; did you mean `{near}`?"),
        None => format!("unknown rule `{id}`; `ormlint rules` lists the known ones"),
    }
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_nearest_id() {
        assert_eq!(suggest("n-plus-on"), Some("n-plus-one"));
        assert_eq!(suggest("nplusone"), Some("n-plus-one"));
        assert_eq!(suggest("sql-injections"), Some("sql-injection"));
        assert_eq!(suggest("index"), Some("missing-index"));
        assert_eq!(suggest("completely-different"), None);
    }

    #[test]
    fn ids_are_unique_and_sorted() {
        let ids: Vec<&str> = all().iter().map(|r| r.meta().id).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(ids, sorted);
    }
}
