//! `--format sarif` validates against the official SARIF 2.1.0 schema
//! (`testdata/schemas/sarif-schema-2.1.0.json`, copied from OASIS).
//!
//! The validator below implements the JSON Schema (draft-04) keywords that
//! schema uses: `$ref`, `type`, `properties`, `required`,
//! `additionalProperties`, `items`, `enum`, `minimum`, `maximum`, `minItems`,
//! `uniqueItems`, `anyOf`, `oneOf`, plus `format: uri-reference` / `uri`
//! (no spaces). `pattern` is not checked (ormlint emits none of the fields
//! that carry one: GUIDs and language tags).

mod common;

use serde_json::Value;

struct Validator<'s> {
    root: &'s Value,
}

impl<'s> Validator<'s> {
    fn resolve(&self, schema: &'s Value) -> &'s Value {
        let mut s = schema;
        for _ in 0..16 {
            match s.get("$ref").and_then(Value::as_str) {
                Some(r) => {
                    let path = r.trim_start_matches("#/");
                    let mut t = self.root;
                    for part in path.split('/') {
                        t = &t[part];
                    }
                    s = t;
                }
                None => break,
            }
        }
        s
    }

    fn type_ok(ty: &str, v: &Value) -> bool {
        match ty {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            "null" => v.is_null(),
            _ => true,
        }
    }

    fn validate(&self, schema: &'s Value, v: &Value, at: &str, errors: &mut Vec<String>) {
        let s = self.resolve(schema);
        if let Some(ty) = s.get("type") {
            let ok = match ty {
                Value::String(t) => Self::type_ok(t, v),
                Value::Array(ts) => ts
                    .iter()
                    .filter_map(Value::as_str)
                    .any(|t| Self::type_ok(t, v)),
                _ => true,
            };
            if !ok {
                errors.push(format!("{at}: expected type {ty}, found {v}"));
                return;
            }
        }
        if let Some(e) = s.get("enum").and_then(Value::as_array) {
            if !e.contains(v) {
                errors.push(format!("{at}: {v} not in {e:?}"));
            }
        }
        if let (Some(min), Some(n)) = (s.get("minimum").and_then(Value::as_f64), v.as_f64()) {
            if n < min {
                errors.push(format!("{at}: {n} < minimum {min}"));
            }
        }
        if let (Some(max), Some(n)) = (s.get("maximum").and_then(Value::as_f64), v.as_f64()) {
            if n > max {
                errors.push(format!("{at}: {n} > maximum {max}"));
            }
        }
        if let (Some(f), Some(text)) = (s.get("format").and_then(Value::as_str), v.as_str()) {
            if f.starts_with("uri") && text.contains(' ') {
                errors.push(format!("{at}: `{text}` is not a {f}"));
            }
        }
        if let Some(obj) = v.as_object() {
            let props = s.get("properties").and_then(Value::as_object);
            if let Some(req) = s.get("required").and_then(Value::as_array) {
                for r in req.iter().filter_map(Value::as_str) {
                    if !obj.contains_key(r) {
                        errors.push(format!("{at}: missing required `{r}`"));
                    }
                }
            }
            for (k, child) in obj {
                let path = format!("{at}.{k}");
                match props.and_then(|p| p.get(k)) {
                    Some(ps) => self.validate(ps, child, &path, errors),
                    None => match s.get("additionalProperties") {
                        Some(Value::Bool(false)) => {
                            errors.push(format!("{path}: property not allowed"))
                        }
                        Some(extra @ Value::Object(_)) => {
                            self.validate(extra, child, &path, errors)
                        }
                        _ => {}
                    },
                }
            }
        }
        if let Some(arr) = v.as_array() {
            if let Some(min) = s.get("minItems").and_then(Value::as_u64) {
                if (arr.len() as u64) < min {
                    errors.push(format!("{at}: fewer than {min} items"));
                }
            }
            if s.get("uniqueItems") == Some(&Value::Bool(true)) {
                for (i, a) in arr.iter().enumerate() {
                    if arr[..i].contains(a) {
                        errors.push(format!("{at}[{i}]: duplicate item"));
                    }
                }
            }
            if let Some(items) = s.get("items") {
                for (i, item) in arr.iter().enumerate() {
                    self.validate(items, item, &format!("{at}[{i}]"), errors);
                }
            }
        }
        for (key, exactly_one) in [("anyOf", false), ("oneOf", true)] {
            if let Some(alts) = s.get(key).and_then(Value::as_array) {
                let passing = alts
                    .iter()
                    .filter(|alt| {
                        let mut e = Vec::new();
                        self.validate(alt, v, at, &mut e);
                        e.is_empty()
                    })
                    .count();
                if passing == 0 || (exactly_one && passing > 1) {
                    errors.push(format!("{at}: {passing} of the {key} alternatives match"));
                }
            }
        }
    }
}

fn schema() -> Value {
    let text =
        std::fs::read_to_string(common::root().join("testdata/schemas/sarif-schema-2.1.0.json"))
            .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn errors_of(doc: &Value) -> Vec<String> {
    let schema = schema();
    let v = Validator { root: &schema };
    let mut errors = Vec::new();
    v.validate(&schema, doc, "$", &mut errors);
    errors
}

#[test]
fn check_output_is_valid_sarif() {
    let root = common::root();
    let out = common::ormlint(
        &root,
        &[
            "check",
            "--format",
            "sarif",
            "testdata/projects/blog",
            "testdata/rules",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", common::stderr(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert!(
        results.len() >= 20,
        "expected many results, got {}",
        results.len()
    );
    assert!(results.iter().any(|r| r["relatedLocations"].is_array()));
    // sql-injection's trace, from the request to the sink, as a code flow.
    let flow = results
        .iter()
        .find_map(|r| r["codeFlows"][0]["threadFlows"][0]["locations"].as_array())
        .expect("a result with codeFlows");
    assert_eq!(
        flow[0]["location"]["message"]["text"],
        "the HTTP request enters here"
    );
    assert!(flow.len() >= 3, "{flow:?}");
    let errors = errors_of(&doc);
    assert!(
        errors.is_empty(),
        "SARIF schema violations:\n{}",
        errors.join("\n")
    );
}

#[test]
fn validator_rejects_broken_sarif() {
    let root = common::root();
    let out = common::ormlint(
        &root,
        &["check", "--format", "sarif", "testdata/projects/blog"],
    );
    let mut doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["runs"][0]["results"][0]["level"] = Value::from("loud");
    doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        Value::from(0);
    doc["runs"][0]["tool"]["driver"]
        .as_object_mut()
        .unwrap()
        .remove("name");
    let errors = errors_of(&doc);
    assert!(errors.iter().any(|e| e.contains("level")), "{errors:?}");
    assert!(errors.iter().any(|e| e.contains("startLine")), "{errors:?}");
    assert!(
        errors.iter().any(|e| e.contains("missing required `name`")),
        "{errors:?}"
    );
}
