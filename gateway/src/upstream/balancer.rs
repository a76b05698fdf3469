//! Load balancing as a precomputed schedule walked by an atomic counter: round robin is
//! `[0, 1, …, n-1]`; weighted is nginx's smooth weighted round robin unrolled once at
//! compile time (weights 5:1:1 give `a a b a c a a`, not `a a a a a b c`), so picking an
//! endpoint takes no lock.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::spec::Balancing;

/// A balancing schedule over endpoint indices.
#[derive(Debug)]
pub struct Schedule {
    order: Vec<usize>,
    next: AtomicUsize,
}

impl Schedule {
    /// The schedule for endpoints with these weights.
    pub fn new(balancing: Balancing, weights: &[u32]) -> Self {
        let order = match balancing {
            Balancing::RoundRobin => (0..weights.len()).collect(),
            Balancing::Weighted => smooth_weighted(weights),
        };
        Self { order, next: AtomicUsize::new(0) }
    }

    /// Endpoint indices to try, starting at the next turn, each turn once.
    pub fn turns(&self) -> impl Iterator<Item = usize> + '_ {
        let len = self.order.len();
        let start = if len == 0 { 0 } else { self.next.fetch_add(1, Ordering::Relaxed) % len };
        (0..len).map(move |i| self.order[(start + i) % len])
    }
}

/// One full cycle of smooth weighted round robin (length = sum of weights / their gcd).
fn smooth_weighted(weights: &[u32]) -> Vec<usize> {
    let divisor = weights.iter().copied().fold(0, gcd).max(1);
    let weights: Vec<i64> = weights.iter().map(|&w| i64::from(w / divisor)).collect();
    let total: i64 = weights.iter().sum();
    let mut current = vec![0i64; weights.len()];
    let mut order = Vec::with_capacity(total as usize);
    for _ in 0..total {
        for (c, w) in current.iter_mut().zip(&weights) {
            *c += w;
        }
        let Some(best) = (0..current.len()).max_by_key(|&i| (current[i], std::cmp::Reverse(i))) else {
            break;
        };
        current[best] -= total;
        order.push(best);
    }
    order
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 { a } else { gcd(b, a % b) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_is_smooth_and_proportional() {
        assert_eq!(smooth_weighted(&[5, 1, 1]), vec![0, 0, 1, 0, 2, 0, 0]);
        assert_eq!(smooth_weighted(&[300, 100]), vec![0, 0, 1, 0]);
        let schedule = Schedule::new(Balancing::Weighted, &[3, 1]);
        let firsts: Vec<usize> = (0..8).map(|_| schedule.turns().next().unwrap()).collect();
        assert_eq!(firsts.iter().filter(|&&i| i == 0).count(), 6);
    }

    #[test]
    fn round_robin_takes_turns_and_offers_every_endpoint() {
        let schedule = Schedule::new(Balancing::RoundRobin, &[1, 1, 1]);
        assert_eq!(schedule.turns().collect::<Vec<_>>(), vec![0, 1, 2]);
        assert_eq!(schedule.turns().collect::<Vec<_>>(), vec![1, 2, 0]);
    }
}
