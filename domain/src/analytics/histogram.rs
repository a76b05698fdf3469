//! Latency histograms: the fixed buckets per-minute rollups count latencies in, and
//! percentiles estimated from them (linear within a bucket, as Prometheus'
//! `histogram_quantile` does). Buckets grow by about 1.5× from 0.25 ms to 60 s, so an
//! estimate is within one bucket's width of the truth.

/// Upper bound (inclusive, microseconds) of each bucket; the last one takes the rest.
pub const BOUNDS_US: [u64; 28] = [
    250,
    500,
    1_000,
    2_000,
    3_000,
    5_000,
    7_500,
    10_000,
    15_000,
    20_000,
    30_000,
    50_000,
    75_000,
    100_000,
    150_000,
    200_000,
    300_000,
    500_000,
    750_000,
    1_000_000,
    1_500_000,
    2_000_000,
    3_000_000,
    5_000_000,
    10_000_000,
    20_000_000,
    60_000_000,
    u64::MAX,
];

/// The bucket a latency falls in.
pub fn bucket(latency_us: u64) -> usize {
    BOUNDS_US.partition_point(|&bound| bound < latency_us).min(BOUNDS_US.len() - 1)
}

/// Request counts per bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Histogram {
    counts: [u64; BOUNDS_US.len()],
}

impl Histogram {
    /// Adds `count` requests to bucket `index` (an out-of-range index counts as the last).
    pub fn add(&mut self, index: usize, count: u64) {
        self.counts[index.min(BOUNDS_US.len() - 1)] += count;
    }

    /// Every request counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The `q`-quantile (0–1) in milliseconds; `None` when empty.
    pub fn quantile_ms(&self, q: f64) -> Option<f64> {
        let total = self.total();
        if total == 0 {
            return None;
        }
        let rank = q.clamp(0.0, 1.0) * total as f64;
        let mut below = 0u64;
        for (index, &count) in self.counts.iter().enumerate() {
            if count > 0 && (below + count) as f64 >= rank {
                let lower = if index == 0 { 0 } else { BOUNDS_US[index - 1] };
                // The open last bucket is reported at its lower bound.
                let upper = if index == BOUNDS_US.len() - 1 { lower } else { BOUNDS_US[index] };
                let within = ((rank - below as f64) / count as f64).clamp(0.0, 1.0);
                return Some((lower as f64 + (upper - lower) as f64 * within) / 1000.0);
            }
            below += count;
        }
        Some(BOUNDS_US[BOUNDS_US.len() - 2] as f64 / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latencies_land_in_the_bucket_whose_bound_they_do_not_exceed() {
        assert_eq!(bucket(0), 0);
        assert_eq!(bucket(250), 0);
        assert_eq!(bucket(251), 1);
        assert_eq!(bucket(1_000), 2);
        assert_eq!(bucket(u64::MAX), BOUNDS_US.len() - 1);
        assert_eq!(bucket(90_000_000), BOUNDS_US.len() - 1);
    }

    #[test]
    fn quantiles_interpolate_within_a_bucket() {
        let mut histogram = Histogram::default();
        assert_eq!(histogram.quantile_ms(0.5), None);
        histogram.add(bucket(800), 100); // 0.5–1 ms
        histogram.add(bucket(40_000), 1); // 30–50 ms
        let p50 = histogram.quantile_ms(0.5).unwrap();
        assert!((0.5..=1.0).contains(&p50), "{p50}");
        assert!((histogram.quantile_ms(0.99).unwrap() - 0.995).abs() < 0.01);
        let p100 = histogram.quantile_ms(1.0).unwrap();
        assert!((30.0..=50.0).contains(&p100), "{p100}");
    }
}
