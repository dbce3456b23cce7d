//! sql-injection: SQL text built from values instead of bind parameters.

use crate::engine::diagnostic::Label;
use crate::engine::prelude::*;
use crate::engine::{Origin, SqlPosition, SqlSource};

declare_rule! {
    SqlInjection {
        id: "sql-injection",
        category: Security,
        severity: Warning,
        evidence: [Source, Replay],
        fix: Suggested,
        options: [
            "tests": Bool = "false", "Static: also report SQL built in test code (`#[test]`, `#[cfg(test)]`, `tests/`, `benches/`, `examples/`), which no outside input reaches.";
            "threat-model": String = "remote, cli", "Static: which sources of outside text count (rules/sources.toml kinds): `remote` (HTTP requests), `cli` (command-line arguments), `env`, `stdin`, `file`, or `local` for the last three.";
        ],
    }
}

impl Rule for SqlInjection {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_query(&self, q: &QueryFacts, cx: &mut Cx<'_>) {
        let (Some(pos), Some(shape)) = (q.pos, q.shape.as_deref()) else {
            return;
        };
        // Evidence from how a shape's executions carry their values.
        let evidence = if q.family_param_execs > 0 {
            Some((
                format!(
                    "statement inlines its values, while {} of the same query bind{} them as parameters",
                    crate::report::plural(q.family_param_execs as usize, "other execution"),
                    if q.family_param_execs == 1 { "s" } else { "" }
                ),
                "like this one",
                "the same query is sent both ways: one code path builds SQL text from values",
                "find the code path that formats values into this query and bind them as parameters instead",
            ))
        } else if q.spliced_values > 1 {
            Some((
                format!(
                    "statement binds some values as parameters but has literals spliced beside them, which took {} different values",
                    if q.spliced_values >= 16 {
                        "16 or more".to_string()
                    } else {
                        q.spliced_values.to_string()
                    }
                ),
                "bind parameters and splice literals",
                "a literal that never changes is the code's own constant; one that changes between executions is a value formatted into the SQL text",
                "find the code that formats this value into the query and bind it as a parameter like the others",
            ))
        } else {
            None
        };
        if let Some((message, label, note, help)) = evidence {
            let span = cx.log_span(&pos, shape);
            let d = cx.report(span, message);
            d.with_primary_label(format!(
                "{} {label}",
                crate::report::plural(q.count as usize, "execution")
            ))
            .note(note)
            .help(help)
            .query(QueryInfo {
                fingerprint: Some(q.fingerprint.clone()),
                count: Some(q.count),
                ..Default::default()
            });
            if q.show_values {
                d.note(format!("example: {}", q.sql));
            }
            return;
        }
        let payloads = super::common::injection_payloads::find(&q.sql);
        let Some(first) = payloads.first() else {
            return;
        };
        let span = cx.log_span(&pos, shape);
        let kinds: Vec<&str> = {
            let mut k: Vec<&str> = payloads.iter().map(|p| p.kind).collect();
            k.dedup();
            k
        };
        let d = cx.report(
            span,
            format!(
                "logged statement carries an injection payload: {}",
                kinds.join(", ")
            ),
        );
        d.with_primary_label("values spliced into SQL text");
        for p in &payloads {
            d.note(p.shape.clone());
        }
        if q.show_values {
            let text = q.sql.get(first.range.clone()).unwrap_or("");
            d.note(format!("payload: {text}"));
        }
        d.help("find the code that builds this statement from input and bind the values as parameters; check the logs of this request for other probes")
            .query(QueryInfo {
                fingerprint: Some(q.fingerprint.clone()),
                ..Default::default()
            });
    }

    fn check_site(&self, site: &QuerySite, cx: &mut Cx<'_>) {
        let Some((
            arg,
            SqlSource::Dynamic {
                what,
                numeric,
                at,
                how,
                origin,
            },
        )) = &site.raw_sql
        else {
            return;
        };
        // A number or boolean cannot carry quotes.
        if *numeric {
            return;
        }
        let model = threat_model(&cx.option_str("threat-model"));
        let start = format!(
            "SQL text passed to `{}` is built with `{how}` from `{what}`",
            site.method
        );
        let (d, steps) = match origin {
            Origin::Input {
                kind,
                what: from,
                steps,
            } => {
                if !model.iter().any(|k| k == kind) {
                    return;
                }
                let d = cx.report(arg.clone(), format!("{start}, which comes from {from}"));
                (d, steps.as_slice())
            }
            Origin::Row { steps } => {
                let d = cx.report_weaker(
                    arg.clone(),
                    format!("{start}, which is read from the database"),
                );
                d.note(
                    "a second-order source: safe only while nothing that writes that column can \
                     put a quote in it",
                );
                (d, steps.as_slice())
            }
            Origin::Unresolved { function, param } => {
                let d = cx.report_weaker(
                    arg.clone(),
                    format!(
                        "{start}, which comes from `{param}` of `pub fn {function}`, and nothing in \
                         the workspace calls it: its callers decide"
                    ),
                );
                (d, &[][..])
            }
            Origin::None => return,
        };
        if at != arg {
            d.with_primary_label("SQL text built at run time");
            d.label(at.clone(), format!("`{what}` enters the SQL text here"));
        } else {
            d.with_primary_label(format!("`{what}` enters the SQL text here"));
        }
        for (span, message) in steps {
            d.label(span.clone(), message.clone());
        }
        // The flow, source first: where it enters, each call that passes
        // it on, where it joins the SQL text, the sink.
        if !steps.is_empty() {
            d.flow = steps
                .iter()
                .map(|(s, m)| Label {
                    span: s.clone(),
                    message: m.clone(),
                })
                .collect();
            d.flow.push(Label {
                span: at.clone(),
                message: format!("`{what}` enters the SQL text here"),
            });
            if at != arg {
                d.flow.push(Label {
                    span: arg.clone(),
                    message: format!("the text reaches `{}` here", site.method),
                });
            }
        }
        match site.sql_position {
            SqlPosition::Identifier => d.help(format!(
                "`{what}` names a table, column or other object, which bind parameters cannot \
                 carry: accept it only from a fixed list of names in code (a `match` or an enum), \
                 or quote it with the driver's identifier quoting (between double quotes, its own \
                 double quotes doubled; backticks for MySQL)"
            )),
            SqlPosition::Setting => d.help(format!(
                "`{what}` stands where SQL takes a keyword or a setting (`SET`, `SAVEPOINT`, \
                 `BEGIN`, a sort direction), which bind parameters cannot carry: validate it \
                 first — parse it as a number, or pick it from a fixed list in code"
            )),
            SqlPosition::Value => d.help(format!(
                "pass `{what}` as a bind parameter: {}",
                site.bind_form
            )),
        };
        d.query(QueryInfo {
            orm: Some(site.orm.clone()),
            ..Default::default()
        });
    }
}

/// The source kinds an option names: `local` stands for `env`, `stdin`
/// and `file`; `all` for every kind.
fn threat_model(option: &str) -> Vec<String> {
    let mut out = Vec::new();
    for k in option.split([',', ' ']).filter(|k| !k.is_empty()) {
        match k {
            "local" => out.extend(["env", "stdin", "file"].map(String::from)),
            "all" => out.extend(["remote", "cli", "env", "stdin", "file"].map(String::from)),
            other => out.push(other.to_string()),
        }
    }
    out
}
