//! JD Pay trade and refund answers read as juhe's states.

use crate::protocol::messages::{self, status};
use crate::protocol::{JdXml, ProtocolError};
use juhe_channel::{ChannelPaymentState, RefundReport, RefundState};

/// The payment state a trade answer or notification describes.
pub fn payment_state(doc: &JdXml) -> Result<ChannelPaymentState, ProtocolError> {
    let code = doc.require("status")?;
    Ok(match code {
        status::CREATED => ChannelPaymentState::AwaitingPayer,
        status::PROCESSING => ChannelPaymentState::Paying,
        status::SUCCESS => ChannelPaymentState::Succeeded {
            channel_trade_no: doc.get("orderId").unwrap_or(doc.require("tradeNum")?).to_string(),
            paid_at_ms: messages::parse_time("payTime", doc.require("payTime")?)?,
            amount: messages::parse_amount("amount", doc.require("amount")?)?,
        },
        status::FAILED => ChannelPaymentState::Failed {
            code: doc.get("errorCode").unwrap_or("FAILED").to_string(),
            message: doc.get("errorDesc").unwrap_or("payment failed").to_string(),
        },
        status::CLOSED => ChannelPaymentState::Closed,
        _ => {
            return Err(ProtocolError::Field {
                field: "status",
                problem: "unknown trade status".into(),
            });
        }
    })
}

/// The refund a refund answer, refund query or refund notification describes.
pub fn refund_report(doc: &JdXml) -> Result<RefundReport, ProtocolError> {
    let state = match doc.require("status")? {
        status::CREATED | status::PROCESSING => RefundState::Processing,
        status::SUCCESS => RefundState::Succeeded {
            paid_at_ms: messages::parse_time("payTime", doc.require("payTime")?)?,
        },
        status::FAILED | status::CLOSED => RefundState::Failed {
            code: doc.get("errorCode").unwrap_or("FAILED").to_string(),
            message: doc.get("errorDesc").unwrap_or("refund failed").to_string(),
        },
        _ => {
            return Err(ProtocolError::Field {
                field: "status",
                problem: "unknown refund status".into(),
            });
        }
    };
    Ok(RefundReport {
        channel_refund_no: doc.require("tradeNum")?.to_string(),
        channel_refund_id: doc.get("orderId").map(str::to_string),
        state,
        amount: messages::parse_amount("amount", doc.require("amount")?)?,
    })
}
