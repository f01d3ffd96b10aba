//! Synchronous answers: `{"<method>_response":{…},"sign":"…"}`. Alipay
//! signs the raw text of the answer object; the sandbox writes answers the
//! same way (with `/` escaped as `\/`, as Alipay's JSON writer does) and the
//! client verifies over the exact substring it received.

use super::extract::member_object;
use super::sign::{self, SignType};
use super::{ERROR_RESPONSE_KEY, ProtocolError, response_key};
use juhe_crypto::{RsaPrivate, RsaPublic};

/// Why an answer cannot be trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("the answer has no {0} object")]
    NoAnswerObject(String),
    #[error("the answer is not signed")]
    Unsigned,
    #[error("the answer's signature does not verify with the Alipay public key")]
    BadSignature,
}

/// Writes a signed answer for `method` (or `error_response` when `method`
/// is `None`), the way Alipay's gateway does.
pub fn render(
    key: &RsaPrivate,
    sign_type: SignType,
    method: Option<&str>,
    answer: &serde_json::Value,
) -> Result<String, ProtocolError> {
    let name = method
        .map(response_key)
        .unwrap_or_else(|| ERROR_RESPONSE_KEY.to_string());
    // '/' only ever occurs inside JSON strings, so escaping every one is safe.
    let inner = answer.to_string().replace('/', "\\/");
    let signature = sign::sign(key, sign_type, &inner)?;
    Ok(format!("{{\"{name}\":{inner},\"sign\":\"{signature}\"}}"))
}

/// The verified raw text of the answer object for `method` (falling back to
/// `error_response`).
pub fn open<'a>(raw: &'a str, method: &str, key: &RsaPublic, sign_type: SignType) -> Result<&'a str, AnswerError> {
    let name = response_key(method);
    let content = member_object(raw, &name)
        .or_else(|| member_object(raw, ERROR_RESPONSE_KEY))
        .ok_or(AnswerError::NoAnswerObject(name))?;
    let signature = serde_json::from_str::<serde_json::Value>(raw)
        .ok()
        .and_then(|v| v.get("sign").and_then(|s| s.as_str()).map(str::to_string))
        .filter(|s| !s.is_empty())
        .ok_or(AnswerError::Unsigned)?;
    if sign::verify(key, sign_type, content, &signature) {
        Ok(content)
    } else {
        Err(AnswerError::BadSignature)
    }
}
