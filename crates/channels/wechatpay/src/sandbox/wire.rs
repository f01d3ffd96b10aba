//! The sandbox's HTTP edge: authenticating merchants exactly as WeChat
//! does, and signing every answer with the platform key.

use super::SandboxState;
use super::merchant::Merchant;
use crate::protocol::MAX_CLOCK_SKEW_S;
use crate::protocol::auth::{Authorization, new_nonce};
use crate::protocol::clock::now_s;
use crate::protocol::models::ErrorBody;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

/// A request as received, for signature checks over its exact bytes.
pub struct Received<'a> {
    pub method: &'a Method,
    pub uri: &'a Uri,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// The merchant whose valid Authorization the request carries, or the
/// 401 `SIGN_ERROR` WeChat answers.
/// (The refusal is boxed: a `Response` is large and this is the rare path.)
pub fn authenticate(state: &SandboxState, req: &Received<'_>) -> Result<Merchant, Box<Response>> {
    let refuse = |message: &str| Box::new(unsigned_error(StatusCode::UNAUTHORIZED, "SIGN_ERROR", message));
    let header = req
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| refuse("缺少Authorization请求头"))?;
    let auth = Authorization::parse(header).map_err(|_| refuse("Authorization格式错误"))?;
    let merchant = state
        .merchant(&auth.mchid)
        .ok_or_else(|| refuse("商户号不存在或未开通API"))?;
    if auth.scheme != merchant.scheme() {
        return Err(refuse("签名算法与商户证书不符"));
    }
    if !auth.serial_no.eq_ignore_ascii_case(&merchant.serial_no) {
        return Err(refuse("商户证书序列号有误"));
    }
    let signed_at: i64 = auth.timestamp.parse().map_err(|_| refuse("timestamp格式错误"))?;
    if (now_s() - signed_at).abs() >= MAX_CLOCK_SKEW_S {
        return Err(refuse("签名已过期"));
    }
    let canonical = req
        .uri
        .path_and_query()
        .map(|pq| pq.as_str())
        .unwrap_or_else(|| req.uri.path());
    if !auth.verify(&merchant.public_key, req.method.as_str(), canonical, req.body) {
        return Err(refuse("签名错误"));
    }
    Ok(merchant)
}

/// A signed JSON answer.
pub fn signed_json<T: serde::Serialize>(
    state: &SandboxState,
    merchant: &Merchant,
    status: StatusCode,
    body: &T,
) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => signed(state, merchant, status, bytes, "application/json"),
        Err(_) => unsigned_error(StatusCode::INTERNAL_SERVER_ERROR, "SYSTEM_ERROR", "系统错误"),
    }
}

/// A signed error answer (`{"code","message"}`).
pub fn signed_error(
    state: &SandboxState,
    merchant: &Merchant,
    status: StatusCode,
    code: &str,
    message: &str,
) -> Response {
    let body = ErrorBody {
        code: code.into(),
        message: message.into(),
        detail: None,
    };
    signed_json(state, merchant, status, &body)
}

/// Signs `body` over `ts\nnonce\nbody\n`, announcing the serial the
/// merchant is set up to verify with.
pub fn signed(
    state: &SandboxState,
    merchant: &Merchant,
    status: StatusCode,
    body: Vec<u8>,
    content_type: &str,
) -> Response {
    let timestamp = now_s();
    let nonce = new_nonce();
    let Ok((signature, serial)) = state.sign_as_platform(merchant, timestamp, &nonce, &body) else {
        return unsigned_error(StatusCode::INTERNAL_SERVER_ERROR, "SYSTEM_ERROR", "系统错误");
    };
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    let mut put = |name: &'static str, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name, v);
        }
    };
    put("content-type", content_type);
    put("wechatpay-timestamp", &timestamp.to_string());
    put("wechatpay-nonce", &nonce);
    put("wechatpay-signature", &signature);
    put("wechatpay-serial", &serial);
    put("wechatpay-signature-type", merchant.scheme().name());
    put("request-id", &state.next_id("08"));
    response
}

/// An error before the merchant is known (so nothing to sign for).
pub fn unsigned_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({"code": code, "message": message}).to_string();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    response
}

/// Authenticates, then lets a scripted `rate_limit_next` turn the call
/// into WeChat's 429 `FREQUENCY_LIMITED` and a `fail_next` into its 500
/// `SYSTEM_ERROR`, both before anything is done.
pub(crate) fn admit(state: &SandboxState, req: &Received<'_>) -> Result<Merchant, Box<Response>> {
    let merchant = authenticate(state, req)?;
    if state.script.take_rate_limit() {
        return Err(Box::new(signed_error(
            state,
            &merchant,
            StatusCode::TOO_MANY_REQUESTS,
            "FREQUENCY_LIMITED",
            "频率超限",
        )));
    }
    if state.script.take_failure() {
        return Err(Box::new(signed_error(
            state,
            &merchant,
            StatusCode::INTERNAL_SERVER_ERROR,
            "SYSTEM_ERROR",
            "系统错误",
        )));
    }
    Ok(merchant)
}

pub(crate) fn param_error(state: &SandboxState, merchant: &Merchant, message: &str) -> Response {
    signed_error(state, merchant, StatusCode::BAD_REQUEST, "PARAM_ERROR", message)
}
