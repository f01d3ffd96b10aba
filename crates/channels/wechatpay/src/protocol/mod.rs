//! The WeChat Pay v3 wire protocol, shared by the client and the sandbox.

pub mod amount;
pub mod auth;
pub mod bill;
pub mod clock;
pub mod error;
pub mod errors;
pub mod models;
pub mod notify;
pub mod pay_params;
pub mod platform;
pub mod resource;
pub mod scheme;
pub mod states;

pub use error::ProtocolError;

/// The RSA scheme's `Authorization` name and `Wechatpay-Signature-Type`
/// (the SM2 scheme's are `scheme::Scheme::Sm2.name()`).
pub const SIGNATURE_TYPE: &str = "WECHATPAY2-SHA256-RSA2048";

/// A signed timestamp older or newer than this (seconds) is refused, as the
/// official SDKs do (`consts.FiveMinute`).
pub const MAX_CLOCK_SKEW_S: i64 = 300;

/// Header names (lower-case, as HTTP/2 and our `InboundRequest` carry them).
pub mod headers {
    pub const TIMESTAMP: &str = "wechatpay-timestamp";
    pub const NONCE: &str = "wechatpay-nonce";
    pub const SIGNATURE: &str = "wechatpay-signature";
    pub const SERIAL: &str = "wechatpay-serial";
    pub const SIGNATURE_TYPE: &str = "wechatpay-signature-type";
    pub const REQUEST_ID: &str = "request-id";
}
