//! The limiter a gateway uses: exact through Redis when `PORTICO_REDIS_URL` is set, and
//! never stopping traffic when Redis is not there. While Redis cannot answer, each
//! gateway decides in-process with its share of the limit (`limit / nodes`), logs the
//! switch once each way, and reports the state ([`Limiter::mode`]) for metrics; the first
//! answer from Redis after its pause puts the shared counters back in charge.
//!
//! Quotas go the same way; concurrent-request limits are always per node. The limiter
//! lives beside the compiled configuration ([`crate::ConfigStore`] holds it), so counts
//! survive every config push.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use chrono::{DateTime, Utc};

use super::approximate::{Pending, SYNC_INTERVAL};
use super::concurrency::{Concurrency, InFlight};
use super::gcra::{Decision, Rate};
use super::local::LocalLimiter;
use super::monotonic_ns;
use super::quota::LocalQuotas;
use super::redis::RedisLimiter;
use super::window::{QuotaDecision, QuotaPeriod};

/// The wall clock quotas are counted by (replaceable in tests).
pub type WallClock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Where the last decision was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// In-process: no Redis configured.
    Local,
    /// By Redis, shared by every gateway.
    Shared,
    /// In-process with this gateway's share, because Redis is unreachable.
    Fallback,
}

/// Rate limits of one gateway process; see the module documentation.
pub struct Limiter {
    local: LocalLimiter,
    quotas: LocalQuotas,
    concurrency: Concurrency,
    redis: Option<RedisLimiter>,
    /// Gateways sharing the limits (for the fallback share).
    nodes: AtomicU64,
    falling_back: AtomicBool,
    clock: WallClock,
    throttled: AtomicU64,
    /// Decisions by mode (as [`Mode`]'s order) and outcome (admitted, refused).
    decisions: [[AtomicU64; 2]; 3],
    /// Admitted by approximate limits, not yet shared.
    pending: Pending,
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiter").field("mode", &self.mode()).finish_non_exhaustive()
    }
}

impl Limiter {
    /// In-process limits only, for about `capacity` active keys.
    pub fn local(capacity: usize) -> Self {
        Self::with(None, capacity, 1)
    }

    /// Limits shared through the Redis at `redis_url` (keys under `prefix`) when one is
    /// given, else in-process; `nodes` gateways share them. Fails only on a malformed URL.
    pub fn for_settings(redis_url: Option<&str>, prefix: &str, capacity: usize, nodes: u64) -> Result<Self, String> {
        match redis_url {
            None => Ok(Self::local(capacity)),
            Some(url) => {
                let redis = RedisLimiter::new(url, prefix).map_err(|e| format!("PORTICO_REDIS_URL: {e}"))?;
                Ok(Self::shared(redis, capacity, nodes))
            }
        }
    }

    /// Limits shared through `redis`, falling back to in-process shares of them.
    pub fn shared(redis: RedisLimiter, capacity: usize, nodes: u64) -> Self {
        Self::with(Some(redis), capacity, nodes)
    }

    fn with(redis: Option<RedisLimiter>, capacity: usize, nodes: u64) -> Self {
        Self {
            local: LocalLimiter::new(capacity),
            quotas: LocalQuotas::new(capacity),
            concurrency: Concurrency::default(),
            redis,
            nodes: AtomicU64::new(nodes.max(1)),
            falling_back: AtomicBool::new(false),
            clock: Arc::new(Utc::now),
            throttled: AtomicU64::new(0),
            decisions: Default::default(),
            pending: Pending::default(),
        }
    }

    /// Starts sharing approximate limits' counts through Redis (when one is configured
    /// and a runtime is running), until the limiter is dropped.
    pub fn start(self: &Arc<Self>) {
        let (Some(_), Ok(runtime)) = (&self.redis, tokio::runtime::Handle::try_current()) else { return };
        let limiter = Arc::downgrade(self);
        runtime.spawn(async move {
            let mut tick = tokio::time::interval(SYNC_INTERVAL);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(limiter) = limiter.upgrade() else { return };
                limiter.share_approximate().await;
            }
        });
    }

    /// Adds what approximate limits admitted here to the shared counts, and takes the
    /// shared state back into the local one.
    async fn share_approximate(&self) {
        let Some(redis) = &self.redis else { return };
        for (key, cost, emission_ns) in self.pending.take() {
            match redis.add(&key, cost, emission_ns).await {
                Ok(ahead) => {
                    self.note_shared();
                    let now = monotonic_ns();
                    let tat = now.saturating_add(u64::try_from(ahead.as_nanos()).unwrap_or(u64::MAX));
                    self.local.raise(&key, tat, emission_ns, now);
                }
                Err(error) => {
                    self.note_fallback(&error);
                    return;
                }
            }
        }
    }

    /// Decides a request of an approximate limit: in-process, at once (see
    /// [`super::approximate`]); this gateway's share of the rate while Redis is away.
    pub fn check_approximate(&self, key: &str, rate: &Rate, cost: u64) -> (Decision, Mode) {
        let mode = self.mode();
        let decision = match mode {
            Mode::Fallback => {
                let share = rate.share(self.nodes.load(Ordering::Relaxed));
                self.local.check(key, &share, monotonic_ns(), cost)
            }
            Mode::Local | Mode::Shared => self.local.check(key, rate, monotonic_ns(), cost),
        };
        if decision.allowed && mode != Mode::Local {
            self.pending.note(key, cost, rate.emission_ns());
        }
        self.decided(mode, decision.allowed);
        (decision, mode)
    }

    /// The same limiter counting quotas by `clock` instead of the system's.
    pub fn with_clock(mut self, clock: WallClock) -> Self {
        self.clock = clock;
        self
    }

    /// The time quotas are counted at.
    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    /// Notes a refused request (for the status report and analytics).
    pub fn count_throttled(&self) {
        self.throttled.fetch_add(1, Ordering::Relaxed);
    }

    /// Requests refused by a limit since start.
    pub fn throttled(&self) -> u64 {
        self.throttled.load(Ordering::Relaxed)
    }

    /// Sets how many gateways share the limits (the control plane knows).
    pub fn set_nodes(&self, nodes: u64) {
        self.nodes.store(nodes.max(1), Ordering::Relaxed);
    }

    /// Where decisions are made now.
    pub fn mode(&self) -> Mode {
        match (&self.redis, self.falling_back.load(Ordering::Relaxed)) {
            (None, _) => Mode::Local,
            (Some(_), false) => Mode::Shared,
            (Some(_), true) => Mode::Fallback,
        }
    }

    /// Decides a request costing `cost` for `key` under `rate`.
    pub async fn check(&self, key: &str, rate: &Rate, cost: u64) -> (Decision, Mode) {
        let (decision, mode) = self.decide(key, rate, cost).await;
        self.decided(mode, decision.allowed);
        (decision, mode)
    }

    /// Decides a request costing `cost` for `key` against `quota` per `period`, now.
    pub async fn quota(&self, key: &str, period: QuotaPeriod, quota: u64, cost: u64) -> (QuotaDecision, Mode) {
        let (decision, mode) = self.decide_quota(key, period, quota, cost).await;
        self.decided(mode, decision.allowed);
        (decision, mode)
    }

    /// Decisions so far by mode: (mode, admitted, refused).
    pub fn decisions(&self) -> [(Mode, u64, u64); 3] {
        let count = |mode: Mode| {
            let [admitted, refused] = &self.decisions[mode as usize];
            (mode, admitted.load(Ordering::Relaxed), refused.load(Ordering::Relaxed))
        };
        [count(Mode::Local), count(Mode::Shared), count(Mode::Fallback)]
    }

    fn decided(&self, mode: Mode, allowed: bool) {
        self.decisions[mode as usize][usize::from(!allowed)].fetch_add(1, Ordering::Relaxed);
    }

    async fn decide(&self, key: &str, rate: &Rate, cost: u64) -> (Decision, Mode) {
        let Some(redis) = &self.redis else {
            return (self.local.check(key, rate, monotonic_ns(), cost), Mode::Local);
        };
        match redis.check(key, rate, cost).await {
            Ok(decision) => {
                self.note_shared();
                (decision, Mode::Shared)
            }
            Err(error) => {
                self.note_fallback(&error);
                let share = rate.share(self.nodes.load(Ordering::Relaxed));
                (self.local.check(key, &share, monotonic_ns(), cost), Mode::Fallback)
            }
        }
    }

    async fn decide_quota(&self, key: &str, period: QuotaPeriod, quota: u64, cost: u64) -> (QuotaDecision, Mode) {
        let now = self.now();
        let Some(redis) = &self.redis else {
            return (self.quotas.check(key, period, quota, now, cost), Mode::Local);
        };
        match redis.quota(key, period, quota, now, cost).await {
            Ok(decision) => {
                self.note_shared();
                (decision, Mode::Shared)
            }
            Err(error) => {
                self.note_fallback(&error);
                let share = (quota / self.nodes.load(Ordering::Relaxed)).max(1);
                (self.quotas.check(key, period, share, now, cost), Mode::Fallback)
            }
        }
    }

    /// A place among `key`'s requests in flight on this node, if fewer than `max` are.
    pub fn enter(&self, key: &str, max: u32) -> Option<InFlight> {
        self.concurrency.enter(key, max)
    }

    fn note_shared(&self) {
        if self.falling_back.swap(false, Ordering::Relaxed) {
            tracing::info!("rate limits: Redis answers again; shared counters in charge");
        }
    }

    fn note_fallback(&self, error: &dyn std::fmt::Display) {
        if !self.falling_back.swap(true, Ordering::Relaxed) {
            tracing::warn!(%error, "rate limits: Redis unreachable; each gateway enforces its share locally");
        }
    }
}

#[cfg(test)]
mod tests;
