//! Errors of the use cases, each with its stable API code.

use juhe_domain::{DomainError, ErrorCode};
use juhe_store::StoreError;
use juhe_store::db::WriteError;
use juhe_store::ledger::LedgerError;

#[derive(Debug, Clone, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("no such {0}")]
    NotFound(&'static str),
    #[error("{what} {number:?} already exists with different fields")]
    NumberConflict { what: &'static str, number: String },
    #[error("{0}")]
    InvalidRequest(String),
    #[error("{0}")]
    UnsupportedWay(String),
    #[error("{0}")]
    ChannelUnavailable(String),
    /// The actor may not do this (a console permission is missing).
    #[error("{0}")]
    Forbidden(String),
    #[error("{what} {name:?} exists already")]
    AlreadyExists { what: &'static str, name: String },
    /// The object's state does not allow this (a suspended merchant, a
    /// withdrawn announcement).
    #[error("{0}")]
    IllegalState(String),
    /// The channel refused the call for coming too often; the retry waits
    /// at least `retry_after_ms` when the channel said how long.
    #[error("{message}")]
    ChannelThrottled {
        message: String,
        retry_after_ms: Option<i64>,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ServiceError {
    pub fn code(&self) -> ErrorCode {
        match self {
            ServiceError::Domain(e) => e.code(),
            ServiceError::NotFound(_) => ErrorCode::NotFound,
            ServiceError::NumberConflict { .. } => ErrorCode::OrderNoConflict,
            ServiceError::InvalidRequest(_) => ErrorCode::InvalidRequest,
            ServiceError::UnsupportedWay(_) => ErrorCode::UnsupportedWay,
            ServiceError::ChannelUnavailable(_) | ServiceError::ChannelThrottled { .. } => {
                ErrorCode::ChannelUnavailable
            }
            ServiceError::Forbidden(_) => ErrorCode::Forbidden,
            ServiceError::AlreadyExists { .. } => ErrorCode::AlreadyExists,
            ServiceError::IllegalState(_) => ErrorCode::IllegalStateTransition,
            ServiceError::Store(_) => ErrorCode::ServiceUnavailable,
        }
    }
}

impl ServiceError {
    /// A channel call that did not settle anything, as the error of the
    /// task (or request) that made it: rate limits keep their wait.
    pub fn from_channel(e: &juhe_channel::ChannelError) -> ServiceError {
        match e {
            juhe_channel::ChannelError::RateLimited { retry_after_ms, .. } => ServiceError::ChannelThrottled {
                message: e.to_string(),
                retry_after_ms: *retry_after_ms,
            },
            other => ServiceError::ChannelUnavailable(other.to_string()),
        }
    }

    /// How long a retry must wait at least, when the channel said so.
    pub fn retry_after_ms(&self) -> Option<i64> {
        match self {
            ServiceError::ChannelThrottled { retry_after_ms, .. } => *retry_after_ms,
            _ => None,
        }
    }
}

impl From<LedgerError> for ServiceError {
    fn from(e: LedgerError) -> Self {
        match e {
            LedgerError::Rule(d) => ServiceError::Domain(d),
            LedgerError::Store(s) => ServiceError::Store(s),
            LedgerError::NotFound(what) => ServiceError::NotFound(what),
        }
    }
}

impl WriteError for ServiceError {
    fn is_retryable(&self) -> bool {
        matches!(self, ServiceError::Store(s) if s.is_retryable())
    }
}
