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
const REQUEST_KEYS: &[&str] = &[
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

    /// A hash of the kept tags (0: none kept).
    pub fn hash(&self, tags: &[(String, String)]) -> u64 {
        let mut h: u64 = 0;
        for (k, v) in tags.iter().filter(|(k, _)| self.keeps(k)) {
            h = (h.rotate_left(5) ^ crate::sql::fingerprint::hash_bytes(k.as_bytes()))
                .wrapping_mul(0x0100_0000_01b3);
            h = (h.rotate_left(5) ^ crate::sql::fingerprint::hash_bytes(v.as_bytes()))
                .wrapping_mul(0x0100_0000_01b3);
        }
        if h == 0 && tags.iter().any(|(k, _)| self.keeps(k)) {
            1
        } else {
            h
        }
    }

    /// The kept tags, owned.
    pub fn kept(&self, tags: &[(String, String)]) -> Box<[(String, String)]> {
        tags.iter()
            .filter(|(k, _)| self.keeps(k))
            .cloned()
            .collect()
    }
}

/// Each distinct tag set of the run, stored once.
#[derive(Default)]
pub struct TagSets {
    sets: FastMap<u64, Tags>,
}

impl TagSets {
    pub fn get(&self, hash: u64) -> Option<Tags> {
        self.sets.get(&hash).cloned()
    }

    /// Stores a set first seen (unless the run holds too many already).
    pub fn insert(&mut self, hash: u64, tags: Box<[(String, String)]>) -> Option<Tags> {
        if let Some(t) = self.sets.get(&hash) {
            return Some(t.clone());
        }
        if self.sets.len() >= MAX_SETS {
            return None;
        }
        let t: Tags = Arc::from(tags);
        self.sets.insert(hash, t.clone());
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
        d.notes.push(format!("from {o}, per its query tags"));
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
