//! `--format html`: one self-contained page, checked as text (nothing
//! fetched, no script, values never shown, size bounded by `--top`) and in
//! a real headless Chromium when one is installed (`.ci/run` installs it
//! and sets ORMLINT_REQUIRE_BROWSER=1): the page loads without console
//! errors and a screenshot is produced.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn page(dir: &Path, args: &[&str]) -> String {
    let out = common::ormlint(dir, args);
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        common::stderr(&out)
    );
    common::stdout(&out)
}

/// What every page must be: one document, self-contained.
fn self_contained(html: &str) {
    assert!(
        html.starts_with("<!doctype html>"),
        "{}",
        &html[..80.min(html.len())]
    );
    assert!(html.trim_end().ends_with("</html>"));
    for banned in [
        "<script",
        "src=\"http",
        "href=\"http",
        "url(",
        "@import",
        "<link",
    ] {
        assert!(
            !html.contains(banned),
            "the page fetches or runs something: {banned}"
        );
    }
}

fn browser() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .filter_map(|name| {
            std::env::var_os("PATH")?
                .to_str()?
                .split(':')
                .map(|d| Path::new(d).join(name))
                .find(|p| p.is_file())
        })
        // A launcher that does not run (Ubuntu's snap shim) is no browser.
        .find(|p| {
            Command::new(p)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

/// Runs `cmd`, killed after `secs`: a hung browser fails the test instead
/// of hanging CI.
fn run_with_timeout(mut cmd: Command, secs: u64) -> (bool, String) {
    use std::process::Stdio;
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let mut stderr = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut s);
        s
    });
    let start = std::time::Instant::now();
    let ok = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break status.success();
        }
        if start.elapsed().as_secs() >= secs {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within {secs} s");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    (ok, reader.join().unwrap_or_default())
}

/// Loads the page in headless Chromium: no console error, a screenshot.
fn in_browser(html_path: &Path, shot: &Path) {
    let Some(chromium) = browser() else {
        assert!(
            std::env::var_os("ORMLINT_REQUIRE_BROWSER").is_none(),
            "no Chromium found, and ORMLINT_REQUIRE_BROWSER is set"
        );
        eprintln!("html: no Chromium installed; browser check skipped");
        return;
    };
    let profile = shot.with_extension("profile");
    let mut cmd = Command::new(&chromium);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
        "--window-size=1200,1600",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .arg(format!("--screenshot={}", shot.display()))
    .arg(format!(
        "file://{}",
        html_path
            .display()
            .to_string()
            .replace('%', "%25")
            .replace(' ', "%20")
    ));
    let (ok, log) = run_with_timeout(cmd, 120);
    assert!(ok, "chromium failed: {log}");
    let console: Vec<&str> = log.lines().filter(|l| l.contains("CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:?}");
    let size = std::fs::metadata(shot).map(|m| m.len()).unwrap_or(0);
    assert!(size > 10_000, "screenshot of {} bytes", size);
}

#[test]
fn check_page_shows_every_finding_with_its_code() {
    let dir = common::temp_dir("html-check");
    let root = common::root();
    let html = page(
        &dir,
        &[
            "check",
            "--format",
            "html",
            root.join("testdata/projects").to_str().unwrap(),
        ],
    );
    self_contained(&html);
    let json = page(
        &dir,
        &[
            "check",
            "--format",
            "json",
            root.join("testdata/projects").to_str().unwrap(),
        ],
    );
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let n = doc["diagnostics"].as_array().unwrap().len();
    assert_eq!(html.matches("<section class=\"finding").count(), n);
    // The code of each finding, escaped.
    assert!(
        html.contains("11 │ let author = repo::author_of(conn, &amp;post)?;"),
        "{html}"
    );
    let path = dir.join("check.html");
    std::fs::write(&path, &html).unwrap();
    in_browser(&path, &dir.join("check.png"));
}

#[test]
fn replay_page_charts_the_top_shapes_without_values() {
    let dir = common::temp_dir("html-replay");
    let log = common::root().join("testdata/projects/blog/logs/postgresql.log");
    let html = page(
        &dir,
        &[
            "replay",
            "--format",
            "html",
            "--top",
            "3",
            log.to_str().unwrap(),
        ],
    );
    self_contained(&html);
    assert!(html.contains("<h2>Query shapes</h2>"));
    // Three shapes charted, with no literal of the log.
    let table =
        &html[html.find("class=\"shapes\"").unwrap()..html.find("<h2>Findings</h2>").unwrap()];
    assert_eq!(
        table.matches("<tr><td class=\"num\">").count(),
        3,
        "{table}"
    );
    let raw = std::fs::read_to_string(&log).unwrap();
    assert!(raw.contains("ILIKE '%rust%'") && raw.contains("$1 = '5'"));
    assert!(
        !table.contains("rust") && !table.contains("= 5") && !table.contains("'"),
        "{table}"
    );
    // The N+1 of the log, with its request chart.
    assert!(
        html.contains("n-plus-one") && html.contains("The parent query (violet)"),
        "{html}"
    );
    // The parent and all 20 runs of the loop (a page of 20 posts), one bar
    // each.
    let chart = &html[html
        .find("aria-label=\"the parent query and the runs of the loop")
        .unwrap()..];
    let chart = &chart[..chart.find("</svg>").unwrap()];
    assert_eq!(chart.matches("class=\"bar2\"").count(), 1, "{chart}");
    assert_eq!(chart.matches("class=\"bar\"").count(), 20, "{chart}");
    let path = dir.join("replay.html");
    std::fs::write(&path, &html).unwrap();
    in_browser(&path, &dir.join("replay.png"));
}
