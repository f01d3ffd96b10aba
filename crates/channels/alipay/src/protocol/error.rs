//! What can be wrong with an Alipay message. Never carries key material.

use juhe_crypto::KeyError;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    #[error("amount {0:?} is not a yuan amount with at most 2 decimals")]
    BadAmount(String),
    #[error("time {0:?} is not an Alipay time (yyyy-MM-dd HH:mm:ss, Beijing)")]
    BadTime(String),
    #[error("signing failed: {0}")]
    Sign(#[from] KeyError),
    #[error("malformed message: {0}")]
    Malformed(String),
}
