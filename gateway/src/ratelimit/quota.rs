//! The in-process store of quota counts: one [`QuotaCount`] per key in the bounded
//! sharded map of [`super::shards`]; a count from an earlier window is worth nothing, so
//! a full shard forgets those first.

use chrono::{DateTime, Utc};

use super::shards::Shards;
use super::window::{self, QuotaCount, QuotaDecision, QuotaPeriod};

/// Quota counts of one gateway process.
#[derive(Debug)]
pub struct LocalQuotas {
    counts: Shards<QuotaCount>,
}

impl LocalQuotas {
    /// A store for about `capacity` active keys.
    pub fn new(capacity: usize) -> Self {
        Self { counts: Shards::new(capacity) }
    }

    /// Decides a request costing `cost` for `key` against `quota` per `period` at `now`,
    /// and records it when allowed.
    pub fn check(&self, key: &str, period: QuotaPeriod, quota: u64, now: DateTime<Utc>, cost: u64) -> QuotaDecision {
        // A day window's start is never before this month's: older counts are worthless.
        let oldest = window::window(QuotaPeriod::Month, now).0.timestamp();
        self.counts.update(
            key,
            |count| count.window_start < oldest,
            |count| {
                let decision = window::check(period, quota, count.unwrap_or_default(), now, cost);
                (decision, decision.allowed.then_some(decision.count))
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_count_apart_and_reset_with_the_window() {
        let quotas = LocalQuotas::new(100);
        let day = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let now = day("2026-12-03T23:59:59Z");
        let admitted = |key: &str, at| (0..5).filter(|_| quotas.check(key, QuotaPeriod::Day, 3, at, 1).allowed).count();
        assert_eq!(admitted("a", now), 3);
        assert_eq!(admitted("b", now), 3);
        assert_eq!(admitted("a", day("2026-12-04T00:00:00Z")), 3, "a new day");
    }
}
