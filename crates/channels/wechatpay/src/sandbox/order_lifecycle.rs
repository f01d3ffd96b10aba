//! An order after creation: queried (by out_trade_no or transaction_id),
//! closed, reversed.

use super::SandboxState;
use super::orders::transaction_answer;
use super::store::{key, lock};
use super::wire::{Received, admit, param_error, signed, signed_error, signed_json};
use crate::protocol::models::{CloseRequest, ReverseRequest, ReverseResponse};
use crate::protocol::states::trade_state;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use serde::Deserialize;
use std::sync::Arc;

#[derive(Debug, Deserialize)]
pub struct MchidQuery {
    mchid: Option<String>,
}

pub async fn query_by_out_trade_no(
    State(state): State<Arc<SandboxState>>,
    Path(out_trade_no): Path<String>,
    Query(q): Query<MchidQuery>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let req = Received {
        method: &method,
        uri: &uri,
        headers: &headers,
        body: b"",
    };
    let merchant = match admit(&state, &req) {
        Ok(m) => m,
        Err(refused) => return *refused,
    };
    if q.mchid.as_deref() != Some(merchant.mchid.as_str()) {
        return param_error(&state, &merchant, "mchid参数与请求头中的商户号不一致");
    }
    transaction_answer(&state, &merchant, &out_trade_no)
}

pub async fn query_by_id(
    State(state): State<Arc<SandboxState>>,
    Path(transaction_id): Path<String>,
    Query(q): Query<MchidQuery>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let req = Received {
        method: &method,
        uri: &uri,
        headers: &headers,
        body: b"",
    };
    let merchant = match admit(&state, &req) {
        Ok(m) => m,
        Err(refused) => return *refused,
    };
    if q.mchid.as_deref() != Some(merchant.mchid.as_str()) {
        return param_error(&state, &merchant, "mchid参数与请求头中的商户号不一致");
    }
    let number = lock(&state.books.orders)
        .values()
        .find(|o| o.mchid == merchant.mchid && o.transaction_id.as_deref() == Some(transaction_id.as_str()))
        .map(|o| o.out_trade_no.clone());
    match number {
        Some(number) => transaction_answer(&state, &merchant, &number),
        None => signed_error(
            &state,
            &merchant,
            StatusCode::NOT_FOUND,
            "ORDER_NOT_EXIST",
            "订单不存在",
        ),
    }
}

pub async fn close(
    State(state): State<Arc<SandboxState>>,
    Path(out_trade_no): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = Received {
        method: &method,
        uri: &uri,
        headers: &headers,
        body: &body,
    };
    let merchant = match admit(&state, &req) {
        Ok(m) => m,
        Err(refused) => return *refused,
    };
    match serde_json::from_slice::<CloseRequest>(&body) {
        Ok(c) if c.mchid == merchant.mchid => {}
        Ok(_) => return param_error(&state, &merchant, "请求中的mchid与请求头中的商户号不一致"),
        Err(e) => return param_error(&state, &merchant, &format!("输入源“/body”映射到值字段失败: {e}")),
    }
    let outcome = {
        let mut orders = lock(&state.books.orders);
        match orders.get_mut(&key(&merchant.mchid, &out_trade_no)) {
            None => Err((StatusCode::NOT_FOUND, "ORDER_NOT_EXIST", "订单不存在")),
            Some(o) if o.is_paid() => Err((StatusCode::BAD_REQUEST, "ORDERPAID", "订单已支付，不能关闭")),
            Some(o) => {
                o.trade_state = trade_state::CLOSED.into();
                o.trade_state_desc = "订单已关闭".into();
                Ok(())
            }
        }
    };
    match outcome {
        Ok(()) => signed(
            &state,
            &merchant,
            StatusCode::NO_CONTENT,
            Vec::new(),
            "application/json",
        ),
        Err((status, code, message)) => signed_error(&state, &merchant, status, code, message),
    }
}

pub async fn reverse(
    State(state): State<Arc<SandboxState>>,
    Path(out_trade_no): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = Received {
        method: &method,
        uri: &uri,
        headers: &headers,
        body: &body,
    };
    let merchant = match admit(&state, &req) {
        Ok(m) => m,
        Err(refused) => return *refused,
    };
    let request = match serde_json::from_slice::<ReverseRequest>(&body) {
        Ok(r) if r.mchid == merchant.mchid => r,
        Ok(_) => return param_error(&state, &merchant, "请求中的mchid与请求头中的商户号不一致"),
        Err(e) => return param_error(&state, &merchant, &format!("输入源“/body”映射到值字段失败: {e}")),
    };
    let outcome = {
        let mut orders = lock(&state.books.orders);
        match orders.get_mut(&key(&merchant.mchid, &out_trade_no)) {
            None => Err((StatusCode::NOT_FOUND, "ORDER_NOT_EXIST", "订单不存在")),
            Some(o) if o.trade_state == trade_state::REFUND => {
                Err((StatusCode::BAD_REQUEST, "INVALID_REQUEST", "订单已发生退款，不能撤销"))
            }
            Some(o) => {
                // A paid payment-code order is reversed too: the money goes
                // back to the payer and the order ends REVOKED.
                o.trade_state = trade_state::REVOKED.into();
                o.trade_state_desc = "已撤销".into();
                Ok(())
            }
        }
    };
    match outcome {
        Ok(()) => signed_json(
            &state,
            &merchant,
            StatusCode::OK,
            &ReverseResponse {
                appid: request.appid,
                mchid: request.mchid,
                out_trade_no,
            },
        ),
        Err((status, code, message)) => signed_error(&state, &merchant, status, code, message),
    }
}
