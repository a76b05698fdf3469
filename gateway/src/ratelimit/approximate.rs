//! Approximate limits: each gateway decides in-process (no Redis round trip on the
//! request path) and notes what it admitted here; every [`SYNC_INTERVAL`] the limiter adds
//! the notes to the shared counts in Redis and takes the shared state back, so each
//! gateway sees the others' traffic with at most one interval's delay. A limit may thus be
//! exceeded by about `gateways × rate × interval` — the price of very high rates without a
//! round trip per request.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// How often admitted requests are shared.
pub const SYNC_INTERVAL: Duration = Duration::from_millis(100);

/// Requests admitted locally and not yet shared, per key.
#[derive(Debug, Default)]
pub struct Pending {
    /// Key → (requests, emission interval of the rate they were admitted under).
    admitted: Mutex<HashMap<Box<str>, (u64, u64), foldhash::fast::RandomState>>,
}

impl Pending {
    /// Notes `cost` requests admitted for `key` under a rate of `emission_ns`.
    pub fn note(&self, key: &str, cost: u64, emission_ns: u64) {
        let mut admitted = self.admitted.lock().unwrap_or_else(PoisonError::into_inner);
        match admitted.get_mut(key) {
            Some(entry) => *entry = (entry.0 + cost, emission_ns),
            None => {
                admitted.insert(key.into(), (cost, emission_ns));
            }
        }
    }

    /// Every note, forgotten here.
    pub fn take(&self) -> Vec<(Box<str>, u64, u64)> {
        let mut admitted = self.admitted.lock().unwrap_or_else(PoisonError::into_inner);
        admitted.drain().map(|(key, (cost, emission))| (key, cost, emission)).collect()
    }
}
