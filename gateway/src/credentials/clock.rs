//! A coarse wall clock for the request path: Unix seconds kept in an atomic and refreshed
//! by a background thread, so noting a key's use costs a relaxed load instead of a system
//! call. Until [`start`] runs (DB-less and in-process gateways report no usage), [`now`]
//! reads the system clock.

use std::sync::Once;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How often the background thread refreshes the clock.
const REFRESH: Duration = Duration::from_millis(200);

/// The current second; 0 until [`start`] has run.
static NOW: AtomicI64 = AtomicI64::new(0);
static STARTED: Once = Once::new();

/// Starts the thread that refreshes the clock (once per process; later calls do nothing).
pub fn start() {
    STARTED.call_once(|| {
        NOW.store(system_now(), Ordering::Relaxed);
        let refresher = std::thread::Builder::new().name("portico-clock".into()).spawn(|| {
            loop {
                std::thread::sleep(REFRESH);
                NOW.store(system_now(), Ordering::Relaxed);
            }
        });
        if let Err(error) = refresher {
            // Without the thread the clock would freeze: fall back to the system clock.
            NOW.store(0, Ordering::Relaxed);
            tracing::warn!(%error, "cannot start the coarse clock; key usage reads the system clock");
        }
    });
}

/// Unix seconds, to within [`REFRESH`] once started.
#[inline]
pub fn now() -> i64 {
    match NOW.load(Ordering::Relaxed) {
        0 => system_now(),
        now => now,
    }
}

fn system_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_coarse_clock_follows_the_system_clock() {
        let before = system_now();
        start();
        start();
        let now = now();
        assert!(now >= before && now <= system_now() + 1, "{before} {now}");
    }
}
