//! What the service answers: states, pay actions, refund reports,
//! notifications and bill files, with exact conversions to the
//! `juhe_channel` types.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use juhe_channel::{BillFile, ChannelPaymentState, CreateOutcome, Notification, PayAction, RefundReport, RefundState};
use serde::{Deserialize, Serialize};

/// `ChannelPaymentState` on the wire, tagged by `status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum WirePaymentState {
    AwaitingPayer,
    Paying,
    Succeeded {
        channel_trade_no: String,
        paid_at_ms: i64,
        amount: i64,
    },
    Failed {
        code: String,
        message: String,
    },
    Closed,
}

impl From<&ChannelPaymentState> for WirePaymentState {
    fn from(s: &ChannelPaymentState) -> WirePaymentState {
        match s.clone() {
            ChannelPaymentState::AwaitingPayer => WirePaymentState::AwaitingPayer,
            ChannelPaymentState::Paying => WirePaymentState::Paying,
            ChannelPaymentState::Succeeded {
                channel_trade_no,
                paid_at_ms,
                amount,
            } => WirePaymentState::Succeeded {
                channel_trade_no,
                paid_at_ms,
                amount,
            },
            ChannelPaymentState::Failed { code, message } => WirePaymentState::Failed { code, message },
            ChannelPaymentState::Closed => WirePaymentState::Closed,
        }
    }
}

impl From<WirePaymentState> for ChannelPaymentState {
    fn from(s: WirePaymentState) -> ChannelPaymentState {
        match s {
            WirePaymentState::AwaitingPayer => ChannelPaymentState::AwaitingPayer,
            WirePaymentState::Paying => ChannelPaymentState::Paying,
            WirePaymentState::Succeeded {
                channel_trade_no,
                paid_at_ms,
                amount,
            } => ChannelPaymentState::Succeeded {
                channel_trade_no,
                paid_at_ms,
                amount,
            },
            WirePaymentState::Failed { code, message } => ChannelPaymentState::Failed { code, message },
            WirePaymentState::Closed => ChannelPaymentState::Closed,
        }
    }
}

/// `PayAction` on the wire, tagged by `type` (the same shape juhe's API shows).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum WirePayAction {
    QrCode {
        code_url: String,
    },
    Sdk {
        params: serde_json::Map<String, serde_json::Value>,
    },
    Redirect {
        url: String,
    },
    Form {
        action: String,
        fields: serde_json::Map<String, serde_json::Value>,
    },
}

impl From<PayAction> for WirePayAction {
    fn from(a: PayAction) -> WirePayAction {
        match a {
            PayAction::QrCode { code_url } => WirePayAction::QrCode { code_url },
            PayAction::Sdk { params } => WirePayAction::Sdk { params },
            PayAction::Redirect { url } => WirePayAction::Redirect { url },
            PayAction::Form { action, fields } => WirePayAction::Form { action, fields },
        }
    }
}

impl From<WirePayAction> for PayAction {
    fn from(a: WirePayAction) -> PayAction {
        match a {
            WirePayAction::QrCode { code_url } => PayAction::QrCode { code_url },
            WirePayAction::Sdk { params } => PayAction::Sdk { params },
            WirePayAction::Redirect { url } => PayAction::Redirect { url },
            WirePayAction::Form { action, fields } => PayAction::Form { action, fields },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireCreateOutcome {
    pub state: WirePaymentState,
    pub action: Option<WirePayAction>,
    pub channel_trade_no: Option<String>,
}

impl From<CreateOutcome> for WireCreateOutcome {
    fn from(o: CreateOutcome) -> WireCreateOutcome {
        WireCreateOutcome {
            state: (&o.state).into(),
            action: o.action.map(Into::into),
            channel_trade_no: o.channel_trade_no,
        }
    }
}

impl From<WireCreateOutcome> for CreateOutcome {
    fn from(o: WireCreateOutcome) -> CreateOutcome {
        CreateOutcome {
            state: o.state.into(),
            action: o.action.map(Into::into),
            channel_trade_no: o.channel_trade_no,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum WireRefundState {
    Processing,
    Succeeded { paid_at_ms: i64 },
    Failed { code: String, message: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireRefundReport {
    pub channel_refund_no: String,
    pub channel_refund_id: Option<String>,
    pub state: WireRefundState,
    pub amount: i64,
}

impl From<RefundReport> for WireRefundReport {
    fn from(r: RefundReport) -> WireRefundReport {
        let state = match r.state {
            RefundState::Processing => WireRefundState::Processing,
            RefundState::Succeeded { paid_at_ms } => WireRefundState::Succeeded { paid_at_ms },
            RefundState::Failed { code, message } => WireRefundState::Failed { code, message },
        };
        WireRefundReport {
            channel_refund_no: r.channel_refund_no,
            channel_refund_id: r.channel_refund_id,
            state,
            amount: r.amount,
        }
    }
}

impl From<WireRefundReport> for RefundReport {
    fn from(r: WireRefundReport) -> RefundReport {
        let state = match r.state {
            WireRefundState::Processing => RefundState::Processing,
            WireRefundState::Succeeded { paid_at_ms } => RefundState::Succeeded { paid_at_ms },
            WireRefundState::Failed { code, message } => RefundState::Failed { code, message },
        };
        RefundReport {
            channel_refund_no: r.channel_refund_no,
            channel_refund_id: r.channel_refund_id,
            state,
            amount: r.amount,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WireNotification {
    Payment {
        channel_order_no: String,
        state: WirePaymentState,
    },
    Refund {
        channel_order_no: String,
        report: WireRefundReport,
    },
    Ignored {
        reason: String,
    },
}

impl From<Notification> for WireNotification {
    fn from(n: Notification) -> WireNotification {
        match n {
            Notification::Payment {
                channel_order_no,
                state,
            } => WireNotification::Payment {
                channel_order_no,
                state: (&state).into(),
            },
            Notification::Refund {
                channel_order_no,
                report,
            } => WireNotification::Refund {
                channel_order_no,
                report: report.into(),
            },
            Notification::Ignored { reason } => WireNotification::Ignored { reason },
        }
    }
}

impl From<WireNotification> for Notification {
    fn from(n: WireNotification) -> Notification {
        match n {
            WireNotification::Payment {
                channel_order_no,
                state,
            } => Notification::Payment {
                channel_order_no,
                state: state.into(),
            },
            WireNotification::Refund {
                channel_order_no,
                report,
            } => Notification::Refund {
                channel_order_no,
                report: report.into(),
            },
            WireNotification::Ignored { reason } => Notification::Ignored { reason },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireBillFile {
    pub file_name: String,
    pub content_type: String,
    pub bytes_base64: String,
}

impl From<BillFile> for WireBillFile {
    fn from(b: BillFile) -> WireBillFile {
        WireBillFile {
            file_name: b.file_name,
            content_type: b.content_type,
            bytes_base64: STANDARD.encode(&b.bytes),
        }
    }
}

impl WireBillFile {
    pub fn into_file(self) -> Result<BillFile, String> {
        let bytes = STANDARD
            .decode(self.bytes_base64.as_bytes())
            .map_err(|e| format!("bytes_base64: {e}"))?;
        Ok(BillFile {
            file_name: self.file_name,
            content_type: self.content_type,
            bytes,
        })
    }
}
