//! The in-process store of rate-limit state: one TAT per key (see [`super::gcra`]), in
//! the bounded sharded map of [`super::shards`]. It lives beside the compiled
//! configuration, not inside it, so counters survive a config swap; keys name the policy
//! and the consumer (`"sub:<subscription>"`, `"api:<api>:ip:<addr>"`), so a changed limit
//! applies to the state already counted. A shard that grows past its share of the
//! capacity first forgets keys whose TAT has passed (they hold no information); if it is
//! still full (a flood of distinct keys), a new key's request is decided but not recorded,
//! so the keys already counted stay limited and the memory stays bounded.

use super::gcra::{self, Decision, Rate};
use super::shards::Shards;

/// Rate-limit state of one gateway process; see the module documentation.
#[derive(Debug)]
pub struct LocalLimiter {
    /// Per key: the TAT and the emission interval it was written with.
    states: Shards<(u64, u64)>,
}

impl LocalLimiter {
    /// A store for about `capacity` active keys.
    pub fn new(capacity: usize) -> Self {
        Self { states: Shards::new(capacity) }
    }

    /// Decides a request costing `cost` for `key` under `rate` at `now_ns`, and records
    /// it when allowed.
    pub fn check(&self, key: &str, rate: &Rate, now_ns: u64, cost: u64) -> Decision {
        self.states.update(key, past(now_ns), |state| {
            let tat = state.map_or(0, |(tat, emission)| rate.rescale(tat, emission, now_ns));
            let decision = rate.check(tat, now_ns, cost);
            (decision, decision.allowed.then_some((decision.tat_ns, rate.emission_ns())))
        })
    }

    /// Moves `key`'s TAT forward to `tat_ns` (written under `emission_ns`) if it is behind:
    /// how counts shared by other gateways reach this one (approximate limits).
    pub fn raise(&self, key: &str, tat_ns: u64, emission_ns: u64, now_ns: u64) {
        self.states.update(key, past(now_ns), |state| {
            let mine = state.map_or(0, |(tat, emission)| gcra::rescale(tat, emission, emission_ns, now_ns));
            ((), Some((mine.max(tat_ns), emission_ns)))
        });
    }

    /// Keys currently held (for metrics and tests).
    pub fn len(&self) -> usize {
        self.states.len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }
}

/// A TAT in the past holds no information.
fn past(now_ns: u64) -> impl Fn(&(u64, u64)) -> bool {
    move |&(tat, _)| tat <= now_ns
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
        assert!(limiter.len() <= 64 + crate::ratelimit::shards::SHARDS, "{} keys held", limiter.len());
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
