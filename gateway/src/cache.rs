//! Response caching: the store of cached responses, which outlives every configuration
//! (like the limiter), and the rules each API or operation compiles to.
//!
//! The store is in-process ([moka], bounded by the bytes it holds, each entry expiring at
//! its own time). With `PORTICO_REDIS_URL` it is also shared: a response stored by one
//! gateway is found by all (Redis `SET … PX`, one key per response, so Redis Cluster
//! works), and the in-process store keeps what a gateway has seen so hot entries cost
//! no Redis call. When Redis cannot answer, the cache is in-process only and requests
//! never wait on it (see [`crate::redis_link`]).
//!
//! Keys are SHA-256 digests of everything the response may depend on (see
//! [`rules::CacheRules::key`]); the API's purge generation is part of them, so raising it
//! (a config push) makes every older entry unreachable on every gateway at once.
//!
//! [moka]: https://docs.rs/moka

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use moka::Expiry;

use crate::redis_link::RedisLink;

mod recorder;
mod rules;

pub use recorder::Recording;
pub use rules::{CacheKey, CacheRules, Caching};

/// Response header saying what the cache did: `HIT`, `MISS` or `BYPASS`.
pub const X_CACHE: HeaderName = HeaderName::from_static("x-cache");
/// `X-Cache` of an answer from the cache.
pub const HIT: HeaderValue = HeaderValue::from_static("HIT");
/// `X-Cache` of an answer from the upstream that may be stored.
pub const MISS: HeaderValue = HeaderValue::from_static("MISS");
/// `X-Cache` of a request the cache does not serve (method, `Cache-Control`, anonymous
/// `Authorization`).
pub const BYPASS: HeaderValue = HeaderValue::from_static("BYPASS");

/// Default size of the in-process store (64 MiB).
pub const DEFAULT_CACHE_BYTES: u64 = 64 * 1024 * 1024;

/// Redis answer timeout: a cache lookup must never hold a request up for long.
const REDIS_TIMEOUT: Duration = Duration::from_millis(100);
/// How long to leave an unreachable Redis alone.
const REDIS_PAUSE: Duration = Duration::from_secs(2);

/// A cached response: status, headers (without hop-by-hop ones and the request id) and
/// the whole body, with when it was stored and when it expires (Unix milliseconds, so
/// that entries mean the same on every gateway).
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    /// The upstream's status.
    pub status: StatusCode,
    /// The upstream's headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Bytes,
    /// When it was stored.
    pub stored_at_ms: u64,
    /// When it stops being served.
    pub expires_at_ms: u64,
}

impl Stored {
    /// Time left before the entry expires.
    fn time_left(&self) -> Duration {
        Duration::from_millis(self.expires_at_ms.saturating_sub(now_ms()))
    }

    /// Seconds since it was stored (the `Age` header of a hit).
    pub fn age_secs(&self) -> u64 {
        now_ms().saturating_sub(self.stored_at_ms) / 1000
    }

    /// Bytes the entry takes (what the store's bound counts).
    fn weight(&self) -> u32 {
        let headers: usize = self.headers.iter().map(|(n, v)| n.as_str().len() + v.len() + 16).sum();
        u32::try_from(self.body.len() + headers + 128).unwrap_or(u32::MAX)
    }

    /// The binary form kept in Redis: `PC1`, status, times, headers, body.
    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.body.len() + 512);
        out.extend_from_slice(b"PC1");
        out.extend_from_slice(&self.status.as_u16().to_be_bytes());
        out.extend_from_slice(&self.stored_at_ms.to_be_bytes());
        out.extend_from_slice(&self.expires_at_ms.to_be_bytes());
        out.extend_from_slice(&u32::try_from(self.headers.len()).unwrap_or(0).to_be_bytes());
        for (name, value) in &self.headers {
            out.extend_from_slice(&u32::try_from(name.as_str().len()).unwrap_or(0).to_be_bytes());
            out.extend_from_slice(name.as_str().as_bytes());
            out.extend_from_slice(&u32::try_from(value.len()).unwrap_or(0).to_be_bytes());
            out.extend_from_slice(value.as_bytes());
        }
        out.extend_from_slice(&self.body);
        out
    }

    /// Reads what [`Stored::encode`] wrote; `None` for anything else.
    fn decode(bytes: &[u8]) -> Option<Self> {
        let mut input = Reader(bytes.strip_prefix(b"PC1")?);
        let status = StatusCode::from_u16(u16::from_be_bytes(input.take()?)).ok()?;
        let stored_at_ms = u64::from_be_bytes(input.take()?);
        let expires_at_ms = u64::from_be_bytes(input.take()?);
        let count = u32::from_be_bytes(input.take()?);
        let mut headers = HeaderMap::new();
        for _ in 0..count {
            let name = HeaderName::from_bytes(input.bytes()?).ok()?;
            let value = HeaderValue::from_bytes(input.bytes()?).ok()?;
            headers.append(name, value);
        }
        Some(Self { status, headers, body: Bytes::copy_from_slice(input.0), stored_at_ms, expires_at_ms })
    }
}

/// A cursor over an encoded entry.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.0.split_first_chunk::<N>()?;
        self.0 = rest;
        Some(*head)
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let len = usize::try_from(u32::from_be_bytes(self.take()?)).ok()?;
        let (head, rest) = self.0.split_at_checked(len)?;
        self.0 = rest;
        Some(head)
    }
}

/// The current time in Unix milliseconds.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Each entry lives until its own expiry.
struct UntilExpiry;

impl Expiry<CacheKey, Arc<Stored>> for UntilExpiry {
    fn expire_after_create(&self, _: &CacheKey, value: &Arc<Stored>, _: Instant) -> Option<Duration> {
        Some(value.time_left())
    }

    fn expire_after_update(
        &self,
        _: &CacheKey,
        value: &Arc<Stored>,
        _: Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        Some(value.time_left())
    }
}

/// The cached responses of every API; see the module documentation.
pub struct ResponseCache {
    local: moka::sync::Cache<CacheKey, Arc<Stored>>,
    shared: Option<Arc<SharedCache>>,
}

impl std::fmt::Debug for ResponseCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseCache").field("shared", &self.shared.is_some()).finish_non_exhaustive()
    }
}

/// Entries shared through Redis.
struct SharedCache {
    link: RedisLink,
    prefix: String,
}

impl SharedCache {
    fn key(&self, key: &CacheKey) -> String {
        format!("{}cache:{}", self.prefix, hex::encode(key.0))
    }

    async fn get(&self, key: &CacheKey) -> Option<Vec<u8>> {
        let mut conn = self.link.connection().await?;
        let found: redis::RedisResult<Option<Vec<u8>>> =
            redis::cmd("GET").arg(self.key(key)).query_async(&mut conn).await;
        match found {
            Ok(found) => found,
            Err(error) => {
                self.link.failed(&error).await;
                None
            }
        }
    }

    async fn set(&self, key: CacheKey, value: Vec<u8>, ttl: Duration) {
        let Some(mut conn) = self.link.connection().await else { return };
        let millis = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let stored: redis::RedisResult<()> =
            redis::cmd("SET").arg(self.key(&key)).arg(value).arg("PX").arg(millis).query_async(&mut conn).await;
        if let Err(error) = stored {
            self.link.failed(&error).await;
        }
    }
}

impl ResponseCache {
    /// An in-process cache holding at most `capacity_bytes` of responses.
    pub fn local(capacity_bytes: u64) -> Self {
        let local = moka::sync::Cache::builder()
            .max_capacity(capacity_bytes)
            .weigher(|_: &CacheKey, value: &Arc<Stored>| value.weight())
            .expire_after(UntilExpiry)
            .build();
        Self { local, shared: None }
    }

    /// The cache for a gateway's settings: shared through the Redis (or Redis Cluster) at
    /// `redis_url` under `prefix` when given, in-process otherwise. Fails only on a
    /// malformed URL.
    pub fn for_settings(redis_url: Option<&str>, prefix: &str, capacity_bytes: u64) -> Result<Self, redis::RedisError> {
        let mut cache = Self::local(capacity_bytes);
        if let Some(url) = redis_url {
            let link = RedisLink::new(url, "response cache", REDIS_TIMEOUT, REDIS_PAUSE)?;
            cache.shared = Some(Arc::new(SharedCache { link, prefix: prefix.to_owned() }));
        }
        Ok(cache)
    }

    /// The live entry under `key`: this gateway's, else Redis's (kept here after).
    pub async fn get(&self, key: &CacheKey) -> Option<Arc<Stored>> {
        if let Some(found) = self.local.get(key) {
            return Some(found);
        }
        let shared = self.shared.as_ref()?;
        let found = Stored::decode(&shared.get(key).await?)?;
        if found.expires_at_ms <= now_ms() {
            return None;
        }
        let found = Arc::new(found);
        self.local.insert(*key, found.clone());
        Some(found)
    }

    /// Stores `entry` under `key`, here at once and in Redis in the background.
    pub fn put(&self, key: CacheKey, entry: Stored) {
        let ttl = entry.time_left();
        if ttl.is_zero() {
            return;
        }
        let entry = Arc::new(entry);
        if let (Some(shared), Ok(runtime)) = (&self.shared, tokio::runtime::Handle::try_current()) {
            let (shared, value) = (shared.clone(), entry.encode());
            runtime.spawn(async move { shared.set(key, value, ttl).await });
        }
        self.local.insert(key, entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(ttl_ms: u64) -> Stored {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        headers.append("link", HeaderValue::from_static("<a>"));
        headers.append("link", HeaderValue::from_static("<b>"));
        let now = now_ms();
        Stored {
            status: StatusCode::OK,
            headers,
            body: Bytes::from_static(b"{\"pets\":[]}"),
            stored_at_ms: now,
            expires_at_ms: now + ttl_ms,
        }
    }

    #[test]
    fn entries_survive_their_redis_encoding() {
        let stored = entry(1000);
        assert_eq!(Stored::decode(&stored.encode()), Some(stored.clone()));
        assert_eq!(Stored::decode(b"PC2"), None);
        let encoded = stored.encode();
        assert_eq!(Stored::decode(&encoded[..20]), None, "a truncated entry is no entry");
    }

    #[tokio::test]
    async fn entries_expire_at_their_own_time() {
        let cache = ResponseCache::local(1024 * 1024);
        cache.put(CacheKey([1; 32]), entry(60_000));
        cache.put(CacheKey([2; 32]), entry(30));
        cache.put(CacheKey([3; 32]), entry(0));
        assert!(cache.get(&CacheKey([1; 32])).await.is_some());
        assert!(cache.get(&CacheKey([3; 32])).await.is_none(), "an expired entry is not stored");
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert!(cache.get(&CacheKey([2; 32])).await.is_none());
        assert!(cache.get(&CacheKey([1; 32])).await.is_some());
    }

    #[test]
    fn the_store_is_bounded_by_bytes() {
        let cache = ResponseCache::local(64 * 1024);
        for i in 0..100u8 {
            let mut big = entry(60_000);
            big.body = Bytes::from(vec![i; 4096]);
            cache.put(CacheKey([i; 32]), big);
        }
        cache.local.run_pending_tasks();
        assert!(cache.local.weighted_size() <= 64 * 1024, "{}", cache.local.weighted_size());
    }
}
