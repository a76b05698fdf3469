//! Rate limiting and quotas: the decisions, independent of where counters live.
//!
//! * [`gcra`] — the Generic Cell Rate Algorithm (a token bucket kept as one timestamp per
//!   key, the "theoretical arrival time"): a rate per period with a burst size. The same
//!   arithmetic runs in-process ([`local::LocalLimiter`]) and, for limits shared by every
//!   gateway, inside Redis as a script, so both give the same answers.
//! * [`redis::RedisLimiter`] — the same step as one atomic script in Redis, on Redis's
//!   clock, for limits exact across every gateway.
//! * [`limiter::Limiter`] — what a gateway calls: Redis when configured, this gateway's
//!   share of each limit in-process while Redis is unreachable.
//! * [`window`] — quotas per calendar day or month (UTC), reset at the boundary, counted
//!   in-process by [`quota::LocalQuotas`] or in Redis.
//! * [`concurrency`] — requests in flight per key on this node.
//! * [`approximate`] — limits decided in-process and shared through Redis periodically.
//! * [`headers`] — the IETF `RateLimit-Policy` / `RateLimit` response fields and
//!   `Retry-After`.
//!
//! Every function takes the time as an argument (nanoseconds of a monotonic clock for
//! rates, a UTC date for quotas): tests move time by hand, and the request path reads the
//! clock once.

pub mod approximate;
pub mod concurrency;
pub mod gcra;
pub mod headers;
pub mod limiter;
pub mod local;
pub mod quota;
pub mod redis;
pub mod shards;
pub mod window;

use std::sync::LazyLock;
use std::time::Instant;

static EPOCH: LazyLock<Instant> = LazyLock::new(Instant::now);

/// Nanoseconds of the process's monotonic clock (what rate decisions are made with).
pub fn monotonic_ns() -> u64 {
    u64::try_from(EPOCH.elapsed().as_nanos()).unwrap_or(u64::MAX)
}
