//! The in-process store of quota counts: one [`QuotaCount`] per key in 32 mutex-guarded
//! shards, like [`super::local`]. A count from an earlier window is worth nothing, so a
//! full shard first forgets those; if it is still full, a new key is decided but not
//! recorded (memory stays bounded, keys already counted stay limited).

use std::collections::HashMap;
use std::hash::BuildHasher;

use foldhash::fast::RandomState;
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Utc};

use super::window::{self, QuotaCount, QuotaDecision, QuotaPeriod};

const SHARDS: usize = 32;

/// Quota counts of one gateway process.
#[derive(Debug)]
pub struct LocalQuotas {
    shards: Vec<Mutex<HashMap<Box<str>, QuotaCount, RandomState>>>,
    hasher: RandomState,
    per_shard: usize,
}

impl LocalQuotas {
    /// A store for about `capacity` active keys.
    pub fn new(capacity: usize) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::default())).collect(),
            hasher: RandomState::default(),
            per_shard: capacity.div_ceil(SHARDS).max(1),
        }
    }

    /// Decides a request costing `cost` for `key` against `quota` per `period` at `now`,
    /// and records it when allowed.
    pub fn check(&self, key: &str, period: QuotaPeriod, quota: u64, now: DateTime<Utc>, cost: u64) -> QuotaDecision {
        let index = usize::try_from(self.hasher.hash_one(key) % SHARDS as u64).unwrap_or(0);
        let mut shard = self.shards[index].lock().unwrap_or_else(PoisonError::into_inner);
        let count = shard.get(key).copied().unwrap_or_default();
        let decision = window::check(period, quota, count, now, cost);
        if decision.allowed {
            if let Some(stored) = shard.get_mut(key) {
                *stored = decision.count;
            } else {
                if shard.len() >= self.per_shard {
                    // A day window's start is the oldest a live count can have.
                    let oldest = window::window(QuotaPeriod::Month, now).0.timestamp();
                    shard.retain(|_, count| count.window_start >= oldest);
                }
                if shard.len() < self.per_shard {
                    shard.insert(key.into(), decision.count);
                }
            }
        }
        decision
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
