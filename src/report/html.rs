//! `--format html`: one self-contained page (inline CSS and SVG, no script,
//! nothing fetched) to read in a browser, attach to a CI run or print.
//! Findings with their code or query, related places, notes and help; for
//! `replay`, a chart of the query shapes that took the most time, and for
//! each N+1 the statements of its request in log order (the parent query,
//! then the repeats). Its size grows with the findings and `--top`, never
//! with the log. Light or dark as the reader's system is.

use std::fmt::Write as _;
use std::io::Write as _;

use super::Report;
use crate::engine::{Diagnostic, Location, Severity};
use crate::runtime::ShapeProfile;
use crate::util::shorten;

/// Shapes charted by default.
pub const DEFAULT_TOP: usize = 20;

/// What `replay` adds to the page.
pub struct Shapes<'a> {
    pub profile: &'a [ShapeProfile],
    pub top: usize,
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A message with `code` spans.
fn rich(s: &str) -> String {
    let mut out = String::new();
    for (i, part) in s.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{}</code>", esc(part));
        } else {
            out.push_str(&esc(part));
        }
    }
    out
}

const STYLE: &str = r#"
:root { color-scheme: light dark; --bg:#fff; --fg:#1f2328; --muted:#59636e; --card:#f6f8fa; --line:#d1d9e0;
  --error:#cf222e; --warning:#9a6700; --note:#0969da; --bar:#0969da; --bar2:#8250df; --code:#eff1f3; }
@media (prefers-color-scheme: dark) { :root { --bg:#0d1117; --fg:#e6edf3; --muted:#9198a1; --card:#151b23;
  --line:#3d444d; --error:#ff7b72; --warning:#d29922; --note:#4493f8; --bar:#4493f8; --bar2:#ab7df8; --code:#262c36; } }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 70rem; padding: 1.5rem; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; } h2 { font-size: 1.15rem; margin: 2rem 0 .75rem; border-bottom: 1px solid var(--line); padding-bottom: .3rem; }
.muted { color: var(--muted); } code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .88em; }
code { background: var(--code); padding: .05rem .3rem; border-radius: 4px; }
pre { background: var(--code); padding: .6rem .8rem; border-radius: 6px; overflow-x: auto; margin: .5rem 0; white-space: pre-wrap; word-break: break-all; }
.counts { display: flex; gap: .75rem; flex-wrap: wrap; margin: 1rem 0; }
.count { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .5rem .9rem; min-width: 7rem; }
.count b { display: block; font-size: 1.5rem; }
.finding { background: var(--card); border: 1px solid var(--line); border-left: 4px solid var(--note); border-radius: 8px;
  padding: .8rem 1rem; margin: .8rem 0; break-inside: avoid; }
.finding.error { border-left-color: var(--error); } .finding.warning { border-left-color: var(--warning); }
.sev { font-weight: 600; text-transform: uppercase; font-size: .75rem; letter-spacing: .04em; }
.sev.error { color: var(--error); } .sev.warning { color: var(--warning); } .sev.note { color: var(--note); } .sev.none { color: var(--muted); }
.rule { font-family: ui-monospace, monospace; font-size: .85rem; color: var(--muted); margin-left: .4rem; }
.msg { font-weight: 600; margin: .2rem 0; } .loc { font-family: ui-monospace, monospace; font-size: .85rem; color: var(--muted); }
ul.related { margin: .3rem 0; padding-left: 1.2rem; font-size: .9rem; } .help { margin: .4rem 0 0; } .help b, .note b { color: var(--muted); }
.note { margin: .2rem 0; font-size: .92rem; }
table { border-collapse: collapse; width: 100%; font-size: .88rem; } th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
svg text { fill: var(--fg); font: 12px ui-monospace, monospace; } svg .bar { fill: var(--bar); } svg .bar2 { fill: var(--bar2); } svg .axis { stroke: var(--line); }
figure { margin: .5rem 0; } td.chart, th.chart { width: 164px; padding-right: 0; } figcaption { font-size: .85rem; color: var(--muted); }
@media print { body { max-width: none; padding: 0; } .finding, .count { background: none; } pre, code { background: none; border: 1px solid #ccc; } }
"#;

/// Writes the page.
pub fn write(
    report: &Report<'_>,
    command: &str,
    shapes: Option<&Shapes<'_>>,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::new(out);
    let s = report.summary;
    let live: Vec<&Diagnostic> = report
        .diagnostics
        .iter()
        .filter(|d| d.suppressed.is_none())
        .collect();
    let n = |sev: Severity| live.iter().filter(|d| d.severity == sev).count();
    let mut head = String::new();
    let _ = write!(
        head,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>ormlint {} report</title><style>{STYLE}</style></head><body>\n",
        esc(command)
    );
    let _ = write!(
        head,
        "<header><h1>ormlint {}</h1><div class=\"muted\">ormlint {} · {} · {} skipped</div>",
        esc(command),
        env!("CARGO_PKG_VERSION"),
        if command == "replay" {
            format!(
                "{} statements from {}",
                s.statements,
                super::plural(s.files as usize, "log")
            )
        } else {
            super::plural(s.files as usize, "file")
        },
        s.skipped.len(),
    );
    let _ = write!(head, "<div class=\"counts\">");
    for (sev, word) in [
        (Severity::Error, "error"),
        (Severity::Warning, "warning"),
        (Severity::Note, "note"),
    ] {
        let count = n(sev);
        let word = if count == 1 {
            word.to_string()
        } else {
            format!("{word}s")
        };
        let _ = write!(
            head,
            "<div class=\"count\"><b class=\"sev {}\">{count}</b>{word}</div>",
            if count == 0 { "none" } else { sev.as_str() },
        );
    }
    let suppressed = report.diagnostics.len() - live.len();
    if suppressed > 0 {
        let _ = write!(
            head,
            "<div class=\"count\"><b>{suppressed}</b>suppressed</div>"
        );
    }
    head.push_str("</div></header>\n");
    w.write_all(head.as_bytes())?;
    if let Some(shapes) = shapes {
        w.write_all(shape_chart(shapes).as_bytes())?;
    }
    w.write_all(b"<h2>Findings</h2>\n")?;
    if live.is_empty() {
        w.write_all(b"<p class=\"muted\">No findings.</p>\n")?;
    }
    for d in &live {
        w.write_all(finding(report, d).as_bytes())?;
    }
    if !s.skipped.is_empty() {
        let mut t = String::from(
            "<h2>Not read or not judged</h2>\n<table><tr><th>where</th><th>why</th></tr>\n",
        );
        for k in &s.skipped {
            let at = match k.line {
                Some(l) => format!("{}:{l}", k.path),
                None => k.path.clone(),
            };
            let _ = writeln!(
                t,
                "<tr><td class=\"loc\">{}</td><td>{}</td></tr>",
                esc(&at),
                rich(&k.reason)
            );
        }
        t.push_str("</table>\n");
        w.write_all(t.as_bytes())?;
    }
    w.write_all(b"</body></html>\n")?;
    std::io::Write::flush(&mut w)
}

/// One finding as a card.
fn finding(report: &Report<'_>, d: &Diagnostic) -> String {
    let loc = report.location(d);
    let sev = d.severity.as_str();
    let mut h = String::new();
    let _ = write!(
        h,
        "<section class=\"finding {sev}\"><div><span class=\"sev {sev}\">{sev}</span>\
         <span class=\"rule\">{}</span></div><div class=\"msg\">{}</div>\
         <div class=\"loc\">{}:{}</div>",
        esc(d.rule),
        rich(&d.message),
        esc(&loc.path),
        loc.line
    );
    if let Some(text) = snippet(report, &d.primary, loc.line) {
        let _ = write!(h, "<pre>{}</pre>", esc(&text));
    }
    h.push_str(&waterfall(d, loc.line));
    if !d.related.is_empty() {
        h.push_str("<ul class=\"related\">");
        for l in d.related.iter().take(12) {
            let at = Location::of(&l.span, report.files);
            let _ = write!(
                h,
                "<li><span class=\"loc\">{}:{}</span> {}</li>",
                esc(&at.path),
                at.line,
                rich(&l.message)
            );
        }
        if d.related.len() > 12 {
            let _ = write!(
                h,
                "<li class=\"muted\">and {} more</li>",
                d.related.len() - 12
            );
        }
        h.push_str("</ul>");
    }
    for n in &d.notes {
        let _ = write!(h, "<p class=\"note\"><b>note:</b> {}</p>", rich(n));
    }
    if let Some(help) = &d.help {
        let _ = write!(h, "<p class=\"help\"><b>help:</b> {}</p>", rich(help));
    }
    h.push_str("</section>\n");
    h
}

/// The reported lines, numbered from `first`, their common indent removed,
/// at most 12 of them.
fn snippet(report: &Report<'_>, span: &crate::engine::Span, first: usize) -> Option<String> {
    let f = report.files.get(span.file)?;
    let text = f.lines_text(span.range.clone()).trim_end();
    if text.trim().is_empty() {
        return None;
    }
    let lines: Vec<&str> = text.lines().collect();
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let width = (first + lines.len()).to_string().len();
    let mut out = String::new();
    for (i, l) in lines.iter().take(12).enumerate() {
        let body = l.get(indent..).unwrap_or(l.trim_start());
        let _ = writeln!(out, "{:>width$} │ {}", first + i, shorten(body, 400));
    }
    if lines.len() > 12 {
        let _ = writeln!(out, "{:>width$} │ …", "");
    }
    Some(out.trim_end().to_string())
}

/// Statements drawn in an N+1's waterfall (its timeline holds one more when
/// there were more).
const MAX_STEPS: usize = 40;

/// An N+1's parent query and the runs of its loop in log order, as a
/// waterfall: one row each, drawn one after another, each as long as it
/// took (one equal step each when not every statement has a duration).
/// The parent is violet; the row the finding points at is marked.
fn waterfall(d: &Diagnostic, reported_line: usize) -> String {
    let all = &d.timeline;
    if all.len() < 2 {
        return String::new();
    }
    let steps = &all[..all.len().min(MAX_STEPS)];
    let cut = all.len() > MAX_STEPS;
    let timed = steps.iter().all(|s| s.micros.is_some());
    let some_timed = steps.iter().any(|s| s.micros.is_some());
    let dur = |s: &crate::engine::diagnostic::Step| {
        if timed {
            s.micros.unwrap_or(0).max(1) as f64
        } else {
            1.0
        }
    };
    let total: f64 = steps.iter().map(dur).sum();
    let label = |s: &crate::engine::diagnostic::Step| match s.micros {
        Some(us) => format!("line {} · {}", s.line, ms_text(us)),
        None => format!("line {}", s.line),
    };
    let left = steps
        .iter()
        .map(|s| label(s).chars().count())
        .max()
        .unwrap_or(8)
        * 8
        + 12;
    let row_h = 16;
    let width = left + 560;
    let span = (width - left - 10) as f64;
    let height = steps.len() * row_h + 22;
    let mut s = format!(
        "<figure><svg role=\"img\" aria-label=\"the parent query and the runs of the loop, in log order\" width=\"100%\" style=\"max-width:{width}px\" viewBox=\"0 0 {width} {height}\">"
    );
    let mut at = 0.0;
    for (i, step) in steps.iter().enumerate() {
        let y = i * row_h + 2;
        let x = left as f64 + span * at / total;
        let w = (span * dur(step) / total).max(2.0);
        at += dur(step);
        let what = if step.parent {
            "parent query"
        } else {
            "a run of the loop"
        };
        let mark = if step.line as usize == reported_line {
            " ◀"
        } else {
            ""
        };
        let _ = write!(
            s,
            "<text x=\"0\" y=\"{}\">{}{mark}</text><rect class=\"{}\" x=\"{x:.1}\" y=\"{y}\" width=\"{w:.1}\" height=\"{}\" rx=\"2\"><title>{what}: {}</title></rect>",
            y + 11,
            esc(&label(step)),
            if step.parent { "bar2" } else { "bar" },
            row_h - 4,
            esc(&label(step)),
        );
    }
    let how = if timed {
        format!(
            "drawn one after another, each as long as it took ({} for the statements drawn)",
            ms_text(total as u64)
        )
    } else if some_timed {
        "not every statement has a duration in the log, so each is one equal step".to_string()
    } else {
        "the log has no durations, so each is one equal step".to_string()
    };
    let _ = write!(
        s,
        "<line class=\"axis\" x1=\"{left}\" x2=\"{}\" y1=\"{}\" y2=\"{}\"/></svg>\
         <figcaption>The parent query (violet) and the runs of the loop (blue) in log order, {how}; ◀ marks the statement reported{}.</figcaption></figure>",
        width - 10,
        height - 12,
        height - 12,
        if cut {
            format!("; the first {MAX_STEPS} are drawn")
        } else {
            String::new()
        }
    );
    s
}

/// A duration in microseconds as milliseconds, with the digits it needs.
fn ms_text(us: u64) -> String {
    let ms = us as f64 / 1000.0;
    if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else if ms >= 1.0 {
        format!("{ms:.2} ms")
    } else {
        format!("{ms:.3} ms")
    }
}

/// The query shapes that took the most time (or ran most, untimed).
fn shape_chart(shapes: &Shapes<'_>) -> String {
    let timed = shapes.profile.iter().any(|p| p.timed > 0);
    let mut top: Vec<&ShapeProfile> = shapes.profile.iter().collect();
    if timed {
        top.sort_by(|a, b| b.total_ms.total_cmp(&a.total_ms).then(a.hash.cmp(&b.hash)));
    } else {
        top.sort_by(|a, b| b.count.cmp(&a.count).then(a.hash.cmp(&b.hash)));
    }
    top.truncate(shapes.top);
    let which = if top.len() == shapes.profile.len() {
        format!(
            "All {} distinct shapes, by {}",
            top.len(),
            if timed { "time" } else { "runs" }
        )
    } else {
        format!(
            "The {} of {} distinct shapes that {}",
            top.len(),
            shapes.profile.len(),
            if timed {
                "took the most time"
            } else {
                "ran most often"
            }
        )
    };
    let mut h = format!(
        "<h2>Query shapes</h2>\n<p class=\"muted\">{which} (normalized text: values are never shown{}).</p>\n",
        if timed { "" } else { "; the log has no durations" }
    );
    if top.is_empty() {
        return h;
    }
    let value = |p: &ShapeProfile| if timed { p.total_ms } else { p.count as f64 };
    let max = top
        .iter()
        .map(|p| value(p))
        .fold(0.0_f64, f64::max)
        .max(1e-9);
    let _ = writeln!(
        h,
        "<table class=\"shapes\"><tr><th class=\"num\">#</th><th class=\"chart\">{}</th><th>shape</th><th class=\"num\">count</th>{}</tr>",
        if timed { "time" } else { "runs" },
        if timed {
            "<th class=\"num\">total ms</th><th class=\"num\">mean ms</th><th class=\"num\">p95 ms</th>"
        } else {
            ""
        }
    );
    for (i, p) in top.iter().enumerate() {
        let share = value(p) / max;
        let times = if timed {
            let mean = if p.timed > 0 {
                format!("{:.2}", p.total_ms / p.timed as f64)
            } else {
                "–".into()
            };
            let p95 = p.p95_ms.map_or("–".into(), |v| format!("{v:.2}"));
            format!(
                "<td class=\"num\">{:.1}</td><td class=\"num\">{mean}</td><td class=\"num\">{p95}</td>",
                p.total_ms
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            h,
            "<tr><td class=\"num\">{}</td><td class=\"chart\"><svg width=\"160\" height=\"14\" role=\"img\" aria-label=\"{:.0}% of the top shape\"><rect class=\"bar\" x=\"0\" y=\"1\" width=\"{:.1}\" height=\"12\" rx=\"2\"/></svg></td><td><code>{}</code></td><td class=\"num\">{}</td>{times}</tr>",
            i + 1,
            share * 100.0,
            (160.0 * share).max(2.0),
            esc(&shorten(&p.text, 400)),
            p.count,
        );
    }
    h.push_str("</table>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_code_marked() {
        assert_eq!(
            esc("<a href='x'>&</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(rich("use `a < b` here"), "use <code>a &lt; b</code> here");
    }
}
