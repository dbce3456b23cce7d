//! Small shared helpers.

use std::collections::{HashMap, HashSet};

/// A hash map with a fast, non-cryptographic hasher for the hot path (keys
/// come from our own fingerprints and log fields; iteration order is never
/// used for output).
pub type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<FxHasher>>;

/// The multiply-rotate hasher of rustc's FxHash.
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(w));
        }
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// A hash set with the same fast hasher.
pub type FastSet<T> = HashSet<T, std::hash::BuildHasherDefault<FxHasher>>;

/// Text cut to at most `max` characters, with `…` when cut.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{cut}…")
}

/// This process's resident memory in MB (Linux `/proc/self/status`; 0
/// elsewhere), for `ORMLINT_TIMINGS`.
pub fn resident_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

#[cfg(test)]
mod tests {
    #[test]
    fn shortens_on_characters() {
        assert_eq!(super::shorten("abcdef", 6), "abcdef");
        assert_eq!(super::shorten("abcdefg", 6), "abcde…");
        assert_eq!(super::shorten("ééééééé", 4), "ééé…");
    }
}
