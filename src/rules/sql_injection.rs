//! sql-injection: SQL text built from values instead of bind parameters.

use crate::engine::prelude::*;
use crate::engine::SqlSource;

declare_rule! {
    SqlInjection {
        id: "sql-injection",
        category: Security,
        severity: Warning,
        evidence: [Source, Replay],
        fix: Suggested,
        options: [
            "tests": Bool = "false", "Static: also report SQL built in test code (`#[test]`, `#[cfg(test)]`, `tests/`, `benches/`, `examples/`), which no outside input reaches.";
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
        if q.family_param_execs > 0 {
            let span = cx.log_span(&pos, shape);
            let d = cx.report(
                span,
                format!(
                    "statement inlines its values, while {} of the same query bind{} them as parameters",
                    crate::report::plural(q.family_param_execs as usize, "other execution"),
                    if q.family_param_execs == 1 { "s" } else { "" }
                ),
            );
            d.with_primary_label(format!(
                "{} like this one",
                crate::report::plural(q.count as usize, "execution")
            ))
                .note("the same query is sent both ways: one code path builds SQL text from values")
                .help("find the code path that formats values into this query and bind them as parameters instead")
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
            },
        )) = &site.raw_sql
        else {
            return;
        };
        let message = format!(
            "SQL text passed to `{}` is built with `{how}` from `{what}`",
            site.method
        );
        let d = if *numeric {
            cx.report_weaker(arg.clone(), message)
        } else {
            cx.report(arg.clone(), message)
        };
        if at != arg {
            d.with_primary_label("SQL text built at run time");
            d.label(at.clone(), format!("`{what}` enters the SQL text here"));
        } else {
            d.with_primary_label(format!("`{what}` enters the SQL text here"));
        }
        if *numeric {
            d.note(format!(
                "`{what}` is a number or boolean, so it cannot carry quotes; a bind parameter still keeps one plan per query shape"
            ));
        }
        if site.sql_identifier {
            d.help(format!(
                "`{what}` names a table or column, which bind parameters cannot carry: accept it only from a fixed list of names in code (a `match` or an enum), never from input"
            ));
        } else {
            d.help(format!(
                "pass `{what}` as a bind parameter: {}",
                site.bind_form
            ));
        }
        d.query(QueryInfo {
            orm: Some(site.orm.clone()),
            ..Default::default()
        });
    }
}
