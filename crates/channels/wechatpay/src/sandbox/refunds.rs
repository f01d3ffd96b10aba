//! Refunds: accepted as `PROCESSING`, settled to `SUCCESS` shortly after
//! (with `REFUND.SUCCESS` sent), queried by out_refund_no.

use super::store::{RefundRecord, key, lock};
use super::wire::{Received, admit, param_error, signed_error, signed_json};
use super::{SandboxState, notify};
use crate::protocol::clock::now_ms;
use crate::protocol::models::RefundRequest;
use crate::protocol::states::{refund_status, trade_state};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use std::sync::Arc;

pub async fn create(
    State(state): State<Arc<SandboxState>>,
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
    let request: RefundRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return param_error(&state, &merchant, &format!("输入源“/body”映射到值字段失败: {e}")),
    };
    let mchid = merchant.mchid.clone();
    let outcome = {
        let mut orders = lock(&state.books.orders);
        let mut refunds = lock(&state.books.refunds);
        // The same out_refund_no again is the same refund (idempotent).
        if let Some(existing) = refunds.get(&key(&mchid, &request.out_refund_no)) {
            Ok(existing.clone())
        } else {
            let order = orders.values_mut().find(|o| {
                o.mchid == mchid
                    && (request.out_trade_no.as_deref() == Some(o.out_trade_no.as_str())
                        || (request.transaction_id.is_some() && request.transaction_id == o.transaction_id))
            });
            match order {
                None => Err((StatusCode::NOT_FOUND, "RESOURCE_NOT_EXISTS", "订单不存在".to_string())),
                Some(o) if !o.is_paid() => Err((StatusCode::BAD_REQUEST, "INVALID_REQUEST", "订单未支付".into())),
                Some(o) if request.amount.total != o.total => Err((
                    StatusCode::BAD_REQUEST,
                    "PARAM_ERROR",
                    "订单金额与原订单金额不一致".into(),
                )),
                Some(o) => {
                    let refunded: i64 = refunds
                        .values()
                        .filter(|r| {
                            r.mchid == mchid && r.out_trade_no == o.out_trade_no && r.status != refund_status::CLOSED
                        })
                        .map(|r| r.refund)
                        .sum();
                    if request.amount.refund <= 0 || refunded + request.amount.refund > o.total {
                        Err((
                            StatusCode::BAD_REQUEST,
                            "INVALID_REQUEST",
                            "申请退款金额超过订单可退金额".into(),
                        ))
                    } else {
                        let record = RefundRecord {
                            mchid: mchid.clone(),
                            refund_id: state.next_id("50"),
                            out_refund_no: request.out_refund_no.clone(),
                            out_trade_no: o.out_trade_no.clone(),
                            transaction_id: o.transaction_id.clone().unwrap_or_default(),
                            refund: request.amount.refund,
                            total: o.total,
                            status: refund_status::PROCESSING.into(),
                            created_ms: now_ms(),
                            success_ms: None,
                            notify_url: request.notify_url.clone(),
                        };
                        refunds.insert(key(&mchid, &record.out_refund_no), record.clone());
                        settle_later(&state, &merchant.mchid, &record.out_refund_no);
                        Ok(record)
                    }
                }
            }
        }
    };
    match outcome.map(|r| r.refund()) {
        Ok(Ok(refund)) => signed_json(&state, &merchant, StatusCode::OK, &refund),
        Ok(Err(_)) => signed_error(
            &state,
            &merchant,
            StatusCode::INTERNAL_SERVER_ERROR,
            "SYSTEM_ERROR",
            "系统错误",
        ),
        Err((status, code, message)) => signed_error(&state, &merchant, status, code, &message),
    }
}

/// PROCESSING → SUCCESS after `refund_settle`; the order becomes `REFUND`.
fn settle_later(state: &Arc<SandboxState>, mchid: &str, out_refund_no: &str) {
    let (state, mchid, number) = (state.clone(), mchid.to_string(), out_refund_no.to_string());
    tokio::spawn(async move {
        tokio::time::sleep(state.options.refund_settle).await;
        let settled = {
            let mut refunds = lock(&state.books.refunds);
            let Some(record) = refunds.get_mut(&key(&mchid, &number)) else {
                return;
            };
            record.status = refund_status::SUCCESS.into();
            record.success_ms = Some(now_ms());
            record.clone()
        };
        if let Some(order) = lock(&state.books.orders).get_mut(&key(&mchid, &settled.out_trade_no)) {
            order.trade_state = trade_state::REFUND.into();
            order.trade_state_desc = "订单发生过退款".into();
        }
        if let Some(merchant) = state.merchant(&mchid) {
            notify::refund_settled(&state, &merchant, &settled);
        }
    });
}

pub async fn query(
    State(state): State<Arc<SandboxState>>,
    Path(out_refund_no): Path<String>,
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
    let found = lock(&state.books.refunds)
        .get(&key(&merchant.mchid, &out_refund_no))
        .map(RefundRecord::refund);
    match found {
        Some(Ok(refund)) => signed_json(&state, &merchant, StatusCode::OK, &refund),
        Some(Err(_)) => signed_error(
            &state,
            &merchant,
            StatusCode::INTERNAL_SERVER_ERROR,
            "SYSTEM_ERROR",
            "系统错误",
        ),
        None => signed_error(
            &state,
            &merchant,
            StatusCode::NOT_FOUND,
            "RESOURCE_NOT_EXISTS",
            "退款单不存在",
        ),
    }
}
