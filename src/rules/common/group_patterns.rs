//! Repetition patterns inside one group of logged statements: N+1 loops
//! (one shape, or a body of several shapes, per parent row), loops nested in
//! loops, identical repeats, and repeated writes.

use std::collections::BTreeMap;

use crate::util::FastSet as HashSet;

use crate::engine::{GroupEvent, Operation, QueryGroup};

/// The executions of one shape in a group.
#[derive(Debug, Clone)]
pub struct ShapeRun {
    pub hash: u64,
    /// Indices into the group's events, in order.
    pub at: Vec<usize>,
    pub distinct: usize,
}

/// A loop found in a group: its shapes (head first), iterations, parent.
#[derive(Debug, Clone)]
pub struct LoopFound {
    pub shapes: Vec<ShapeRun>,
    /// Index of the parent statement (the last different read before the loop).
    pub parent: Option<usize>,
    /// Index into the found loops of the loop this one runs inside.
    pub nested_in: Option<usize>,
}

impl LoopFound {
    pub fn iterations(&self) -> usize {
        self.shapes.first().map_or(0, |s| s.at.len())
    }
}

/// Executions of each shape of the given operations, first-seen order.
pub fn runs(group: &QueryGroup, keep: impl Fn(&GroupEvent) -> bool) -> Vec<ShapeRun> {
    let mut by: BTreeMap<u64, (usize, Vec<usize>, HashSet<u64>)> = BTreeMap::new();
    for (i, e) in group.events.iter().enumerate() {
        if !keep(e) {
            continue;
        }
        let entry = by
            .entry(e.shape.hash)
            .or_insert_with(|| (i, Vec::new(), HashSet::default()));
        entry.1.push(i);
        entry.2.insert(e.values_hash);
    }
    let mut out: Vec<(usize, ShapeRun)> = by
        .into_iter()
        .map(|(hash, (first, at, values))| {
            (
                first,
                ShapeRun {
                    hash,
                    distinct: values.len(),
                    at,
                },
            )
        })
        .collect();
    out.sort_by_key(|(first, _)| *first);
    out.into_iter().map(|(_, r)| r).collect()
}

/// `b` runs once between each two runs of `a` (and once after the last).
fn interleaves(a: &[usize], b: &[usize]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter()
        .zip(b)
        .enumerate()
        .all(|(i, (&x, &y))| y > x && a.get(i + 1).is_none_or(|&next| y < next))
}

/// `inner` runs only between the first run of `outer` and the end of the
/// group, more often than `outer`, spread over several of its iterations.
fn nested(outer: &[usize], inner: &[usize]) -> bool {
    let (Some(&o0), Some(&i0)) = (outer.first(), inner.first()) else {
        return false;
    };
    if inner.len() <= outer.len() || i0 < o0 {
        return false;
    }
    // Inner runs fall in at least two different outer iterations.
    let iteration = |x: usize| outer.iter().filter(|&&o| o < x).count();
    let first = iteration(inner[0]);
    inner.iter().any(|&x| iteration(x) != first)
}

/// Finds N+1 loops among reads repeated at least `threshold` times with at
/// least two distinct values.
pub fn find_loops(group: &QueryGroup, threshold: usize) -> Vec<LoopFound> {
    let reads = runs(group, |e| e.shape.operation == Operation::Select);
    let mut loops: Vec<LoopFound> = Vec::new();
    let mut pending: Vec<ShapeRun> = reads
        .into_iter()
        .filter(|r| r.at.len() >= threshold.max(2) && r.distinct >= 2)
        .filter(|r| !pages_only(&group.events[r.at[0]].shape.text))
        .filter(|r| !batched_run(group, r))
        .collect();
    // A shape first seen before the loop it repeats in (the page's own row,
    // then once per comment) is only placed once that loop is known: retry
    // the leftovers until nothing changes.
    loop {
        let before = loops.len() + loops.iter().map(|l| l.shapes.len()).sum::<usize>();
        let mut left = Vec::new();
        for r in std::mem::take(&mut pending) {
            if let Some(r) = place(group, &mut loops, r) {
                left.push(r);
            }
        }
        pending = left;
        let after = loops.len() + loops.iter().map(|l| l.shapes.len()).sum::<usize>();
        if after == before || pending.is_empty() {
            break;
        }
    }
    loops
}

/// A shape whose only values are its `LIMIT`/`OFFSET`: the pages of one
/// listing (or the same listing in consecutive requests), never a lookup
/// per row of another query, which filters by a key.
fn pages_only(text: &str) -> bool {
    let rest = text
        .replace("limit ?, ?", "")
        .replace("limit ?", "")
        .replace("offset ?", "");
    text.contains('?') && !rest.contains('?')
}

/// A lookup of a whole list of keys (`WHERE order_id IN (...)`, `= ANY(?)`):
/// the batched form that eager loading sends. Repeated, it is consecutive
/// requests each loading their rows at once, not a query per row.
fn batched_lookup(text: &str) -> bool {
    text.contains(" in (...)") || text.contains("= any(") || text.contains("= any (")
}

/// A batched lookup whose executions load several keys at once. The same
/// form with one key each time (`IN ($1)`, which TypeORM's lazy relations
/// send per row) is a lookup per row.
fn batched_run(group: &QueryGroup, r: &ShapeRun) -> bool {
    let text = &group.events[r.at[0]].shape.text;
    if !batched_lookup(text) {
        return false;
    }
    if !text.contains(" in (...)") {
        // `= ANY(?)` binds one array, whatever its length.
        return true;
    }
    // Values outside the list(s) are the shape's own placeholders.
    let others = text.matches('?').count() as u32;
    r.at.iter().any(|&i| group.events[i].n_values > others + 1)
}

/// Places one repeated shape into the loops found so far; gives it back
/// when it fits nowhere yet.
fn place(group: &QueryGroup, loops: &mut Vec<LoopFound>, r: ShapeRun) -> Option<ShapeRun> {
    {
        // Part of an existing loop body (MN+1)?
        if let Some(l) = loops
            .iter_mut()
            .find(|l| l.shapes.len() < 8 && interleaves(&l.shapes[0].at, &r.at))
        {
            l.shapes.push(r);
            return None;
        }
        // Nested in an earlier loop? Runs of the shape before that loop
        // started (a lookup of the page's own row) are not part of it.
        let mut r = r;
        let nested_in = loops.iter().enumerate().rev().find_map(|(i, l)| {
            let start = l.shapes[0].at[0];
            let inside: Vec<usize> = r.at.iter().copied().filter(|&x| x > start).collect();
            nested(&l.shapes[0].at, &inside).then_some((i, inside))
        });
        let nested_in = match nested_in {
            Some((i, inside)) => {
                if inside.len() != r.at.len() {
                    let values: HashSet<u64> = inside
                        .iter()
                        .map(|&x| group.events[x].values_hash)
                        .collect();
                    r = ShapeRun {
                        hash: r.hash,
                        distinct: values.len(),
                        at: inside,
                    };
                }
                Some(i)
            }
            None => None,
        };
        // The parent: the last read of another shape before the first run,
        // past the preloads of an earlier read's children (eager loading
        // sends them between the parent and the loop).
        let first = r.at[0];
        let mut parent = (0..first).rev().find(|&i| {
            let e = &group.events[i];
            e.shape.hash != r.hash && e.shape.operation == Operation::Select
        });
        // Unless the loop's own key names the batched read's table: then
        // its rows drive the loop (`orders … = ANY(?)`, then one `items
        // WHERE order_id = ?` per order).
        let loop_key = owner_of_key(&group.events[first].shape.analysis);
        for _ in 0..4 {
            let Some(p) = parent else { break };
            let drives = group.events[p]
                .shape
                .analysis
                .driving
                .as_deref()
                .is_some_and(|t| loop_key.is_some_and(|k| names_table(t, k)));
            if drives {
                break;
            }
            match preload_of(group, p) {
                Some(earlier) if group.events[earlier].shape.hash != r.hash => {
                    parent = Some(earlier)
                }
                _ => break,
            }
        }
        if parent.is_none() && nested_in.is_none() {
            return Some(r);
        }
        loops.push(LoopFound {
            shapes: vec![r],
            parent,
            nested_in,
        });
        None
    }
}

/// When statement `i` loads the children of an earlier read's rows in one
/// batch (`comments WHERE post_id = ANY(?)` after a read of `posts`), that
/// earlier read: the rows a loop after both walks are the parent's, not the
/// preload's.
fn preload_of(group: &QueryGroup, i: usize) -> Option<usize> {
    let e = &group.events[i];
    if !batched_lookup(&e.shape.text) {
        return None;
    }
    let owner = owner_of_key(&e.shape.analysis)?;
    (0..i).rev().take(64).find(|&j| {
        let p = &group.events[j];
        p.shape.operation == Operation::Select
            && p.shape.hash != e.shape.hash
            && p.shape
                .analysis
                .driving
                .as_deref()
                .is_some_and(|t| names_table(t, owner))
    })
}

/// `post` of a statement whose first equality filter is `post_id`.
fn owner_of_key(a: &crate::sql::analyze::SqlAnalysis) -> Option<&str> {
    use crate::sql::analyze::ColumnUse;
    let key = a.columns.iter().find(|c| c.usage == ColumnUse::Equality)?;
    key.column.strip_suffix("_id").filter(|o| !o.is_empty())
}

/// Does table `t` carry the rows `owner_id` points at (`posts`, `post`,
/// `addresses`, `categories`)?
fn names_table(t: &str, owner: &str) -> bool {
    t == owner
        || t.strip_suffix('s') == Some(owner)
        || t.strip_suffix("es") == Some(owner)
        || t.strip_suffix("ies")
            .is_some_and(|stem| owner.strip_suffix('y') == Some(stem))
}

/// The batched form of a shape: its first equality predicate as `IN (...)`.
pub fn batched_sql(text: &str, columns: &[crate::sql::analyze::ColumnRef]) -> Option<String> {
    use crate::sql::analyze::ColumnUse;
    for c in columns.iter().filter(|c| c.usage == ColumnUse::Equality) {
        let name = match &c.qualifier {
            Some(q) => format!("{q}.{}", c.column),
            None => c.column.clone(),
        };
        for pattern in [format!("{name} = ?"), format!("? = {name}")] {
            if let Some(i) = text.find(&pattern) {
                let mut out = String::with_capacity(text.len() + 8);
                out.push_str(&text[..i]);
                out.push_str(&format!("{name} in (...)"));
                out.push_str(without_row_limit(&text[i + pattern.len()..]));
                return Some(out);
            }
        }
    }
    None
}

/// A trailing `LIMIT ?` (`OFFSET ?`, `LIMIT ?, ?`) bounds the rows of one
/// element (Diesel's `.first()` sends `LIMIT 1`); kept in the batched query
/// it would cut the rows of all elements together, so it goes.
fn without_row_limit(tail: &str) -> &str {
    let lower = tail.to_ascii_lowercase();
    for end in [" limit ? offset ?", " limit ?, ?", " limit ?", " offset ?"] {
        if let Some(rest) = lower.strip_suffix(end) {
            return &tail[..rest.len()];
        }
    }
    tail
}

#[cfg(test)]
mod paging_tests {
    use super::{batched_lookup, pages_only};

    #[test]
    fn batched_lookups_are_no_lookup_per_row() {
        assert!(batched_lookup(
            "select * from order_items where order_items.order_id in (...)"
        ));
        assert!(batched_lookup("select * from t where id = any(?)"));
        assert!(batched_lookup("select * from t where (t.id = any (?))"));
        assert!(!batched_lookup("select * from t where id = ?"));
    }

    #[test]
    fn a_batched_query_drops_the_per_row_limit() {
        use crate::sql::analyze::{ColumnRef, ColumnUse};
        let id = ColumnRef {
            qualifier: Some("users".to_string()),
            column: "id".to_string(),
            usage: ColumnUse::Equality,
        };
        assert_eq!(
            super::batched_sql(
                "select users.name from users where (users.id = ?) limit ?",
                std::slice::from_ref(&id)
            )
            .as_deref(),
            Some("select users.name from users where (users.id in (...))")
        );
        assert_eq!(
            super::batched_sql(
                "select users.name from users where users.id = ? order by users.name",
                &[id]
            )
            .as_deref(),
            Some("select users.name from users where users.id in (...) order by users.name")
        );
    }

    #[test]
    fn paging_shapes_are_no_lookup() {
        assert!(pages_only(
            "select * from products order by id asc limit ? offset ?"
        ));
        assert!(pages_only("select * from t limit ?, ?"));
        assert!(!pages_only(
            "select * from reviews where product_id = ? limit ?"
        ));
        assert!(!pages_only("select * from t"));
    }
}
