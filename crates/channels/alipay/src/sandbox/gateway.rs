//! `/gateway.do`: reads the parameters wherever the SDK put them (query
//! string, form body, or both), injects scripted faults, checks the app and
//! its RSA2 signature exactly as Alipay does (and, for certificate-mode
//! apps, the certificate SNs the request names), decrypts an encrypted
//! `biz_content`, and dispatches the method. Answers to an encrypted
//! request are encrypted; answers to a certificate-mode app name the
//! certificate they are signed with.

use super::reply::{Reply, answer};
use super::state::{Merchant, SandboxState};
use super::{bills, refunds, trades};
use crate::protocol::answer::{INVALID_PARAMETER, MISSING_PARAMETER, Status, UNKNOWN_ERROR, sub};
use crate::protocol::params::{Params, parse_form, read_form};
use crate::protocol::response::RenderOptions;
use crate::protocol::sign::{self, SignType};
use crate::protocol::wire::Empty;
use crate::protocol::{content, method, response};
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
    let (reply, merchant) = if method.is_empty() {
        (
            Reply::Error(error_object(MISSING_PARAMETER, sub::MISSING_METHOD, "缺少方法名参数")),
            None,
        )
    } else if state.script.take_failure() {
        if state.next_fault() % 2 == 0 {
            (Reply::ServerError, None)
        } else {
            (
                answer(
                    Status::failure(UNKNOWN_ERROR, sub::SYSTEM_UNKNOWN, "系统繁忙"),
                    &Empty {},
                ),
                None,
            )
        }
    } else {
        match authenticate(&state, &params) {
            Err(reply) => (reply, None),
            Ok(merchant) => match open_biz_content(&merchant, &params) {
                // Refused before decrypting: answered in clear.
                Err(reply) => (
                    reply,
                    Some(Merchant {
                        encrypt_key: None,
                        ..merchant
                    }),
                ),
                Ok((biz_content, encrypted)) => {
                    let call = Call {
                        merchant: merchant.clone(),
                        notify_url: params.get("notify_url").filter(|u| !u.is_empty()).cloned(),
                        origin,
                        biz_content,
                    };
                    let reply = dispatch(&state, &method, call);
                    let encrypt = encrypted.then(|| merchant.encrypt_key.clone()).flatten();
                    (
                        reply,
                        Some(Merchant {
                            encrypt_key: encrypt,
                            ..merchant
                        }),
                    )
                }
            },
        }
    };
    let sign_type = params
        .get("sign_type")
        .and_then(|t| SignType::parse(t))
        .unwrap_or_default();
    render(&state, sign_type, &method, reply, merchant.as_ref()).await
}

/// `biz_content` in clear, and whether it came encrypted.
fn open_biz_content(merchant: &Merchant, params: &Params) -> Result<(String, bool), Reply> {
    let biz = params.get("biz_content").cloned().unwrap_or_default();
    let refuse =
        |sub_code: &str, sub_msg: &str| answer(Status::failure(INVALID_PARAMETER, sub_code, sub_msg), &Empty {});
    match params.get("encrypt_type").map(String::as_str).filter(|t| !t.is_empty()) {
        None => Ok((biz, false)),
        Some(content::ENCRYPT_TYPE_AES) => {
            let key = merchant.encrypt_key.as_ref().ok_or_else(|| {
                refuse(
                    sub::DECRYPTION_INVALID_KEY,
                    "解密出错, 未配置加密密钥或加密密钥格式错误",
                )
            })?;
            let clear =
                content::decrypt(key, &biz).map_err(|_| refuse(sub::DECRYPTION_UNKNOWN, "解密出错, 未知错误"))?;
            Ok((clear, true))
        }
        Some(_) => Err(refuse(sub::DECRYPTION_INVALID_TYPE, "解密出错, 不支持的加密算法")),
    }
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
    if let Some(expected) = &merchant.app_cert_sn {
        if params.get("app_cert_sn") != Some(expected) {
            return Err(refuse(
                INVALID_PARAMETER,
                sub::INVALID_APP_CERT_SN,
                "应用公钥证书序列号不匹配",
            ));
        }
        if params.get("alipay_root_cert_sn") != Some(&state.root_cert_sn) {
            return Err(refuse(
                INVALID_PARAMETER,
                sub::INVALID_ROOT_CERT_SN,
                "支付宝根证书序列号不匹配",
            ));
        }
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

/// Signs the reply as Alipay does for `merchant` (when known): encrypted
/// if its request was, naming the signing certificate in certificate mode.
async fn render(
    state: &SandboxState,
    sign_type: SignType,
    method: &str,
    reply: Reply,
    merchant: Option<&Merchant>,
) -> Response {
    let (name, object) = match reply {
        Reply::Answer(object) => (Some(method), object),
        Reply::Error(object) => (None, object),
        Reply::ServerError => return (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response(),
        Reply::Hang => {
            std::future::pending::<()>().await;
            return StatusCode::GATEWAY_TIMEOUT.into_response();
        }
    };
    let identity = state.identity();
    let options = RenderOptions {
        encrypt_key: merchant
            .and_then(|m| m.encrypt_key.as_deref())
            .filter(|_| name.is_some())
            .map(|k| k.as_slice()),
        cert_sn: merchant
            .filter(|m| m.app_cert_sn.is_some())
            .and_then(|_| identity.cert_sn.as_deref()),
    };
    match response::render(&identity.key, sign_type, name, &object, options) {
        Ok(text) => ([(header::CONTENT_TYPE, "application/json;charset=utf-8")], text).into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response(),
    }
}
