//! `ormlint.toml`: found by walking up from the working directory, or given
//! with `--config`. Every key is checked: an unknown key, an unknown rule id
//! or a bad value is an error naming the file, line and key.
//!
//! ```toml
//! [rules]
//! n-plus-one = "error"                                  # severity, or "off"
//! missing-index = { severity = "warning", min-rows = 50_000 }
//!
//! [source]
//! include = ["src/**"]
//! exclude = ["src/generated/**", "**/tests/**"]
//! tests = false          # true: report test code too (`--include-tests`)
//!
//! # A house wrapper that runs a query, in the form of rules/orms/*.toml.
//! [orms.repo]
//! display = "repository"
//! batched = "use `Repo::load_many(ids)`"
//! [[orms.repo.execute]]
//! functions = ["fetch_user", "Repo::load"]
//! operation = "select"
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::engine::{registry, OptionKind, OptionValue, RuleOptions, Severity};

pub const FILE_NAME: &str = "ormlint.toml";

/// What the user set for one rule.
#[derive(Clone, Debug, PartialEq)]
pub enum RuleSetting {
    Off,
    On {
        severity: Option<Severity>,
        options: RuleOptions,
    },
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    /// The file it came from, if any.
    pub path: Option<PathBuf>,
    pub rules: BTreeMap<String, RuleSetting>,
    /// Globs relative to the config file's folder; empty means everything.
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    /// `[source] tests = true` (or `--include-tests`): report test code too.
    pub tests: bool,
    /// ORM knowledge the team adds: house wrappers that run queries.
    pub orms: Vec<crate::source::orm::OrmSpec>,
    /// `[injection]`: the team's own sources of outside text and quoting
    /// functions, in the form of rules/sources.toml.
    pub injection: crate::source::sources::Sources,
    /// `[schema] path`, relative to the config file.
    pub schema: Option<PathBuf>,
    /// `[tables]`: rows per table.
    pub tables: BTreeMap<String, u64>,
    /// `[replay] tags`: query-tag keys shown on runtime findings besides
    /// those that name code.
    pub tag_keys: Vec<String>,
    /// `[explain] url`: the PostgreSQL that plans replayed shapes. An
    /// environment variable can hold it: `url = "$STAGING_DATABASE_URL"`.
    pub explain_url: Option<String>,
    /// Not from the file: show progress on a terminal (set from `--quiet`).
    pub progress: bool,
}

/// A located problem in a config file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.path.display(), self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.path.display(),
                self.line,
                self.column,
                self.message
            )
        }
    }
}

impl std::error::Error for ConfigError {}

/// The nearest `ormlint.toml` in `start` or one of its parents.
pub fn discover(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|p| p.is_file())
}

/// `[package.metadata.ormlint]` or `[workspace.metadata.ormlint]` of the
/// nearest Cargo.toml that has one, as config text.
fn cargo_metadata(start: &Path) -> Option<(PathBuf, String)> {
    for dir in start.ancestors() {
        let manifest = dir.join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        let Ok(doc) = text.parse::<toml::Table>() else {
            continue;
        };
        for section in ["package", "workspace"] {
            let table = doc
                .get(section)
                .and_then(|s| s.get("metadata"))
                .and_then(|m| m.get("ormlint"))
                .and_then(|o| o.as_table());
            if let Some(t) = table {
                return Some((manifest, toml::to_string(t).unwrap_or_default()));
            }
        }
    }
    None
}

impl Config {
    /// Loads `--config FILE` when given, else the discovered file, else defaults.
    pub fn load(explicit: Option<&Path>, cwd: &Path) -> Result<Config, ConfigError> {
        match explicit {
            Some(path) => Config::from_file(path),
            None => match discover(cwd) {
                Some(path) => Config::from_file(&path),
                None => match cargo_metadata(cwd) {
                    Some((manifest, text)) => {
                        let label =
                            PathBuf::from(format!("{} [metadata.ormlint]", manifest.display()));
                        let mut config = Config::parse(&text, &label)?;
                        config.path = Some(manifest);
                        Ok(config)
                    }
                    None => Ok(Config::default()),
                },
            },
        }
    }

    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            path: path.to_path_buf(),
            line: 0,
            column: 0,
            message: format!("cannot read config: {e}"),
        })?;
        let mut config = Config::parse(&text, path)?;
        config.path = Some(path.to_path_buf());
        Ok(config)
    }

    /// Parses config text; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let p = Parser { text, path };
        let root = DeTable::parse(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            p.error(span, e.message().trim().to_string())
        })?;
        let mut config = Config::default();
        for (key, value) in root.get_ref() {
            match key.get_ref().as_ref() {
                "rules" => p.rules(value, &mut config)?,
                "source" => p.source(value, &mut config)?,
                "orms" => {
                    p.table(value, "orms")?;
                }
                "injection" => {
                    p.table(value, "injection")?;
                    config.injection = p.injection()?;
                }
                "schema" => {
                    for (k, v) in p.table(value, "schema")? {
                        if k.get_ref().as_ref() != "path" {
                            return Err(p.error(k.span(), format!("unknown key `{}` in [schema]; expected `path`", k.get_ref())));
                        }
                        let s = v.get_ref().as_str().ok_or_else(|| p.error(v.span(), "`schema.path` must be a string".into()))?;
                        config.schema = Some(PathBuf::from(s));
                    }
                }
                "tables" => {
                    for (k, v) in p.table(value, "tables")? {
                        let n = match v.get_ref() {
                            DeValue::Integer(i) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok().filter(|n| *n >= 0),
                            _ => None,
                        }
                        .ok_or_else(|| p.error(v.span(), format!("`tables.{}` must be a row count (an integer)", k.get_ref())))?;
                        config.tables.insert(k.get_ref().to_lowercase(), n as u64);
                    }
                }
                "replay" => {
                    for (k, v) in p.table(value, "replay")? {
                        if k.get_ref().as_ref() != "tags" {
                            return Err(p.error(k.span(), format!("unknown key `{}` in [replay]; expected `tags`", k.get_ref())));
                        }
                        let keys = match v.get_ref() {
                            DeValue::Array(items) => items.iter().map(|i| i.get_ref().as_str().map(str::to_string)).collect::<Option<Vec<_>>>(),
                            _ => None,
                        }
                        .ok_or_else(|| p.error(v.span(), "`replay.tags` must be a list of tag keys (strings)".into()))?;
                        if let Some(k) = keys.iter().find(|k| crate::runtime::tags::REQUEST_KEYS.contains(&k.as_str())) {
                            return Err(p.error(v.span(), format!("`replay.tags`: `{k}` identifies a request; request ids name a finding's group (`in request …`), not its statement")));
                        }
                        config.tag_keys = keys;
                    }
                }
                "explain" => {
                    for (k, v) in p.table(value, "explain")? {
                        if k.get_ref().as_ref() != "url" {
                            return Err(p.error(k.span(), format!("unknown key `{}` in [explain]; expected `url`", k.get_ref())));
                        }
                        let s = v.get_ref().as_str().ok_or_else(|| p.error(v.span(), "`explain.url` must be a string (`postgresql://…`, or `$VAR` to read it from the environment)".into()))?;
                        config.explain_url = Some(s.to_string());
                    }
                }
                other => {
                    return Err(p.error(
                        key.span(),
                        format!("unknown key `{other}`; expected `rules`, `source`, `orms`, `injection`, `schema`, `tables`, `replay` or `explain`"),
                    ))
                }
            }
        }
        config.orms = p.orms()?;
        Ok(config)
    }

    /// `[schema] path`, resolved against the config file's folder.
    pub fn schema_path(&self) -> Option<PathBuf> {
        let p = self.schema.as_ref()?;
        Some(match self.base_dir() {
            Some(base) if p.is_relative() => base.join(p),
            _ => p.clone(),
        })
    }

    /// `[explain] url`, with a `$VAR` value read from the environment (a
    /// URL with a password does not belong in a committed file).
    pub fn explain_url(&self) -> Option<String> {
        let u = self.explain_url.as_ref()?;
        match u.strip_prefix('$') {
            Some(var) => std::env::var(var).ok().filter(|v| !v.is_empty()),
            None => Some(u.clone()),
        }
    }

    /// The directory globs are relative to.
    pub fn base_dir(&self) -> Option<&Path> {
        self.path.as_deref().and_then(Path::parent)
    }
}

struct Parser<'a> {
    text: &'a str,
    path: &'a Path,
}

impl Parser<'_> {
    fn error(&self, span: Range<usize>, message: String) -> ConfigError {
        let mut at = span.start.min(self.text.len());
        while !self.text.is_char_boundary(at) {
            at -= 1;
        }
        let before = &self.text[..at];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        ConfigError {
            path: self.path.to_path_buf(),
            line,
            column,
            message,
        }
    }

    fn table<'v, 'i>(
        &self,
        value: &'v Spanned<DeValue<'i>>,
        name: &str,
    ) -> Result<&'v DeTable<'i>, ConfigError> {
        value.get_ref().as_table().ok_or_else(|| {
            self.error(
                value.span(),
                format!(
                    "`{name}` must be a table, found {}",
                    value.get_ref().type_str()
                ),
            )
        })
    }

    fn rules(&self, value: &Spanned<DeValue<'_>>, config: &mut Config) -> Result<(), ConfigError> {
        for (key, setting) in self.table(value, "rules")? {
            let id = key.get_ref().as_ref();
            let Some(meta) = registry::meta(id) else {
                return Err(self.error(key.span(), registry::unknown_rule_message(id)));
            };
            let parsed = match setting.get_ref() {
                DeValue::String(s) => match self.severity_or_off(s, setting.span(), id)? {
                    None => RuleSetting::Off,
                    Some(severity) => RuleSetting::On {
                        severity: Some(severity),
                        options: RuleOptions::new(),
                    },
                },
                DeValue::Table(t) => {
                    let mut severity = None;
                    let mut options = RuleOptions::new();
                    let mut off = false;
                    for (okey, oval) in t {
                        let name = okey.get_ref().as_ref();
                        if name == "severity" {
                            let Some(s) = oval.get_ref().as_str() else {
                                return Err(self.error(
                                    oval.span(),
                                    format!("`rules.{id}.severity` must be a string: \"error\", \"warning\", \"note\" or \"off\""),
                                ));
                            };
                            off = s == "off";
                            severity = self.severity_or_off(s, oval.span(), id)?;
                            continue;
                        }
                        let Some(opt) = meta.option(name) else {
                            let known: Vec<&str> = meta.options.iter().map(|o| o.name).collect();
                            let hint = if known.is_empty() {
                                format!("`{id}` takes no options besides `severity`")
                            } else {
                                format!("`{id}` takes `severity`, `{}`", known.join("`, `"))
                            };
                            return Err(self.error(
                                okey.span(),
                                format!("unknown option `{name}` for rule `{id}`; {hint}"),
                            ));
                        };
                        let v = self.option_value(oval, opt.kind).ok_or_else(|| {
                            self.error(
                                oval.span(),
                                format!(
                                    "`rules.{id}.{name}` must be {} {}, found {}",
                                    if opt.kind == OptionKind::Integer {
                                        "an"
                                    } else {
                                        "a"
                                    },
                                    opt.kind.as_str(),
                                    oval.get_ref().type_str()
                                ),
                            )
                        })?;
                        options.insert(name.to_string(), v);
                    }
                    if off {
                        RuleSetting::Off
                    } else {
                        RuleSetting::On { severity, options }
                    }
                }
                other => {
                    return Err(self.error(
                        setting.span(),
                        format!(
                            "`rules.{id}` must be a severity string or a table, found {}",
                            other.type_str()
                        ),
                    ))
                }
            };
            config.rules.insert(meta.id.to_string(), parsed);
        }
        Ok(())
    }

    /// `Some(severity)`, `None` for "off", or an error for anything else.
    fn severity_or_off(
        &self,
        s: &str,
        span: Range<usize>,
        id: &str,
    ) -> Result<Option<Severity>, ConfigError> {
        if s == "off" {
            return Ok(None);
        }
        Severity::parse(s).map(Some).ok_or_else(|| {
            self.error(
                span,
                format!("bad severity `{s}` for rule `{id}`; expected \"error\", \"warning\", \"note\" or \"off\""),
            )
        })
    }

    fn option_value(&self, v: &Spanned<DeValue<'_>>, kind: OptionKind) -> Option<OptionValue> {
        match (kind, v.get_ref()) {
            (OptionKind::Integer, DeValue::Integer(i)) => {
                i64::from_str_radix(&i.as_str().replace('_', ""), i.radix())
                    .ok()
                    .map(OptionValue::Integer)
            }
            (OptionKind::Float, DeValue::Integer(i)) => i
                .as_str()
                .replace('_', "")
                .parse()
                .ok()
                .map(OptionValue::Float),
            (OptionKind::Float, DeValue::Float(f)) => f
                .as_str()
                .replace('_', "")
                .parse()
                .ok()
                .map(OptionValue::Float),
            (OptionKind::Bool, DeValue::Boolean(b)) => Some(OptionValue::Bool(*b)),
            (OptionKind::String, DeValue::String(s)) => Some(OptionValue::String(s.to_string())),
            _ => None,
        }
    }

    /// `[orms.<name>]` tables, read with the same schema as `rules/orms/*.toml`.
    fn orms(&self) -> Result<Vec<crate::source::orm::OrmSpec>, ConfigError> {
        #[derive(serde::Deserialize)]
        struct Doc {
            #[serde(default)]
            orms: BTreeMap<String, crate::source::orm::OrmSpec>,
        }
        let doc: Doc = toml::from_str(self.text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            self.error(span, format!("in [orms]: {}", e.message().trim()))
        })?;
        Ok(doc
            .orms
            .into_iter()
            .map(|(name, mut spec)| {
                if spec.name.is_empty() {
                    spec.name = name;
                }
                spec
            })
            .collect())
    }

    /// `[[injection.source]]` and `[injection.safe]`: checked like the
    /// built-in file, every key known.
    fn injection(&self) -> Result<crate::source::sources::Sources, ConfigError> {
        #[derive(serde::Deserialize)]
        struct Doc {
            injection: crate::source::sources::Sources,
        }
        let doc: Doc = toml::from_str(self.text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            self.error(span, format!("in [injection]: {}", e.message().trim()))
        })?;
        for s in &doc.injection.source {
            if !["remote", "cli", "env", "stdin", "file"].contains(&s.kind.as_str()) {
                let at = self.text.find(&format!("\"{}\"", s.kind)).unwrap_or(0);
                return Err(self.error(
                    at..at,
                    format!(
                        "in [[injection.source]]: kind `{}` is not one of `remote`, `cli`, `env`, `stdin`, `file`",
                        s.kind
                    ),
                ));
            }
        }
        Ok(doc.injection)
    }

    fn source(&self, value: &Spanned<DeValue<'_>>, config: &mut Config) -> Result<(), ConfigError> {
        for (key, v) in self.table(value, "source")? {
            let name = key.get_ref().as_ref();
            let list = match name {
                "include" => &mut config.include,
                "exclude" => &mut config.exclude,
                "tests" => {
                    let Some(b) = v.get_ref().as_bool() else {
                        return Err(self.error(
                            v.span(),
                            format!(
                                "`source.tests` must be true or false, found {}",
                                v.get_ref().type_str()
                            ),
                        ));
                    };
                    config.tests = b;
                    continue;
                }
                other => {
                    return Err(self.error(
                        key.span(),
                        format!(
                            "unknown key `{other}` in [source]; expected `include`, `exclude` or `tests`"
                        ),
                    ))
                }
            };
            let Some(array) = v.get_ref().as_array() else {
                return Err(self.error(
                    v.span(),
                    format!("`source.{name}` must be an array of glob strings"),
                ));
            };
            for item in array.iter() {
                let Some(glob) = item.get_ref().as_str() else {
                    return Err(self.error(
                        item.span(),
                        format!(
                            "`source.{name}` must hold strings, found {}",
                            item.get_ref().type_str()
                        ),
                    ));
                };
                if let Err(e) = globset::Glob::new(glob) {
                    return Err(self.error(item.span(), format!("bad glob `{glob}`: {}", e.kind())));
                }
                list.push(glob.to_string());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("ormlint.toml"))
    }

    #[test]
    fn severity_off_and_options() {
        let c = parse(
            "[rules]\nn-plus-one = \"error\"\nsql-injection = \"off\"\nmissing-index = { severity = \"note\", min-rows = 50_000 }\n",
        )
        .unwrap();
        assert_eq!(
            c.rules["n-plus-one"],
            RuleSetting::On {
                severity: Some(Severity::Error),
                options: RuleOptions::new()
            }
        );
        assert_eq!(c.rules["sql-injection"], RuleSetting::Off);
        let RuleSetting::On { severity, options } = &c.rules["missing-index"] else {
            panic!("missing-index should be on")
        };
        assert_eq!(*severity, Some(Severity::Note));
        assert_eq!(options["min-rows"], OptionValue::Integer(50_000));
    }

    #[test]
    fn replay_tags_are_a_list_of_keys() {
        let c = parse("[replay]\ntags = [\"tenant\", \"team\"]\n").unwrap();
        assert_eq!(c.tag_keys, ["tenant", "team"]);
        let e = parse("[replay]\ntags = \"tenant\"\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("list of tag keys"), "{}", e.message);
        let e = parse("[replay]\ntags = [\"traceparent\"]\n").unwrap_err();
        assert!(e.message.contains("identifies a request"), "{}", e.message);
        let e = parse("[replay]\ntag = []\n").unwrap_err();
        assert!(e.message.contains("expected `tags`"), "{}", e.message);
    }

    #[test]
    fn errors_name_line_and_key() {
        let e = parse("[rules]\nn-plus-one = \"error\"\nn-plus-on = \"warning\"\n").unwrap_err();
        assert_eq!((e.line, e.column), (3, 1));
        assert_eq!(
            e.message,
            "unknown rule `n-plus-on`; did you mean `n-plus-one`?"
        );

        let e = parse("[rules]\nn-plus-one = \"loud\"\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("bad severity `loud`"), "{}", e.message);

        let e = parse("[rules.n-plus-one]\nthreshold = \"three\"\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "ormlint.toml:2:13: `rules.n-plus-one.threshold` must be an integer, found string"
        );

        let e = parse("[rules.n-plus-one]\ntreshold = 3\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e
            .message
            .starts_with("unknown option `treshold` for rule `n-plus-one`"));

        let e = parse("[source]\ntests = \"yes\"\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "ormlint.toml:2:9: `source.tests` must be true or false, found string"
        );
        assert!(parse("[source]\ntests = true\n").unwrap().tests);

        let e = parse("\n\n[sourc]\n").unwrap_err();
        assert_eq!(
            (e.line, e.message.as_str()),
            (
                3,
                "unknown key `sourc`; expected `rules`, `source`, `orms`, `injection`, `schema`, `tables`, `replay` or `explain`"
            )
        );

        let e = parse("[source]\nexclude = [\"a/[\"]\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.starts_with("bad glob"));

        let e = parse("[rules\n").unwrap_err();
        assert_eq!(e.line, 1);
    }

    #[test]
    fn discovers_in_parent() {
        let dir = std::env::temp_dir().join(format!("ormlint-cfg-{}", std::process::id()));
        let sub = dir.join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(dir.join(FILE_NAME), "[rules]\nn-plus-one = \"off\"\n").unwrap();
        assert_eq!(discover(&sub), Some(dir.join(FILE_NAME)));
        let c = Config::load(None, &sub).unwrap();
        assert_eq!(c.rules["n-plus-one"], RuleSetting::Off);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
