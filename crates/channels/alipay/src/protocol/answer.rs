//! Answer codes: the public `code` says what kind of answer it is, the
//! `sub_code` which business rule refused. Both sides use these names.

use serde::{Deserialize, Serialize};

pub const SUCCESS: &str = "10000";
/// The payer is confirming (e.g. a password for a large barcode payment).
pub const PAYING: &str = "10003";
/// Service unavailable: the outcome is unknown.
pub const UNKNOWN_ERROR: &str = "20000";
pub const INSUFFICIENT_AUTHORIZATION: &str = "20001";
pub const MISSING_PARAMETER: &str = "40001";
pub const INVALID_PARAMETER: &str = "40002";
pub const BUSINESS_FAILED: &str = "40004";

/// The `msg` Alipay sends with each code.
pub fn msg_for(code: &str) -> &'static str {
    match code {
        SUCCESS => "Success",
        PAYING => "order success pay inprocess",
        UNKNOWN_ERROR => "Service Currently Unavailable",
        INSUFFICIENT_AUTHORIZATION => "Insufficient Token Permissions",
        MISSING_PARAMETER => "Missing Required Arguments",
        INVALID_PARAMETER => "Invalid Arguments",
        _ => "Business Failed",
    }
}

/// Business `sub_code`s used by the methods implemented here.
pub mod sub {
    pub const SYSTEM_UNKNOWN: &str = "isp.unknow-error";
    pub const INVALID_SIGNATURE: &str = "isv.invalid-signature";
    pub const INVALID_APP_ID: &str = "isv.invalid-app-id";
    pub const MISSING_SIGNATURE: &str = "isv.missing-signature";
    pub const MISSING_METHOD: &str = "isv.missing-method";
    pub const INVALID_METHOD: &str = "isv.invalid-method";
    pub const INVALID_SIGNATURE_TYPE: &str = "isv.invalid-signature-type";
    /// Certificate mode: the request names another app certificate or
    /// root bundle than the app's ([MEM]: the exact names are not confirmed).
    pub const INVALID_APP_CERT_SN: &str = "isv.invalid-app-cert-sn";
    pub const INVALID_ROOT_CERT_SN: &str = "isv.invalid-alipay-root-cert-sn";
    /// Content encryption refused ([MEM] names of Alipay's public error codes).
    pub const DECRYPTION_INVALID_TYPE: &str = "isv.decryption-error-not-valid-encrypt-type";
    pub const DECRYPTION_INVALID_KEY: &str = "isv.decryption-error-not-valid-encrypt-key";
    pub const DECRYPTION_UNKNOWN: &str = "isv.decryption-error-unknown";
    pub const SYSTEM_ERROR: &str = "ACQ.SYSTEM_ERROR";
    pub const INVALID_PARAMETER: &str = "ACQ.INVALID_PARAMETER";
    pub const TRADE_NOT_EXIST: &str = "ACQ.TRADE_NOT_EXIST";
    pub const TRADE_HAS_SUCCESS: &str = "ACQ.TRADE_HAS_SUCCESS";
    pub const TRADE_HAS_CLOSE: &str = "ACQ.TRADE_HAS_CLOSE";
    pub const TRADE_STATUS_ERROR: &str = "ACQ.TRADE_STATUS_ERROR";
    pub const BUYER_BALANCE_NOT_ENOUGH: &str = "ACQ.BUYER_BALANCE_NOT_ENOUGH";
    pub const PAYMENT_AUTH_CODE_INVALID: &str = "ACQ.PAYMENT_AUTH_CODE_INVALID";
    pub const REFUND_AMT_NOT_EQUAL_TOTAL: &str = "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL";
    pub const TRADE_NOT_ALLOW_REFUND: &str = "ACQ.TRADE_NOT_ALLOW_REFUND";
    pub const BILL_NOT_EXIST: &str = "isp.bill_not_exist";
}

/// The four fields every answer object starts with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Status {
    pub code: String,
    pub msg: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_msg: Option<String>,
}

impl Status {
    pub fn success() -> Status {
        Status::of(SUCCESS)
    }

    pub fn of(code: &str) -> Status {
        Status {
            code: code.to_string(),
            msg: msg_for(code).to_string(),
            sub_code: None,
            sub_msg: None,
        }
    }

    pub fn failure(code: &str, sub_code: &str, sub_msg: &str) -> Status {
        Status {
            sub_code: Some(sub_code.to_string()),
            sub_msg: Some(sub_msg.to_string()),
            ..Status::of(code)
        }
    }

    pub fn is_success(&self) -> bool {
        self.code == SUCCESS
    }

    /// True when nobody can say whether the request took effect: a system
    /// error (`20000`, any `isp.*`, `ACQ.SYSTEM_ERROR`), to be resolved by
    /// querying.
    pub fn is_outcome_unknown(&self) -> bool {
        let sub = self.sub_code.as_deref().unwrap_or_default();
        self.code == UNKNOWN_ERROR || sub.starts_with("isp.") || sub.ends_with(sub::SYSTEM_ERROR)
    }

    pub fn has_sub_code(&self, sub_code: &str) -> bool {
        self.sub_code.as_deref() == Some(sub_code)
    }

    /// The most specific code: `sub_code` when present.
    pub fn reason_code(&self) -> &str {
        self.sub_code.as_deref().filter(|s| !s.is_empty()).unwrap_or(&self.code)
    }

    pub fn reason_message(&self) -> &str {
        self.sub_msg.as_deref().filter(|s| !s.is_empty()).unwrap_or(&self.msg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_errors_are_unknown_business_refusals_are_not() {
        assert!(Status::of(UNKNOWN_ERROR).is_outcome_unknown());
        assert!(Status::failure(BUSINESS_FAILED, sub::SYSTEM_ERROR, "x").is_outcome_unknown());
        assert!(Status::failure(BUSINESS_FAILED, "aop.ACQ.SYSTEM_ERROR", "x").is_outcome_unknown());
        let refused = Status::failure(BUSINESS_FAILED, sub::BUYER_BALANCE_NOT_ENOUGH, "买家余额不足");
        assert!(!refused.is_outcome_unknown());
        assert_eq!(refused.reason_code(), "ACQ.BUYER_BALANCE_NOT_ENOUGH");
        assert_eq!(Status::of(PAYING).reason_code(), "10003");
    }
}
