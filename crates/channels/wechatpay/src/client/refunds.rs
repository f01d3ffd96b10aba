//! Refunds: `POST /v3/refund/domestic/refunds` and its query.

use super::payments::encode;
use super::transport::{Method, Transport, json, segment};
use crate::protocol::amount::{CURRENCY, to_fen};
use crate::protocol::errors::{Call, code};
use crate::protocol::models::{Refund, RefundRequest, RefundRequestAmount};
use crate::protocol::states::refund_report_state;
use juhe_channel::{ChannelError, CreateRefund, RefundRef, RefundReport};

/// WeChat limits `reason` to 80 characters.
const REASON_MAX_CHARS: usize = 80;

pub async fn refund(t: &Transport<'_>, notify_url: &str, req: &CreateRefund) -> Result<RefundReport, ChannelError> {
    let refund_fen = to_fen(&req.refund).map_err(|e| ChannelError::declined(code::PARAM_ERROR, e.to_string()))?;
    let total_fen = to_fen(&req.payment.money).map_err(|e| ChannelError::declined(code::PARAM_ERROR, e.to_string()))?;
    let by_id = req.payment.channel_trade_no.clone().filter(|id| !id.is_empty());
    let body = RefundRequest {
        out_trade_no: if by_id.is_none() {
            Some(req.payment.channel_order_no.clone())
        } else {
            None
        },
        transaction_id: by_id,
        out_refund_no: req.channel_refund_no.clone(),
        reason: req.reason.as_ref().map(|r| r.chars().take(REASON_MAX_CHARS).collect()),
        notify_url: Some(notify_url.to_string()),
        amount: RefundRequestAmount {
            refund: refund_fen,
            total: total_fen,
            currency: CURRENCY.to_string(),
        },
    };
    let reply = t
        .send_ok(
            Call::Refund,
            Method::Post,
            "/v3/refund/domestic/refunds",
            Some(encode(&body)?),
        )
        .await?;
    report(json(&reply)?, &req.channel_refund_no, refund_fen)
}

pub async fn query_refund(t: &Transport<'_>, refund: &RefundRef) -> Result<RefundReport, ChannelError> {
    let path = format!("/v3/refund/domestic/refunds/{}", segment(&refund.channel_refund_no));
    let reply = t.send_ok(Call::RefundQuery, Method::Get, &path, None).await?;
    let refund_fen = to_fen(&refund.refund).map_err(|e| ChannelError::Config(e.to_string()))?;
    report(json(&reply)?, &refund.channel_refund_no, refund_fen)
}

/// The answer must be about this refund and for this amount.
fn report(answer: Refund, out_refund_no: &str, refund_fen: i64) -> Result<RefundReport, ChannelError> {
    if answer.out_refund_no != out_refund_no {
        return Err(ChannelError::Unknown(format!(
            "WeChat Pay answered about refund {:?}, not {out_refund_no:?}",
            answer.out_refund_no
        )));
    }
    if answer.amount.refund != refund_fen {
        return Err(ChannelError::Unknown(format!(
            "WeChat Pay reports a refund of {} fen, juhe asked for {refund_fen}",
            answer.amount.refund
        )));
    }
    Ok(RefundReport {
        channel_refund_no: answer.out_refund_no.clone(),
        channel_refund_id: Some(answer.refund_id.clone()),
        state: refund_report_state(&answer).map_err(|e| ChannelError::Unknown(e.to_string()))?,
        amount: answer.amount.refund,
    })
}
