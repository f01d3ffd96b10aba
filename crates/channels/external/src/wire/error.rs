//! Classified failures on the wire: exactly the `ChannelError` cases.

use crate::wire::declared::WireOperation;
use juhe_channel::{ChannelError, Operation};
use serde::{Deserialize, Serialize};

/// A classified failure, exactly the `ChannelError` cases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireError {
    /// `declined`, `not_sent`, `rate_limited`, `unknown`, `config`,
    /// `unsupported`, `not_found`, `bad_notification`.
    pub kind: String,
    #[serde(default)]
    pub code: Option<String>,
    pub message: String,
    /// For `unsupported`: the operation.
    #[serde(default)]
    pub operation: Option<WireOperation>,
    /// For `rate_limited`: how long the institution asked to wait, if it said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<i64>,
}

impl From<&ChannelError> for WireError {
    fn from(e: &ChannelError) -> WireError {
        let (kind, code, message, operation) = match e {
            ChannelError::RateLimited { code, message, .. } => {
                ("rate_limited", Some(code.clone()), message.clone(), None)
            }
            ChannelError::Declined { code, message } => ("declined", Some(code.clone()), message.clone(), None),
            ChannelError::NotSent(m) => ("not_sent", None, m.clone(), None),
            ChannelError::Unknown(m) => ("unknown", None, m.clone(), None),
            ChannelError::Config(m) => ("config", None, m.clone(), None),
            ChannelError::Unsupported(op) => ("unsupported", None, e.to_string(), Some((*op).into())),
            ChannelError::NotFound => ("not_found", None, e.to_string(), None),
            ChannelError::BadNotification(m) => ("bad_notification", None, m.clone(), None),
        };
        WireError {
            kind: kind.to_string(),
            code,
            message,
            operation,
            retry_after_ms: e.retry_after_ms(),
        }
    }
}

impl WireError {
    /// The `ChannelError` juhe raises for this answer. `not_sent` from the
    /// service means its institution was never reached; an unrecognised
    /// kind is treated as `unknown` (the safe reading for money).
    pub fn into_channel_error(self, op: Operation) -> ChannelError {
        match self.kind.as_str() {
            "declined" => ChannelError::Declined {
                code: self.code.unwrap_or_default(),
                message: self.message,
            },
            "not_sent" => ChannelError::NotSent(self.message),
            "rate_limited" => ChannelError::RateLimited {
                code: self.code.unwrap_or_default(),
                message: self.message,
                retry_after_ms: self.retry_after_ms.filter(|ms| *ms >= 0),
            },
            "config" => ChannelError::Config(self.message),
            "unsupported" => ChannelError::Unsupported(self.operation.map(Into::into).unwrap_or(op)),
            "not_found" => ChannelError::NotFound,
            "bad_notification" => ChannelError::BadNotification(self.message),
            _ => ChannelError::Unknown(self.message),
        }
    }
}
