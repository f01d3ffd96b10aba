//! What can go wrong when talking to a channel, classified by the one
//! question that matters for money: could the payer have been charged?
//!
//! - `Declined`, `NotSent`, `RateLimited`, `Config`, `Unsupported`:
//!   definitely nothing happened at the channel; routing may fail over to
//!   another channel.
//! - `Unknown`: the request may have reached the channel (a timeout after
//!   sending, a 5xx, an unreadable or unverifiable answer). The outcome is
//!   resolved by querying the channel, never by guessing and never by
//!   trying elsewhere.

use crate::capability::Operation;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelError {
    /// The channel answered and refused (a business error: declined card,
    /// insufficient funds, invalid code, order already closed …).
    #[error("declined by the channel: {code}: {message}")]
    Declined { code: String, message: String },
    /// The request never left (connection refused, DNS failure, circuit
    /// open): nothing can have happened at the channel.
    #[error("not sent to the channel: {0}")]
    NotSent(String),
    /// The channel refused to process the call because it came too often
    /// (WeChat Pay `FREQUENCY_LIMITED`, HTTP 429, a service's
    /// `rate_limited`): like `NotSent`, nothing was done. The breaker counts
    /// it as a fault, and holds the configuration off until `retry_after_ms`
    /// has passed when the channel said how long; follow-up queries wait at
    /// least that long.
    #[error("rate limited by the channel: {code}: {message}")]
    RateLimited {
        code: String,
        message: String,
        retry_after_ms: Option<i64>,
    },
    /// The request may have reached the channel but its outcome is unknown.
    #[error("outcome unknown: {0}")]
    Unknown(String),
    /// The merchant's configuration of this channel is incomplete or wrong.
    #[error("channel configuration: {0}")]
    Config(String),
    #[error("the channel does not support {}", .0.as_str())]
    Unsupported(Operation),
    /// The order or refund does not exist at the channel (query answers).
    #[error("not found at the channel")]
    NotFound,
    /// An inbound notification failed verification or could not be read.
    #[error("notification rejected: {0}")]
    BadNotification(String),
}

impl ChannelError {
    /// True when the payer certainly was not charged by this attempt, so
    /// another channel may be tried.
    pub fn took_no_money(&self) -> bool {
        match self {
            ChannelError::Declined { .. }
            | ChannelError::NotSent(_)
            | ChannelError::RateLimited { .. }
            | ChannelError::Config(_)
            | ChannelError::Unsupported(_) => true,
            ChannelError::Unknown(_) | ChannelError::NotFound | ChannelError::BadNotification(_) => false,
        }
    }

    /// True when the failure says something about the channel's health (for
    /// the circuit breaker). A decline is the channel working normally.
    pub fn is_channel_fault(&self) -> bool {
        matches!(
            self,
            ChannelError::NotSent(_) | ChannelError::RateLimited { .. } | ChannelError::Unknown(_)
        )
    }

    /// How long the channel asked to be left alone, when it said so.
    pub fn retry_after_ms(&self) -> Option<i64> {
        match self {
            ChannelError::RateLimited { retry_after_ms, .. } => *retry_after_ms,
            _ => None,
        }
    }

    pub fn rate_limited(
        code: impl Into<String>,
        message: impl Into<String>,
        retry_after_ms: Option<i64>,
    ) -> ChannelError {
        ChannelError::RateLimited {
            code: code.into(),
            message: message.into(),
            retry_after_ms,
        }
    }

    pub fn declined(code: impl Into<String>, message: impl Into<String>) -> ChannelError {
        ChannelError::Declined {
            code: code.into(),
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unknown_outcomes_forbid_failover() {
        assert!(ChannelError::declined("NOTENOUGH", "balance").took_no_money());
        assert!(ChannelError::NotSent("refused".into()).took_no_money());
        assert!(!ChannelError::Unknown("timeout".into()).took_no_money());
        assert!(ChannelError::Unknown("timeout".into()).is_channel_fault());
        assert!(!ChannelError::declined("X", "y").is_channel_fault());
        let limited = ChannelError::rate_limited("FREQUENCY_LIMITED", "slow down", Some(1_000));
        assert!(limited.took_no_money());
        assert!(limited.is_channel_fault());
        assert_eq!(limited.retry_after_ms(), Some(1_000));
        assert_eq!(ChannelError::Unknown("x".into()).retry_after_ms(), None);
    }
}
