//! Query tags on runtime findings: the sqlcommenter and Rails QueryLogs /
//! marginalia comments ORMs add to each statement (`controller='posts',
//! action='index',route='/posts'`) say which code sent it. A finding shows
//! the tags of the statement it reports, so the engineer can go from a
//! line of the log to the code.
//!
//! Only keys that name code are kept by default: other keys could carry
//! customer data and are kept with `--show-values`. Request ids
//! (`traceparent`, `request_id`) already name the finding's group (`in
//! request …`) and are not kept per statement, so that the tag sets of a
//! log stay few and each is stored once.

use std::sync::Arc;

use crate::util::FastMap;

/// Keys that name code, shown by default.
pub const CODE_KEYS: &[&str] = &[
    "application",
    "controller",
    "action",
    "route",
    "framework",
    "job",
    "file",
    "line",
    "source_location",
    "db_driver",
];

/// Keys that identify one request: they name the group instead.
pub const REQUEST_KEYS: &[&str] = &[
    "traceparent",
    "tracestate",
    "request_id",
    "requestid",
    "request-id",
    "x-request-id",
    "trace_id",
];

/// Distinct tag sets kept for a run; past this, new sets are not shown
/// (a log whose tags carry per-statement values with `--show-values`).
const MAX_SETS: usize = 10_000;

/// One statement's kept tags, in the order logged.
pub type Tags = Arc<[(String, String)]>;

/// Which tags are kept.
#[derive(Clone, Debug, Default)]
pub struct TagFilter {
    /// Keys the user adds (`[replay] tags` in `ormlint.toml`).
    pub extra: Vec<String>,
    /// `--show-values`: every key.
    pub all: bool,
}

impl TagFilter {
    pub fn keeps(&self, key: &str) -> bool {
        if REQUEST_KEYS.contains(&key) {
            return false;
        }
        self.all || CODE_KEYS.contains(&key) || self.extra.iter().any(|k| k == key)
    }

    /// A hash of the kept tags (0: none kept; never 0 when one is).
    pub fn hash(&self, tags: &[(String, String)]) -> u64 {
        let mut h: u64 = 0;
        let mut any = false;
        for (k, v) in tags.iter().filter(|(k, _)| self.keeps(k)) {
            any = true;
            for part in [k, v] {
                h = (h.rotate_left(5) ^ crate::sql::fingerprint::hash_bytes(part.as_bytes()))
                    .wrapping_mul(0x0100_0000_01b3);
            }
        }
        if any {
            h.max(1)
        } else {
            0
        }
    }

    /// The kept tags, owned. Control characters a `%0A` or `%1B` decoded
    /// into are shown escaped: the statement's sender wrote these values
    /// (an attacker, for an injection), and they must not start a line or
    /// a terminal sequence of their own in a report.
    pub fn kept(&self, tags: &[(String, String)]) -> Box<[(String, String)]> {
        tags.iter()
            .filter(|(k, _)| self.keeps(k))
            .map(|(k, v)| (printable(k), printable(v)))
            .collect()
    }
}

/// `s` with control characters escaped (`\u{1b}`).
fn printable(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Each distinct tag set of the run, stored once.
#[derive(Default)]
pub struct TagSets {
    sets: FastMap<u64, Tags>,
    /// Past the cap: a full set's hash → the code-keys set it was stored
    /// as, so that its later statements (whose tags the reading thread does
    /// not send again) find it.
    aliases: FastMap<u64, u64>,
}

/// Aliases kept past the cap; beyond, a set's later statements lose their tags.
const MAX_ALIASES: usize = 200_000;

impl TagSets {
    pub fn get(&self, hash: u64) -> Option<Tags> {
        let hash = self.aliases.get(&hash).copied().unwrap_or(hash);
        self.sets.get(&hash).cloned()
    }

    /// Stores a set first seen. Past [`MAX_SETS`] (a key with a value
    /// per statement, kept with `--show-values` or `[replay] tags`), a new
    /// set keeps only its keys that name code, which are few.
    pub fn insert(&mut self, hash: u64, tags: Box<[(String, String)]>) -> Option<Tags> {
        if let Some(t) = self.sets.get(&hash) {
            return Some(t.clone());
        }
        if self.sets.len() < MAX_SETS {
            let t: Tags = Arc::from(tags);
            self.sets.insert(hash, t.clone());
            return Some(t);
        }
        let code = TagFilter::default();
        let h = code.hash(&tags);
        if h == 0 {
            return None;
        }
        if self.aliases.len() < MAX_ALIASES {
            self.aliases.insert(hash, h);
        }
        if let Some(t) = self.sets.get(&h) {
            return Some(t.clone());
        }
        if self.sets.len() >= 2 * MAX_SETS {
            return None;
        }
        let t: Tags = Arc::from(code.kept(&tags));
        self.sets.insert(h, t.clone());
        Some(t)
    }
}

/// The tags as JSON `query.tags` shows them (the first of a repeated key).
pub fn to_map(tags: &[(String, String)]) -> std::collections::BTreeMap<String, String> {
    let mut m = std::collections::BTreeMap::new();
    for (k, v) in tags {
        m.entry(k.clone()).or_insert_with(|| v.clone());
    }
    m
}

/// Puts the tags on a finding: JSON `query.tags`, and a note saying where
/// the statement came from.
pub fn attach(d: &mut crate::engine::Diagnostic, tags: &[(String, String)]) {
    d.query.get_or_insert_with(Default::default).tags = Some(to_map(tags));
    if let Some(o) = origin(tags) {
        // The tags are part of the statement: for an injection, its
        // sender (perhaps the attacker) wrote them.
        d.notes.push(if d.rule == "sql-injection" {
            format!("from {o}, per the query tags in the statement itself")
        } else {
            format!("from {o}, per its query tags")
        });
    }
}

/// The same pattern, found again from other code: the kept finding names
/// up to three other origins its query tags gave, so that one controller's
/// tags do not stand for all of them.
pub fn note_other_origin(kept: &mut crate::engine::Diagnostic, other: &crate::engine::Diagnostic) {
    const HEAD: &str = "the same pattern also came from ";
    let origin_of = |d: &crate::engine::Diagnostic| {
        let tags: Vec<(String, String)> = d
            .query
            .as_ref()?
            .tags
            .as_ref()?
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        origin(&tags)
    };
    let Some(o) = origin_of(other) else { return };
    if origin_of(kept).as_deref() == Some(o.as_str()) {
        return;
    }
    let quoted = format!("`{o}`");
    match kept.notes.iter_mut().find(|n| n.starts_with(HEAD)) {
        None => kept.notes.push(format!("{HEAD}{quoted}")),
        Some(n) if n.contains(&quoted) || n.ends_with("and others") => {}
        Some(n) if n.matches("`, `").count() >= 2 => n.push_str(", and others"),
        Some(n) => {
            n.push_str(", ");
            n.push_str(&quoted);
        }
    }
}

/// Where the statement came from, in words: `posts#index (route /posts)`,
/// `job ReportJob`, `app/models/post.rb:12`.
pub fn origin(tags: &[(String, String)]) -> Option<String> {
    let get = |k: &str| {
        tags.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let mut parts = Vec::new();
    match (get("controller"), get("action")) {
        (Some(c), Some(a)) => parts.push(format!("{c}#{a}")),
        (Some(c), None) => parts.push(c.to_string()),
        (None, Some(a)) => parts.push(format!("action {a}")),
        (None, None) => {}
    }
    if let Some(j) = get("job") {
        parts.push(format!("job {j}"));
    }
    if let Some(r) = get("route") {
        parts.push(format!("(route {r})"));
    }
    match (get("source_location"), get("file"), get("line")) {
        (Some(s), _, _) => parts.push(format!("at {s}")),
        (None, Some(f), Some(l)) => parts.push(format!("at {f}:{l}")),
        (None, Some(f), None) => parts.push(format!("at {f}")),
        _ => {}
    }
    if parts.is_empty() {
        if let Some(a) = get("application") {
            parts.push(format!("application {a}"));
        }
    }
    (!parts.is_empty()).then(|| parts.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn only_code_keys_by_default() {
        let tags = t(&[
            ("controller", "posts"),
            ("tenant", "acme"),
            ("traceparent", "00-abc-def-01"),
        ]);
        let f = TagFilter::default();
        assert_eq!(&*f.kept(&tags), &t(&[("controller", "posts")])[..]);
        let all = TagFilter {
            all: true,
            ..TagFilter::default()
        };
        assert_eq!(all.kept(&tags).len(), 2, "request ids name the group");
        let extra = TagFilter {
            extra: vec!["tenant".into()],
            all: false,
        };
        assert_eq!(extra.kept(&tags).len(), 2);
        assert_eq!(f.hash(&t(&[("tenant", "acme")])), 0);
        assert_ne!(f.hash(&tags), 0);
    }

    #[test]
    fn control_characters_are_shown_escaped() {
        let tags = t(&[("controller", "search\n::error file=x::pwned\u{1b}[31m")]);
        let kept = TagFilter::default().kept(&tags);
        assert_eq!(kept[0].1, "search\\u{a}::error file=x::pwned\\u{1b}[31m");
    }

    #[test]
    fn past_the_cap_sets_keep_their_code_keys_and_are_found_again() {
        let mut sets = TagSets::default();
        let all = TagFilter {
            all: true,
            ..TagFilter::default()
        };
        for i in 0..MAX_SETS {
            let tags = t(&[("controller", "posts"), ("tenant", &i.to_string())]);
            assert!(sets.insert(all.hash(&tags), all.kept(&tags)).is_some());
        }
        let late = t(&[("controller", "orders"), ("tenant", "late")]);
        let h = all.hash(&late);
        let kept = sets.insert(h, all.kept(&late)).unwrap();
        assert_eq!(&*kept, &t(&[("controller", "orders")])[..]);
        // The next statement with the same set is looked up by its full hash.
        assert_eq!(sets.get(h).as_deref(), Some(&kept[..]));
    }

    #[test]
    fn origin_in_words() {
        let rails = t(&[
            ("application", "Shop"),
            ("controller", "posts"),
            ("action", "index"),
            ("route", "/posts"),
        ]);
        assert_eq!(
            origin(&rails).as_deref(),
            Some("posts#index (route /posts)")
        );
        let job = t(&[
            ("job", "ReportJob"),
            ("source_location", "app/jobs/report_job.rb:12"),
        ]);
        assert_eq!(
            origin(&job).as_deref(),
            Some("job ReportJob at app/jobs/report_job.rb:12")
        );
        assert_eq!(
            origin(&t(&[("application", "Shop")])).as_deref(),
            Some("application Shop")
        );
        assert_eq!(origin(&t(&[("db_driver", "psycopg")])), None);
    }
}
