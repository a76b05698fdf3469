//! The bounded in-process map the rate and quota stores keep their states in: counter
//! key → a small copyable state, in 32 mutex-guarded shards chosen by the key's hash
//! (foldhash, seeded per process, so keys a client picks cannot aim at one shard). A
//! shard past its share of the capacity first forgets the states its store calls
//! worthless (a TAT in the past, a count of an earlier window); if it is still full, a
//! new key's state is not recorded (its request is still decided), so memory stays
//! bounded and the keys already counted stay limited.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::{Mutex, PoisonError};

use foldhash::fast::RandomState;

/// Shards per map.
pub const SHARDS: usize = 32;

/// States per key; see the module documentation.
#[derive(Debug)]
pub struct Shards<V> {
    shards: Vec<Mutex<HashMap<Box<str>, V, RandomState>>>,
    hasher: RandomState,
    per_shard: usize,
}

impl<V: Copy> Shards<V> {
    /// A map for about `capacity` keys.
    pub fn new(capacity: usize) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::default())).collect(),
            hasher: RandomState::default(),
            per_shard: capacity.div_ceil(SHARDS).max(1),
        }
    }

    /// Calls `update` with `key`'s state (`None` when it has none), under the shard's
    /// lock, and stores the state it returns beside its result, if any; `worthless` says
    /// which states a full shard may forget.
    pub fn update<R>(
        &self,
        key: &str,
        worthless: impl Fn(&V) -> bool,
        update: impl FnOnce(Option<V>) -> (R, Option<V>),
    ) -> R {
        let index = usize::try_from(self.hasher.hash_one(key) % SHARDS as u64).unwrap_or(0);
        let mut shard = self.shards[index].lock().unwrap_or_else(PoisonError::into_inner);
        let (result, next) = update(shard.get(key).copied());
        let Some(next) = next else { return result };
        if let Some(slot) = shard.get_mut(key) {
            *slot = next;
            return result;
        }
        if shard.len() >= self.per_shard {
            shard.retain(|_, state| !worthless(state));
        }
        if shard.len() < self.per_shard {
            shard.insert(key.into(), next);
        }
        result
    }

    /// Keys held (for metrics and tests).
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().unwrap_or_else(PoisonError::into_inner).len()).sum()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
