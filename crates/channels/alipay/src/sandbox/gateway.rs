//! `/gateway.do`: reads the parameters wherever the SDK put them (query
//! string, form body, or both), injects scripted faults, checks the app and
//! its RSA2 signature exactly as Alipay does, and dispatches the method.

use super::reply::{Reply, answer};
use super::state::{Merchant, SandboxState};
use super::{bills, refunds, trades};
use crate::protocol::answer::{INVALID_PARAMETER, MISSING_PARAMETER, Status, UNKNOWN_ERROR, sub};
use crate::protocol::params::{Params, parse_form, read_form};
use crate::protocol::sign::{self, SignType};
use crate::protocol::wire::Empty;
use crate::protocol::{method, response};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// What a method handler gets besides its `biz_content`.
pub struct Call {
    pub merchant: Merchant,
    pub notify_url: Option<String>,
    /// `http://host` the request came to, for URLs the sandbox hands out.
    pub origin: String,
    pub biz_content: String,
}

pub async fn handle(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let mut params = parse_form(query.as_deref().unwrap_or_default().as_bytes());
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("application/x-www-form-urlencoded"));
    if is_form && !body.is_empty() {
        read_form(&body, &mut params);
    }
    let origin = format!(
        "http://{}",
        headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("127.0.0.1")
    );
    let method = params.get("method").cloned().unwrap_or_default();
    let reply = if method.is_empty() {
        Reply::Error(error_object(MISSING_PARAMETER, sub::MISSING_METHOD, "缺少方法名参数"))
    } else if state.script.take_failure() {
        if state.next_fault() % 2 == 0 {
            Reply::ServerError
        } else {
            answer(
                Status::failure(UNKNOWN_ERROR, sub::SYSTEM_UNKNOWN, "系统繁忙"),
                &Empty {},
            )
        }
    } else {
        match authenticate(&state, &params) {
            Err(reply) => reply,
            Ok(merchant) => {
                let call = Call {
                    merchant,
                    notify_url: params.get("notify_url").filter(|u| !u.is_empty()).cloned(),
                    origin,
                    biz_content: params.get("biz_content").cloned().unwrap_or_default(),
                };
                dispatch(&state, &method, call)
            }
        }
    };
    let sign_type = params
        .get("sign_type")
        .and_then(|t| SignType::parse(t))
        .unwrap_or_default();
    render(&state, sign_type, &method, reply).await
}

fn error_object(code: &str, sub_code: &str, sub_msg: &str) -> serde_json::Value {
    serde_json::to_value(Status::failure(code, sub_code, sub_msg)).unwrap_or_default()
}

/// The app, its signature type and its signature, checked in Alipay's order.
fn authenticate(state: &SandboxState, params: &Params) -> Result<Merchant, Reply> {
    let refuse =
        |code: &str, sub_code: &str, sub_msg: &str| answer(Status::failure(code, sub_code, sub_msg), &Empty {});
    let app_id = params.get("app_id").map(String::as_str).unwrap_or_default();
    let Some(merchant) = state.merchant(app_id) else {
        return Err(refuse(INVALID_PARAMETER, sub::INVALID_APP_ID, "无效的AppID参数"));
    };
    let Some(sign_type) = SignType::parse(params.get("sign_type").map(String::as_str).unwrap_or_default()) else {
        return Err(refuse(INVALID_PARAMETER, sub::INVALID_SIGNATURE_TYPE, "无效的签名类型"));
    };
    let Some(signature) = params.get("sign").filter(|s| !s.is_empty()) else {
        return Err(refuse(MISSING_PARAMETER, sub::MISSING_SIGNATURE, "缺少签名参数"));
    };
    let content = sign::request_content(params);
    if !sign::verify(&merchant.public_key, sign_type, &content, signature) {
        // Alipay quotes the string it verified, to help merchants debug.
        return Err(refuse(
            INVALID_PARAMETER,
            sub::INVALID_SIGNATURE,
            &format!("验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：{content}"),
        ));
    }
    Ok(merchant)
}

fn dispatch(state: &Arc<SandboxState>, name: &str, call: Call) -> Reply {
    match name {
        method::PRECREATE => trades::precreate(state, call),
        method::PAY => trades::pay(state, call),
        method::QUERY => trades::query(state, call),
        method::CLOSE => trades::close(state, call),
        method::CANCEL => trades::cancel(state, call),
        method::REFUND => refunds::refund(state, call),
        method::REFUND_QUERY => refunds::query(state, call),
        method::BILL_URL_QUERY => bills::url_query(state, call),
        _ => Reply::Error(error_object(INVALID_PARAMETER, sub::INVALID_METHOD, "不存在的方法名")),
    }
}

async fn render(state: &SandboxState, sign_type: SignType, method: &str, reply: Reply) -> Response {
    let (name, object) = match reply {
        Reply::Answer(object) => (Some(method), object),
        Reply::Error(object) => (None, object),
        Reply::ServerError => return (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response(),
        Reply::Hang => {
            std::future::pending::<()>().await;
            return StatusCode::GATEWAY_TIMEOUT.into_response();
        }
    };
    match response::render(&state.alipay_key, sign_type, name, &object) {
        Ok(text) => ([(header::CONTENT_TYPE, "application/json;charset=utf-8")], text).into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response(),
    }
}
