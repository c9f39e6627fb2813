//! Reconnection delays: exponential backoff with jitter.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use crate::config::Reconnection;

/// The delay sequence of one run of reconnection attempts.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    policy: Reconnection,
    attempts: u32,
    random: RandomState,
}

impl Backoff {
    pub(crate) fn new(policy: Reconnection) -> Backoff {
        Backoff {
            policy,
            attempts: 0,
            random: RandomState::new(),
        }
    }

    /// Attempts made since the last success.
    pub(crate) fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Starts over after a successful connection.
    pub(crate) fn reset(&mut self) {
        self.attempts = 0;
    }

    /// True once `max_attempts` attempts were made.
    pub(crate) fn exhausted(&self) -> bool {
        self.policy
            .max_attempts
            .is_some_and(|max| self.attempts >= max)
    }

    /// Counts an attempt and returns the delay to wait before making it.
    pub(crate) fn next_delay(&mut self) -> Duration {
        let r = self.unit_random();
        let delay = delay_for(&self.policy, self.attempts, r);
        self.attempts = self.attempts.saturating_add(1);
        delay
    }

    /// A number in `[0, 1)`.
    fn unit_random(&self) -> f64 {
        let mut h = self.random.build_hasher();
        h.write_u32(self.attempts);
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default(),
        );
        (h.finish() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The delay before attempt `attempt + 1`, with `r` in `[0, 1)` choosing the jitter.
fn delay_for(policy: &Reconnection, attempt: u32, r: f64) -> Duration {
    let base = policy.initial_delay.as_secs_f64() * 2f64.powi(attempt.min(62) as i32);
    let base = base.min(policy.max_delay.as_secs_f64());
    let factor = policy.randomization_factor.clamp(0.0, 1.0);
    let jittered = base * (1.0 + factor * (2.0 * r - 1.0));
    let capped = jittered.clamp(0.0, policy.max_delay.as_secs_f64());
    Duration::try_from_secs_f64(capped).unwrap_or(policy.max_delay)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Reconnection {
        Reconnection::default()
    }

    #[test]
    fn doubles_up_to_the_cap_without_jitter() {
        let p = Reconnection {
            randomization_factor: 0.0,
            ..policy()
        };
        let delays: Vec<u64> = (0..5)
            .map(|n| delay_for(&p, n, 0.3).as_millis() as u64)
            .collect();
        assert_eq!(delays, [1000, 2000, 4000, 5000, 5000]);
        assert_eq!(delay_for(&p, u32::MAX, 0.0), Duration::from_secs(5));
    }

    #[test]
    fn jitter_stays_within_the_factor_and_the_cap() {
        let p = policy();
        assert_eq!(delay_for(&p, 0, 0.0), Duration::from_millis(500));
        assert_eq!(delay_for(&p, 0, 0.5), Duration::from_secs(1));
        assert_eq!(delay_for(&p, 5, 0.99), Duration::from_secs(5));
        let mut b = Backoff::new(p);
        for _ in 0..20 {
            let d = b.next_delay();
            assert!(d <= Duration::from_secs(5), "{d:?}");
        }
        assert_eq!(b.attempts(), 20);
        b.reset();
        assert_eq!(b.attempts(), 0);
    }

    #[test]
    fn counts_attempts_against_the_maximum() {
        let mut b = Backoff::new(Reconnection {
            max_attempts: Some(2),
            ..policy()
        });
        assert!(!b.exhausted());
        b.next_delay();
        b.next_delay();
        assert!(b.exhausted());
    }
}
