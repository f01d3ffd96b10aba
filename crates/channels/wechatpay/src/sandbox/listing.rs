//! `GET /_sandbox/orders`: the orders this sandbox holds, read-only, for
//! the payer page. Amounts in fen, states as WeChat names them; `payable`
//! says whether `POST /_sandbox/orders/{out_trade_no}/pay` can still pay it.

use super::SandboxState;
use super::store::lock;
use crate::protocol::states::trade_state;
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};
use std::sync::Arc;

pub async fn list(State(state): State<Arc<SandboxState>>) -> Json<Value> {
    let mut orders: Vec<Value> = lock(&state.books.orders)
        .values()
        .map(|o| {
            json!({
                "out_trade_no": o.out_trade_no,
                "amount": o.total,
                "currency": "CNY",
                "state": o.trade_state,
                "payable": matches!(o.trade_state.as_str(), trade_state::NOTPAY | trade_state::USERPAYING),
                "code_url": o.code_url,
                "description": o.description,
            })
        })
        .collect();
    orders.sort_by(|a, b| a["out_trade_no"].as_str().cmp(&b["out_trade_no"].as_str()));
    Json(json!({ "orders": orders }))
}
