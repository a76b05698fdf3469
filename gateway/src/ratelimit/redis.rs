//! Rate-limit state shared by every gateway through Redis, exact across nodes: the GCRA
//! step of [`super::gcra`] runs inside Redis as one script, atomically, on Redis's own
//! clock (`TIME`), so gateways with different clocks agree and no two requests read the
//! same state. One key per limited consumer, so each call touches one Redis Cluster slot.
//! Times are microseconds in the script (exact in Lua's doubles for centuries).
//!
//! When Redis cannot answer, [`RedisLimiter::check`] says so at once (see
//! [`crate::redis_link`]) and the caller decides locally.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::redis_link::RedisLink;

use super::gcra::{Decision, Rate};
use super::window::{self, QuotaCount, QuotaDecision, QuotaPeriod};

/// Connect and response timeout: a limit decision must not hold a request up.
const TIMEOUT: Duration = Duration::from_millis(300);
/// How long to leave an unreachable Redis alone.
const PAUSE: Duration = Duration::from_secs(2);

/// Returns `{allowed, remaining, retry_after_us, reset_after_us, tat_us}`. The key holds
/// `"<tat>:<emission>"`; a TAT written under another emission interval is rescaled so
/// that the requests it holds stay counted (see `Rate::rescale`).
const GCRA: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local emission = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local stored = redis.call('GET', KEYS[1])
local tat = 0
if stored then
  local at, was = string.match(stored, '^(%d+):(%d+)$')
  tat = tonumber(at or stored) or 0
  was = tonumber(was or emission)
  if was > 0 and was ~= emission and tat > now then
    tat = now + math.floor((tat - now) * emission / was)
  end
end
local start = math.max(tat, now)
local new = start + emission * cost
local horizon = now + capacity
if new <= horizon then
  redis.call('SET', KEYS[1], string.format('%.0f:%.0f', new, emission), 'PX', math.ceil((new - now) / 1000) + 1)
  return {1, math.floor((horizon - new) / emission), 0, new - now, new}
end
return {0, math.floor((horizon - start) / emission), new - horizon, start - now, tat}
";

/// Returns `{allowed, used}`: counts `ARGV[2]` against the quota `ARGV[1]` in a key that
/// names its window and expires at `ARGV[3]` (Unix seconds).
const QUOTA: &str = r"
local quota = tonumber(ARGV[1])
local cost = tonumber(ARGV[2])
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used + cost > quota then
  return {0, used}
end
redis.call('INCRBY', KEYS[1], cost)
redis.call('EXPIREAT', KEYS[1], tonumber(ARGV[3]))
return {1, used + cost}
";

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// Why Redis gave no decision.
#[derive(Debug, thiserror::Error)]
pub enum RedisLimitError {
    /// Not connected, and not trying again yet.
    #[error("Redis is unreachable; retrying shortly")]
    Unreachable,
    /// The call failed.
    #[error("Redis: {0}")]
    Redis(#[from] redis::RedisError),
}

/// Limits shared through one Redis (or Redis Cluster entry point) under a key prefix.
#[derive(Debug)]
pub struct RedisLimiter {
    link: RedisLink,
    prefix: String,
    script: redis::Script,
    quota: redis::Script,
}

impl RedisLimiter {
    /// A limiter on the Redis at `url`, every key under `prefix`; connects on first use.
    pub fn new(url: &str, prefix: &str) -> Result<Self, RedisLimitError> {
        Ok(Self {
            link: RedisLink::new(url, "rate limits", TIMEOUT, PAUSE)?,
            prefix: prefix.to_owned(),
            script: redis::Script::new(GCRA),
            quota: redis::Script::new(QUOTA),
        })
    }

    /// Decides a request costing `cost` for `key` under `rate`, on Redis's clock. The
    /// decision's `tat_ns` is Redis's TAT (microseconds × 1000), meaningful only to Redis.
    pub async fn check(&self, key: &str, rate: &Rate, cost: u64) -> Result<Decision, RedisLimitError> {
        let emission_us = micros(rate.emission()).max(1);
        let (allowed, remaining, retry_us, reset_us, tat_us) =
            self.gcra(key, emission_us, micros(rate.capacity()), cost).await?;
        Ok(Decision {
            allowed: allowed == 1,
            tat_ns: tat_us.saturating_mul(1000),
            remaining,
            retry_after: Duration::from_micros(retry_us),
            reset_after: Duration::from_micros(reset_us),
        })
    }

    /// The GCRA script's answer for `key`.
    async fn gcra(
        &self,
        key: &str,
        emission_us: u64,
        capacity_us: u64,
        cost: u64,
    ) -> Result<(u8, u64, u64, u64, u64), RedisLimitError> {
        let mut conn = self.link.connection().await.ok_or(RedisLimitError::Unreachable)?;
        let mut invocation = self.script.key(format!("{}rl:{key}", self.prefix));
        invocation.arg(emission_us).arg(capacity_us).arg(cost);
        self.settled(invocation.invoke_async(&mut conn).await).await
    }

    /// The answer, after telling the link about a failure.
    async fn settled<T>(&self, answer: redis::RedisResult<T>) -> Result<T, RedisLimitError> {
        if let Err(error) = &answer {
            self.link.failed(error).await;
        }
        Ok(answer?)
    }

    /// Adds `cost` requests admitted by an approximate limit (under a rate whose emission
    /// interval is `emission_ns`) to `key`'s shared count; returns how far ahead of now
    /// the shared TAT is. It is the GCRA step with a horizon no count reaches, so it always
    /// records.
    pub async fn add(&self, key: &str, cost: u64, emission_ns: u64) -> Result<Duration, RedisLimitError> {
        const NO_HORIZON_US: u64 = 1 << 52; // about 140 years, exact in Lua's doubles
        let (_, _, _, ahead_us, _) = self.gcra(key, (emission_ns / 1000).max(1), NO_HORIZON_US, cost).await?;
        Ok(Duration::from_micros(ahead_us))
    }

    /// Decides a request costing `cost` for `key` against `quota` per `period` at `now`
    /// (the gateway's calendar: every gateway's clock is assumed NTP-synchronised).
    pub async fn quota(
        &self,
        key: &str,
        period: QuotaPeriod,
        quota: u64,
        now: DateTime<Utc>,
        cost: u64,
    ) -> Result<QuotaDecision, RedisLimitError> {
        let mut conn = self.link.connection().await.ok_or(RedisLimitError::Unreachable)?;
        let (start, end) = window::window(period, now);
        let mut invocation = self.quota.key(format!("{}q:{key}:{}", self.prefix, start.timestamp()));
        invocation.arg(quota).arg(cost).arg(end.timestamp() + 3600);
        let (allowed, used): (u8, u64) = self.settled(invocation.invoke_async(&mut conn).await).await?;
        Ok(QuotaDecision {
            allowed: allowed == 1,
            count: QuotaCount { window_start: start.timestamp(), used },
            remaining: quota.saturating_sub(used),
            reset_secs: u64::try_from((end - now).num_seconds()).unwrap_or(0).max(1),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Instant;

    use super::*;

    #[tokio::test]
    async fn two_gateways_sharing_redis_admit_exactly_the_limit() {
        let Some((url, prefix)) = migrations::testkit::redis("gateway::ratelimit::redis_exact") else {
            eprintln!("no PORTICO_TEST_REDIS_URL: the shared limiter is tested in CI");
            return;
        };
        // Two limiters = two gateway processes; 8 clients send 3× the limit across both.
        let gateways =
            [Arc::new(RedisLimiter::new(&url, &prefix).unwrap()), Arc::new(RedisLimiter::new(&url, &prefix).unwrap())];
        let rate = Rate::new(200, Duration::from_secs(3600), None).unwrap();
        let clients: Vec<_> = (0..8)
            .map(|i| {
                let gateway = gateways[i % 2].clone();
                tokio::spawn(async move {
                    let mut admitted = 0;
                    for _ in 0..75 {
                        if gateway.check("sub:gold", &rate, 1).await.unwrap().allowed {
                            admitted += 1;
                        }
                    }
                    admitted
                })
            })
            .collect();
        let mut admitted = 0;
        for client in clients {
            admitted += client.await.unwrap();
        }
        assert_eq!(admitted, 200, "exactly the limit, across both gateways");
        let refused = gateways[0].check("sub:gold", &rate, 1).await.unwrap();
        assert!(!refused.allowed);
        assert_eq!(refused.remaining, 0);
        assert!(refused.retry_after > Duration::from_secs(17) && refused.retry_after <= Duration::from_secs(18));
        let other = gateways[1].check("sub:silver", &rate, 1).await.unwrap();
        assert!(other.allowed && other.remaining == 199, "another key has its own budget: {other:?}");
    }

    #[tokio::test]
    async fn an_unreachable_redis_answers_at_once() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let limiter = RedisLimiter::new(&format!("redis://127.0.0.1:{port}"), "x:").unwrap();
        let rate = Rate::new(1, Duration::from_secs(1), None).unwrap();
        let started = Instant::now();
        assert!(limiter.check("k", &rate, 1).await.is_err());
        assert!(matches!(limiter.check("k", &rate, 1).await, Err(RedisLimitError::Unreachable)), "no retry storm");
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}
