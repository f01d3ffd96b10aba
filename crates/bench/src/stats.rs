//! Latency percentiles over exact microsecond samples (a sorted Vec: a 10 s run at tens of
//! thousands of requests per second is a few MB, and exact beats bucketed at this size).

/// Nearest-rank percentile of ascending `sorted` samples: the smallest sample such that at least
/// `p` percent of all samples are ≤ it. `p` is clamped to 0..=100; `None` when there are no samples.
pub fn percentile(sorted: &[u64], p: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len() as u128;
    // p in parts per million, so the rank is integer arithmetic (0.99 * 100 is not 99 in floats).
    let ppm = (p.clamp(0.0, 100.0) * 10_000.0).round() as u128;
    let rank = (ppm * n).div_ceil(1_000_000).clamp(1, n);
    sorted.get((rank - 1) as usize).copied()
}

/// Latency of the successful requests of one phase, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LatencySummary {
    pub count: u64,
    pub p50_us: u64,
    pub p90_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
}

impl LatencySummary {
    /// Summarises unsorted samples; `None` when there are none.
    pub fn from_micros(mut samples: Vec<u64>) -> Option<LatencySummary> {
        samples.sort_unstable();
        Some(LatencySummary {
            count: samples.len() as u64,
            p50_us: percentile(&samples, 50.0)?,
            p90_us: percentile(&samples, 90.0)?,
            p99_us: percentile(&samples, 99.0)?,
            max_us: *samples.last()?,
        })
    }
}

/// Microseconds as milliseconds, for display.
pub fn us_to_ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_on_1_to_100() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), Some(50));
        assert_eq!(percentile(&v, 90.0), Some(90));
        assert_eq!(percentile(&v, 99.0), Some(99));
        assert_eq!(percentile(&v, 99.9), Some(100));
        assert_eq!(percentile(&v, 100.0), Some(100));
        assert_eq!(percentile(&v, 0.0), Some(1));
        assert_eq!(percentile(&v, 0.5), Some(1));
        assert_eq!(percentile(&v, 1.0), Some(1));
        assert_eq!(percentile(&v, 1.1), Some(2));
    }

    #[test]
    fn small_and_empty_inputs() {
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile(&[7], 1.0), Some(7));
        assert_eq!(percentile(&[7], 99.0), Some(7));
        // Two samples: p50 is the lower one (rank 1), anything above 50 the upper one.
        assert_eq!(percentile(&[1, 2], 50.0), Some(1));
        assert_eq!(percentile(&[1, 2], 50.1), Some(2));
        assert_eq!(percentile(&[1, 2, 3], 200.0), Some(3));
        assert_eq!(percentile(&[1, 2, 3], -5.0), Some(1));
    }

    #[test]
    fn percentile_of_1000_is_exact() {
        let v: Vec<u64> = (1..=1000).collect();
        assert_eq!(percentile(&v, 99.9), Some(999));
        assert_eq!(percentile(&v, 99.0), Some(990));
    }

    #[test]
    fn summary_sorts_and_summarises() {
        // 1..=1000 shuffled deterministically, with one slow outlier.
        let mut v: Vec<u64> = (1..=999).map(|i| (i * 7919) % 1000 + 1).collect();
        v.push(250_000);
        let s = LatencySummary::from_micros(v).unwrap();
        assert_eq!(s.count, 1000);
        assert!(s.p50_us <= s.p90_us && s.p90_us <= s.p99_us && s.p99_us <= s.max_us);
        assert_eq!(s.max_us, 250_000);
        assert_eq!(LatencySummary::from_micros(Vec::new()), None);
        assert_eq!(us_to_ms(1_234), 1.234);
    }
}
