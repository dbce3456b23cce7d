//! Per-shape statistics in forms that merge: counts, sums, a log-bucket
//! histogram for quantiles, and a bounded distinct-value counter.

/// Durations in buckets 5% wide, from 1 µs up; quantiles are read back with
/// at most 5% error. Two histograms merge by adding buckets.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Histogram {
    buckets: Vec<u64>,
    count: u64,
}

const BASE_MS: f64 = 0.001;
const GROWTH: f64 = 1.05;

impl Histogram {
    fn bucket(ms: f64) -> usize {
        if ms <= BASE_MS {
            return 0;
        }
        ((ms / BASE_MS).ln() / GROWTH.ln()).ceil().min(2000.0) as usize
    }

    pub fn add(&mut self, ms: f64) {
        if !ms.is_finite() || ms < 0.0 {
            return;
        }
        let b = Self::bucket(ms);
        if self.buckets.len() <= b {
            self.buckets.resize(b + 1, 0);
        }
        self.buckets[b] += 1;
        self.count += 1;
    }

    pub fn merge(&mut self, other: &Histogram) {
        if self.buckets.len() < other.buckets.len() {
            self.buckets.resize(other.buckets.len(), 0);
        }
        for (a, b) in self.buckets.iter_mut().zip(&other.buckets) {
            *a += b;
        }
        self.count += other.count;
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
        for (i, n) in self.buckets.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return Some(BASE_MS * GROWTH.powi(i as i32));
            }
        }
        None
    }
}

/// Distinct 64-bit value hashes: exact up to `CAP`, then a lower bound.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Distinct {
    seen: crate::util::FastSet<u64>,
    saturated: bool,
}

impl Distinct {
    pub const CAP: usize = 10_000;

    pub fn add(&mut self, h: u64) {
        if self.seen.len() < Self::CAP {
            self.seen.insert(h);
        } else if !self.seen.contains(&h) {
            self.saturated = true;
        }
    }

    pub fn merge(&mut self, other: &Distinct) {
        for h in &other.seen {
            self.add(*h);
        }
        self.saturated |= other.saturated;
    }

    /// (count, exact?)
    pub fn count(&self) -> (usize, bool) {
        (self.seen.len(), !self.saturated)
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
