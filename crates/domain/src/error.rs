//! Errors of the domain and the stable machine-readable codes clients see.

use serde::Serialize;

/// Stable error codes of the public API. The string form is part of the API
/// contract: docs/errors.md lists each with its HTTP status and meaning
/// (a test keeps the two in step); never rename a variant's string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidRequest,
    MalformedJson,
    PayloadTooLarge,
    InvalidAmount,
    UnsupportedCurrency,
    CurrencyMismatch,
    UnsupportedWay,
    Unauthorized,
    BadSignature,
    StaleTimestamp,
    ReusedNonce,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    OrderNoConflict,
    AlreadyExists,
    IdempotencyKeyReused,
    IdempotencyKeyInUse,
    InsufficientFunds,
    IllegalStateTransition,
    RefundExceedsPaid,
    PaymentNotRefundable,
    HoldExceeded,
    LimitExceeded,
    RateLimited,
    ChannelUnavailable,
    ServiceUnavailable,
    InternalError,
}

impl ErrorCode {
    /// Every code, for documentation and exhaustive tests.
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::InvalidRequest,
        ErrorCode::MalformedJson,
        ErrorCode::PayloadTooLarge,
        ErrorCode::InvalidAmount,
        ErrorCode::UnsupportedCurrency,
        ErrorCode::CurrencyMismatch,
        ErrorCode::UnsupportedWay,
        ErrorCode::Unauthorized,
        ErrorCode::BadSignature,
        ErrorCode::StaleTimestamp,
        ErrorCode::ReusedNonce,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::OrderNoConflict,
        ErrorCode::AlreadyExists,
        ErrorCode::IdempotencyKeyReused,
        ErrorCode::IdempotencyKeyInUse,
        ErrorCode::InsufficientFunds,
        ErrorCode::IllegalStateTransition,
        ErrorCode::RefundExceedsPaid,
        ErrorCode::PaymentNotRefundable,
        ErrorCode::HoldExceeded,
        ErrorCode::LimitExceeded,
        ErrorCode::RateLimited,
        ErrorCode::ChannelUnavailable,
        ErrorCode::ServiceUnavailable,
        ErrorCode::InternalError,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::MalformedJson => "malformed_json",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::InvalidAmount => "invalid_amount",
            ErrorCode::UnsupportedCurrency => "unsupported_currency",
            ErrorCode::CurrencyMismatch => "currency_mismatch",
            ErrorCode::UnsupportedWay => "unsupported_way",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::BadSignature => "bad_signature",
            ErrorCode::StaleTimestamp => "stale_timestamp",
            ErrorCode::ReusedNonce => "reused_nonce",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::OrderNoConflict => "order_no_conflict",
            ErrorCode::AlreadyExists => "already_exists",
            ErrorCode::IdempotencyKeyReused => "idempotency_key_reused",
            ErrorCode::IdempotencyKeyInUse => "idempotency_key_in_use",
            ErrorCode::InsufficientFunds => "insufficient_funds",
            ErrorCode::IllegalStateTransition => "illegal_state_transition",
            ErrorCode::RefundExceedsPaid => "refund_exceeds_paid",
            ErrorCode::PaymentNotRefundable => "payment_not_refundable",
            ErrorCode::HoldExceeded => "hold_exceeded",
            ErrorCode::LimitExceeded => "limit_exceeded",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::ChannelUnavailable => "channel_unavailable",
            ErrorCode::ServiceUnavailable => "service_unavailable",
            ErrorCode::InternalError => "internal_error",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rule of the domain was broken. Each variant maps to one [`ErrorCode`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("amount must be a positive integer in minor units, at most {max}")]
    InvalidAmount { max: i64 },
    #[error("unsupported currency {0:?}")]
    UnsupportedCurrency(String),
    #[error("currency {got} does not match {expected}")]
    CurrencyMismatch { expected: String, got: String },
    #[error("arithmetic overflow in money")]
    Overflow,
    #[error("cannot {action} a {kind} that is {from}")]
    IllegalTransition {
        kind: &'static str,
        from: &'static str,
        action: &'static str,
    },
    #[error("insufficient funds: available {available}, needed {needed}")]
    InsufficientFunds { available: i64, needed: i64 },
    #[error("refund of {requested} exceeds the refundable {refundable}")]
    RefundExceedsPaid { requested: i64, refundable: i64 },
    #[error("capture of {requested} exceeds the held {held}")]
    HoldExceeded { requested: i64, held: i64 },
    #[error("only succeeded payments can be refunded; this one is {status}")]
    NotRefundable { status: &'static str },
    #[error("unbalanced journal entry: {0}")]
    UnbalancedEntry(String),
    #[error("the amount is above the channel limits configured for this merchant (per payment or per day)")]
    LimitExceeded,
    #[error("{0}")]
    Invalid(String),
}

impl DomainError {
    pub fn code(&self) -> ErrorCode {
        match self {
            DomainError::InvalidAmount { .. } | DomainError::Overflow => ErrorCode::InvalidAmount,
            DomainError::UnsupportedCurrency(_) => ErrorCode::UnsupportedCurrency,
            DomainError::CurrencyMismatch { .. } => ErrorCode::CurrencyMismatch,
            DomainError::IllegalTransition { .. } => ErrorCode::IllegalStateTransition,
            DomainError::InsufficientFunds { .. } => ErrorCode::InsufficientFunds,
            DomainError::RefundExceedsPaid { .. } => ErrorCode::RefundExceedsPaid,
            DomainError::HoldExceeded { .. } => ErrorCode::HoldExceeded,
            DomainError::NotRefundable { .. } => ErrorCode::PaymentNotRefundable,
            // An unbalanced entry is always our bug, never the client's.
            DomainError::UnbalancedEntry(_) => ErrorCode::InternalError,
            DomainError::LimitExceeded => ErrorCode::LimitExceeded,
            DomainError::Invalid(_) => ErrorCode::InvalidRequest,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_snake_case() {
        let mut seen = HashSet::new();
        for code in ErrorCode::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "duplicate code {s}");
            assert!(s.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{s}");
            // serde and as_str agree, so JSON bodies carry the documented string.
            assert_eq!(serde_json::to_value(code).unwrap(), serde_json::json!(s));
        }
    }
}
