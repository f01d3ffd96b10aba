//! What a channel answers, in juhe's words.

use serde::Serialize;

/// The state of a payment at the channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelPaymentState {
    /// Created at the channel, waiting for the payer (QR shown, JSAPI
    /// prepared). WeChat `NOTPAY`, Alipay `WAIT_BUYER_PAY`.
    AwaitingPayer,
    /// The payer is confirming (WeChat `USERPAYING`, Alipay `10003`,
    /// UnionPay `03/04/05`): keep querying, reverse at the deadline.
    Paying,
    Succeeded {
        channel_trade_no: String,
        /// Unix milliseconds of the channel's success time.
        paid_at_ms: i64,
        /// What the channel says was paid, in minor units: checked against
        /// the payment's amount before anything is posted.
        amount: i64,
    },
    /// The payment failed at the channel (PAYERROR, declined).
    Failed { code: String, message: String },
    /// Closed or reversed at the channel without money taken (CLOSED,
    /// REVOKED, TRADE_CLOSED before payment).
    Closed,
}

impl ChannelPaymentState {
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            ChannelPaymentState::Succeeded { .. } | ChannelPaymentState::Failed { .. } | ChannelPaymentState::Closed
        )
    }
}

/// What the payer's device needs to pay (returned to the merchant).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PayAction {
    /// Show this as a QR code (WeChat `code_url`, Alipay `qr_code`, UnionPay `qrCode`).
    QrCode { code_url: String },
    /// Parameters for the channel's in-app / mini-program pay call, already signed.
    Sdk {
        params: serde_json::Map<String, serde_json::Value>,
    },
    /// Send the payer's browser here (WeChat `h5_url`, UnionPay front form).
    Redirect { url: String },
    /// Post this form from the payer's browser (UnionPay gateway / WAP).
    Form {
        action: String,
        fields: serde_json::Map<String, serde_json::Value>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateOutcome {
    pub state: ChannelPaymentState,
    pub action: Option<PayAction>,
    /// The channel's own order id, when it gives one at creation.
    pub channel_trade_no: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundState {
    Processing,
    Succeeded { paid_at_ms: i64 },
    Failed { code: String, message: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundReport {
    pub channel_refund_no: String,
    pub channel_refund_id: Option<String>,
    pub state: RefundState,
    /// The refunded amount the channel reports, in minor units.
    pub amount: i64,
}

/// A downloaded bill, exactly as the channel serves it (bytes are parsed by
/// reconciliation, which knows each format).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillFile {
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}
