//! The payer's side: confirming on the payer page (or later, as scripted)
//! turns a waiting trade into a paid one and notifies the merchant.

use super::notify;
use super::state::{SandboxState, Trade, TradeStatus};
use crate::protocol::clock;
use juhe_sandbox_kit::Behaviour;
use std::sync::Arc;
use std::time::Duration;

pub(crate) fn mark_paid(state: &SandboxState, trade: &mut Trade) {
    trade.status = TradeStatus::Success;
    trade.paid_ms = Some(clock::now_ms());
    notify::send(state, trade, None);
}

/// Why the payer page could not pay.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayerError {
    #[error("no such order")]
    NotFound,
    #[error("the order is {0}")]
    NotPayable(&'static str),
    #[error("ACQ.BUYER_BALANCE_NOT_ENOUGH: 买家余额不足")]
    InsufficientFunds,
}

/// Runs `f` on the trade the payer page names, if it still waits for its payer.
fn with_open_trade<T>(
    state: &SandboxState,
    app_id: Option<&str>,
    out_trade_no: &str,
    f: impl FnOnce(&mut Trade) -> Result<T, PayerError>,
) -> Result<T, PayerError> {
    state.with_trades(|trades| {
        let trade = trades
            .values_mut()
            .find(|t| t.out_trade_no == out_trade_no && app_id.is_none_or(|a| a == t.app_id))
            .ok_or(PayerError::NotFound)?;
        if trade.status != TradeStatus::WaitBuyerPay {
            return Err(PayerError::NotPayable(trade.status.as_str()));
        }
        f(trade)
    })
}

/// The payer confirms: a waiting trade becomes paid (and is notified).
pub fn payer_pays(state: &SandboxState, app_id: Option<&str>, out_trade_no: &str) -> Result<Trade, PayerError> {
    with_open_trade(state, app_id, out_trade_no, |trade| {
        if trade.behaviour == Behaviour::InsufficientFunds {
            return Err(PayerError::InsufficientFunds);
        }
        mark_paid(state, trade);
        Ok(trade.clone())
    })
}

/// The payer declines on the payer page. In face-to-face payment the trade
/// stays `WAIT_BUYER_PAY`: Alipay neither fails nor notifies a trade whose
/// payer gave up (the payer could still pay; the trade ends when it
/// expires or the merchant closes it) [MEM]. Counted on the trade only.
pub fn payer_declines(state: &SandboxState, app_id: Option<&str>, out_trade_no: &str) -> Result<Trade, PayerError> {
    with_open_trade(state, app_id, out_trade_no, |trade| {
        trade.declined_by_payer += 1;
        Ok(trade.clone())
    })
}

pub(crate) fn pay_later(state: &Arc<SandboxState>, app_id: &str, out_trade_no: &str, after_ms: u64) {
    let (state, app_id, out_trade_no) = (state.clone(), app_id.to_string(), out_trade_no.to_string());
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(after_ms)).await;
        // The trade may have been closed or cancelled meanwhile: then nothing happens.
        let _ = payer_pays(&state, Some(&app_id), &out_trade_no);
    });
}
