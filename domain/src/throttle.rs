//! Login throttling: after repeated failed sign-ins for one account, or from one IP
//! address, further attempts must wait, and the wait doubles with every failure (1 s,
//! 2 s, 4 s, … up to 15 min). A successful sign-in clears the account's counter.
//!
//! An account's attempt is counted *before* its password is checked ([`LoginThrottle::attempt`],
//! one atomic check-and-count), so a burst of parallel guesses cannot all slip in before
//! the first failure is recorded.
//!
//! Counters live in Redis when `PORTICO_REDIS_URL` is set, so every control-plane
//! instance sees the same failures (one atomic script per failure, keys hash-tagged for
//! Redis Cluster, e-mails stored only as hashes). If Redis cannot be reached the
//! throttle falls back to in-process counters, logs it, and retries Redis later.

use std::collections::HashMap;
use std::sync::Mutex as StdMutex;
use std::time::{Duration, Instant};

use gateway::redis_link::Connection;
use gateway::redis_link::RedisLink;

use crate::secrets::hash_token;

/// Failures of one account before waits start.
pub const ACCOUNT_FREE_FAILURES: u32 = 5;
/// Failures from one IP address before waits start.
pub const IP_FREE_FAILURES: u32 = 20;
/// How long failures are remembered after the last one.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Longest wait imposed.
pub const MAX_WAIT: Duration = Duration::from_secs(15 * 60);
/// After Redis failed, how long to use local counters before trying it again.
const REDIS_RETRY: Duration = Duration::from_secs(5);
/// Connect and response timeout of Redis calls.
const REDIS_TIMEOUT: Duration = Duration::from_millis(500);

const ATTEMPT_SCRIPT: &str = r"
local wait = redis.call('PTTL', KEYS[2])
if wait > 0 then return wait end
local n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
local free = tonumber(ARGV[2])
if n >= free then
  redis.call('SET', KEYS[2], '1', 'PX', math.floor(math.min(1000 * 2 ^ (n - free), tonumber(ARGV[3]))))
end
return 0";

const FAILURE_SCRIPT: &str = r"
local n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
local free = tonumber(ARGV[2])
if n >= free then
  local wait = math.min(1000 * 2 ^ (n - free), tonumber(ARGV[3]))
  redis.call('SET', KEYS[2], '1', 'PX', math.floor(wait))
end
return n";

/// What is being throttled.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ThrottleKey {
    id: String,
    free_failures: u32,
}

impl ThrottleKey {
    /// Failed sign-ins for one account (by e-mail, stored hashed).
    pub fn account(email: &str) -> Self {
        Self {
            id: format!("acct:{}", &hash_token(&email.trim().to_lowercase())[..24]),
            free_failures: ACCOUNT_FREE_FAILURES,
        }
    }

    /// Failed sign-ins from one client address.
    pub fn ip(ip: &str) -> Self {
        Self { id: format!("ip:{}", &hash_token(ip)[..24]), free_failures: IP_FREE_FAILURES }
    }
}

/// How long a key must wait after `failures` failures.
fn wait_after(failures: u32, free: u32) -> Option<Duration> {
    (failures >= free).then(|| {
        let exp = (failures - free).min(20);
        Duration::from_secs(1u64 << exp).min(MAX_WAIT)
    })
}

/// The login throttle (in-process, or shared through Redis).
pub struct LoginThrottle {
    local: LocalCounters,
    redis: Option<RedisCounters>,
}

impl LoginThrottle {
    /// Counters in this process only (one instance, or tests).
    pub fn in_process() -> Self {
        Self { local: LocalCounters::default(), redis: None }
    }

    /// Counters shared through Redis at `url`, every key under `prefix`. Fails only on
    /// a malformed URL; an unreachable server is tolerated (local fallback).
    pub fn redis(url: &str, prefix: &str) -> Result<Self, String> {
        let link = RedisLink::new(url, "login throttle", REDIS_TIMEOUT, REDIS_RETRY)
            .map_err(|e| format!("invalid Redis URL: {e}"))?;
        Ok(Self { local: LocalCounters::default(), redis: Some(RedisCounters { link, prefix: prefix.to_owned() }) })
    }

    /// Whether counters are currently shared through Redis (false: local fallback).
    pub async fn is_shared(&self) -> bool {
        match &self.redis {
            Some(r) => r.link.connection().await.is_some(),
            None => false,
        }
    }

    /// `Err(wait)` if any key must still wait before another attempt.
    pub async fn check(&self, keys: &[ThrottleKey]) -> Result<(), Duration> {
        let wait = match &self.redis {
            Some(r) => match r.wait(keys).await {
                Some(wait) => wait,
                None => self.local.wait(keys),
            },
            None => self.local.wait(keys),
        };
        wait.map_or(Ok(()), Err)
    }

    /// Starts an attempt for `key`: refused with the time to wait while it is blocked,
    /// otherwise counted at once (a success clears it again).
    pub async fn attempt(&self, key: &ThrottleKey) -> Result<(), Duration> {
        if let Some(r) = &self.redis
            && let Some(outcome) = r.attempt(key).await
        {
            return outcome;
        }
        self.local.attempt(key)
    }

    /// Records a failed attempt for every key.
    pub async fn failure(&self, keys: &[ThrottleKey]) {
        if let Some(r) = &self.redis
            && r.failure(keys).await
        {
            return;
        }
        self.local.failure(keys);
    }

    /// Clears a key's failures (after a successful sign-in).
    pub async fn success(&self, key: &ThrottleKey) {
        if let Some(r) = &self.redis {
            r.clear(key).await;
        }
        self.local.clear(key);
    }
}

#[derive(Default)]
struct LocalCounters {
    entries: StdMutex<HashMap<ThrottleKey, LocalEntry>>,
}

struct LocalEntry {
    failures: u32,
    forget_at: Instant,
    blocked_until: Option<Instant>,
}

impl LocalCounters {
    fn wait(&self, keys: &[ThrottleKey]) -> Option<Duration> {
        let now = Instant::now();
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        keys.iter()
            .filter_map(|k| entries.get(k)?.blocked_until?.checked_duration_since(now))
            .filter(|d| !d.is_zero())
            .max()
    }

    fn attempt(&self, key: &ThrottleKey) -> Result<(), Duration> {
        let now = Instant::now();
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(wait) =
            entries.get(key).and_then(|e| e.blocked_until?.checked_duration_since(now)).filter(|d| !d.is_zero())
        {
            return Err(wait);
        }
        Self::count(&mut entries, key, now);
        Ok(())
    }

    fn failure(&self, keys: &[ThrottleKey]) {
        let now = Instant::now();
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        for key in keys {
            Self::count(&mut entries, key, now);
        }
    }

    fn count(entries: &mut HashMap<ThrottleKey, LocalEntry>, key: &ThrottleKey, now: Instant) {
        if entries.len() > 100_000 {
            entries.retain(|_, e| e.forget_at > now);
        }
        let entry =
            entries.entry(key.clone()).or_insert(LocalEntry { failures: 0, forget_at: now, blocked_until: None });
        if entry.forget_at <= now {
            entry.failures = 0;
        }
        entry.failures += 1;
        entry.forget_at = now + WINDOW;
        entry.blocked_until = wait_after(entry.failures, key.free_failures).map(|w| now + w);
    }

    fn clear(&self, key: &ThrottleKey) {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }
}

struct RedisCounters {
    link: RedisLink,
    prefix: String,
}

impl RedisCounters {
    fn keys(&self, key: &ThrottleKey) -> (String, String) {
        let base = format!("{}login:{{{}}}", self.prefix, key.id);
        (format!("{base}:n"), format!("{base}:b"))
    }

    /// `None` when Redis could not answer (the caller falls back to local counters).
    async fn wait(&self, keys: &[ThrottleKey]) -> Option<Option<Duration>> {
        let mut conn = self.link.connection().await?;
        let mut longest: Option<Duration> = None;
        for key in keys {
            let (_, blocked) = self.keys(key);
            match redis::cmd("PTTL").arg(&blocked).query_async::<i64>(&mut conn).await {
                Ok(ms) if ms > 0 => longest = longest.max(Some(Duration::from_millis(ms.unsigned_abs()))),
                Ok(_) => {}
                Err(e) => {
                    self.link.failed(&e).await;
                    return None;
                }
            }
        }
        Some(longest)
    }

    /// Runs one of the counting scripts for `key`; on a Redis error the connection is
    /// dropped (local counters take over) and `None` returned.
    async fn count(&self, conn: &mut Connection, script: &redis::Script, key: &ThrottleKey) -> Option<i64> {
        let (count, blocked) = self.keys(key);
        let result = script
            .key(count)
            .key(blocked)
            .arg(WINDOW.as_millis() as u64)
            .arg(key.free_failures)
            .arg(MAX_WAIT.as_millis() as u64)
            .invoke_async::<i64>(conn)
            .await;
        match result {
            Ok(value) => Some(value),
            Err(e) => {
                self.link.failed(&e).await;
                None
            }
        }
    }

    /// `None` when Redis could not answer.
    async fn attempt(&self, key: &ThrottleKey) -> Option<Result<(), Duration>> {
        let mut conn = self.link.connection().await?;
        let wait = self.count(&mut conn, &redis::Script::new(ATTEMPT_SCRIPT), key).await?;
        Some(if wait > 0 { Err(Duration::from_millis(wait.unsigned_abs())) } else { Ok(()) })
    }

    /// `false` when Redis could not record the failure.
    async fn failure(&self, keys: &[ThrottleKey]) -> bool {
        let Some(mut conn) = self.link.connection().await else { return false };
        let script = redis::Script::new(FAILURE_SCRIPT);
        for key in keys {
            if self.count(&mut conn, &script, key).await.is_none() {
                return false;
            }
        }
        true
    }

    async fn clear(&self, key: &ThrottleKey) {
        let Some(mut conn) = self.link.connection().await else { return };
        let (count, blocked) = self.keys(key);
        if let Err(e) = redis::cmd("DEL").arg(count).arg(blocked).query_async::<i64>(&mut conn).await {
            self.link.failed(&e).await;
        }
    }
}

#[cfg(test)]
mod tests;
