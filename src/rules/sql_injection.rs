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
    }
}

impl Rule for SqlInjection {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
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
        d.help(format!(
            "pass `{what}` as a bind parameter: {}",
            site.bind_form
        ))
        .query(QueryInfo {
            orm: Some(site.orm.clone()),
            ..Default::default()
        });
    }
}
