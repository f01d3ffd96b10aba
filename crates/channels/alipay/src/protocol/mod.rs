//! Alipay's wire protocol, shared by the client (juhe's side) and the
//! sandbox (Alipay's side): how messages are signed and verified, where the
//! signed text of a synchronous answer sits, what the answer codes mean, and
//! the exact field names of every method used.

pub mod amount;
pub mod answer;
pub mod bill;
pub mod cert;
pub mod clock;
pub mod content;
pub mod error;
pub mod extract;
pub mod params;
pub mod response;
pub mod sign;
pub mod wire;

pub use error::ProtocolError;

/// The production gateway.
pub const PRODUCTION_URL: &str = "https://openapi.alipay.com/gateway.do";

/// The method names, exactly as sent in the `method` parameter.
pub mod method {
    pub const PRECREATE: &str = "alipay.trade.precreate";
    pub const PAY: &str = "alipay.trade.pay";
    pub const QUERY: &str = "alipay.trade.query";
    pub const CLOSE: &str = "alipay.trade.close";
    pub const CANCEL: &str = "alipay.trade.cancel";
    pub const REFUND: &str = "alipay.trade.refund";
    pub const REFUND_QUERY: &str = "alipay.trade.fastpay.refund.query";
    pub const BILL_URL_QUERY: &str = "alipay.data.dataservice.bill.downloadurl.query";
}

/// The key of a method's answer in the response JSON:
/// `alipay.trade.query` → `alipay_trade_query_response`.
pub fn response_key(method: &str) -> String {
    format!("{}_response", method.replace('.', "_"))
}

/// `notify_type` of trade status notifications.
pub const TRADE_STATUS_SYNC: &str = "trade_status_sync";

/// The key Alipay answers under when the method itself is not understood.
pub const ERROR_RESPONSE_KEY: &str = "error_response";
