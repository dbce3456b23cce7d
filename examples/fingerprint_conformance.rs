//! Agreement of our fingerprint with external fingerprinters' equivalences.
//!
//! Usage: `cargo run --release --example conformance -- CORPUS_DIR`
//!
//! CORPUS_DIR is the `external` corpus folder (holding `libpg_query/` and
//! `percona-toolkit/`) or one of those two folders. For each file, every pair
//! of cases is a relation: the external tool gave them the same fingerprint
//! ("same") or different ones ("different"); we agree when our fingerprints
//! are equal exactly when theirs are. Prints counts and every disagreement.
//! Not part of the test suite: tests never read outside the crate.

use ormlint::sql::fingerprint::fingerprint;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: conformance CORPUS_DIR");
        std::process::exit(2);
    };
    let dir = PathBuf::from(dir);
    let mut sets = Vec::new();
    for (sub, file, loader) in [
        (
            "libpg_query",
            "fingerprint_cases.json",
            load_libpg as Loader,
        ),
        (
            "percona-toolkit",
            "fingerprint_pairs.json",
            load_pt as Loader,
        ),
        (
            "percona-toolkit",
            "digest_report_fingerprints.json",
            load_pt as Loader,
        ),
    ] {
        let candidates = [dir.join(sub).join(file), dir.join(file)];
        let Some(path) = candidates.iter().find(|p| p.is_file()) else {
            continue;
        };
        let base = path.parent().unwrap_or(Path::new("."));
        let json = match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|text| Json::parse(&text))
        {
            Ok(json) => json,
            Err(e) => {
                eprintln!("{}: {e}; skipped", path.display());
                continue;
            }
        };
        sets.push((format!("{sub}/{file}"), loader(&json, base)));
    }
    if sets.is_empty() {
        eprintln!("no corpus file found under {}", dir.display());
        std::process::exit(2);
    }
    for (name, cases) in sets {
        report(&name, &cases);
    }
    if let Some(path) = [
        dir.join("libpg_query").join("fingerprint_cases.json"),
        dir.join("fingerprint_cases.json"),
    ]
    .iter()
    .find(|p| p.is_file())
    {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if let Ok(json) = Json::parse(&text) {
            libpg_groups(&json);
        }
    }
}

/// The same data seen through `same_fingerprint_groups` and `singletons`.
fn libpg_groups(j: &Json) {
    let groups = j
        .get("same_fingerprint_groups")
        .map(Json::items)
        .unwrap_or_default();
    let mut whole = 0;
    for g in &groups {
        let qs: Vec<u64> = g
            .get("queries")
            .map(Json::items)
            .unwrap_or_default()
            .iter()
            .filter_map(|q| q.str())
            .map(|q| fingerprint(q).hash)
            .collect();
        whole += usize::from(qs.windows(2).all(|w| w[0] == w[1]));
    }
    let singles: Vec<u64> = j
        .get("singletons")
        .map(Json::items)
        .unwrap_or_default()
        .iter()
        .filter_map(|s| s.get("query").and_then(Json::str))
        .map(|q| fingerprint(q).hash)
        .collect();
    let (mut pairs, mut distinct) = (0, 0);
    for i in 0..singles.len() {
        for j in i + 1..singles.len() {
            pairs += 1;
            distinct += usize::from(singles[i] != singles[j]);
        }
    }
    println!("== libpg_query same_fingerprint_groups / singletons");
    println!(
        "   groups whose members all share our fingerprint: {whole}/{}",
        groups.len()
    );
    println!(
        "   singleton pairs that differ for us: {distinct}/{pairs} ({} singletons)",
        singles.len()
    );
}

/// (label, query, external fingerprint)
type Cases = Vec<(String, String, String)>;
type Loader = fn(&Json, &Path) -> Cases;

fn load_libpg(j: &Json, base: &Path) -> Cases {
    let mut out = Vec::new();
    for (i, p) in j
        .get("pairs")
        .map(Json::items)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let fpv = p.get("fingerprint").and_then(Json::str).unwrap_or_default();
        let query = if let Some(q) = p.get("query").and_then(Json::str) {
            q.to_string()
        } else if let Some(f) = p.get("query_file").and_then(Json::str) {
            match std::fs::read_to_string(base.join(f)) {
                Ok(q) => q,
                Err(_) => continue,
            }
        } else {
            continue;
        };
        out.push((format!("pairs[{i}]"), query, fpv.to_string()));
    }
    out
}

fn load_pt(j: &Json, base: &Path) -> Cases {
    let mut out = Vec::new();
    for (i, c) in j
        .get("cases")
        .map(Json::items)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let fpv = c.get("fingerprint").and_then(Json::str).unwrap_or_default();
        let query = if let Some(q) = c.get("input").and_then(Json::str) {
            q.to_string()
        } else if let Some(f) = c.get("input_file").and_then(Json::str) {
            match std::fs::read_to_string(base.join(f)) {
                Ok(q) => q,
                Err(_) => continue,
            }
        } else {
            continue; // input_file_not_included
        };
        let name = c.get("name").and_then(Json::str).unwrap_or_default();
        out.push((format!("cases[{i}] {name}"), query, fpv.to_string()));
    }
    out
}

fn short(s: &str) -> String {
    let s = s.replace('\n', "\\n");
    if s.chars().count() > 110 {
        format!("{}…", s.chars().take(110).collect::<String>())
    } else {
        s
    }
}

fn report(name: &str, cases: &Cases) {
    let ours: Vec<_> = cases.iter().map(|(_, q, _)| fingerprint(q)).collect();
    let (mut same_total, mut same_ok, mut diff_total, mut diff_ok) = (0, 0, 0, 0);
    let mut disagreements: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for i in 0..cases.len() {
        for j in i + 1..cases.len() {
            let theirs_same = cases[i].2 == cases[j].2;
            let ours_same = ours[i].hash == ours[j].hash;
            if theirs_same {
                same_total += 1;
                same_ok += usize::from(ours_same);
            } else {
                diff_total += 1;
                diff_ok += usize::from(!ours_same);
            }
            if theirs_same != ours_same {
                let key = if theirs_same {
                    format!("SAME for them ({}), different for us", cases[i].2)
                } else {
                    format!("DIFFERENT for them, same for us ({})", short(&ours[i].text))
                };
                let entry = disagreements.entry(key).or_default();
                for k in [i, j] {
                    let line = format!(
                        "    {} | {}\n        ours: {}",
                        cases[k].0,
                        short(&cases[k].1),
                        short(&ours[k].text)
                    );
                    if !entry.contains(&line) {
                        entry.push(line);
                    }
                }
            }
        }
    }
    println!("== {name}: {} cases", cases.len());
    println!(
        "   agreement: {}/{} relations (same: {same_ok}/{same_total}, different: {diff_ok}/{diff_total})",
        same_ok + diff_ok,
        same_total + diff_total
    );
    for (key, lines) in &disagreements {
        println!("  - {key}");
        for l in lines {
            println!("{l}");
        }
    }
    println!();
}

// --- a minimal JSON reader (no dependencies) --------------------------------

#[derive(Debug)]
enum Json {
    /// null, true, false or a number (their values are not needed here).
    Scalar,
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    fn parse(s: &str) -> Result<Json, String> {
        let mut p = Parser {
            b: s.as_bytes(),
            i: 0,
        };
        let v = p.value()?;
        p.ws();
        if p.i != p.b.len() {
            return Err(format!("trailing data at {}", p.i));
        }
        Ok(v)
    }
    fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    fn str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }
    fn items(&self) -> Vec<&Json> {
        match self {
            Json::Arr(a) => a.iter().collect(),
            _ => Vec::new(),
        }
    }
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && self.b[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }
    fn eat(&mut self, c: u8) -> Result<(), String> {
        self.ws();
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            Ok(())
        } else {
            Err(format!("expected {:?} at {}", c as char, self.i))
        }
    }
    fn value(&mut self) -> Result<Json, String> {
        self.ws();
        match self.b.get(self.i) {
            Some(b'{') => {
                self.i += 1;
                let mut m = Vec::new();
                self.ws();
                if self.b.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Ok(Json::Obj(m));
                }
                loop {
                    self.ws();
                    let k = self.string()?;
                    self.eat(b':')?;
                    m.push((k, self.value()?));
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Json::Obj(m));
                        }
                        _ => return Err(format!("bad object at {}", self.i)),
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                let mut a = Vec::new();
                self.ws();
                if self.b.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Ok(Json::Arr(a));
                }
                loop {
                    a.push(self.value()?);
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Json::Arr(a));
                        }
                        _ => return Err(format!("bad array at {}", self.i)),
                    }
                }
            }
            Some(b'"') => Ok(Json::Str(self.string()?)),
            Some(b't') if self.b[self.i..].starts_with(b"true") => {
                self.i += 4;
                Ok(Json::Scalar)
            }
            Some(b'f') if self.b[self.i..].starts_with(b"false") => {
                self.i += 5;
                Ok(Json::Scalar)
            }
            Some(b'n') if self.b[self.i..].starts_with(b"null") => {
                self.i += 4;
                Ok(Json::Scalar)
            }
            Some(_) => {
                let s = self.i;
                while self.i < self.b.len() && b"+-.eE0123456789".contains(&self.b[self.i]) {
                    self.i += 1;
                }
                std::str::from_utf8(&self.b[s..self.i])
                    .ok()
                    .and_then(|t| t.parse::<f64>().ok())
                    .map(|_| Json::Scalar)
                    .ok_or_else(|| format!("bad value at {s}"))
            }
            None => Err("unexpected end".into()),
        }
    }
    fn hex4(&mut self) -> Result<u32, String> {
        let h = self.b.get(self.i..self.i + 4).ok_or("short \\u escape")?;
        self.i += 4;
        u32::from_str_radix(std::str::from_utf8(h).map_err(|e| e.to_string())?, 16)
            .map_err(|e| e.to_string())
    }
    fn string(&mut self) -> Result<String, String> {
        self.eat(b'"')?;
        let mut out = Vec::new();
        loop {
            let c = *self.b.get(self.i).ok_or("unterminated string")?;
            self.i += 1;
            match c {
                b'"' => return String::from_utf8(out).map_err(|e| e.to_string()),
                b'\\' => {
                    let e = *self.b.get(self.i).ok_or("bad escape")?;
                    self.i += 1;
                    let ch = match e {
                        b'n' => '\n',
                        b't' => '\t',
                        b'r' => '\r',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'u' => {
                            let mut cp = self.hex4()?;
                            if (0xD800..0xDC00).contains(&cp)
                                && self.b[self.i..].starts_with(b"\\u")
                            {
                                self.i += 2;
                                let lo = self.hex4()?;
                                cp = 0x10000
                                    + ((cp - 0xD800) << 10)
                                    + (lo.wrapping_sub(0xDC00) & 0x3FF);
                            }
                            char::from_u32(cp).unwrap_or('\u{FFFD}')
                        }
                        other => other as char,
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                _ => out.push(c),
            }
        }
    }
}
