//! Refunds: `alipay.trade.refund` (idempotent per `out_request_no`) and
//! `alipay.trade.fastpay.refund.query`.

use super::gateway::Call;
use super::notify;
use super::reply::{Reply, invalid_parameter, refuse, success};
use super::state::{BUYER_LOGON_ID, RefundRecord, SandboxState, TradeStatus};
use super::trades::biz;
use crate::protocol::amount::{payable_fen, yuan};
use crate::protocol::answer::sub;
use crate::protocol::clock;
use crate::protocol::wire::{REFUND_SUCCESS, RefundAnswer, RefundQueryAnswer, RefundQueryRequest, RefundRequest};
use std::sync::Arc;

pub fn refund(state: &Arc<SandboxState>, call: Call) -> Reply {
    let req: RefundRequest = match biz(&call) {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    let Ok(amount) = payable_fen(&req.refund_amount) else {
        return invalid_parameter("refund_amount");
    };
    let app_id = call.merchant.app_id.clone();
    state.with_trades(|trades| {
        let trade = match req.trade_no.as_deref().filter(|t| !t.is_empty()) {
            Some(no) => trades.values_mut().find(|t| t.app_id == app_id && t.trade_no == no),
            None => trades.get_mut(&(app_id.clone(), req.out_trade_no.clone().unwrap_or_default())),
        };
        let Some(trade) = trade else {
            return refuse(sub::TRADE_NOT_EXIST, "交易不存在");
        };
        // Without out_request_no Alipay takes it to be the whole trade's refund.
        let request_no = req
            .out_request_no
            .clone()
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| trade.out_trade_no.clone());
        let answer = |trade: &super::state::Trade, fund_change: &str, this: &RefundRecord| RefundAnswer {
            trade_no: Some(trade.trade_no.clone()),
            out_trade_no: Some(trade.out_trade_no.clone()),
            buyer_logon_id: Some(BUYER_LOGON_ID.into()),
            fund_change: Some(fund_change.into()),
            refund_fee: Some(yuan(trade.refunded())),
            gmt_refund_pay: Some(clock::format_seconds(this.at_ms)),
            send_back_fee: Some(yuan(this.amount)),
        };
        if let Some(done) = trade.refunds.iter().find(|r| r.out_request_no == request_no) {
            if done.amount != amount {
                return invalid_parameter("out_request_no 已使用且退款金额不一致");
            }
            return success(&answer(trade, "N", done));
        }
        if trade.status != TradeStatus::Success {
            return refuse(sub::TRADE_STATUS_ERROR, "交易状态不合法");
        }
        if trade.refunded() + amount > trade.total {
            return refuse(sub::REFUND_AMT_NOT_EQUAL_TOTAL, "退款金额超限");
        }
        let record = RefundRecord {
            out_request_no: request_no,
            amount,
            at_ms: clock::now_ms(),
        };
        trade.refunds.push(record.clone());
        if trade.refunded() == trade.total {
            trade.status = TradeStatus::Closed;
            trade.closed_ms = Some(record.at_ms);
        }
        notify::send(state, trade, Some(&record));
        success(&answer(trade, "Y", &record))
    })
}

pub fn query(state: &Arc<SandboxState>, call: Call) -> Reply {
    let req: RefundQueryRequest = match biz(&call) {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    if req.out_request_no.is_empty() {
        return invalid_parameter("out_request_no");
    }
    let app_id = call.merchant.app_id.clone();
    let with_time = req
        .query_options
        .as_ref()
        .is_some_and(|o| o.iter().any(|x| x == "gmt_refund_pay"));
    state.with_trades(|trades| {
        let trade = match req.trade_no.as_deref().filter(|t| !t.is_empty()) {
            Some(no) => trades.values().find(|t| t.app_id == app_id && t.trade_no == no),
            None => trades.get(&(app_id.clone(), req.out_trade_no.clone().unwrap_or_default())),
        };
        let Some(trade) = trade else {
            return refuse(sub::TRADE_NOT_EXIST, "交易不存在");
        };
        // An unknown refund is a success without refund fields.
        let body = match trade.refunds.iter().find(|r| r.out_request_no == req.out_request_no) {
            None => RefundQueryAnswer {
                trade_no: Some(trade.trade_no.clone()),
                out_trade_no: Some(trade.out_trade_no.clone()),
                ..RefundQueryAnswer::default()
            },
            Some(r) => RefundQueryAnswer {
                trade_no: Some(trade.trade_no.clone()),
                out_trade_no: Some(trade.out_trade_no.clone()),
                out_request_no: Some(r.out_request_no.clone()),
                total_amount: Some(yuan(trade.total)),
                refund_amount: Some(yuan(r.amount)),
                refund_status: Some(REFUND_SUCCESS.into()),
                gmt_refund_pay: with_time.then(|| clock::format_seconds(r.at_ms)),
            },
        };
        success(&body)
    })
}
