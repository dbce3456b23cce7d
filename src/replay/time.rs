//! Timestamp parsing without a date library.
//!
//! Zone handling: a numeric offset (`+05`, `+0530`, `-03:30`, `Z`) is applied;
//! a named zone (`UTC`, `GMT`, `CET`, `MSK`, `CEST`, …) is taken as UTC, since
//! abbreviations are ambiguous. Relative times within one log (what grouping
//! needs) are right either way; absolute times may be off by the zone's offset.

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_micros(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32, us: i64) -> Option<i64> {
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 24 || mi > 59 || s > 60 {
        return None;
    }
    let days = days_from_civil(y, mo, d);
    let secs = days * 86_400 + (h as i64) * 3600 + (mi as i64) * 60 + s as i64;
    Some(secs * 1_000_000 + us)
}

fn digits(b: &[u8], i: usize, n: usize) -> Option<u32> {
    let s = b.get(i..i + n)?;
    let mut v = 0u32;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as u32;
    }
    Some(v)
}

/// Fraction digits after a '.' at `i` (exclusive of the dot); returns (micros, end).
fn fraction(b: &[u8], mut i: usize) -> (i64, usize) {
    let mut us = 0i64;
    let mut n = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        if n < 6 {
            us = us * 10 + (b[i] - b'0') as i64;
        }
        n += 1;
        i += 1;
    }
    while n < 6 {
        us *= 10;
        n += 1;
    }
    (us, i)
}

/// Parses a zone at `i` (after optional single space). Returns (offset seconds, end).
fn zone(b: &[u8], i: usize) -> (i64, usize) {
    let mut j = i;
    if j < b.len() && b[j] == b' ' {
        j += 1;
    }
    match b.get(j) {
        Some(b'Z') if !b.get(j + 1).is_some_and(|c| c.is_ascii_alphabetic()) => (0, j + 1),
        Some(&c) if c == b'+' || c == b'-' => {
            let sign = if c == b'-' { -1 } else { 1 };
            let Some(hh) = digits(b, j + 1, 2) else {
                return (0, i);
            };
            let mut k = j + 3;
            let mut mm = 0;
            if b.get(k) == Some(&b':') {
                if let Some(m) = digits(b, k + 1, 2) {
                    mm = m;
                    k += 3;
                }
            } else if let Some(m) = digits(b, k, 2) {
                mm = m;
                k += 2;
            }
            (sign * (hh as i64 * 3600 + mm as i64 * 60), k)
        }
        Some(c) if c.is_ascii_alphabetic() => {
            let mut k = j;
            while k < b.len() && (b[k].is_ascii_alphabetic()) {
                k += 1;
            }
            // "UTC+3"-style zones: treat as named (UTC); only consume letters.
            (0, k)
        }
        _ => (0, i),
    }
}

/// Parses `YYYY-MM-DD[ T]HH:MM:SS[.frac][ zone]` at the start of `s`.
/// Returns (epoch micros, bytes consumed).
pub fn parse_iso(s: &str) -> Option<(i64, usize)> {
    let b = s.as_bytes();
    let y = digits(b, 0, 4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let mo = digits(b, 5, 2)?;
    let d = digits(b, 8, 2)?;
    let sep = *b.get(10)?;
    if sep != b' ' && sep != b'T' {
        return None;
    }
    let h = digits(b, 11, 2)?;
    if b.get(13) != Some(&b':') {
        return None;
    }
    let mi = digits(b, 14, 2)?;
    let (s_, mut i) = if b.get(16) == Some(&b':') {
        (digits(b, 17, 2)?, 19)
    } else {
        (0, 16)
    };
    let mut us = 0;
    if b.get(i) == Some(&b'.') || b.get(i) == Some(&b',') {
        let (u, e) = fraction(b, i + 1);
        us = u;
        i = e;
    }
    let base = civil_micros(y as i64, mo, d, h, mi, s_, us)?;
    let (off, end) = zone(b, i);
    Some((base - off * 1_000_000, end))
}

/// MySQL's old `YYMMDD H:MM:SS` (hour may be space-padded, extra spaces allowed).
/// Returns (epoch micros, bytes consumed).
pub fn parse_mysql_old(s: &str) -> Option<(i64, usize)> {
    let b = s.as_bytes();
    let yy = digits(b, 0, 2)?;
    let mo = digits(b, 2, 2)?;
    let d = digits(b, 4, 2)?;
    let mut i = 6;
    if b.get(i) != Some(&b' ') {
        return None;
    }
    while b.get(i) == Some(&b' ') {
        i += 1;
    }
    let (h, hl) = if let Some(h) = digits(b, i, 2) {
        (h, 2)
    } else {
        (digits(b, i, 1)?, 1)
    };
    i += hl;
    if b.get(i) != Some(&b':') {
        return None;
    }
    let mi = digits(b, i + 1, 2)?;
    if b.get(i + 3) != Some(&b':') {
        return None;
    }
    let sec = digits(b, i + 4, 2)?;
    i += 6;
    let mut us = 0;
    if b.get(i) == Some(&b'.') {
        let (u, e) = fraction(b, i + 1);
        us = u;
        i = e;
    }
    let year = if yy < 70 { 2000 + yy } else { 1900 + yy } as i64;
    Some((civil_micros(year, mo, d, h, mi, sec, us)?, i))
}

/// Epoch number (seconds, milliseconds, microseconds or nanoseconds, chosen by
/// magnitude) to micros.
pub fn epoch_to_micros(v: f64) -> Option<i64> {
    if !v.is_finite() || v < 0.0 {
        return None;
    }
    let us = if v < 1e11 {
        v * 1e6
    } else if v < 1e14 {
        v * 1e3
    } else if v < 1e17 {
        v
    } else {
        v / 1e3
    };
    if us > 9.0e18 {
        return None;
    }
    Some(us.round() as i64)
}

/// Any timestamp string: ISO/PG style, or an epoch number as text.
pub fn parse_any(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Some((v, _)) = parse_iso(s) {
        return Some(v);
    }
    if !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit() || c == b'.') {
        return s.parse::<f64>().ok().and_then(epoch_to_micros);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_variants() {
        assert_eq!(parse_iso("1970-01-01 00:00:00 UTC").unwrap(), (0, 23));
        assert_eq!(
            parse_iso("2026-11-22 09:52:06.346 UTC [7]").unwrap().0,
            1_795_341_126_346_000
        );
        let (a, _) = parse_iso("2018-09-07T18:45:40.098124+08:00").unwrap();
        let (b, _) = parse_iso("2018-09-07T10:45:40.098124Z").unwrap();
        assert_eq!(a, b);
        let (c, n) = parse_iso("2021-05-27 17:00:00 UTC:10.1").unwrap();
        assert_eq!(n, 23);
        assert_eq!(c % 1_000_000, 0);
        assert!(parse_iso("2021-13-27 17:00:00").is_none());
        assert!(parse_iso("20x1-01-01").is_none());
    }

    #[test]
    fn mysql_old() {
        let (a, n) = parse_mysql_old("081127  8:51:20\t").unwrap();
        assert_eq!(n, 15);
        assert_eq!(a, parse_iso("2008-11-27 08:51:20").unwrap().0);
        assert_eq!(
            parse_mysql_old("071015 21:43:52").unwrap().0,
            parse_iso("2007-10-15T21:43:52Z").unwrap().0
        );
    }

    #[test]
    fn epochs() {
        assert_eq!(epoch_to_micros(1.5), Some(1_500_000));
        assert_eq!(
            epoch_to_micros(1_669_575_482_096.0),
            Some(1_669_575_482_096_000)
        );
        assert_eq!(parse_any("1669575482.5"), Some(1_669_575_482_500_000));
    }
}
