//! A small cache of credentials already verified, so that the slow checks (a JWT's
//! signature, an argon2id password hash) run once per credential, not once per request.
//!
//! Entries are keyed by the SHA-256 of the credential as presented (the credential itself
//! is never kept), expire at a given second, and live in 16 mutex-guarded shards chosen
//! by the hash's first byte. The cache belongs to one compiled configuration: a new
//! snapshot (a revoked token, a changed password, a rotated key) starts with an empty one,
//! so nothing verified against old settings outlives them. A full shard drops its expired
//! entries, then everything if still full — the worst case is one re-verification each.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use sha2::{Digest as _, Sha256};

const SHARDS: usize = 16;

/// One shard: credential hash → (value, expiry second).
type Shard<V> = Mutex<HashMap<[u8; 32], (V, i64)>>;

/// Verified credentials of one configuration; see the module documentation.
#[derive(Debug)]
pub struct VerifiedCache<V> {
    shards: Vec<Shard<V>>,
    per_shard: usize,
}

impl<V: Clone> VerifiedCache<V> {
    /// A cache holding at most about `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        Self { shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(), per_shard: capacity.div_ceil(SHARDS) }
    }

    /// The key of a presented credential.
    pub fn key(credential: &[u8]) -> [u8; 32] {
        Sha256::digest(credential).into()
    }

    /// The value stored for `key`, unless it expired by `now` (Unix seconds).
    pub fn get(&self, key: &[u8; 32], now: i64) -> Option<V> {
        let shard = self.shard(key).lock().unwrap_or_else(PoisonError::into_inner);
        shard.get(key).filter(|(_, expires)| now < *expires).map(|(value, _)| value.clone())
    }

    /// Stores `value` for `key` until `expires_at` (Unix seconds).
    pub fn insert(&self, key: [u8; 32], value: V, expires_at: i64, now: i64) {
        let mut shard = self.shard(&key).lock().unwrap_or_else(PoisonError::into_inner);
        if shard.len() >= self.per_shard {
            shard.retain(|_, (_, expires)| now < *expires);
            if shard.len() >= self.per_shard {
                shard.clear();
            }
        }
        shard.insert(key, (value, expires_at));
    }

    fn shard(&self, key: &[u8; 32]) -> &Shard<V> {
        &self.shards[usize::from(key[0]) % SHARDS]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_the_cache_stays_bounded() {
        let cache = VerifiedCache::new(32);
        let key = VerifiedCache::<u8>::key(b"token");
        cache.insert(key, 7u8, 100, 10);
        assert_eq!(cache.get(&key, 99), Some(7));
        assert_eq!(cache.get(&key, 100), None, "expired at its second");
        assert_eq!(cache.get(&VerifiedCache::<u8>::key(b"other"), 10), None);
        for i in 0..10_000u32 {
            cache.insert(VerifiedCache::<u8>::key(&i.to_le_bytes()), 1, 1_000, 10);
        }
        let total: usize = cache.shards.iter().map(|s| s.lock().unwrap().len()).sum();
        assert!(total <= 32, "{total} entries kept");
    }
}
