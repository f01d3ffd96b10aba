//! `biz_content` and answer objects of each method, with Alipay's field
//! names. Amounts are yuan strings; times are Beijing `yyyy-MM-dd HH:mm:ss`.
//! Answers carry `Status` (code, msg, sub_code, sub_msg) first.

use super::answer::Status;
use serde::{Deserialize, Serialize};

/// `trade_status` values.
pub mod trade_status {
    pub const WAIT_BUYER_PAY: &str = "WAIT_BUYER_PAY";
    pub const TRADE_SUCCESS: &str = "TRADE_SUCCESS";
    pub const TRADE_FINISHED: &str = "TRADE_FINISHED";
    pub const TRADE_CLOSED: &str = "TRADE_CLOSED";
}

pub const FACE_TO_FACE_PAYMENT: &str = "FACE_TO_FACE_PAYMENT";
pub const SCENE_BAR_CODE: &str = "bar_code";
pub const SCENE_WAVE_CODE: &str = "wave_code";
pub const REFUND_SUCCESS: &str = "REFUND_SUCCESS";

/// An answer object: status fields, then the method's own fields.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Answer<T> {
    #[serde(flatten)]
    pub status: Status,
    #[serde(flatten)]
    pub body: T,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PrecreateRequest {
    pub out_trade_no: String,
    pub total_amount: String,
    pub subject: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminal_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_expire: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PrecreateAnswer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_code: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PayRequest {
    pub out_trade_no: String,
    pub scene: String,
    pub auth_code: String,
    pub subject: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_amount: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminal_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_express: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundBill {
    pub fund_channel: String,
    pub amount: String,
}

/// The answer of `alipay.trade.pay` and `alipay.trade.query` (the fields
/// they share; absent ones are skipped).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TradeAnswer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_logon_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_amount: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_amount: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_pay_amount: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub point_amount: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_amount: Option<String>,
    /// `alipay.trade.pay` names the payment time `gmt_payment` …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gmt_payment: Option<String>,
    /// … and `alipay.trade.query` names it `send_pay_date`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_pay_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fund_bill_list: Option<Vec<FundBill>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_user_id: Option<String>,
}

/// `biz_content` of query, close and cancel: either number identifies the
/// trade (`trade_no` wins when both are given).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TradeRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_no: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CloseAnswer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CancelAnswer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
    /// `Y`: the cancel did not complete and may be retried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_flag: Option<String>,
    /// `close` (nothing was paid) or `refund` (the payment was returned).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RefundRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_no: Option<String>,
    pub refund_amount: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_request_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_reason: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RefundAnswer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_logon_id: Option<String>,
    /// `Y` if this call moved money, `N` if the refund had already been made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fund_change: Option<String>,
    /// The trade's refunded total so far (all refunds), yuan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_fee: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gmt_refund_pay: Option<String>,
    /// What this refund returned, yuan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_back_fee: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RefundQueryRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_no: Option<String>,
    pub out_request_no: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_options: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RefundQueryAnswer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_request_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_amount: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_amount: Option<String>,
    /// `REFUND_SUCCESS`; absent on older answers, where a returned
    /// `refund_amount` alone means the refund succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gmt_refund_pay: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BillUrlRequest {
    /// `trade` (acquiring) or `signcustomer` (account funds).
    pub bill_type: String,
    /// `yyyy-MM-dd` (daily) or `yyyy-MM` (monthly).
    pub bill_date: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BillUrlAnswer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_download_url: Option<String>,
}

/// The answer object with no fields of its own (errors).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Empty {}
