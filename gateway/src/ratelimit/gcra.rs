//! GCRA: a limit of `limit` requests per `period` with bursts of up to `burst` requests,
//! kept per key as one number — the theoretical arrival time (TAT) of the next request.
//!
//! Each request moves the TAT forward by the emission interval `T = period / limit`
//! (from now, if the TAT lies in the past). A request conforms when the new TAT is at
//! most `burst × T` ahead of now; a refused request leaves the TAT unchanged, so a client
//! hammering a limit is not punished beyond it. Idle keys need no clean-up: a TAT in the
//! past is the same as no state at all.

use std::time::Duration;

/// A rate with its burst, in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Requests allowed per period.
    pub limit: u64,
    /// Nanoseconds between two requests at the steady rate (`period / limit`).
    emission_ns: u64,
    /// `burst × emission_ns`: how far ahead of now the TAT may run.
    capacity_ns: u64,
    /// The period, in whole seconds (for the `RateLimit-Policy` window).
    pub period_secs: u64,
}

/// A TAT written under an emission interval of `from_ns`, expressed under `to_ns` (the
/// requests it holds kept); see [`Rate::rescale`].
pub fn rescale(tat_ns: u64, from_ns: u64, to_ns: u64, now_ns: u64) -> u64 {
    if from_ns == 0 || from_ns == to_ns || tat_ns <= now_ns {
        return tat_ns;
    }
    let held = u128::from(tat_ns - now_ns) * u128::from(to_ns) / u128::from(from_ns);
    now_ns.saturating_add(u64::try_from(held).unwrap_or(u64::MAX))
}

/// What one request got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Whether it conforms.
    pub allowed: bool,
    /// The TAT to store (unchanged when refused).
    pub tat_ns: u64,
    /// Requests that would still conform right now.
    pub remaining: u64,
    /// When refused: how long until this request would conform.
    pub retry_after: Duration,
    /// How long until the key is back to its full burst.
    pub reset_after: Duration,
}

impl Rate {
    /// `limit` requests per `period`, at most `burst` at once (`None`: the whole limit).
    /// `None` when the limit or the period is zero.
    pub fn new(limit: u64, period: Duration, burst: Option<u64>) -> Option<Rate> {
        let period_ns = u64::try_from(period.as_nanos()).ok()?;
        if limit == 0 || period_ns == 0 {
            return None;
        }
        let emission_ns = (period_ns / limit).max(1);
        let burst = burst.unwrap_or(limit).clamp(1, limit.max(1));
        Some(Rate {
            limit,
            emission_ns,
            capacity_ns: emission_ns.saturating_mul(burst),
            period_secs: period.as_secs().max(1),
        })
    }

    /// Time between two requests at the steady rate.
    pub fn emission(&self) -> Duration {
        Duration::from_nanos(self.emission_ns)
    }

    /// How far ahead of now the TAT may run (burst × emission interval).
    pub fn capacity(&self) -> Duration {
        Duration::from_nanos(self.capacity_ns)
    }

    /// The burst size (requests that may arrive at once).
    pub fn burst(&self) -> u64 {
        self.capacity_ns / self.emission_ns
    }

    /// Nanoseconds between two requests at the steady rate (stored beside a TAT, so that
    /// [`Rate::rescale`] can read it under another rate).
    pub fn emission_ns(&self) -> u64 {
        self.emission_ns
    }

    /// A TAT written under an emission interval of `stored_emission_ns`, read under this
    /// rate: the requests it holds stay counted, so a limit changed by a config push
    /// applies to what was already admitted (raised, the difference is available at once;
    /// lowered, it is owed).
    pub fn rescale(&self, tat_ns: u64, stored_emission_ns: u64, now_ns: u64) -> u64 {
        rescale(tat_ns, stored_emission_ns, self.emission_ns, now_ns)
    }

    /// The same rate for a request allowed only `share`/`of` of the burst. Giving less
    /// important traffic a smaller share makes a saturated limit refuse it first, while
    /// more important traffic still finds room; alone, any traffic gets the full rate.
    pub fn reserved(&self, share: u64, of: u64) -> Rate {
        let of = of.max(1);
        let scaled = u128::from(self.capacity_ns) * u128::from(share.min(of)) / u128::from(of);
        let capacity_ns = u64::try_from(scaled).unwrap_or(u64::MAX).max(self.emission_ns);
        Rate { capacity_ns, ..*self }
    }

    /// This rate split between `nodes` gateways deciding alone (each admits its share),
    /// for when the shared counters cannot be reached.
    pub fn share(&self, nodes: u64) -> Rate {
        let nodes = nodes.max(1);
        let emission_ns = self.emission_ns.saturating_mul(nodes);
        let burst = (self.burst() / nodes).max(1);
        Rate {
            limit: (self.limit / nodes).max(1),
            emission_ns,
            capacity_ns: emission_ns.saturating_mul(burst),
            period_secs: self.period_secs,
        }
    }

    /// Decides a request costing `cost` (usually 1) at `now_ns`, for a key whose stored
    /// TAT is `tat_ns` (0 for a key never seen).
    pub fn check(&self, tat_ns: u64, now_ns: u64, cost: u64) -> Decision {
        let start = tat_ns.max(now_ns);
        let new_tat = start.saturating_add(self.emission_ns.saturating_mul(cost));
        let horizon = now_ns.saturating_add(self.capacity_ns);
        if new_tat <= horizon {
            Decision {
                allowed: true,
                tat_ns: new_tat,
                remaining: (horizon - new_tat) / self.emission_ns,
                retry_after: Duration::ZERO,
                reset_after: Duration::from_nanos(new_tat - now_ns),
            }
        } else {
            Decision {
                allowed: false,
                tat_ns,
                remaining: horizon.saturating_sub(start) / self.emission_ns,
                retry_after: Duration::from_nanos(new_tat - horizon),
                reset_after: Duration::from_nanos(start - now_ns),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: u64 = 1_000_000_000;

    /// Sends `n` requests at `now`, returning how many were allowed and the last TAT.
    fn burst_at(rate: &Rate, mut tat: u64, now: u64, n: u64) -> (u64, u64) {
        let mut allowed = 0;
        for _ in 0..n {
            let d = rate.check(tat, now, 1);
            if d.allowed {
                allowed += 1;
                tat = d.tat_ns;
            }
        }
        (allowed, tat)
    }

    #[test]
    fn a_burst_is_allowed_at_once_then_the_steady_rate() {
        let rate = Rate::new(10, Duration::from_secs(1), Some(3)).unwrap();
        assert_eq!(rate.burst(), 3);
        let (allowed, tat) = burst_at(&rate, 0, SECOND, 10);
        assert_eq!(allowed, 3, "the burst");
        let refused = rate.check(tat, SECOND, 1);
        assert!(!refused.allowed);
        assert_eq!(refused.retry_after, Duration::from_millis(100), "one emission interval");
        assert_eq!(refused.remaining, 0);
        // 100 ms later exactly one more conforms.
        let (allowed, _) = burst_at(&rate, tat, SECOND + SECOND / 10, 5);
        assert_eq!(allowed, 1);
    }

    #[test]
    fn over_a_long_run_the_limit_is_exact() {
        // 100 per minute, a client sending 3× that for 10 minutes: 100 per minute pass,
        // plus the initial burst (the whole limit by default).
        let rate = Rate::new(100, Duration::from_secs(60), None).unwrap();
        let mut tat = 0;
        let mut allowed = 0;
        let step = 60 * SECOND / 300;
        for i in 0..3000u64 {
            let d = rate.check(tat, SECOND + i * step, 1);
            if d.allowed {
                allowed += 1;
                tat = d.tat_ns;
            }
        }
        assert_eq!(allowed, 100 + 1000 - 1, "burst of 100, then 100/min for 10 min");
    }

    #[test]
    fn remaining_and_reset_describe_the_state() {
        let rate = Rate::new(5, Duration::from_secs(10), None).unwrap();
        let first = rate.check(0, 50 * SECOND, 1);
        assert!(first.allowed);
        assert_eq!(first.remaining, 4);
        assert_eq!(first.reset_after, Duration::from_secs(2));
        // An idle key forgets: a TAT in the past is no state.
        let later = rate.check(first.tat_ns, 500 * SECOND, 1);
        assert_eq!(later.remaining, 4);
    }

    #[test]
    fn costs_above_the_burst_never_pass_and_bad_rates_are_refused() {
        let rate = Rate::new(5, Duration::from_secs(1), None).unwrap();
        assert!(!rate.check(0, SECOND, 6).allowed);
        assert!(rate.check(0, SECOND, 5).allowed);
        assert!(Rate::new(0, Duration::from_secs(1), None).is_none());
        assert!(Rate::new(5, Duration::ZERO, None).is_none());
        assert_eq!(Rate::new(5, Duration::from_secs(1), Some(0)).unwrap().burst(), 1, "a burst is at least 1");
        assert_eq!(Rate::new(5, Duration::from_secs(1), Some(50)).unwrap().burst(), 5, "and at most the limit");
    }

    #[test]
    fn a_share_admits_its_part_of_the_limit() {
        let rate = Rate::new(100, Duration::from_secs(60), Some(10)).unwrap();
        let half = rate.share(2);
        assert_eq!((half.limit, half.burst()), (50, 5));
        assert_eq!(half.emission(), Duration::from_millis(1200));
        assert_eq!(rate.share(0), rate.share(1));
        assert_eq!(rate.share(1), rate);
    }

    #[test]
    fn under_saturation_a_smaller_reserve_is_refused_first() {
        let rate = Rate::new(10, Duration::from_secs(1), None).unwrap();
        let (low, high) = (rate.reserved(1, 2), rate.reserved(2, 2));
        assert_eq!(high, rate);
        // Low-priority traffic alone takes half the burst, then is refused …
        let (allowed, tat) = burst_at(&low, 0, SECOND, 10);
        assert_eq!(allowed, 5);
        // … while high-priority traffic still finds the other half.
        let (allowed, _) = burst_at(&high, tat, SECOND, 10);
        assert_eq!(allowed, 5);
    }
}
