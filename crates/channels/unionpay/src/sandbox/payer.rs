//! The sandbox's own endpoints: registering merchants and paying an order
//! as the payer (the payer page calls this).

use crate::sandbox::SandboxState;
use crate::sandbox::ledger::{Txn, TxnState};
use crate::sandbox::merchants::SandboxMerchant;
use crate::sandbox::settle;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::json;
use std::sync::Arc;

pub async fn register_merchant(
    State(state): State<Arc<SandboxState>>,
    Json(merchant): Json<SandboxMerchant>,
) -> (StatusCode, Json<serde_json::Value>) {
    match state.merchants.register(&merchant) {
        Ok(()) => (StatusCode::CREATED, Json(json!({"merId": merchant.mer_id}))),
        Err(e) => (StatusCode::BAD_REQUEST, Json(json!({"error": e.to_string()}))),
    }
}

type Answer = (StatusCode, Json<serde_json::Value>);

fn no_such_order() -> Answer {
    (StatusCode::NOT_FOUND, Json(json!({"error": "no such order"})))
}

/// The order the payer page names, if it still awaits its payer.
fn open_order(state: &SandboxState, order_id: &str) -> Result<Txn, Answer> {
    let order = state.ledger.find_order(order_id).ok_or_else(no_such_order)?;
    if !matches!(order.state, TxnState::Waiting | TxnState::Paying) || order.voided {
        return Err((
            StatusCode::CONFLICT,
            Json(json!({"error": "order is not awaiting payment"})),
        ));
    }
    Ok(order)
}

pub async fn pay(State(state): State<Arc<SandboxState>>, Path(order_id): Path<String>) -> Answer {
    let order = match open_order(&state, &order_id) {
        Ok(order) => order,
        Err(answer) => return answer,
    };
    match settle::succeed(&state, &order.mer_id, &order.order_id) {
        Some(paid) => (
            StatusCode::OK,
            Json(json!({"orderId": paid.order_id, "queryId": paid.query_id, "state": "paid"})),
        ),
        None => no_such_order(),
    }
}

/// The payer declines on the payer page: the order fails (respCode `01`
/// 交易失败, [MEM]) and the failure is notified.
pub async fn decline(State(state): State<Arc<SandboxState>>, Path(order_id): Path<String>) -> Answer {
    let order = match open_order(&state, &order_id) {
        Ok(order) => order,
        Err(answer) => return answer,
    };
    match settle::fail(
        &state,
        &order.mer_id,
        &order.order_id,
        PAYER_DECLINED_CODE,
        PAYER_DECLINED,
    ) {
        Some(failed) => (
            StatusCode::OK,
            Json(json!({"orderId": failed.order_id, "state": "declined"})),
        ),
        None => no_such_order(),
    }
}

/// The code and message a declined order fails with.
pub const PAYER_DECLINED_CODE: &str = "01";
pub const PAYER_DECLINED: &str = "交易失败[用户取消支付]";
