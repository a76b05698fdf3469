//! The limiter a gateway uses: exact through Redis when `PORTICO_REDIS_URL` is set, and
//! never stopping traffic when Redis is not there. While Redis cannot answer, each
//! gateway decides in-process with its share of the limit (`limit / nodes`), logs the
//! switch once each way, and reports the state ([`Limiter::mode`]) for metrics; the first
//! answer from Redis after its pause puts the shared counters back in charge.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::gcra::{Decision, Rate};
use super::local::LocalLimiter;
use super::monotonic_ns;
use super::redis::RedisLimiter;

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
#[derive(Debug)]
pub struct Limiter {
    local: LocalLimiter,
    redis: Option<RedisLimiter>,
    /// Gateways sharing the limits (for the fallback share).
    nodes: AtomicU64,
    falling_back: AtomicBool,
}

impl Limiter {
    /// In-process limits only, for about `capacity` active keys.
    pub fn local(capacity: usize) -> Self {
        Self::with(None, capacity, 1)
    }

    /// Limits shared through `redis`, falling back to in-process shares of them.
    pub fn shared(redis: RedisLimiter, capacity: usize, nodes: u64) -> Self {
        Self::with(Some(redis), capacity, nodes)
    }

    fn with(redis: Option<RedisLimiter>, capacity: usize, nodes: u64) -> Self {
        Self {
            local: LocalLimiter::new(capacity),
            redis,
            nodes: AtomicU64::new(nodes.max(1)),
            falling_back: AtomicBool::new(false),
        }
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
        let Some(redis) = &self.redis else {
            return (self.local.check(key, rate, monotonic_ns(), cost), Mode::Local);
        };
        match redis.check(key, rate, cost).await {
            Ok(decision) => {
                if self.falling_back.swap(false, Ordering::Relaxed) {
                    tracing::info!("rate limits: Redis answers again; shared counters in charge");
                }
                (decision, Mode::Shared)
            }
            Err(error) => {
                if !self.falling_back.swap(true, Ordering::Relaxed) {
                    tracing::warn!(%error, "rate limits: Redis unreachable; each gateway enforces its share locally");
                }
                let share = rate.share(self.nodes.load(Ordering::Relaxed));
                (self.local.check(key, &share, monotonic_ns(), cost), Mode::Fallback)
            }
        }
    }
}

#[cfg(test)]
mod tests;
