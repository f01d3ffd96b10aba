//! Creating orders: the four prepay kinds and codepay — and the moment
//! an order is paid (or fails).

use super::SandboxState;
use super::merchant::Merchant;
use super::notify;
use super::store::{Order, key, lock};
use super::wire::{Received, admit, param_error, signed_error, signed_json};
use crate::protocol::clock::now_ms;
use crate::protocol::models::{CodepayRequest, H5Response, NativeResponse, PrepayIdResponse, PrepayRequest};
use crate::protocol::states::trade_state;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use juhe_sandbox_kit::Behaviour;
use std::sync::Arc;
use std::time::Duration;

pub async fn create(
    State(state): State<Arc<SandboxState>>,
    Path(kind): Path<String>,
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
    if kind == "codepay" {
        return codepay(state, merchant, &body).await;
    }
    let trade_type = match kind.as_str() {
        "native" => "NATIVE",
        "jsapi" => "JSAPI",
        "h5" => "MWEB",
        "app" => "APP",
        _ => return signed_error(&state, &merchant, StatusCode::NOT_FOUND, "NOT_FOUND", "接口不存在"),
    };
    let order: PrepayRequest = match serde_json::from_slice(&body) {
        Ok(o) => o,
        Err(e) => return param_error(&state, &merchant, &format!("输入源“/body”映射到值字段失败: {e}")),
    };
    if let Some(refused) = check_common(&state, &merchant, &order.mchid, order.amount.total, &order.out_trade_no) {
        return refused;
    }
    let openid = match (trade_type, order.payer.as_ref()) {
        ("JSAPI", None) => return param_error(&state, &merchant, "缺少参数payer.openid"),
        (_, payer) => payer.map(|p| p.openid.clone()),
    };
    if trade_type == "MWEB"
        && order
            .scene_info
            .as_ref()
            .and_then(|s| s.payer_client_ip.as_ref())
            .is_none()
    {
        return param_error(&state, &merchant, "缺少参数scene_info.payer_client_ip");
    }
    let behaviour = state
        .script
        .behaviour_for(order.amount.total, None, &order.out_trade_no, Behaviour::Wait);
    let prepay_id = state.next_id("wx");
    let mut code_url = format!("weixin://wxpay/bizpayurl?pr={}", &prepay_id[2..]);
    let new = Order {
        mchid: merchant.mchid.clone(),
        appid: order.appid.clone(),
        out_trade_no: order.out_trade_no.clone(),
        transaction_id: None,
        trade_type: trade_type.into(),
        trade_state: if behaviour == Behaviour::StayPaying {
            trade_state::USERPAYING.into()
        } else {
            trade_state::NOTPAY.into()
        },
        trade_state_desc: "订单未支付".into(),
        description: order.description.clone(),
        attach: order.attach.clone(),
        notify_url: Some(order.notify_url.clone()),
        total: order.amount.total,
        openid,
        success_ms: None,
        behaviour: behaviour.clone(),
        last_delivery: None,
        code_url: (trade_type == "NATIVE").then(|| code_url.clone()),
    };
    if let Some(existing) = insert_order(&state, new) {
        // The same out_trade_no again: WeChat answers the same prepay
        // while the order is unpaid, and ORDERPAID once it is paid.
        if existing.is_paid() {
            return signed_error(&state, &merchant, StatusCode::FORBIDDEN, "ORDERPAID", "该订单已支付");
        }
        if existing.trade_state == trade_state::CLOSED {
            return signed_error(&state, &merchant, StatusCode::BAD_REQUEST, "ORDER_CLOSED", "订单已关闭");
        }
        // The payer page finds the order by the code it was first given.
        if let Some(first) = existing.code_url {
            code_url = first;
        }
    }
    match behaviour {
        Behaviour::NeverAnswer => return std::future::pending::<Response>().await,
        Behaviour::Pay { after_ms } => schedule_payment(&state, &merchant, &order.out_trade_no, after_ms),
        _ => {}
    }
    let ok = StatusCode::OK;
    match trade_type {
        "NATIVE" => signed_json(&state, &merchant, ok, &NativeResponse { code_url }),
        "MWEB" => signed_json(
            &state,
            &merchant,
            ok,
            &H5Response {
                h5_url: format!(
                    "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id={prepay_id}&package=2150917749"
                ),
            },
        ),
        _ => signed_json(&state, &merchant, ok, &PrepayIdResponse { prepay_id }),
    }
}

/// mchid agreeing with the Authorization, a positive amount, an order number.
fn check_common(
    state: &SandboxState,
    merchant: &Merchant,
    body_mchid: &str,
    total: i64,
    out_trade_no: &str,
) -> Option<Response> {
    if body_mchid != merchant.mchid {
        return Some(param_error(state, merchant, "请求中的mchid与请求头中的商户号不一致"));
    }
    if total <= 0 {
        return Some(param_error(state, merchant, "amount.total必须大于0"));
    }
    if out_trade_no.is_empty() || out_trade_no.len() > 32 {
        return Some(param_error(state, merchant, "out_trade_no长度须在1到32之间"));
    }
    None
}

/// Inserts unless the number is taken; returns the existing order then.
fn insert_order(state: &SandboxState, order: Order) -> Option<Order> {
    let mut orders = lock(&state.books.orders);
    let k = key(&order.mchid, &order.out_trade_no);
    if let Some(existing) = orders.get(&k) {
        return Some(existing.clone());
    }
    orders.insert(k, order);
    None
}

async fn codepay(state: Arc<SandboxState>, merchant: Merchant, body: &[u8]) -> Response {
    let order: CodepayRequest = match serde_json::from_slice(body) {
        Ok(o) => o,
        Err(e) => return param_error(&state, &merchant, &format!("输入源“/body”映射到值字段失败: {e}")),
    };
    if let Some(refused) = check_common(&state, &merchant, &order.mchid, order.amount.total, &order.out_trade_no) {
        return refused;
    }
    let auth_code = order.payer.auth_code.clone();
    // Payment codes are 18 digits starting 10–15 (WeChat's published rule).
    if auth_code.len() != 18 || !auth_code.bytes().all(|b| b.is_ascii_digit()) || !auth_code.starts_with('1') {
        return signed_error(
            &state,
            &merchant,
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            "付款码无效，请重新扫码",
        );
    }
    let behaviour = state.script.behaviour_for(
        order.amount.total,
        Some(&auth_code),
        &order.out_trade_no,
        Behaviour::Pay { after_ms: 0 },
    );
    let new = Order {
        mchid: merchant.mchid.clone(),
        appid: order.appid.clone(),
        out_trade_no: order.out_trade_no.clone(),
        transaction_id: None,
        trade_type: "MICROPAY".into(),
        trade_state: trade_state::USERPAYING.into(),
        trade_state_desc: "需要用户输入支付密码".into(),
        description: order.description.clone(),
        attach: order.attach.clone(),
        notify_url: None,
        total: order.amount.total,
        openid: None,
        success_ms: None,
        behaviour: behaviour.clone(),
        last_delivery: None,
        code_url: None,
    };
    if let Some(existing) = insert_order(&state, new) {
        if existing.is_paid() {
            return signed_error(&state, &merchant, StatusCode::FORBIDDEN, "ORDERPAID", "该订单已支付");
        }
        return signed_error(
            &state,
            &merchant,
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "商户订单号重复",
        );
    }
    let number = order.out_trade_no.clone();
    match behaviour {
        Behaviour::NeverAnswer => std::future::pending::<Response>().await,
        Behaviour::Pay { after_ms: 0 } => {
            mark_paid(&state, &merchant.mchid, &number);
            transaction_answer(&state, &merchant, &number)
        }
        Behaviour::Decline { code, message } => {
            mark_failed(&state, &merchant.mchid, &number, &message);
            signed_error(&state, &merchant, StatusCode::FORBIDDEN, &code, &message)
        }
        Behaviour::InsufficientFunds => {
            mark_failed(&state, &merchant.mchid, &number, "用户余额不足");
            signed_error(&state, &merchant, StatusCode::FORBIDDEN, "NOTENOUGH", "用户余额不足")
        }
        Behaviour::Pay { after_ms } => {
            schedule_payment(&state, &merchant, &number, after_ms);
            user_paying(&state, &merchant)
        }
        Behaviour::Wait | Behaviour::StayPaying => user_paying(&state, &merchant),
    }
}

/// 202 with `USERPAYING`: the payer must confirm on the phone ([MEM]).
fn user_paying(state: &SandboxState, merchant: &Merchant) -> Response {
    signed_error(
        state,
        merchant,
        StatusCode::ACCEPTED,
        "USERPAYING",
        "需要用户输入支付密码",
    )
}

pub(crate) fn transaction_answer(state: &SandboxState, merchant: &Merchant, out_trade_no: &str) -> Response {
    let tx = lock(&state.books.orders)
        .get(&key(&merchant.mchid, out_trade_no))
        .map(Order::transaction);
    match tx {
        Some(Ok(tx)) => signed_json(state, merchant, StatusCode::OK, &tx),
        Some(Err(_)) => signed_error(
            state,
            merchant,
            StatusCode::INTERNAL_SERVER_ERROR,
            "SYSTEM_ERROR",
            "系统错误",
        ),
        None => signed_error(state, merchant, StatusCode::NOT_FOUND, "ORDER_NOT_EXIST", "订单不存在"),
    }
}

/// NOTPAY/USERPAYING → SUCCESS. False if the order was no longer payable.
pub(crate) fn mark_paid(state: &SandboxState, mchid: &str, out_trade_no: &str) -> bool {
    let mut orders = lock(&state.books.orders);
    let Some(order) = orders.get_mut(&key(mchid, out_trade_no)) else {
        return false;
    };
    if !matches!(
        order.trade_state.as_str(),
        trade_state::NOTPAY | trade_state::USERPAYING
    ) {
        return false;
    }
    order.trade_state = trade_state::SUCCESS.into();
    order.trade_state_desc = "支付成功".into();
    order.transaction_id = Some(state.next_id("4200"));
    order.success_ms = Some(now_ms());
    if order.openid.is_none() {
        order.openid = Some("oSandboxPayer0000000000000000".into());
    }
    true
}

pub(crate) fn mark_failed(state: &SandboxState, mchid: &str, out_trade_no: &str, desc: &str) {
    if let Some(order) = lock(&state.books.orders).get_mut(&key(mchid, out_trade_no)) {
        order.trade_state = trade_state::PAYERROR.into();
        order.trade_state_desc = desc.into();
    }
}

/// Pays the order (and notifies) after `after_ms`, if it is still payable.
fn schedule_payment(state: &Arc<SandboxState>, merchant: &Merchant, out_trade_no: &str, after_ms: u64) {
    let (state, merchant, number) = (state.clone(), merchant.clone(), out_trade_no.to_string());
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(after_ms)).await;
        if mark_paid(&state, &merchant.mchid, &number) {
            notify::payment_succeeded(&state, &merchant, &merchant.mchid, &number);
        }
    });
}
