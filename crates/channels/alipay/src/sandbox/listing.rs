//! `GET /_sandbox/orders`: the trades this sandbox holds, read-only, for
//! the payer page. Amounts in fen, states as Alipay names them; `payable`
//! says whether `POST /_sandbox/orders/{out_trade_no}/pay` can still pay it.

use super::state::{SandboxState, TradeStatus};
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};
use std::sync::Arc;

pub async fn list(State(state): State<Arc<SandboxState>>) -> Json<Value> {
    let orders: Vec<Value> = state.with_trades(|trades| {
        trades
            .values()
            .map(|t| {
                json!({
                    "out_trade_no": t.out_trade_no,
                    "amount": t.total,
                    "currency": "CNY",
                    "state": t.status.as_str(),
                    "payable": t.status == TradeStatus::WaitBuyerPay,
                    "code_url": t.qr_code,
                    "description": t.subject,
                    "app_id": t.app_id,
                })
            })
            .collect()
    });
    Json(json!({ "orders": orders }))
}
