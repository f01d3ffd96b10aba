//! `GET /_sandbox/orders`: the orders this sandbox holds, read-only, for
//! the payer page. Amounts in fen; `state` is JD's status code with its
//! meaning; `payable` says whether `POST /_sandbox/orders/{tradeNum}/pay`
//! can still pay it. `code_url` is the `qrCode` a QR order was given.

use super::SandboxState;
use super::state::lock;
use crate::protocol::messages::status;
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};
use std::sync::Arc;

fn meaning(code: &str) -> &'static str {
    match code {
        status::CREATED => "CREATED",
        status::PROCESSING => "PROCESSING",
        status::SUCCESS => "SUCCESS",
        status::FAILED => "FAILED",
        status::CLOSED => "CLOSED",
        _ => "UNKNOWN",
    }
}

pub async fn list(State(state): State<Arc<SandboxState>>) -> Json<Value> {
    let mut orders: Vec<Value> = lock(&state.orders)
        .values()
        .map(|o| {
            json!({
                "out_trade_no": o.trade_num,
                "amount": o.amount,
                "currency": "CNY",
                "state": meaning(o.status),
                "status": o.status,
                "payable": o.status == status::CREATED || o.status == status::PROCESSING,
                "code_url": format!("https://h5pay.jd.com/code?c={}", o.order_id),
                "merchant": o.merchant,
            })
        })
        .collect();
    orders.sort_by(|a, b| a["out_trade_no"].as_str().cmp(&b["out_trade_no"].as_str()));
    Json(json!({ "orders": orders }))
}
