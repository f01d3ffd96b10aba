//! Asynchronous notifications (`notify_type=trade_status_sync`): a form
//! POST signed by Alipay over every parameter except `sign` and
//! `sign_type` (V1). Like the node SDK, the V2 string (with `sign_type`) is
//! tried when V1 does not verify, since Alipay signs some messages that way.

use super::config::AlipayConfig;
use crate::protocol::params::{Params, parse_form};
use crate::protocol::sign::{self, SignType};
use crate::protocol::wire::trade_status;
use crate::protocol::{ProtocolError, TRADE_STATUS_SYNC, amount, clock};
use juhe_channel::{ChannelError, ChannelPaymentState, InboundRequest, Notification, RefundReport, RefundState};

fn bad(text: impl Into<String>) -> ChannelError {
    ChannelError::BadNotification(text.into())
}

fn unreadable(e: ProtocolError) -> ChannelError {
    bad(e.to_string())
}

fn required<'a>(params: &'a Params, name: &str) -> Result<&'a str, ChannelError> {
    params
        .get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| bad(format!("{name} is missing")))
}

/// Checks Alipay's signature over the parameters.
pub fn verify(cfg: &AlipayConfig, params: &Params) -> Result<(), ChannelError> {
    let signature = required(params, "sign")?;
    let sign_type = match params.get("sign_type").map(String::as_str) {
        None | Some("") => cfg.sign_type,
        Some(text) => SignType::parse(text).ok_or_else(|| bad("unknown sign_type"))?,
    };
    let cert_sn = params
        .get("alipay_cert_sn")
        .map(String::as_str)
        .filter(|s| !s.is_empty());
    let check = |content: &str| cfg.alipay_keys.verify(cert_sn, sign_type, content, signature);
    let verified = check(&sign::notify_content_v1(params)).is_ok() || check(&sign::notify_content_v2(params)).is_ok();
    if verified {
        Ok(())
    } else {
        Err(bad("signature does not verify with the Alipay public key"))
    }
}

pub fn parse(cfg: &AlipayConfig, req: &InboundRequest) -> Result<Notification, ChannelError> {
    let params = if req.body.is_empty() {
        parse_form(req.query.as_deref().unwrap_or_default().as_bytes())
    } else {
        parse_form(&req.body)
    };
    verify(cfg, &params)?;
    if required(&params, "app_id")? != cfg.app_id {
        return Err(bad("app_id is not this configuration's"));
    }
    if params.get("notify_type").map(String::as_str) != Some(TRADE_STATUS_SYNC) {
        return Ok(Notification::Ignored {
            reason: format!(
                "notify_type {:?}",
                params.get("notify_type").map(String::as_str).unwrap_or_default()
            ),
        });
    }
    let channel_order_no = required(&params, "out_trade_no")?.to_string();
    // A refund is announced with the trade's status plus refund fields.
    if let (Some(refund_no), Some(refund_fee)) = (
        params.get("out_biz_no").filter(|v| !v.is_empty()),
        params.get("refund_fee").filter(|v| !v.is_empty()),
    ) {
        let refunded_at = required(&params, "gmt_refund")?;
        return Ok(Notification::Refund {
            channel_order_no,
            report: RefundReport {
                channel_refund_no: refund_no.clone(),
                channel_refund_id: None,
                state: RefundState::Succeeded {
                    paid_at_ms: clock::parse(refunded_at).map_err(unreadable)?,
                },
                // Alipay's refund_fee is the trade's refunded total.
                amount: amount::fen(refund_fee).map_err(unreadable)?,
            },
        });
    }
    let state = match required(&params, "trade_status")? {
        trade_status::TRADE_SUCCESS | trade_status::TRADE_FINISHED => ChannelPaymentState::Succeeded {
            channel_trade_no: required(&params, "trade_no")?.to_string(),
            paid_at_ms: clock::parse(required(&params, "gmt_payment")?).map_err(unreadable)?,
            amount: amount::fen(required(&params, "total_amount")?).map_err(unreadable)?,
        },
        trade_status::TRADE_CLOSED => ChannelPaymentState::Closed,
        trade_status::WAIT_BUYER_PAY => ChannelPaymentState::AwaitingPayer,
        other => return Err(bad(format!("unknown trade_status {other:?}"))),
    };
    Ok(Notification::Payment {
        channel_order_no,
        state,
    })
}
