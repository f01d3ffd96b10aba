//! Errors of the domain and the stable machine-readable codes clients see.

use serde::Serialize;

/// Stable error codes of the public API. The string form is part of the API
/// contract (documented in `docs/errors.md`); never rename a variant's string.
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
    IdempotencyKeyReused,
    IdempotencyKeyInUse,
    InsufficientFunds,
    IllegalStateTransition,
    RefundExceedsPaid,
    PaymentNotRefundable,
    HoldExceeded,
    RateLimited,
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
        ErrorCode::IdempotencyKeyReused,
        ErrorCode::IdempotencyKeyInUse,
        ErrorCode::InsufficientFunds,
        ErrorCode::IllegalStateTransition,
        ErrorCode::RefundExceedsPaid,
        ErrorCode::PaymentNotRefundable,
        ErrorCode::HoldExceeded,
        ErrorCode::RateLimited,
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
            ErrorCode::IdempotencyKeyReused => "idempotency_key_reused",
            ErrorCode::IdempotencyKeyInUse => "idempotency_key_in_use",
            ErrorCode::InsufficientFunds => "insufficient_funds",
            ErrorCode::IllegalStateTransition => "illegal_state_transition",
            ErrorCode::RefundExceedsPaid => "refund_exceeds_paid",
            ErrorCode::PaymentNotRefundable => "payment_not_refundable",
            ErrorCode::HoldExceeded => "hold_exceeded",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::ServiceUnavailable => "service_unavailable",
            ErrorCode::InternalError => "internal_error",
        }
    }

    /// One line per code for the documentation: what it means to a client.
    pub fn meaning(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "A field is missing, has the wrong type or is out of range.",
            ErrorCode::MalformedJson => "The body is not valid JSON.",
            ErrorCode::PayloadTooLarge => "The body exceeds the size limit.",
            ErrorCode::InvalidAmount => "The amount is zero, negative, or too large.",
            ErrorCode::UnsupportedCurrency => "The currency is not an ISO 4217 code juhe accepts.",
            ErrorCode::CurrencyMismatch => "The currency differs from the account's or payment's currency.",
            ErrorCode::UnsupportedWay => "The payment way or channel is not available for this request.",
            ErrorCode::Unauthorized => "The Authorization header is missing, malformed, or names an unknown app.",
            ErrorCode::BadSignature => "The request signature does not match.",
            ErrorCode::StaleTimestamp => "The request timestamp is more than 300 seconds from the server's clock.",
            ErrorCode::ReusedNonce => "The nonce was already used by this app within the replay window.",
            ErrorCode::Forbidden => "The app may not perform this operation.",
            ErrorCode::NotFound => "No such object for this merchant.",
            ErrorCode::MethodNotAllowed => "The HTTP method is not allowed on this path.",
            ErrorCode::OrderNoConflict => "The merchant order/refund/top-up number exists with different fields.",
            ErrorCode::IdempotencyKeyReused => "The Idempotency-Key was used with a different request.",
            ErrorCode::IdempotencyKeyInUse => "A request with this Idempotency-Key is still being processed.",
            ErrorCode::InsufficientFunds => "The wallet's available balance is lower than the amount.",
            ErrorCode::IllegalStateTransition => "The object's current status does not allow this operation.",
            ErrorCode::RefundExceedsPaid => "The refunds would exceed the amount paid.",
            ErrorCode::PaymentNotRefundable => "Only succeeded payments can be refunded.",
            ErrorCode::HoldExceeded => "The capture exceeds the amount held.",
            ErrorCode::RateLimited => "Too many requests; retry after the time in Retry-After.",
            ErrorCode::ServiceUnavailable => {
                "juhe is temporarily unable to commit; retry with the same Idempotency-Key."
            }
            ErrorCode::InternalError => {
                "An unexpected server error; nothing was committed unless a later query shows it."
            }
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
    #[error("unbalanced journal entry: {0}")]
    UnbalancedEntry(String),
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
            // An unbalanced entry is always our bug, never the client's.
            DomainError::UnbalancedEntry(_) => ErrorCode::InternalError,
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
            assert!(!code.meaning().is_empty());
        }
    }
}
