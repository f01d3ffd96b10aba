//! Reading verified answers into juhe's states. `code_field` is `respCode`
//! for a transaction's own answer or notification and `origRespCode` for a
//! query, which reports the original transaction in those fields.

use crate::client::transport::required;
use crate::protocol::codes::{Verdict, verdict};
use crate::protocol::fields::{paid_at_ms, parse_fen};
use crate::protocol::form::Fields;
use juhe_channel::{ChannelError, ChannelPaymentState, RefundReport, RefundState};

fn unreadable(what: &str) -> ChannelError {
    ChannelError::Unknown(format!("UnionPay answer has unreadable {what}"))
}

/// Success time: `traceTime` in the year of `txnTime`.
fn success_time(fields: &Fields) -> Result<i64, ChannelError> {
    let txn_time = required(fields, "txnTime")?;
    paid_at_ms(txn_time, fields.get("traceTime").map(String::as_str)).map_err(|_| unreadable("txnTime"))
}

pub fn amount(fields: &Fields) -> Result<i64, ChannelError> {
    parse_fen(required(fields, "txnAmt")?).map_err(|_| unreadable("txnAmt"))
}

/// The payment state a code field reports.
pub fn final_payment_state(
    fields: &Fields,
    code_field: &str,
    message_field: &str,
) -> Result<ChannelPaymentState, ChannelError> {
    let code = required(fields, code_field)?;
    Ok(match verdict(code) {
        Verdict::Success => ChannelPaymentState::Succeeded {
            channel_trade_no: required(fields, "queryId")?.to_string(),
            paid_at_ms: success_time(fields)?,
            amount: amount(fields)?,
        },
        Verdict::Pending => ChannelPaymentState::Paying,
        Verdict::NotFound | Verdict::Refused => ChannelPaymentState::Failed {
            code: code.to_string(),
            message: fields.get(message_field).cloned().unwrap_or_default(),
        },
    })
}

pub fn refund_report(
    fields: &Fields,
    code_field: &str,
    message_field: &str,
    channel_refund_no: String,
) -> Result<RefundReport, ChannelError> {
    let code = required(fields, code_field)?;
    let state = match verdict(code) {
        Verdict::Success => RefundState::Succeeded {
            paid_at_ms: success_time(fields)?,
        },
        Verdict::Pending => RefundState::Processing,
        Verdict::NotFound | Verdict::Refused => RefundState::Failed {
            code: code.to_string(),
            message: fields.get(message_field).cloned().unwrap_or_default(),
        },
    };
    Ok(RefundReport {
        channel_refund_no,
        channel_refund_id: fields.get("queryId").filter(|q| !q.is_empty()).cloned(),
        state,
        amount: amount(fields)?,
    })
}
