//! The in-process store of rate-limit state: one TAT per key (see [`super::gcra`]), in 32
//! mutex-guarded shards chosen by the key's hash. It lives beside the compiled
//! configuration, not inside it, so counters survive a config swap; keys name the policy
//! and the consumer (`"sub:<subscription>"`, `"api:<api>:ip:<addr>"`), so a changed limit
//! applies to the state already counted. A shard that grows past its share of the
//! capacity first forgets keys whose TAT has passed (they hold no information); if it is
//! still full (a flood of distinct keys), a new key's request is decided but not recorded,
//! so the keys already counted stay limited and the memory stays bounded.

use std::collections::HashMap;
use std::hash::BuildHasher;

use foldhash::fast::RandomState;
use std::sync::{Mutex, PoisonError};

use super::gcra::{Decision, Rate};

const SHARDS: usize = 32;

/// Per key: the TAT and the emission interval it was written with.
type Shard = HashMap<Box<str>, (u64, u64), RandomState>;

/// Rate-limit state of one gateway process; see the module documentation.
#[derive(Debug)]
pub struct LocalLimiter {
    shards: Vec<Mutex<Shard>>,
    hasher: RandomState,
    per_shard: usize,
}

impl LocalLimiter {
    /// A store for about `capacity` active keys.
    pub fn new(capacity: usize) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::default())).collect(),
            hasher: RandomState::default(),
            per_shard: capacity.div_ceil(SHARDS).max(1),
        }
    }

    /// Decides a request costing `cost` for `key` under `rate` at `now_ns`, and records
    /// it when allowed.
    pub fn check(&self, key: &str, rate: &Rate, now_ns: u64, cost: u64) -> Decision {
        let index = usize::try_from(self.hasher.hash_one(key) % SHARDS as u64).unwrap_or(0);
        let mut shard = self.shards[index].lock().unwrap_or_else(PoisonError::into_inner);
        let tat = shard.get(key).map_or(0, |&(tat, emission)| rate.rescale(tat, emission, now_ns));
        let decision = rate.check(tat, now_ns, cost);
        if decision.allowed {
            let stored = (decision.tat_ns, rate.emission_ns());
            if let Some(slot) = shard.get_mut(key) {
                *slot = stored;
            } else {
                if shard.len() >= self.per_shard {
                    shard.retain(|_, (tat, _)| *tat > now_ns);
                }
                if shard.len() < self.per_shard {
                    shard.insert(key.into(), stored);
                }
            }
        }
        decision
    }

    /// Moves `key`'s TAT forward to `tat_ns` (written under `emission_ns`) if it is behind:
    /// how counts shared by other gateways reach this one (approximate limits).
    pub fn raise(&self, key: &str, tat_ns: u64, emission_ns: u64, now_ns: u64) {
        let index = usize::try_from(self.hasher.hash_one(key) % SHARDS as u64).unwrap_or(0);
        let mut shard = self.shards[index].lock().unwrap_or_else(PoisonError::into_inner);
        let full = shard.len() >= self.per_shard;
        if let Some(slot) = shard.get_mut(key) {
            let mine = super::gcra::rescale(slot.0, slot.1, emission_ns, now_ns);
            *slot = (mine.max(tat_ns), emission_ns);
        } else if !full {
            shard.insert(key.into(), (tat_ns, emission_ns));
        }
    }

    /// Keys currently held (for metrics and tests).
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().unwrap_or_else(PoisonError::into_inner).len()).sum()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const SECOND: u64 = 1_000_000_000;

    #[test]
    fn keys_are_limited_separately_and_a_changed_rate_keeps_the_count() {
        let limiter = LocalLimiter::new(1000);
        let five = Rate::new(5, Duration::from_secs(60), None).unwrap();
        let allowed = |key: &str, rate: &Rate| (0..10).filter(|_| limiter.check(key, rate, SECOND, 1).allowed).count();
        assert_eq!(allowed("sub:a", &five), 5);
        assert_eq!(allowed("sub:b", &five), 5, "another consumer has its own budget");
        // The limit is raised by a config push: what was counted still counts.
        let eight = Rate::new(8, Duration::from_secs(60), None).unwrap();
        let more = (0..10).filter(|_| limiter.check("sub:a", &eight, SECOND, 1).allowed).count();
        assert_eq!(more, 3, "the 5 already admitted are not forgotten");
        // Lowered again: 8 admitted, 4 allowed — nothing more until they drain.
        let four = Rate::new(4, Duration::from_secs(60), None).unwrap();
        assert!(!limiter.check("sub:a", &four, SECOND, 1).allowed);
    }

    #[test]
    fn the_store_stays_bounded_under_a_flood_of_keys() {
        let limiter = LocalLimiter::new(64);
        let rate = Rate::new(1, Duration::from_secs(3600), None).unwrap();
        for i in 0..10_000 {
            limiter.check(&format!("ip:{i}"), &rate, SECOND, 1);
        }
        assert!(limiter.len() <= 64 + SHARDS, "{} keys held", limiter.len());
        // Keys whose time has passed are dropped first.
        let later = 2 * 3600 * SECOND;
        limiter.check("ip:new", &rate, later, 1);
        assert!(limiter.len() < 64, "expired keys were dropped: {}", limiter.len());
    }

    #[test]
    fn concurrent_callers_never_admit_more_than_the_limit() {
        let limiter = std::sync::Arc::new(LocalLimiter::new(100));
        let rate = Rate::new(1000, Duration::from_secs(3600), None).unwrap();
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let limiter = limiter.clone();
                std::thread::spawn(move || (0..1000).filter(|_| limiter.check("k", &rate, SECOND, 1).allowed).count())
            })
            .collect();
        let admitted: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
        assert_eq!(admitted, 1000);
    }
}
