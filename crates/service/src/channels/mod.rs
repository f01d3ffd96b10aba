//! Payments and refunds through external channels (WeChat Pay, Alipay,
//! UnionPay, the card acquirer, external channel services).
//!
//! The shape of every flow: a write transaction records the intent (the
//! payment in `processing`, an attempt in `sending`, and a durable task that
//! will find out what happened if this process dies); the channel is called
//! outside any transaction; a second write applies the answer. Anything
//! left open — the payer still confirming, an unknown outcome, a QR code not
//! yet paid — is resolved by the task worker, by querying the channel with
//! backoff and, at the deadline, reversing or closing there. Notifications
//! from channels drive the same transitions, so whichever arrives first
//! wins and the others change nothing.

pub mod admin;
pub mod apply;
pub mod configs;
pub mod create;
pub mod notify;
pub mod refunds;
pub mod routing;
pub mod secrets;
pub mod services;
pub mod settle;
pub mod tasks;

use juhe_channel::Registry;
use juhe_channel::breaker::{BreakerPolicy, Breakers};
use juhe_crypto::MasterKey;
use std::sync::Arc;

/// Timing of the follow-up on open attempts and refunds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollPolicy {
    /// First query after the payer started confirming / an unknown outcome.
    pub first_ms: i64,
    /// Backoff ceiling between queries.
    pub max_ms: i64,
    /// How long a payer may stay "confirming" (USERPAYING / 10003) before
    /// juhe reverses the payment (Alipay's face-to-face guidance: ~60 s).
    pub paying_deadline_ms: i64,
    /// First query of a QR / JSAPI payment waiting for its payer (a backstop
    /// for a lost notification).
    pub awaiting_first_ms: i64,
    /// If this process dies between recording an attempt and applying the
    /// channel's answer, the attempt is looked at after this long.
    pub orphan_after_ms: i64,
    /// The longest a channel call can take (the HTTP client's connect and
    /// request timeouts, with margin). Before that, a channel that has never
    /// heard of an attempt still `sending` may simply not have received it
    /// yet; after it, the call has returned or its caller has died. Not
    /// scaled by `scaled_down`: it is a property of the client, not of the schedule.
    pub max_call_ms: i64,
    /// How long a claimed task is its worker's before another may take it:
    /// longer than a task's few channel calls can take; after a crash, the
    /// tasks that were being worked on wait this long. Not scaled either.
    pub lease_ms: i64,
}

impl Default for PollPolicy {
    fn default() -> PollPolicy {
        PollPolicy {
            first_ms: 2_000,
            max_ms: 30_000,
            paying_deadline_ms: 60_000,
            awaiting_first_ms: 10_000,
            orphan_after_ms: 30_000,
            max_call_ms: 20_000,
            lease_ms: 60_000,
        }
    }
}

impl PollPolicy {
    /// Divides every interval by `scale` (tests run the schedule fast).
    pub fn scaled_down(self, scale: i64) -> PollPolicy {
        let s = scale.max(1);
        PollPolicy {
            first_ms: (self.first_ms / s).max(1),
            max_ms: (self.max_ms / s).max(1),
            paying_deadline_ms: (self.paying_deadline_ms / s).max(1),
            awaiting_first_ms: (self.awaiting_first_ms / s).max(1),
            orphan_after_ms: (self.orphan_after_ms / s).max(1),
            max_call_ms: self.max_call_ms,
            lease_ms: self.lease_ms,
        }
    }

    /// Delay before query number `tries` (1-based): doubling from `first`.
    pub fn backoff(&self, tries: i64) -> i64 {
        let shift = (tries.max(1) - 1).min(20) as u32;
        self.first_ms.saturating_mul(1i64 << shift).min(self.max_ms)
    }

    /// The backoff, but never sooner than a wait the channel asked for (a
    /// rate limit's retry-after).
    pub fn backoff_at_least(&self, tries: i64, asked_ms: Option<i64>) -> i64 {
        self.backoff(tries).max(asked_ms.unwrap_or(0))
    }
}

/// Everything the channel flows need besides the database.
#[derive(Clone)]
pub struct ChannelHub {
    pub registry: Arc<Registry>,
    pub breakers: Arc<Breakers>,
    pub keys: MasterKey,
    /// juhe's externally reachable base URL (for channels' notify URLs).
    pub public_url: String,
    pub poll: PollPolicy,
}

impl ChannelHub {
    /// A hub over `registry` with default circuit breakers.
    pub fn new(registry: Arc<Registry>, keys: MasterKey, public_url: &str, poll: PollPolicy) -> ChannelHub {
        Self::with_breakers(registry, keys, public_url, poll, BreakerPolicy::default())
    }

    pub fn with_breakers(
        registry: Arc<Registry>,
        keys: MasterKey,
        public_url: &str,
        poll: PollPolicy,
        breaker: BreakerPolicy,
    ) -> ChannelHub {
        ChannelHub {
            registry,
            breakers: Arc::new(Breakers::new(breaker)),
            keys,
            public_url: public_url.to_string(),
            poll,
        }
    }
}

impl std::fmt::Debug for ChannelHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelHub")
            .field("registry", &self.registry)
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_a_ceiling() {
        let p = PollPolicy::default();
        assert_eq!(p.backoff(1), 2_000);
        assert_eq!(p.backoff(2), 4_000);
        assert_eq!(p.backoff(4), 16_000);
        assert_eq!(p.backoff(5), 30_000);
        assert_eq!(p.backoff(500), 30_000);
        assert_eq!(p.scaled_down(1000).backoff(1), 2);
        assert_eq!(p.backoff_at_least(1, Some(9_000)), 9_000);
        assert_eq!(p.backoff_at_least(5, Some(9_000)), 30_000);
        assert_eq!(p.backoff_at_least(2, None), 4_000);
    }
}
