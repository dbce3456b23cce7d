//! PostgreSQL `log_line_prefix`: finding where the prefix ends, and reading
//! fields out of it, either with a given prefix (`%m [%p] %q%u@%d `) or by
//! heuristics when none is given.
//!
//! Heuristics (no prefix given): the first `YYYY-MM-DD HH:MM:SS[.fff][ zone]`
//! is the time (or a leading epoch `%n`); `key=value` pairs name the user
//! (`user`/`usr`), database (`db`/`database`), application (`app`/`appli`/
//! `application_name`), session (`session`/`sid`), pid, vxid, xid; a bare
//! `[123]` (or `name[123]`) is the pid, else the first number of `[123-4]`;
//! `user@db` gives both; a `6b02bb47.312` token is the session id (`%c`); a
//! `3/42` token is the virtual transaction id. `[unknown]` and empty values
//! count as absent. Values holding spaces or commas need the real prefix.

use super::pg_common::{hash_bytes, Meta, Sev};
use super::time::{epoch_to_micros, parse_iso};

/// Fields found in one line's prefix (borrowed from it).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Fields<'a> {
    pub ts: Option<&'a str>,
    pub epoch: Option<&'a str>,
    pub pid: Option<&'a str>,
    pub session: Option<&'a str>,
    pub user: Option<&'a str>,
    pub db: Option<&'a str>,
    pub app: Option<&'a str>,
    pub vxid: Option<&'a str>,
    pub xid: Option<&'a str>,
}

fn present(v: Option<&str>) -> Option<&str> {
    v.map(str::trim)
        .filter(|v| !v.is_empty() && *v != "[unknown]" && *v != "unknown")
}

impl<'a> Fields<'a> {
    /// Key that ties the records of one session together.
    pub fn key(&self) -> u64 {
        match (present(self.session), present(self.pid)) {
            (Some(s), _) => hash_bytes(s.as_bytes()),
            (None, Some(p)) => hash_bytes(p.as_bytes()),
            _ => 0,
        }
    }

    pub fn meta(&self) -> Meta {
        let at_micros = self
            .ts
            .and_then(|t| parse_iso(t).map(|(v, _)| v))
            .or_else(|| {
                self.epoch
                    .and_then(|e| e.parse::<f64>().ok().and_then(epoch_to_micros))
            });
        let own = |v: Option<&str>| present(v).map(str::to_string);
        let txn = match (present(self.vxid), present(self.xid)) {
            (Some(v), _) => Some(v.to_string()),
            (None, Some(x)) if x != "0" => Some(x.to_string()),
            _ => None,
        };
        Meta {
            at_micros,
            session: own(self.session).or_else(|| own(self.pid)),
            txn,
            application: own(self.app),
            user: own(self.user),
            database: own(self.db),
        }
    }
}

/// Finds the severity marker (`LOG:  `, `ERROR:  `, `DETAIL:  `, …): returns
/// (prefix end, severity, message start). One or two spaces after the colon.
pub(crate) fn find_marker(line: &str) -> Option<(usize, Sev, usize)> {
    let b = line.as_bytes();
    for c in memchr::memchr_iter(b':', b) {
        if b.get(c + 1) != Some(&b' ') {
            continue;
        }
        let mut ws = c;
        while ws > 0 && (b[ws - 1].is_ascii_uppercase() || b[ws - 1].is_ascii_digit()) {
            ws -= 1;
        }
        if c - ws < 3 || (ws > 0 && (b[ws - 1].is_ascii_alphanumeric() || b[ws - 1] == b'_')) {
            continue;
        }
        let Some(sev) = Sev::from_word(&line[ws..c]) else {
            continue;
        };
        let mut m = c + 2;
        if b.get(m) == Some(&b' ') {
            m += 1;
        }
        return Some((ws, sev, m));
    }
    None
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_hexdigit())
}

fn is_session_id(s: &str) -> bool {
    match s.split_once('.') {
        Some((a, b)) => {
            (5..=8).contains(&a.len()) && (1..=8).contains(&b.len()) && is_hex(a) && is_hex(b)
        }
        None => false,
    }
}

fn is_vxid(s: &str) -> bool {
    match s.split_once('/') {
        Some((a, b)) => {
            !a.is_empty()
                && !b.is_empty()
                && a.bytes().all(|c| c.is_ascii_digit())
                && b.bytes().all(|c| c.is_ascii_digit())
        }
        None => false,
    }
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit())
}

#[derive(Clone, Copy)]
enum Key {
    User,
    Db,
    App,
    Session,
    Pid,
    Vxid,
    Xid,
}

const KEYS: &[(&str, Key)] = &[
    ("user", Key::User),
    ("db", Key::Db),
    ("app", Key::App),
    ("usr", Key::User),
    ("u", Key::User),
    ("d", Key::Db),
    ("a", Key::App),
    ("database", Key::Db),
    ("dbname", Key::Db),
    ("user_name", Key::User),
    ("username", Key::User),
    ("appli", Key::App),
    ("application", Key::App),
    ("application_name", Key::App),
    ("appname", Key::App),
    ("session", Key::Session),
    ("sid", Key::Session),
    ("session_id", Key::Session),
    ("c", Key::Session),
    ("pid", Key::Pid),
    ("p", Key::Pid),
    ("vxid", Key::Vxid),
    ("vtid", Key::Vxid),
    ("v", Key::Vxid),
    ("xid", Key::Xid),
    ("txid", Key::Xid),
    ("tx", Key::Xid),
    ("txn", Key::Xid),
    ("x", Key::Xid),
];

/// One `:`-separated piece of a prefix token without `=`.
fn scan_piece<'a>(sub: &'a str, f: &mut Fields<'a>, pid_range: &mut Option<&'a str>) {
    let b = sub.as_bytes();
    if b.last() == Some(&b']') {
        if let Some(open) = memchr::memchr(b'[', b) {
            let inner = &sub[open + 1..sub.len() - 1];
            if all_digits(inner) {
                if f.pid.is_none() {
                    f.pid = Some(inner);
                }
                return;
            } else if let Some((a, c)) = inner.split_once('-') {
                if all_digits(a) && all_digits(c) && pid_range.is_none() {
                    *pid_range = Some(a);
                }
                return;
            }
        }
    }
    if let Some(at) = memchr::memchr(b'@', b) {
        if f.user.is_none() && f.db.is_none() {
            f.user = Some(&sub[..at]);
            f.db = Some(&sub[at + 1..]);
        }
        return;
    }
    if f.session.is_none() && is_session_id(sub) {
        f.session = Some(sub);
    } else if f.vxid.is_none() && is_vxid(sub) {
        f.vxid = Some(sub);
    }
}

/// Reads tokens (separated by blanks and commas) of a prefix part.
fn scan<'a>(p: &'a str, f: &mut Fields<'a>, pid_range: &mut Option<&'a str>) {
    let b = p.as_bytes();
    let mut i = 0;
    loop {
        while i < b.len() && (b[i] == b' ' || b[i] == b',') {
            i += 1;
        }
        if i >= b.len() {
            return;
        }
        let start = i;
        let mut eq = None;
        let mut colon = false;
        while i < b.len() && b[i] != b' ' && b[i] != b',' {
            match b[i] {
                b'=' if eq.is_none() => eq = Some(i),
                b':' => colon = true,
                _ => {}
            }
            i += 1;
        }
        if let Some(eq) = eq {
            let k = &p[start..eq];
            let bracketed = k.starts_with('[');
            let k = k.trim_start_matches(['[', '(']);
            let mut v = &p[eq + 1..i];
            if bracketed {
                v = v.strip_suffix(']').unwrap_or(v);
            }
            let Some((_, key)) = KEYS.iter().find(|(name, _)| name.eq_ignore_ascii_case(k)) else {
                continue;
            };
            let slot = match key {
                Key::User => &mut f.user,
                Key::Db => &mut f.db,
                Key::App => &mut f.app,
                Key::Session => &mut f.session,
                Key::Pid => &mut f.pid,
                Key::Vxid => &mut f.vxid,
                Key::Xid => &mut f.xid,
            };
            if slot.is_none() {
                *slot = Some(v);
            }
        } else if colon {
            for sub in p[start..i].split(':') {
                if !sub.is_empty() {
                    scan_piece(sub, f, pid_range);
                }
            }
        } else {
            scan_piece(&p[start..i], f, pid_range);
        }
    }
}

/// Reads fields out of a prefix without knowing `log_line_prefix`.
pub(crate) fn heuristic<'a>(p: &'a str) -> Fields<'a> {
    let b = p.as_bytes();
    let mut f = Fields::default();
    let mut ts_span = (0, 0);
    let mut i = 0;
    while i + 16 <= b.len() {
        if b[i].is_ascii_digit() && b[i + 4] == b'-' && (i == 0 || !b[i - 1].is_ascii_digit()) {
            if let Some((_, n)) = parse_iso(&p[i..]) {
                f.ts = Some(&p[i..i + n]);
                ts_span = (i, i + n);
                break;
            }
        }
        i += 1;
    }
    if f.ts.is_none() {
        // %n: epoch with milliseconds at the very start.
        let n = b
            .iter()
            .take_while(|c| c.is_ascii_digit() || **c == b'.')
            .count();
        if n >= 12 && p[..n].contains('.') {
            f.epoch = Some(&p[..n]);
            ts_span = (0, n);
        }
    }
    let mut pid_range: Option<&str> = None;
    scan(&p[..ts_span.0], &mut f, &mut pid_range);
    scan(&p[ts_span.1..], &mut f, &mut pid_range);
    if f.pid.is_none() {
        f.pid = pid_range;
    }
    f
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Lit(String),
    Esc(u8),
    Q,
}

/// A compiled `log_line_prefix`.
#[derive(Clone, Debug)]
pub struct PrefixTemplate {
    toks: Vec<Tok>,
}

impl PrefixTemplate {
    /// Compiles PostgreSQL `%` escapes (`%t %m %n %p %c %l %u %d %a %h %r %b %v
    /// %x %e %s %i %q %Q %P %%`, with optional padding like `%-10u`).
    pub fn parse(s: &str) -> Self {
        let mut toks = Vec::new();
        let mut lit = String::new();
        let mut it = s.chars().peekable();
        while let Some(c) = it.next() {
            if c != '%' {
                lit.push(c);
                continue;
            }
            while it.peek().is_some_and(|c| *c == '-' || c.is_ascii_digit()) {
                it.next();
            }
            match it.next() {
                Some('%') => lit.push('%'),
                Some(e) if e.is_ascii_alphabetic() => {
                    if !lit.is_empty() {
                        toks.push(Tok::Lit(std::mem::take(&mut lit)));
                    }
                    toks.push(if e == 'q' { Tok::Q } else { Tok::Esc(e as u8) });
                }
                Some(other) => {
                    lit.push('%');
                    lit.push(other);
                }
                None => lit.push('%'),
            }
        }
        if !lit.is_empty() {
            toks.push(Tok::Lit(lit));
        }
        PrefixTemplate { toks }
    }

    /// Matches one line's prefix (everything before the severity marker).
    pub(crate) fn match_prefix<'a>(&self, p: &'a str) -> Option<Fields<'a>> {
        let mut f = Fields::default();
        let mut pos = 0;
        for (k, tok) in self.toks.iter().enumerate() {
            let rest = &p[pos..];
            match tok {
                Tok::Lit(l) => {
                    if rest.starts_with(l.as_str()) {
                        pos += l.len();
                    } else if l.trim().is_empty() && rest.is_empty() {
                        // trailing blank of the prefix already eaten by the marker search
                    } else {
                        return None;
                    }
                }
                Tok::Q => {
                    if rest.trim().is_empty() {
                        return Some(f);
                    }
                }
                Tok::Esc(c) => {
                    let rb = rest.as_bytes();
                    let lead = rb.iter().take_while(|c| **c == b' ').count();
                    let body = &rb[lead..];
                    let count =
                        |pred: &dyn Fn(u8) -> bool| body.iter().take_while(|c| pred(**c)).count();
                    let n = match c {
                        b't' | b'm' | b's' => match parse_iso(&rest[lead..]) {
                            Some((_, n)) => n,
                            None => return None,
                        },
                        b'n' => count(&|c| c.is_ascii_digit() || c == b'.'),
                        b'p' | b'l' | b'x' | b'P' => count(&|c| c.is_ascii_digit()),
                        b'Q' => {
                            let neg = usize::from(body.first() == Some(&b'-'));
                            neg + body[neg..]
                                .iter()
                                .take_while(|c| c.is_ascii_digit())
                                .count()
                        }
                        b'c' => count(&|c| c.is_ascii_hexdigit() || c == b'.'),
                        b'v' => count(&|c| c.is_ascii_digit() || c == b'/'),
                        _ => {
                            let r = &rest[lead..];
                            match self.toks.get(k + 1) {
                                // Before the prefix's last literal, the value runs
                                // to its last occurrence (values may hold blanks).
                                Some(Tok::Lit(l)) if k + 2 == self.toks.len() => {
                                    r.rfind(l.as_str()).unwrap_or(r.len())
                                }
                                Some(Tok::Lit(l)) => r.find(l.as_str()).unwrap_or(r.len()),
                                Some(Tok::Esc(_)) => r.find(' ').unwrap_or(r.len()),
                                Some(Tok::Q) | None => r.len(),
                            }
                        }
                    };
                    let v = &rest[lead..lead + n];
                    pos += lead + n;
                    let slot = match c {
                        b't' | b'm' => &mut f.ts,
                        b'n' => &mut f.epoch,
                        b'p' => &mut f.pid,
                        b'c' => &mut f.session,
                        b'u' => &mut f.user,
                        b'd' => &mut f.db,
                        b'a' => &mut f.app,
                        b'v' => &mut f.vxid,
                        b'x' => &mut f.xid,
                        _ => continue,
                    };
                    *slot = Some(v);
                }
            }
        }
        if p[pos..].trim().is_empty() {
            Some(f)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker() {
        let l = "2017-09-06 08:40:10 UTC [20]: [1-1] user=,db= LOG:  database system";
        let (p, s, m) = find_marker(l).unwrap();
        assert_eq!(s, Sev::Log);
        assert_eq!(&l[..p], "2017-09-06 08:40:10 UTC [20]: [1-1] user=,db= ");
        assert_eq!(&l[m..], "database system");
        let l = "2021-05-27 17:00:00 UTC:10.1.91.65:user@my_db:[24743]:LOG: duration: 0.054 ms";
        let (p, _, m) = find_marker(l).unwrap();
        assert!(l[..p].ends_with("[24743]:"));
        assert_eq!(&l[m..], "duration: 0.054 ms");
        assert!(find_marker("pg_ctl: could not start server").is_none());
        assert!(find_marker("\tWHERE x = 'LOG:  y'").is_some()); // callers check the TAB first
    }

    #[test]
    fn heuristics() {
        let f = heuristic(
            "2026-11-22 09:52:07.290 UTC [786] blog_app@blog 6b02bb47.312 3/2 0 app=blog-web:b063 ",
        );
        assert_eq!(f.ts, Some("2026-11-22 09:52:07.290 UTC"));
        assert_eq!(f.pid, Some("786"));
        assert_eq!(f.user, Some("blog_app"));
        assert_eq!(f.db, Some("blog"));
        assert_eq!(f.session, Some("6b02bb47.312"));
        assert_eq!(f.vxid, Some("3/2"));
        assert_eq!(f.app, Some("blog-web:b063"));
        let f = heuristic("2017-09-06 08:41:41 UTC [36]: [121-1] user=postgres,db=postgres,app=pgbench,client=172.23.0.1 ");
        assert_eq!(
            (f.pid, f.user, f.db, f.app),
            (
                Some("36"),
                Some("postgres"),
                Some("postgres"),
                Some("pgbench")
            )
        );
        let f = heuristic("2021-05-27 17:00:00 UTC:10.1.91.65(5432):user@my_db:[24743]:");
        assert_eq!(
            (f.pid, f.user, f.db),
            (Some("24743"), Some("user"), Some("my_db"))
        );
        let f = heuristic("2021-02-14 01:34:02 CET [30291]: db=[unknown],user=[unknown],app=[unknown],client=[local] ");
        assert_eq!(f.meta().user, None);
        assert_eq!(f.pid, Some("30291"));
        let f = heuristic("2019-01-01 00:00:00 UTC [123-4] ");
        assert_eq!(f.pid, Some("123"));
        let f = heuristic("< 2024-03-01 10:00:00.123 UTC > ");
        assert_eq!(f.ts, Some("2024-03-01 10:00:00.123 UTC"));
        assert_eq!(f.key(), 0);
        let f = heuristic("2024-03-01 10:00:00 UTC [4242-17] alice@shop ");
        assert_eq!(
            (f.pid, f.user, f.db),
            (Some("4242"), Some("alice"), Some("shop"))
        );
        let f = heuristic("1709287200.123 [9] ");
        assert_eq!((f.epoch, f.pid), (Some("1709287200.123"), Some("9")));
        assert_eq!(f.meta().at_micros, Some(1_709_287_200_123_000));
        let f = heuristic("[24667]: [1-1] db=cloudsqladmin,user=cloudsqladmin ");
        assert_eq!(
            (f.pid, f.db, f.ts),
            (Some("24667"), Some("cloudsqladmin"), None)
        );
    }

    #[test]
    fn template() {
        let t = PrefixTemplate::parse("%m [%p] %q%u@%d %c %v %x app=%a ");
        let f = t
            .match_prefix(
                "2026-11-22 09:52:07.290 UTC [786] blog_app@blog 6b02bb47.312 3/6 0 app=blog web ",
            )
            .unwrap();
        assert_eq!(f.app, Some("blog web"));
        assert_eq!(f.vxid, Some("3/6"));
        assert_eq!(f.xid, Some("0"));
        let f = t
            .match_prefix("2026-11-22 09:52:06.346 UTC [725] ")
            .unwrap();
        assert_eq!(f.pid, Some("725"));
        assert_eq!(f.user, None);
        let t = PrefixTemplate::parse("%t:%r:%u@%d:[%p]:");
        let f = t
            .match_prefix("2021-05-27 17:00:00 UTC:10.1.91.65(5432):user@my_db:[24743]:")
            .unwrap();
        assert_eq!(
            (f.user, f.db, f.pid),
            (Some("user"), Some("my_db"), Some("24743"))
        );
        assert!(t.match_prefix("garbage").is_none());
    }
}
