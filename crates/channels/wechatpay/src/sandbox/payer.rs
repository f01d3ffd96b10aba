//! The sandbox's own controls: registering merchants, and the payer
//! pressing "pay" (what the payer page will call).

use super::merchant::MerchantRegistration;
use super::orders::{mark_failed, mark_paid};
use super::store::lock;
use super::{SandboxState, notify};
use crate::protocol::states::trade_state;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use juhe_sandbox_kit::Behaviour;
use std::sync::Arc;

pub async fn register_merchant(
    State(state): State<Arc<SandboxState>>,
    Json(registration): Json<MerchantRegistration>,
) -> Response {
    match state.register(&registration) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({"message": e.to_string()})),
        )
            .into_response(),
    }
}

/// The payer pays an order waiting for them. The order's scripted
/// behaviour decides: decline → `PAYERROR`, insufficient funds →
/// `PAYERROR` (余额不足), stay paying → unchanged, otherwise `SUCCESS`
/// and `TRANSACTION.SUCCESS` is sent.
pub async fn pay(State(state): State<Arc<SandboxState>>, Path(out_trade_no): Path<String>) -> Response {
    let found = lock(&state.books.orders)
        .values()
        .find(|o| o.out_trade_no == out_trade_no)
        .map(|o| (o.mchid.clone(), o.behaviour.clone(), o.trade_state.clone()));
    let Some((mchid, behaviour, current)) = found else {
        return answer(StatusCode::NOT_FOUND, "ORDER_NOT_EXIST");
    };
    if !matches!(current.as_str(), trade_state::NOTPAY | trade_state::USERPAYING) {
        return answer(StatusCode::CONFLICT, &current);
    }
    match behaviour {
        Behaviour::Decline { message, .. } => {
            mark_failed(&state, &mchid, &out_trade_no, &message);
            answer(StatusCode::OK, trade_state::PAYERROR)
        }
        Behaviour::InsufficientFunds => {
            mark_failed(&state, &mchid, &out_trade_no, "用户余额不足");
            answer(StatusCode::OK, trade_state::PAYERROR)
        }
        Behaviour::StayPaying => answer(StatusCode::OK, trade_state::USERPAYING),
        Behaviour::Pay { .. } | Behaviour::Wait | Behaviour::NeverAnswer => {
            if mark_paid(&state, &mchid, &out_trade_no)
                && let Some(merchant) = state.merchant(&mchid)
            {
                notify::payment_succeeded(&state, &merchant, &mchid, &out_trade_no);
            }
            answer(StatusCode::OK, trade_state::SUCCESS)
        }
    }
}

/// The payer declines on the payer page: the order fails as WeChat records
/// a failed payment (`PAYERROR`, `trade_state_desc` 用户拒绝支付). WeChat
/// sends no notification for a failure (only `TRANSACTION.SUCCESS`): the
/// merchant learns it by query.
pub async fn decline(State(state): State<Arc<SandboxState>>, Path(out_trade_no): Path<String>) -> Response {
    let found = lock(&state.books.orders)
        .values()
        .find(|o| o.out_trade_no == out_trade_no)
        .map(|o| (o.mchid.clone(), o.trade_state.clone()));
    let Some((mchid, current)) = found else {
        return answer(StatusCode::NOT_FOUND, "ORDER_NOT_EXIST");
    };
    if !matches!(current.as_str(), trade_state::NOTPAY | trade_state::USERPAYING) {
        return answer(StatusCode::CONFLICT, &current);
    }
    mark_failed(&state, &mchid, &out_trade_no, PAYER_DECLINED);
    answer(StatusCode::OK, trade_state::PAYERROR)
}

/// What the order says once its payer declined.
pub const PAYER_DECLINED: &str = "用户拒绝支付";

fn answer(status: StatusCode, trade_state: &str) -> Response {
    (status, Json(serde_json::json!({"trade_state": trade_state}))).into_response()
}
