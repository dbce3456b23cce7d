//! A cheap pre-scan of Rust text for bracket nesting, before syn sees it.
//!
//! syn, proc-macro2 and the passes after them recurse once per level of
//! `(`, `[` and `{`: a generated file with a few thousand nested brackets
//! overflows a thread's stack and aborts the whole run. Real code stays far
//! below [`MAX_NESTING`]; a file above it is skipped with a located note.

/// Deepest bracket nesting a file may have to be parsed (real code rarely
/// passes 40; syn in a debug build on a 2 MiB thread stack manages about 1,000).
pub const MAX_NESTING: usize = 256;

/// The byte offset where nesting first goes past `limit`, if it does.
/// Brackets inside string, char and byte literals and in comments do not
/// count; the scan is linear and never fails.
pub fn too_deep(text: &str, limit: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return Some(i);
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n);
            }
            b'/' if b.get(i + 1) == Some(&b'*') => i = block_comment_end(b, i),
            b'"' => i = string_end(b, i + 1, true),
            b'r' => {
                if let Some((hashes, open)) = raw_string_start(b, i) {
                    i = raw_string_end(b, open + 1, hashes);
                }
            }
            b'\'' => i = char_end(b, i),
            _ => {}
        }
        i += 1;
    }
    None
}

/// Index of the last byte of a (nested) block comment opened at `i`.
fn block_comment_end(b: &[u8], mut i: usize) -> usize {
    let mut level = 0usize;
    while i + 1 < b.len() {
        if b[i] == b'/' && b[i + 1] == b'*' {
            level += 1;
            i += 2;
        } else if b[i] == b'*' && b[i + 1] == b'/' {
            level -= 1;
            i += 2;
            if level == 0 {
                return i - 1;
            }
        } else {
            i += 1;
        }
    }
    b.len()
}

/// Index of the closing quote of a string whose text starts at `i`.
fn string_end(b: &[u8], mut i: usize, escapes: bool) -> usize {
    while i < b.len() {
        match b[i] {
            b'\\' if escapes => i += 2,
            b'"' => return i,
            _ => i += 1,
        }
    }
    b.len()
}

/// `r"`, `r#"`, `br##"`…: the number of `#` and the index of the quote.
/// Not when the `r` ends an identifier (`for"` is not a raw string).
fn raw_string_start(b: &[u8], i: usize) -> Option<(usize, usize)> {
    let prev = i.checked_sub(1).map(|p| b[p]);
    let ident_before = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    match prev {
        Some(b'b' | b'c') => {
            let before = i.checked_sub(2).map(|p| b[p]);
            if before.is_some_and(ident_before) {
                return None;
            }
        }
        Some(c) if ident_before(c) => return None,
        _ => {}
    }
    let mut j = i + 1;
    while b.get(j) == Some(&b'#') {
        j += 1;
    }
    (b.get(j) == Some(&b'"')).then_some((j - i - 1, j))
}

/// Index of the last `#` closing a raw string whose text starts at `i`.
fn raw_string_end(b: &[u8], mut i: usize, hashes: usize) -> usize {
    while i < b.len() {
        if b[i] == b'"'
            && b[i + 1..]
                .iter()
                .take(hashes)
                .filter(|&&c| c == b'#')
                .count()
                == hashes
        {
            return i + hashes;
        }
        i += 1;
    }
    b.len()
}

/// A char literal (`'('`, `'\''`, `'\u{28}'`) ends at its closing quote; a
/// lifetime or label (`'a`) is left alone.
fn char_end(b: &[u8], i: usize) -> usize {
    match b.get(i + 1) {
        Some(b'\\') => {
            let mut j = i + 2;
            while j < b.len() && j < i + 12 {
                if b[j] == b'\'' && j > i + 2 {
                    return j;
                }
                j += 1;
            }
            i
        }
        Some(_) => {
            // One character, which may take several bytes.
            let len = std::str::from_utf8(&b[i + 1..b.len().min(i + 5)])
                .ok()
                .or_else(|| {
                    (2..5)
                        .rev()
                        .find_map(|n| std::str::from_utf8(b.get(i + 1..i + n)?).ok())
                })
                .and_then(|s| s.chars().next())
                .map_or(1, char::len_utf8);
            if b.get(i + 1 + len) == Some(&b'\'') {
                i + 1 + len
            } else {
                i
            }
        }
        None => i,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_brackets_outside_literals_and_comments() {
        assert_eq!(too_deep("fn f() { g((1)) }", 2), Some(11));
        assert_eq!(too_deep("fn f() { g((1)) }", 3), None);
        let quiet = r####"fn f() { let s = "(((("; let c = '('; let r = r#"(("#; /* ((( /* ( */ */ // ((((
 let b = b'['; let l: &'a str = x; }"####;
        assert_eq!(too_deep(quiet, 2), None);
        assert_eq!(too_deep("fn f() { let s = \"\\\"((\"; }", 2), None);
        let deep = format!("fn f() {{ {}1{} }}", "(".repeat(1000), ")".repeat(1000));
        assert_eq!(too_deep(&deep, MAX_NESTING), Some(8 + MAX_NESTING));
    }

    #[test]
    fn never_fails_on_unterminated_input() {
        for s in [
            "\"((", "r#\"((", "/* ((", "'", "'\\", "b'", "fn f(", "é'(", "'é'(",
        ] {
            let _ = too_deep(s, 1);
        }
        assert_eq!(too_deep("'é'(", 0), Some(4));
    }
}
