//! ACP 5.1.0 as both sides speak it: the message forms, signatures and
//! certificates, transaction and answer codes, field conversions.

pub mod cert;
pub mod codes;
pub mod fields;
pub mod form;
pub mod secret;
pub mod sign;

pub use form::Fields;

/// ACP message constants every request carries.
pub const VERSION: &str = "5.1.0";
pub const ENCODING: &str = "UTF-8";
/// 0 = merchant direct access.
pub const ACCESS_TYPE: &str = "0";

/// Endpoint paths under the gateway host.
pub mod paths {
    pub const FRONT: &str = "/gateway/api/frontTransReq.do";
    pub const BACK: &str = "/gateway/api/backTransReq.do";
    pub const APP: &str = "/gateway/api/appTransReq.do";
    pub const QUERY: &str = "/gateway/api/queryTrans.do";
}

/// UnionPay's production gateway.
pub const PRODUCTION_URL: &str = "https://gateway.95516.com";
