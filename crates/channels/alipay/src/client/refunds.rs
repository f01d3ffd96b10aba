//! Refunds: `alipay.trade.refund` (partial refunds keyed by
//! `out_request_no` = juhe's channel refund number) and
//! `alipay.trade.fastpay.refund.query`.

use super::config::AlipayConfig;
use super::gateway::{call, failure};
use crate::protocol::answer::sub;
use crate::protocol::wire::{REFUND_SUCCESS, RefundAnswer, RefundQueryAnswer, RefundQueryRequest, RefundRequest};
use crate::protocol::{amount, clock, method};
use juhe_channel::http::HttpClient;
use juhe_channel::{ChannelError, CreateRefund, RefundRef, RefundReport, RefundState};

fn unreadable(method: &str) -> impl Fn(crate::protocol::ProtocolError) -> ChannelError + '_ {
    move |e| ChannelError::Unknown(format!("{method}: {e}"))
}

pub async fn refund(http: &HttpClient, cfg: &AlipayConfig, req: &CreateRefund) -> Result<RefundReport, ChannelError> {
    let biz = RefundRequest {
        out_trade_no: Some(req.payment.channel_order_no.clone()),
        trade_no: req.payment.channel_trade_no.clone(),
        refund_amount: amount::yuan(req.refund.amount),
        out_request_no: Some(req.channel_refund_no.clone()),
        refund_reason: req.reason.clone(),
    };
    let answer = call::<_, RefundAnswer>(http, cfg, method::REFUND, &biz, false).await?;
    if !answer.status.is_success() {
        return Err(failure(method::REFUND, &answer.status));
    }
    // 10000 means this refund request succeeded (fund_change=N: it already
    // had, under the same out_request_no). refund_fee is the trade's
    // refunded total, so this refund's amount is send_back_fee or, when
    // Alipay leaves that out, the amount asked for.
    let amount = match answer.body.send_back_fee.as_deref() {
        Some(fee) => amount::fen(fee).map_err(unreadable(method::REFUND))?,
        None => req.refund.amount,
    };
    let paid_at_ms = match answer.body.gmt_refund_pay.as_deref() {
        Some(at) => clock::parse(at).map_err(unreadable(method::REFUND))?,
        None => clock::now_ms(),
    };
    Ok(RefundReport {
        channel_refund_no: req.channel_refund_no.clone(),
        channel_refund_id: None,
        state: RefundState::Succeeded { paid_at_ms },
        amount,
    })
}

pub async fn query_refund(
    http: &HttpClient,
    cfg: &AlipayConfig,
    refund: &RefundRef,
) -> Result<RefundReport, ChannelError> {
    let biz = RefundQueryRequest {
        out_trade_no: Some(refund.payment.channel_order_no.clone()),
        trade_no: refund.payment.channel_trade_no.clone(),
        out_request_no: refund.channel_refund_no.clone(),
        query_options: Some(vec!["gmt_refund_pay".into()]),
    };
    let answer = call::<_, RefundQueryAnswer>(http, cfg, method::REFUND_QUERY, &biz, false).await?;
    if answer.status.has_sub_code(sub::TRADE_NOT_EXIST) {
        return Err(ChannelError::NotFound);
    }
    if !answer.status.is_success() {
        return Err(failure(method::REFUND_QUERY, &answer.status));
    }
    // Alipay answers 10000 without refund fields when it has no such refund.
    let Some(refunded) = answer.body.refund_amount.as_deref().filter(|a| !a.is_empty()) else {
        return Err(ChannelError::NotFound);
    };
    let amount = amount::fen(refunded).map_err(unreadable(method::REFUND_QUERY))?;
    let state = match answer.body.refund_status.as_deref() {
        None | Some("") | Some(REFUND_SUCCESS) => RefundState::Succeeded {
            paid_at_ms: match answer.body.gmt_refund_pay.as_deref() {
                Some(at) => clock::parse(at).map_err(unreadable(method::REFUND_QUERY))?,
                None => clock::now_ms(),
            },
        },
        Some(_) => RefundState::Processing,
    };
    Ok(RefundReport {
        channel_refund_no: refund.channel_refund_no.clone(),
        channel_refund_id: None,
        state,
        amount,
    })
}
