//! Payments: QR (`alipay.trade.precreate`), payment code (`alipay.trade.pay`
//! with `scene=bar_code`), query, close and cancel.

use super::config::AlipayConfig;
use super::gateway::{call, failure};
use crate::protocol::answer::{PAYING, sub};
use crate::protocol::wire::{
    CancelAnswer, CloseAnswer, FACE_TO_FACE_PAYMENT, PayRequest, PrecreateAnswer, PrecreateRequest, SCENE_BAR_CODE,
    TradeAnswer, TradeRef, trade_status,
};
use crate::protocol::{amount, clock, method};
use juhe_channel::http::HttpClient;
use juhe_channel::{ChannelError, ChannelPaymentState, CreateOutcome, CreatePayment, PayAction, PaymentRef};
use juhe_domain::Currency;

fn require_cny(req: &CreatePayment) -> Result<(), ChannelError> {
    if req.money.currency != Currency::CNY {
        return Err(ChannelError::NotSent(format!(
            "Alipay face-to-face payments are in CNY, not {}",
            req.money.currency
        )));
    }
    Ok(())
}

pub async fn precreate(
    http: &HttpClient,
    cfg: &AlipayConfig,
    req: &CreatePayment,
) -> Result<CreateOutcome, ChannelError> {
    require_cny(req)?;
    let biz = PrecreateRequest {
        out_trade_no: req.channel_order_no.clone(),
        total_amount: amount::yuan(req.money.amount),
        subject: req.subject.clone(),
        product_code: Some(FACE_TO_FACE_PAYMENT.into()),
        seller_id: cfg.seller_id.clone(),
        store_id: req.site_id.clone(),
        terminal_id: req.terminal_id.clone(),
        time_expire: (req.expire_at_ms > 0).then(|| clock::format_seconds(req.expire_at_ms)),
    };
    let answer = call::<_, PrecreateAnswer>(http, cfg, method::PRECREATE, &biz, true).await?;
    if !answer.status.is_success() {
        return Err(failure(method::PRECREATE, &answer.status));
    }
    let code_url = answer
        .body
        .qr_code
        .filter(|q| !q.is_empty())
        .ok_or_else(|| ChannelError::Unknown("alipay.trade.precreate: success without qr_code".into()))?;
    Ok(CreateOutcome {
        state: ChannelPaymentState::AwaitingPayer,
        action: Some(PayAction::QrCode { code_url }),
        channel_trade_no: None,
    })
}

/// `timeout_express` in whole minutes (`1m` at least), from the payment's deadline.
fn timeout_express(req: &CreatePayment) -> Option<String> {
    (req.expire_at_ms > req.created_at_ms && req.created_at_ms > 0)
        .then(|| format!("{}m", ((req.expire_at_ms - req.created_at_ms) / 60_000).max(1)))
}

pub async fn pay(http: &HttpClient, cfg: &AlipayConfig, req: &CreatePayment) -> Result<CreateOutcome, ChannelError> {
    require_cny(req)?;
    let auth_code = req
        .auth_code
        .clone()
        .filter(|c| !c.is_empty())
        .ok_or_else(|| ChannelError::NotSent("a barcode payment needs the payer's payment code".into()))?;
    let biz = PayRequest {
        out_trade_no: req.channel_order_no.clone(),
        scene: SCENE_BAR_CODE.into(),
        auth_code,
        subject: req.subject.clone(),
        total_amount: Some(amount::yuan(req.money.amount)),
        product_code: Some(FACE_TO_FACE_PAYMENT.into()),
        seller_id: cfg.seller_id.clone(),
        store_id: req.site_id.clone(),
        terminal_id: req.terminal_id.clone(),
        timeout_express: timeout_express(req),
    };
    let answer = call::<_, TradeAnswer>(http, cfg, method::PAY, &biz, true).await?;
    if answer.status.code == PAYING {
        return Ok(CreateOutcome {
            state: ChannelPaymentState::Paying,
            action: None,
            channel_trade_no: answer.body.trade_no,
        });
    }
    if !answer.status.is_success() {
        return Err(failure(method::PAY, &answer.status));
    }
    let state = succeeded(method::PAY, &answer.body, answer.body.gmt_payment.as_deref())?;
    Ok(CreateOutcome {
        channel_trade_no: answer.body.trade_no.clone(),
        state,
        action: None,
    })
}

/// A paid trade in juhe's words; every field is required, or the answer is
/// not trusted as a success.
fn succeeded(method: &str, trade: &TradeAnswer, paid_at: Option<&str>) -> Result<ChannelPaymentState, ChannelError> {
    let missing = |field: &str| ChannelError::Unknown(format!("{method}: paid trade without {field}"));
    let channel_trade_no = trade.trade_no.clone().ok_or_else(|| missing("trade_no"))?;
    let paid_at = paid_at.ok_or_else(|| missing("payment time"))?;
    let total = trade.total_amount.as_deref().ok_or_else(|| missing("total_amount"))?;
    let unreadable = |e: crate::protocol::ProtocolError| ChannelError::Unknown(format!("{method}: {e}"));
    Ok(ChannelPaymentState::Succeeded {
        channel_trade_no,
        paid_at_ms: clock::parse(paid_at).map_err(unreadable)?,
        amount: amount::fen(total).map_err(unreadable)?,
    })
}

fn trade_ref(payment: &PaymentRef) -> TradeRef {
    TradeRef {
        out_trade_no: Some(payment.channel_order_no.clone()),
        trade_no: payment.channel_trade_no.clone(),
    }
}

pub async fn query(
    http: &HttpClient,
    cfg: &AlipayConfig,
    payment: &PaymentRef,
) -> Result<ChannelPaymentState, ChannelError> {
    let answer = call::<_, TradeAnswer>(http, cfg, method::QUERY, &trade_ref(payment), false).await?;
    if answer.status.has_sub_code(sub::TRADE_NOT_EXIST) {
        return Err(ChannelError::NotFound);
    }
    if !answer.status.is_success() {
        return Err(failure(method::QUERY, &answer.status));
    }
    let trade = &answer.body;
    let paid_at = trade.send_pay_date.as_deref().or(trade.gmt_payment.as_deref());
    match trade.trade_status.as_deref() {
        Some(trade_status::WAIT_BUYER_PAY) => Ok(ChannelPaymentState::AwaitingPayer),
        Some(trade_status::TRADE_SUCCESS | trade_status::TRADE_FINISHED) => succeeded(method::QUERY, trade, paid_at),
        // A closed trade that had been paid was fully refunded: the payment
        // itself succeeded (refunds are tracked on their own).
        Some(trade_status::TRADE_CLOSED) if paid_at.is_some() => succeeded(method::QUERY, trade, paid_at),
        Some(trade_status::TRADE_CLOSED) => Ok(ChannelPaymentState::Closed),
        other => Err(ChannelError::Unknown(format!(
            "alipay.trade.query: unknown trade_status {:?}",
            other.unwrap_or_default()
        ))),
    }
}

pub async fn close(http: &HttpClient, cfg: &AlipayConfig, payment: &PaymentRef) -> Result<(), ChannelError> {
    let answer = call::<_, CloseAnswer>(http, cfg, method::CLOSE, &trade_ref(payment), false).await?;
    if answer.status.has_sub_code(sub::TRADE_NOT_EXIST) {
        return Err(ChannelError::NotFound);
    }
    if !answer.status.is_success() {
        return Err(failure(method::CLOSE, &answer.status));
    }
    Ok(())
}

/// `alipay.trade.cancel`: closes an unpaid trade, or refunds a paid one.
pub async fn cancel(http: &HttpClient, cfg: &AlipayConfig, payment: &PaymentRef) -> Result<(), ChannelError> {
    let answer = call::<_, CancelAnswer>(http, cfg, method::CANCEL, &trade_ref(payment), false).await?;
    if answer.status.is_success() {
        return Ok(());
    }
    if answer.body.retry_flag.as_deref() == Some("Y") {
        // Alipay asks for the cancel to be repeated: it has not completed.
        return Err(ChannelError::Unknown(format!(
            "alipay.trade.cancel: retry requested ({})",
            answer.status.reason_code()
        )));
    }
    if answer.status.has_sub_code(sub::TRADE_NOT_EXIST) {
        return Err(ChannelError::NotFound);
    }
    Err(failure(method::CANCEL, &answer.status))
}
