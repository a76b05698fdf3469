//! Concurrent-request limits: a counter per key of the requests in flight on this
//! gateway node, held by an [`InFlight`] guard that gives its place back when dropped.
//! Counters live beside the compiled configuration, so requests started before a config
//! swap still count after it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// Requests in flight, per key.
#[derive(Debug, Default)]
pub struct Concurrency {
    counters: Mutex<HashMap<Box<str>, Arc<AtomicU32>>>,
}

/// A place among the requests in flight for one key, given back on drop.
#[derive(Debug)]
pub struct InFlight(Arc<AtomicU32>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Concurrency {
    /// A place for one more request of `key`, if fewer than `max` are in flight.
    pub fn enter(&self, key: &str, max: u32) -> Option<InFlight> {
        let counter = {
            let mut counters = self.counters.lock().unwrap_or_else(PoisonError::into_inner);
            match counters.get(key) {
                Some(counter) => counter.clone(),
                None => counters.entry(key.into()).or_default().clone(),
            }
        };
        counter.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < max).then_some(n + 1)).ok()?;
        Some(InFlight(counter))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_given_back() {
        let limits = Concurrency::default();
        let first = limits.enter("api", 2).unwrap();
        let _second = limits.enter("api", 2).unwrap();
        assert!(limits.enter("api", 2).is_none(), "two in flight");
        assert!(limits.enter("other", 2).is_some(), "keys are apart");
        drop(first);
        assert!(limits.enter("api", 2).is_some(), "a place came back");
    }
}
