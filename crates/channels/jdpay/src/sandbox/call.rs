//! The plumbing of one API call: injected faults, decryption and
//! signature check of the request, the sealed answer or the refusal.

use crate::protocol::envelope;
use crate::protocol::messages::codes;
use crate::protocol::{JdXml, ProtocolError};
use crate::sandbox::state::{MerchantKeys, SandboxState};
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// A refusal: `result` only, no sealed body.
pub(crate) struct Refusal {
    pub code: String,
    pub desc: String,
}

pub(crate) fn refuse(code: &str, desc: impl Into<String>) -> Refusal {
    Refusal {
        code: code.to_string(),
        desc: desc.into(),
    }
}

impl From<crate::protocol::xml::XmlError> for Refusal {
    fn from(e: crate::protocol::xml::XmlError) -> Refusal {
        refuse(codes::BAD_REQUEST, e.to_string())
    }
}

impl From<ProtocolError> for Refusal {
    fn from(e: ProtocolError) -> Refusal {
        refuse(codes::BAD_REQUEST, e.to_string())
    }
}

pub(crate) fn xml_response(body: String) -> Response {
    (
        StatusCode::OK,
        [("content-type", "application/xml;charset=utf-8")],
        body,
    )
        .into_response()
}

/// A verified request: the merchant, its keys, the decrypted fields.
pub(crate) struct Verified {
    pub merchant: String,
    pub keys: Arc<MerchantKeys>,
    pub fields: JdXml,
}

pub(crate) fn open_request(state: &SandboxState, body: &[u8]) -> Result<Verified, (String, Refusal)> {
    let text =
        std::str::from_utf8(body).map_err(|_| (String::new(), refuse(codes::BAD_REQUEST, "body is not UTF-8")))?;
    let outer = JdXml::parse(text).map_err(|e| (String::new(), Refusal::from(ProtocolError::from(e))))?;
    let merchant = outer.get("merchant").unwrap_or_default().to_string();
    let keys = state
        .merchant(&merchant)
        .ok_or_else(|| (merchant.clone(), refuse(codes::UNKNOWN_MERCHANT, "商户不存在")))?;
    let encrypt = outer
        .require("encrypt")
        .map_err(|e| (merchant.clone(), Refusal::from(ProtocolError::from(e))))?;
    let fields = envelope::open(encrypt, &keys.des_key, &keys.public_key)
        .map_err(|_| (merchant.clone(), refuse(codes::BAD_SIGNATURE, "验签失败")))?;
    if fields.get("merchant") != Some(merchant.as_str()) {
        return Err((merchant, refuse(codes::BAD_SIGNATURE, "商户号不一致")));
    }
    Ok(Verified { merchant, keys, fields })
}

/// Runs one API call: injected faults, verification, the operation, the
/// sealed answer.
pub(crate) async fn serve<F>(state: Arc<SandboxState>, body: Bytes, op: F) -> Response
where
    F: FnOnce(&Arc<SandboxState>, &Verified) -> Outcome,
{
    if state.script.take_failure() {
        return (StatusCode::INTERNAL_SERVER_ERROR, "system error").into_response();
    }
    let verified = match open_request(&state, &body) {
        Ok(v) => v,
        Err((merchant, r)) => return xml_response(envelope::answer_document(&merchant, &r.code, &r.desc, None)),
    };
    let fields = match op(&state, &verified) {
        Outcome::Answer(fields) => fields,
        Outcome::Refused(r) => {
            return xml_response(envelope::answer_document(&verified.merchant, &r.code, &r.desc, None));
        }
        Outcome::Hang => {
            // The institution took the request and never answers.
            std::future::pending::<()>().await;
            return StatusCode::GATEWAY_TIMEOUT.into_response();
        }
    };
    match state.seal_answer(&verified.merchant, &verified.keys, fields) {
        Ok(text) => xml_response(text),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

pub(crate) enum Outcome {
    Answer(JdXml),
    Refused(Refusal),
    Hang,
}

impl From<Result<JdXml, Refusal>> for Outcome {
    fn from(r: Result<JdXml, Refusal>) -> Outcome {
        match r {
            Ok(f) => Outcome::Answer(f),
            Err(r) => Outcome::Refused(r),
        }
    }
}
