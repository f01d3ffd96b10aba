//! The payer's side and the sandbox's own controls: the H5 cashier that
//! takes the merchant's form, the payer page's pay button, merchants.

use crate::protocol::JdXml;
use crate::protocol::form;
use crate::protocol::messages::{codes, status};
use crate::sandbox::call::Verified;
use crate::sandbox::state::{SandboxMerchant, SandboxState};
use crate::sandbox::trades::{behaviour_for, new_order, pay_later};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use juhe_sandbox_kit::Behaviour;
use std::sync::Arc;

pub(crate) async fn add_merchant(State(state): State<Arc<SandboxState>>, body: Bytes) -> Response {
    let merchant: SandboxMerchant = match serde_json::from_slice(&body) {
        Ok(m) => m,
        Err(e) => return (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    };
    match state.add_merchant(merchant) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    }
}

/// The payer page's "pay" button.
pub(crate) async fn pay_order(State(state): State<Arc<SandboxState>>, Path(trade_num): Path<String>) -> Response {
    match state.find_order(&trade_num) {
        Some(order_key) if state.pay(&order_key) => StatusCode::NO_CONTENT.into_response(),
        Some(_) => (StatusCode::CONFLICT, "order cannot be paid").into_response(),
        None => (StatusCode::NOT_FOUND, "no such order").into_response(),
    }
}

/// The payer declines on the payer page (see `SandboxState::decline`).
pub(crate) async fn decline_order(State(state): State<Arc<SandboxState>>, Path(trade_num): Path<String>) -> Response {
    match state.find_order(&trade_num) {
        Some(order_key) if state.decline(&order_key) => StatusCode::NO_CONTENT.into_response(),
        Some(_) => (StatusCode::CONFLICT, "order cannot be declined").into_response(),
        None => (StatusCode::NOT_FOUND, "no such order").into_response(),
    }
}

/// The H5 cashier: the payer's browser posts the merchant's sealed form;
/// the order is created and the payer page shown (paid through
/// `/_sandbox/orders/{tradeNum}/pay`).
pub(crate) async fn save_order(
    State(state): State<Arc<SandboxState>>,
    axum::extract::Form(posted): axum::extract::Form<std::collections::BTreeMap<String, String>>,
) -> Response {
    let page = |status: StatusCode, text: String| {
        (
            status,
            [("content-type", "text/html; charset=utf-8")],
            format!("<!doctype html><html><body><p>{text}</p></body></html>"),
        )
            .into_response()
    };
    let merchant = posted.get("merchant").cloned().unwrap_or_default();
    let Some(keys) = state.merchant(&merchant) else {
        return page(
            StatusCode::BAD_REQUEST,
            format!("{} 商户不存在", codes::UNKNOWN_MERCHANT),
        );
    };
    let plain = match form::open_form(&posted, &keys.des_key, &keys.public_key) {
        Ok(p) => p,
        Err(_) => return page(StatusCode::BAD_REQUEST, format!("{} 验签失败", codes::BAD_SIGNATURE)),
    };
    let mut fields = JdXml::new();
    for (k, v) in &plain {
        fields.push(k, v.as_str());
    }
    let verified = Verified { merchant, keys, fields };
    let behaviour = behaviour_for(&state, &verified, None, Behaviour::Wait);
    match new_order(&state, &verified, status::CREATED) {
        Ok((order_key, order)) => {
            if let Behaviour::Pay { after_ms } = behaviour {
                pay_later(&state, order_key, after_ms);
            }
            page(
                StatusCode::OK,
                format!(
                    "京东支付 sandbox: order {} amount {} fen",
                    order.trade_num, order.amount
                ),
            )
        }
        Err(r) => page(StatusCode::BAD_REQUEST, format!("{} {}", r.code, r.desc)),
    }
}
