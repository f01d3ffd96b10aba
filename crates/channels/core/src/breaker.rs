//! A circuit breaker per channel configuration: `threshold` consecutive
//! channel faults (not declines) open it for `open_for`; then one probe is
//! let through (half-open); its success closes the breaker, its failure
//! opens it again. A channel that says how long to leave it alone (a rate
//! limit with a retry-after) opens it at once for that long. State is per node and in memory: a breaker protects this
//! node's callers, and a restart starts closed, which at worst costs one
//! probe per configuration.

use crate::error::ChannelError;
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerPolicy {
    pub threshold: u32,
    pub open_for_ms: i64,
}

impl Default for BreakerPolicy {
    fn default() -> BreakerPolicy {
        BreakerPolicy {
            threshold: 5,
            open_for_ms: 30_000,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    Closed { consecutive_faults: u32 },
    Open { until_ms: i64 },
    HalfOpen { probe_started_ms: i64 },
}

impl BreakerState {
    pub fn name(&self) -> &'static str {
        match self {
            BreakerState::Closed { .. } => "closed",
            BreakerState::Open { .. } => "open",
            BreakerState::HalfOpen { .. } => "half_open",
        }
    }
}

#[derive(Debug, Default)]
pub struct Breakers {
    policy: BreakerPolicy,
    states: Mutex<HashMap<String, BreakerState>>,
}

impl Breakers {
    pub fn new(policy: BreakerPolicy) -> Breakers {
        Breakers {
            policy,
            states: Mutex::new(HashMap::new()),
        }
    }

    fn with_states<T>(&self, f: impl FnOnce(&mut HashMap<String, BreakerState>) -> T) -> T {
        match self.states.lock() {
            Ok(mut guard) => f(&mut guard),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    /// Whether routing may consider this configuration now (no side effect).
    pub fn is_available(&self, key: &str, now_ms: i64) -> bool {
        self.with_states(|states| match states.get(key) {
            None | Some(BreakerState::Closed { .. }) => true,
            Some(BreakerState::Open { until_ms }) => now_ms >= *until_ms,
            // A probe is out; a stuck probe is given up after one open period.
            Some(BreakerState::HalfOpen { probe_started_ms }) => now_ms - probe_started_ms >= self.policy.open_for_ms,
        })
    }

    /// Claims the right to call: always when closed; once (the probe) when
    /// the open period is over. False means skip this configuration.
    pub fn try_acquire(&self, key: &str, now_ms: i64) -> bool {
        let open_for = self.policy.open_for_ms;
        self.with_states(|states| {
            let state = states
                .entry(key.to_string())
                .or_insert(BreakerState::Closed { consecutive_faults: 0 });
            match *state {
                BreakerState::Closed { .. } => true,
                BreakerState::Open { until_ms } if now_ms >= until_ms => {
                    *state = BreakerState::HalfOpen {
                        probe_started_ms: now_ms,
                    };
                    true
                }
                BreakerState::HalfOpen { probe_started_ms } if now_ms - probe_started_ms >= open_for => {
                    *state = BreakerState::HalfOpen {
                        probe_started_ms: now_ms,
                    };
                    true
                }
                _ => false,
            }
        })
    }

    /// Records a call's result: `fault` is a channel fault (unreachable,
    /// unknown outcome), not a business decline.
    pub fn record(&self, key: &str, fault: bool, now_ms: i64) {
        let policy = self.policy;
        self.with_states(|states| {
            let state = states
                .entry(key.to_string())
                .or_insert(BreakerState::Closed { consecutive_faults: 0 });
            *state = match (*state, fault) {
                (_, false) => BreakerState::Closed { consecutive_faults: 0 },
                (BreakerState::Closed { consecutive_faults }, true) if consecutive_faults + 1 < policy.threshold => {
                    BreakerState::Closed {
                        consecutive_faults: consecutive_faults + 1,
                    }
                }
                (_, true) => BreakerState::Open {
                    until_ms: now_ms + policy.open_for_ms,
                },
            };
        })
    }

    /// Records a call's outcome as the channel layer classified it.
    pub fn observe<T>(&self, key: &str, result: &Result<T, ChannelError>, now_ms: i64) {
        match result {
            Err(e) => match e.retry_after_ms() {
                Some(wait) => self.hold_off(key, now_ms + wait.max(0)),
                None => self.record(key, e.is_channel_fault(), now_ms),
            },
            Ok(_) => self.record(key, false, now_ms),
        }
    }

    /// Opens the breaker until `until_ms` (or longer, if it is open longer
    /// already): the channel asked not to be called before then.
    pub fn hold_off(&self, key: &str, until_ms: i64) {
        self.with_states(|states| {
            let state = states
                .entry(key.to_string())
                .or_insert(BreakerState::Closed { consecutive_faults: 0 });
            let until_ms = match *state {
                BreakerState::Open { until_ms: open_until } => open_until.max(until_ms),
                _ => until_ms,
            };
            *state = BreakerState::Open { until_ms };
        })
    }

    pub fn state(&self, key: &str) -> BreakerState {
        self.with_states(|states| {
            states
                .get(key)
                .copied()
                .unwrap_or(BreakerState::Closed { consecutive_faults: 0 })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_consecutive_faults_and_a_probe_closes_it() {
        let b = Breakers::new(BreakerPolicy {
            threshold: 3,
            open_for_ms: 1000,
        });
        for _ in 0..2 {
            assert!(b.try_acquire("k", 0));
            b.record("k", true, 0);
        }
        // A success in between resets the count.
        b.record("k", false, 0);
        for _ in 0..3 {
            assert!(b.try_acquire("k", 10));
            b.record("k", true, 10);
        }
        assert_eq!(b.state("k"), BreakerState::Open { until_ms: 1010 });
        assert!(!b.try_acquire("k", 500));
        assert!(!b.is_available("k", 500));
        // Open period over: exactly one probe.
        assert!(b.is_available("k", 1010));
        assert!(b.try_acquire("k", 1010));
        assert!(!b.try_acquire("k", 1011));
        b.record("k", false, 1020);
        assert_eq!(b.state("k"), BreakerState::Closed { consecutive_faults: 0 });
        // Other keys are independent.
        assert!(b.try_acquire("other", 1020));
    }

    #[test]
    fn rate_limits_count_as_faults_and_a_retry_after_holds_off_at_once() {
        let b = Breakers::new(BreakerPolicy {
            threshold: 2,
            open_for_ms: 1000,
        });
        let limited = |after| Err::<(), _>(ChannelError::rate_limited("FREQUENCY_LIMITED", "slow", after));
        // Without a retry-after: a fault like any other.
        b.observe("k", &limited(None), 0);
        assert_eq!(b.state("k"), BreakerState::Closed { consecutive_faults: 1 });
        b.observe("k", &Ok(()), 0);
        assert_eq!(b.state("k"), BreakerState::Closed { consecutive_faults: 0 });
        // With one: open at once, for exactly as long as asked.
        b.observe("k", &limited(Some(250)), 10);
        assert_eq!(b.state("k"), BreakerState::Open { until_ms: 260 });
        assert!(!b.try_acquire("k", 259));
        assert!(b.try_acquire("k", 260));
        // A shorter wait never shortens a longer open period.
        b.record("k", true, 300);
        assert_eq!(b.state("k"), BreakerState::Open { until_ms: 1300 });
        b.observe("k", &limited(Some(10)), 310);
        assert_eq!(b.state("k"), BreakerState::Open { until_ms: 1300 });
        // Declines say nothing about health.
        b.observe("other", &Err::<(), _>(ChannelError::declined("NOTENOUGH", "no")), 0);
        assert_eq!(b.state("other"), BreakerState::Closed { consecutive_faults: 0 });
    }

    #[test]
    fn a_failed_probe_reopens() {
        let b = Breakers::new(BreakerPolicy {
            threshold: 1,
            open_for_ms: 100,
        });
        b.record("k", true, 0);
        assert!(b.try_acquire("k", 100));
        b.record("k", true, 100);
        assert_eq!(b.state("k"), BreakerState::Open { until_ms: 200 });
        // A probe that never reports is given up after one open period.
        assert!(b.try_acquire("k", 200));
        assert!(!b.try_acquire("k", 250));
        assert!(b.try_acquire("k", 300));
    }
}
