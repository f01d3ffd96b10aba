//! `GET /_sandbox/orders`: the consumptions this sandbox holds, read-only,
//! for the payer page. Amounts in fen (`txnAmt`); `payable` says whether
//! `POST /_sandbox/orders/{orderId}/pay` can still pay it. `code_url` is
//! the `qrCode` a QR order was given (the same formula as the answer).

use super::SandboxState;
use super::ledger::TxnState;
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};
use std::sync::Arc;

fn state_name(state: &TxnState) -> &'static str {
    match state {
        TxnState::Waiting => "WAITING",
        TxnState::Paying => "PAYING",
        TxnState::Succeeded { .. } => "SUCCEEDED",
        TxnState::Failed { .. } => "FAILED",
    }
}

pub async fn list(State(state): State<Arc<SandboxState>>) -> Json<Value> {
    let base = state.options.public_base_url.trim_end_matches('/').to_string();
    let orders: Vec<Value> = state
        .ledger
        .consumptions()
        .iter()
        .map(|t| {
            let open = matches!(t.state, TxnState::Waiting | TxnState::Paying) && !t.voided;
            json!({
                "out_trade_no": t.order_id,
                "amount": t.amount,
                "currency": "CNY",
                "state": if t.voided { "VOIDED" } else { state_name(&t.state) },
                "payable": open,
                "code_url": format!("{base}/_sandbox/qr/{}", t.order_id),
                "mer_id": t.mer_id,
            })
        })
        .collect();
    Json(json!({ "orders": orders }))
}
