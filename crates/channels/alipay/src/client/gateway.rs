//! One call to `gateway.do`: common parameters and `biz_content`, signed;
//! sent as the official SDKs send it (common parameters in the query
//! string, `biz_content` in the form body); the answer verified over its
//! raw text before anything in it is believed. In certificate mode the
//! request names the app certificate and the root bundle; with content
//! encryption `biz_content` is encrypted before signing and the answer
//! decrypted after verifying.

use super::config::AlipayConfig;
use crate::protocol::answer::Status;
use crate::protocol::params::{Params, encode_form};
use crate::protocol::wire::Answer;
use crate::protocol::{clock, content, response, sign};
use juhe_channel::ChannelError;
use juhe_channel::http::HttpClient;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The common parameters Alipay's gateway expects (all but `biz_content`).
fn common_params(cfg: &AlipayConfig, method: &str, notify: bool) -> Params {
    let mut params = Params::new();
    params.insert("app_id".into(), cfg.app_id.clone());
    params.insert("method".into(), method.into());
    params.insert("format".into(), "JSON".into());
    params.insert("charset".into(), "utf-8".into());
    params.insert("sign_type".into(), cfg.sign_type.as_str().into());
    params.insert("timestamp".into(), clock::format_seconds(clock::now_ms()));
    params.insert("version".into(), "1.0".into());
    if notify && !cfg.notify_url.is_empty() {
        params.insert("notify_url".into(), cfg.notify_url.clone());
    }
    if let Some(ids) = &cfg.cert {
        params.insert("app_cert_sn".into(), ids.app_cert_sn.clone());
        params.insert("alipay_root_cert_sn".into(), ids.alipay_root_cert_sn.clone());
    }
    if !cfg.encrypt_keys.is_empty() {
        params.insert("encrypt_type".into(), content::ENCRYPT_TYPE_AES.into());
    }
    params
}

/// Calls `method` and returns its verified answer object. Errors are
/// classified: nothing sent → `NotSent`; no trustworthy answer → `Unknown`.
/// Business answers (any code) are returned for the caller to map.
pub async fn call<B: Serialize, T: DeserializeOwned>(
    http: &HttpClient,
    cfg: &AlipayConfig,
    method: &str,
    biz: &B,
    notify: bool,
) -> Result<Answer<T>, ChannelError> {
    let mut biz_content = serde_json::to_string(biz).map_err(|e| ChannelError::NotSent(format!("biz_content: {e}")))?;
    if let Some(aes) = cfg.encrypt_keys.first() {
        biz_content = content::encrypt(aes, &biz_content).map_err(|e| ChannelError::NotSent(e.to_string()))?;
    }
    let mut params = common_params(cfg, method, notify);
    params.insert("biz_content".into(), biz_content);
    let signature = sign::sign(&cfg.app_key, cfg.sign_type, &sign::request_content(&params))
        .map_err(|e| ChannelError::NotSent(e.to_string()))?;
    let body = encode_form(
        params
            .iter()
            .filter(|(k, _)| *k == "biz_content")
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    let query = encode_form(
        params
            .iter()
            .filter(|(k, _)| *k != "biz_content")
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain([("sign", signature.as_str())]),
    );
    let joiner = if cfg.gateway.contains('?') { '&' } else { '?' };
    let request = http
        .raw()
        .post(format!("{}{joiner}{query}", cfg.gateway))
        .header("content-type", "application/x-www-form-urlencoded;charset=utf-8")
        .body(body);
    let reply = http.send(request).await?;
    if let Some(limited) = reply.too_many_requests("Alipay") {
        return Err(limited);
    }
    if reply.status != 200 {
        return Err(ChannelError::Unknown(format!("{method}: HTTP {}", reply.status)));
    }
    let raw =
        String::from_utf8(reply.body).map_err(|_| ChannelError::Unknown(format!("{method}: answer is not UTF-8")))?;
    let opened = response::open(&raw, method, |sn, signed, signature| {
        cfg.alipay_keys.verify(sn, cfg.sign_type, signed, signature)
    })
    .map_err(|e| ChannelError::Unknown(format!("{method}: {e}")))?;
    let plain = match &opened.ciphertext {
        None => opened.signed.to_string(),
        Some(ciphertext) => decrypt(cfg, ciphertext).map_err(|e| ChannelError::Unknown(format!("{method}: {e}")))?,
    };
    serde_json::from_str(&plain).map_err(|e| ChannelError::Unknown(format!("{method}: unreadable answer: {e}")))
}

/// An encrypted answer, under the current AES key or a live older one.
fn decrypt(cfg: &AlipayConfig, ciphertext: &str) -> Result<String, String> {
    if cfg.encrypt_keys.is_empty() {
        return Err("the answer is encrypted but no encrypt_key is configured".into());
    }
    cfg.encrypt_keys
        .iter()
        .find_map(|key| {
            content::decrypt(key, ciphertext)
                .ok()
                .filter(|text| serde_json::from_str::<serde_json::Value>(text).is_ok())
        })
        .ok_or_else(|| "the answer does not decrypt under any encrypt_key version".into())
}

/// The error for a business answer that is not a success: system errors
/// leave the outcome unknown; everything else is a refusal.
pub fn failure(method: &str, status: &Status) -> ChannelError {
    if status.is_outcome_unknown() {
        ChannelError::Unknown(format!(
            "{method}: {} {}",
            status.code,
            status.sub_code.as_deref().unwrap_or_default()
        ))
    } else {
        ChannelError::declined(status.reason_code(), status.reason_message())
    }
}
