//! Per-shape statistics in forms that merge: counts, sums, a log-bucket
//! histogram for quantiles, and a bounded distinct-value counter.

/// Durations in buckets 5% wide, from 1 µs up; quantiles are read back with
/// at most 5% error. Two histograms merge by adding buckets.
///
/// Sparse: only the buckets in use, sorted. Most shapes of a large log run
/// a handful of times in a few buckets; a dense array from 1 µs to their
/// duration would cost a kilobyte each.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Histogram {
    buckets: Vec<(u16, u64)>,
    count: u64,
}

const BASE_MS: f64 = 0.001;
const GROWTH: f64 = 1.05;

impl Histogram {
    fn bucket(ms: f64) -> u16 {
        if ms <= BASE_MS {
            return 0;
        }
        ((ms / BASE_MS).ln() / GROWTH.ln()).ceil().min(2000.0) as u16
    }

    fn add_n(&mut self, b: u16, n: u64) {
        match self.buckets.binary_search_by_key(&b, |&(k, _)| k) {
            Ok(i) => self.buckets[i].1 += n,
            Err(i) => self.buckets.insert(i, (b, n)),
        }
        self.count += n;
    }

    pub fn add(&mut self, ms: f64) {
        if !ms.is_finite() || ms < 0.0 {
            return;
        }
        self.add_n(Self::bucket(ms), 1);
    }

    pub fn merge(&mut self, other: &Histogram) {
        for &(b, n) in &other.buckets {
            self.add_n(b, n);
        }
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// The `q` quantile (0..=1), as the upper edge of its bucket.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for &(b, n) in &self.buckets {
            seen += n;
            if seen >= rank {
                return Some(BASE_MS * GROWTH.powi(i32::from(b)));
            }
        }
        None
    }
}

/// Distinct 64-bit value hashes: exact up to `CAP`, then a lower bound.
/// The first value is kept inline: most shapes of a large log never see a
/// second one, and a set costs an allocation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Distinct {
    first: Option<u64>,
    more: crate::util::FastSet<u64>,
    saturated: bool,
}

impl Distinct {
    pub const CAP: usize = 10_000;

    pub fn add(&mut self, h: u64) {
        match self.first {
            None => self.first = Some(h),
            Some(f) if f == h => {}
            Some(_) => {
                if self.more.len() + 1 < Self::CAP {
                    self.more.insert(h);
                } else if !self.more.contains(&h) {
                    self.saturated = true;
                }
            }
        }
    }

    pub fn merge(&mut self, other: &Distinct) {
        if let Some(f) = other.first {
            self.add(f);
        }
        for h in &other.more {
            self.add(*h);
        }
        self.saturated |= other.saturated;
    }

    /// (count, exact?)
    pub fn count(&self) -> (usize, bool) {
        (
            usize::from(self.first.is_some()) + self.more.len(),
            !self.saturated,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_within_five_percent() {
        let mut h = Histogram::default();
        for i in 1..=1000 {
            h.add(i as f64);
        }
        let p95 = h.quantile(0.95).unwrap();
        assert!((p95 - 950.0).abs() / 950.0 < 0.06, "{p95}");
        let mut other = Histogram::default();
        other.add(5000.0);
        h.merge(&other);
        assert_eq!(h.count(), 1001);
        assert!(h.quantile(1.0).unwrap() >= 5000.0);
        assert_eq!(Histogram::default().quantile(0.5), None);
    }

    #[test]
    fn distinct_counts_and_saturates() {
        let mut d = Distinct::default();
        for i in 0..5 {
            d.add(i % 3);
        }
        assert_eq!(d.count(), (3, true));
        let mut big = Distinct::default();
        for i in 0..(Distinct::CAP as u64 + 10) {
            big.add(i);
        }
        assert_eq!(big.count(), (Distinct::CAP, false));
    }
}
