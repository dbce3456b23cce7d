//! Where outside text enters a program: the threat model of
//! `rules/sources.toml`, for sql-injection's taint analysis.

use std::sync::OnceLock;

use serde::Deserialize;

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    /// `remote`, `cli`, `env`, `stdin`, `file`.
    pub kind: String,
    /// In words, for messages: "the HTTP request".
    pub what: String,
    #[serde(default)]
    pub types: Vec<String>,
    #[serde(default)]
    pub functions: Vec<String>,
    #[serde(default)]
    pub methods: Vec<String>,
    #[serde(default)]
    pub on: Vec<String>,
    #[serde(default)]
    pub derives: Vec<String>,
    #[serde(default)]
    pub attributes: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SafeSpec {
    #[serde(default)]
    pub sanitizers: Vec<String>,
    #[serde(default)]
    pub generated: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sources {
    #[serde(default)]
    pub source: Vec<SourceSpec>,
    #[serde(default)]
    pub safe: SafeSpec,
}

/// The built-in threat model.
pub fn builtin() -> &'static Sources {
    static S: OnceLock<Sources> = OnceLock::new();
    S.get_or_init(|| toml::from_str(include_str!("../../rules/sources.toml")).unwrap_or_default())
}

static ACTIVE: OnceLock<Sources> = OnceLock::new();

/// Adds the team's own sources and sanitizers (`[injection]` of
/// `ormlint.toml`) to the built-in ones, once per process, before the
/// analysis starts; a second call changes nothing.
pub fn configure(user: &Sources) {
    let _ = ACTIVE.get_or_init(|| {
        let mut all = builtin().clone();
        all.source.extend(user.source.iter().cloned());
        all.safe
            .sanitizers
            .extend(user.safe.sanitizers.iter().cloned());
        all.safe
            .generated
            .extend(user.safe.generated.iter().cloned());
        all
    });
}

/// The threat model in force: the built-in one and the team's.
pub fn active() -> &'static Sources {
    ACTIVE.get().unwrap_or_else(|| builtin())
}

/// Does `path` (as the file imports it) end with `pattern`, segment-wise?
pub fn path_matches(path: &str, pattern: &str) -> bool {
    path == pattern
        || path
            .strip_suffix(pattern)
            .is_some_and(|rest| rest.ends_with("::"))
}

impl Sources {
    /// The source whose types include this (resolved) type path.
    pub fn by_type(&self, path: &str) -> Option<&SourceSpec> {
        self.source
            .iter()
            .find(|s| s.types.iter().any(|t| path_matches(path, t)))
    }

    /// The source a call of this function path is.
    pub fn by_function(&self, path: &str) -> Option<&SourceSpec> {
        self.source
            .iter()
            .find(|s| s.functions.iter().any(|f| path_matches(path, f)))
    }

    /// The source a method call is, by name (and receiver type, when known).
    pub fn by_method(&self, method: &str, recv_ty: Option<&str>) -> Option<&SourceSpec> {
        self.source.iter().find(|s| {
            s.methods.iter().any(|m| m == method)
                && (s.on.is_empty()
                    || recv_ty.is_none_or(|t| s.on.iter().any(|o| path_matches(t, o))))
        })
    }

    pub fn by_derive(&self, derive: &str) -> Option<&SourceSpec> {
        self.source
            .iter()
            .find(|s| s.derives.iter().any(|d| d == derive))
    }

    pub fn route_attribute(&self, name: &str) -> Option<&SourceSpec> {
        self.source
            .iter()
            .find(|s| s.attributes.iter().any(|a| a == name))
    }

    pub fn is_sanitizer(&self, path: &str) -> bool {
        self.safe.sanitizers.iter().any(|f| path_matches(path, f))
    }

    pub fn is_generated(&self, path: &str) -> bool {
        self.safe.generated.iter().any(|f| path_matches(path, f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_sources_parse() {
        let s: Sources = toml::from_str(include_str!("../../rules/sources.toml")).unwrap();
        assert!(s.source.iter().any(|x| x.kind == "remote"));
        assert!(s.by_type("axum::extract::Query").is_some());
        assert!(s.by_type("std::path::Path").is_none());
        assert!(s.by_function("std::env::args").is_some());
        assert!(s.by_function("my::args").is_none());
        assert!(s.is_sanitizer("diesel::pg::escape_identifier"));
    }
}
