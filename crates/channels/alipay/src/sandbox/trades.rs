//! Trades: precreate (QR), pay (payment code), query, close, cancel, and the
//! payer's side (`payer_pays`), driven by the script.

use super::gateway::Call;
use super::notify;
use super::payer::{mark_paid, pay_later};
use super::reply::{Reply, answer, invalid_parameter, refuse, success};
use super::state::{BUYER_ID, BUYER_LOGON_ID, RefundRecord, SandboxState, Trade, TradeStatus};
use crate::protocol::amount::{payable_fen, yuan};
use crate::protocol::answer::{PAYING, Status, sub};
use crate::protocol::clock;
use crate::protocol::wire::{
    CancelAnswer, CloseAnswer, FundBill, PayRequest, PrecreateAnswer, PrecreateRequest, SCENE_BAR_CODE,
    SCENE_WAVE_CODE, TradeAnswer, TradeRef,
};
use juhe_sandbox_kit::Behaviour;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::sync::Arc;

pub(crate) fn biz<T: DeserializeOwned>(call: &Call) -> Result<T, Reply> {
    serde_json::from_str(&call.biz_content).map_err(|e| invalid_parameter(&format!("biz_content: {e}")))
}

fn trade_no(state: &SandboxState, created_ms: i64) -> String {
    format!(
        "{}22001{:015}",
        clock::format_seconds(created_ms)
            .get(..10)
            .unwrap_or_default()
            .replace('-', ""),
        state.next_seq()
    )
}

fn new_trade(
    state: &SandboxState,
    call: &Call,
    out_trade_no: &str,
    subject: &str,
    total: i64,
    behaviour: Behaviour,
) -> Trade {
    let now = clock::now_ms();
    Trade {
        app_id: call.merchant.app_id.clone(),
        out_trade_no: out_trade_no.to_string(),
        trade_no: trade_no(state, now),
        subject: subject.to_string(),
        total,
        status: TradeStatus::WaitBuyerPay,
        created_ms: now,
        paid_ms: None,
        closed_ms: None,
        notify_url: call.notify_url.clone(),
        store_id: None,
        terminal_id: None,
        qr_code: None,
        refunds: Vec::new(),
        behaviour,
        last_notice: None,
        declined_by_payer: 0,
    }
}

fn key(app_id: &str, out_trade_no: &str) -> (String, String) {
    (app_id.to_string(), out_trade_no.to_string())
}

/// Finds a trade by `trade_no` (which wins) or `out_trade_no`.
fn find<'a>(trades: &'a mut BTreeMap<(String, String), Trade>, app_id: &str, r: &TradeRef) -> Option<&'a mut Trade> {
    match r.trade_no.as_deref().filter(|t| !t.is_empty()) {
        Some(trade_no) => trades
            .values_mut()
            .find(|t| t.app_id == app_id && t.trade_no == trade_no),
        None => trades.get_mut(&key(app_id, r.out_trade_no.as_deref().unwrap_or_default())),
    }
}

fn not_exist() -> Reply {
    refuse(sub::TRADE_NOT_EXIST, "交易不存在")
}

/// A trade as `alipay.trade.pay` / `alipay.trade.query` describe it.
fn describe(trade: &Trade, paid_field_is_query: bool) -> TradeAnswer {
    let paid = trade.paid_ms.map(clock::format_seconds);
    let paid_amount = |v: i64| trade.paid_ms.map(|_| yuan(v));
    TradeAnswer {
        trade_no: Some(trade.trade_no.clone()),
        out_trade_no: Some(trade.out_trade_no.clone()),
        buyer_logon_id: trade.paid_ms.map(|_| BUYER_LOGON_ID.to_string()),
        trade_status: paid_field_is_query.then(|| trade.status.as_str().to_string()),
        total_amount: Some(yuan(trade.total)),
        receipt_amount: paid_amount(trade.total),
        buyer_pay_amount: paid_amount(trade.total),
        point_amount: paid_amount(0),
        invoice_amount: paid_amount(trade.total),
        gmt_payment: if paid_field_is_query { None } else { paid.clone() },
        send_pay_date: if paid_field_is_query { paid } else { None },
        fund_bill_list: trade.paid_ms.map(|_| {
            vec![FundBill {
                fund_channel: "ALIPAYACCOUNT".into(),
                amount: yuan(trade.total),
            }]
        }),
        buyer_user_id: trade.paid_ms.map(|_| BUYER_ID.to_string()),
    }
}

pub fn precreate(state: &Arc<SandboxState>, call: Call) -> Reply {
    let req: PrecreateRequest = match biz(&call) {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    let Ok(total) = payable_fen(&req.total_amount) else {
        return invalid_parameter("total_amount");
    };
    if req.out_trade_no.is_empty() || req.subject.is_empty() {
        return invalid_parameter("out_trade_no / subject");
    }
    let app_id = call.merchant.app_id.clone();
    let existing = state.with_trades(|trades| trades.get(&key(&app_id, &req.out_trade_no)).cloned());
    if let Some(trade) = existing {
        return match trade.status {
            TradeStatus::WaitBuyerPay if trade.total == total => success(&PrecreateAnswer {
                out_trade_no: Some(trade.out_trade_no),
                qr_code: trade.qr_code,
            }),
            TradeStatus::WaitBuyerPay => invalid_parameter("订单信息与原订单不一致"),
            TradeStatus::Success => refuse(sub::TRADE_HAS_SUCCESS, "交易已被支付"),
            TradeStatus::Closed => refuse(sub::TRADE_HAS_CLOSE, "交易已经关闭"),
        };
    }
    let behaviour = state
        .script
        .behaviour_for(total, None, &req.out_trade_no, Behaviour::Wait);
    if let Behaviour::Decline { code, message } = &behaviour {
        return refuse(code, message);
    }
    let mut trade = new_trade(state, &call, &req.out_trade_no, &req.subject, total, behaviour.clone());
    trade.store_id = req.store_id.clone();
    trade.terminal_id = req.terminal_id.clone();
    // The code the payer scans; the sandbox payer page is served there.
    let qr_code = format!("{}/qr/bax0{:020}", call.origin, state.next_seq());
    trade.qr_code = Some(qr_code.clone());
    state.with_trades(|trades| trades.insert(key(&app_id, &req.out_trade_no), trade));
    match behaviour {
        Behaviour::NeverAnswer => Reply::Hang,
        Behaviour::Pay { after_ms } => {
            pay_later(state, &app_id, &req.out_trade_no, after_ms);
            success(&PrecreateAnswer {
                out_trade_no: Some(req.out_trade_no),
                qr_code: Some(qr_code),
            })
        }
        _ => success(&PrecreateAnswer {
            out_trade_no: Some(req.out_trade_no),
            qr_code: Some(qr_code),
        }),
    }
}

/// A payment code: 16–24 digits starting with 25–30.
fn valid_auth_code(code: &str) -> bool {
    (16..=24).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_digit())
        && matches!(code.get(..2), Some("25" | "26" | "27" | "28" | "29" | "30"))
}

pub fn pay(state: &Arc<SandboxState>, call: Call) -> Reply {
    let req: PayRequest = match biz(&call) {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    if req.scene != SCENE_BAR_CODE && req.scene != SCENE_WAVE_CODE {
        return invalid_parameter("scene");
    }
    let Some(Ok(total)) = req.total_amount.as_deref().map(payable_fen) else {
        return invalid_parameter("total_amount");
    };
    if req.out_trade_no.is_empty() || req.subject.is_empty() {
        return invalid_parameter("out_trade_no / subject");
    }
    if !valid_auth_code(&req.auth_code) {
        return refuse(
            sub::PAYMENT_AUTH_CODE_INVALID,
            "支付失败，获取顾客账户信息失败，请顾客刷新付款码后重新收款",
        );
    }
    let app_id = call.merchant.app_id.clone();
    let existing = state.with_trades(|trades| trades.get(&key(&app_id, &req.out_trade_no)).cloned());
    if let Some(trade) = existing {
        return match trade.status {
            TradeStatus::WaitBuyerPay => answer(Status::of(PAYING), &describe(&trade, false)),
            TradeStatus::Success => refuse(sub::TRADE_HAS_SUCCESS, "交易已被支付"),
            TradeStatus::Closed => refuse(sub::TRADE_HAS_CLOSE, "交易已经关闭"),
        };
    }
    let behaviour = state.script.behaviour_for(
        total,
        Some(&req.auth_code),
        &req.out_trade_no,
        Behaviour::Pay { after_ms: 0 },
    );
    match &behaviour {
        Behaviour::Decline { code, message } => return refuse(code, message),
        Behaviour::InsufficientFunds => return refuse(sub::BUYER_BALANCE_NOT_ENOUGH, "买家余额不足"),
        _ => {}
    }
    let mut trade = new_trade(state, &call, &req.out_trade_no, &req.subject, total, behaviour.clone());
    trade.store_id = req.store_id.clone();
    trade.terminal_id = req.terminal_id.clone();
    let described = state.with_trades(|trades| {
        let trade = trades.entry(key(&app_id, &req.out_trade_no)).or_insert(trade);
        if behaviour == (Behaviour::Pay { after_ms: 0 }) {
            mark_paid(state, trade);
        }
        describe(trade, false)
    });
    match behaviour {
        Behaviour::Pay { after_ms: 0 } => success(&described),
        Behaviour::NeverAnswer => Reply::Hang,
        Behaviour::Pay { after_ms } => {
            pay_later(state, &app_id, &req.out_trade_no, after_ms);
            answer(Status::of(PAYING), &described)
        }
        // Wait for the payer page, or stay confirming until cancelled.
        _ => answer(Status::of(PAYING), &described),
    }
}

pub fn query(state: &Arc<SandboxState>, call: Call) -> Reply {
    let r: TradeRef = match biz(&call) {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    let app_id = call.merchant.app_id.clone();
    match state.with_trades(|trades| find(trades, &app_id, &r).map(|t| describe(t, true))) {
        Some(described) => success(&described),
        None => not_exist(),
    }
}

pub fn close(state: &Arc<SandboxState>, call: Call) -> Reply {
    let r: TradeRef = match biz(&call) {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    let app_id = call.merchant.app_id.clone();
    state.with_trades(|trades| {
        let Some(trade) = find(trades, &app_id, &r) else {
            return not_exist();
        };
        match trade.status {
            TradeStatus::WaitBuyerPay => {
                trade.status = TradeStatus::Closed;
                trade.closed_ms = Some(clock::now_ms());
                notify::send(state, trade, None);
            }
            TradeStatus::Closed => {}
            TradeStatus::Success => return refuse(sub::TRADE_STATUS_ERROR, "交易状态不合法"),
        }
        success(&CloseAnswer {
            trade_no: Some(trade.trade_no.clone()),
            out_trade_no: Some(trade.out_trade_no.clone()),
        })
    })
}

/// Cancel (撤销): an unpaid trade is closed; a paid one is refunded in full
/// and closed. Repeating it is harmless.
pub fn cancel(state: &Arc<SandboxState>, call: Call) -> Reply {
    let r: TradeRef = match biz(&call) {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    let app_id = call.merchant.app_id.clone();
    state.with_trades(|trades| {
        let Some(trade) = find(trades, &app_id, &r) else {
            return answer(
                Status::failure(
                    crate::protocol::answer::BUSINESS_FAILED,
                    sub::TRADE_NOT_EXIST,
                    "交易不存在",
                ),
                &CancelAnswer {
                    retry_flag: Some("N".into()),
                    ..CancelAnswer::default()
                },
            );
        };
        let now = clock::now_ms();
        let action = match trade.status {
            TradeStatus::WaitBuyerPay => {
                trade.status = TradeStatus::Closed;
                trade.closed_ms = Some(now);
                notify::send(state, trade, None);
                "close"
            }
            TradeStatus::Success => {
                let refund = RefundRecord {
                    out_request_no: trade.out_trade_no.clone(),
                    amount: trade.total - trade.refunded(),
                    at_ms: now,
                };
                trade.refunds.push(refund.clone());
                trade.status = TradeStatus::Closed;
                trade.closed_ms = Some(now);
                notify::send(state, trade, Some(&refund));
                "refund"
            }
            TradeStatus::Closed if trade.paid_ms.is_some() => "refund",
            TradeStatus::Closed => "close",
        };
        success(&CancelAnswer {
            trade_no: Some(trade.trade_no.clone()),
            out_trade_no: Some(trade.out_trade_no.clone()),
            retry_flag: Some("N".into()),
            action: Some(action.into()),
        })
    })
}
