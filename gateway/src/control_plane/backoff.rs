//! Reconnect delays: 0.5 s doubling up to 30 s, each scaled by a random factor in
//! [0.8, 1.2) so a fleet of gateways does not reconnect in lockstep after an outage;
//! back to 0.5 s after a session that got somewhere.

use std::time::Duration;

/// The first delay.
pub const FIRST: Duration = Duration::from_millis(500);
/// The largest delay before jitter.
pub const MAX: Duration = Duration::from_secs(30);

/// Exponential backoff with jitter.
#[derive(Debug)]
pub struct Backoff {
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self { next: FIRST }
    }
}

impl Backoff {
    /// Starts at [`FIRST`].
    pub fn new() -> Self {
        Self::default()
    }

    /// After a successful session: the next failure waits [`FIRST`] again.
    pub fn reset(&mut self) {
        self.next = FIRST;
    }

    /// The delay before the next attempt (and doubles the one after, up to [`MAX`]).
    pub fn next_delay(&mut self) -> Duration {
        let base = self.next;
        self.next = (base * 2).min(MAX);
        base.mul_f64(0.8 + 0.4 * random_unit())
    }
}

/// A random number in [0, 1): 53 random bits of a v4 UUID (the gateway already draws
/// those from a fast CSPRNG; jitter needs no more).
fn random_unit() -> f64 {
    let bits = (uuid::Uuid::new_v4().as_u128() >> 64) as u64 >> 11;
    bits as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap_with_jitter_and_reset() {
        let mut backoff = Backoff::new();
        let mut bases = Vec::new();
        for _ in 0..10 {
            bases.push(backoff.next);
            let delay = backoff.next_delay();
            let base = *bases.last().unwrap();
            assert!(delay >= base.mul_f64(0.8) && delay < base.mul_f64(1.2), "{delay:?} for {base:?}");
        }
        let secs: Vec<f64> = bases.iter().map(Duration::as_secs_f64).collect();
        assert_eq!(secs, [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0, 30.0]);
        backoff.reset();
        assert!(backoff.next_delay() < Duration::from_millis(600));
    }

    #[test]
    fn jitter_spreads() {
        let draws: Vec<f64> = (0..200).map(|_| random_unit()).collect();
        assert!(draws.iter().all(|d| (0.0..1.0).contains(d)));
        assert!(draws.iter().any(|d| *d < 0.3) && draws.iter().any(|d| *d > 0.7));
    }
}
