//! Sealing and opening JD Pay messages. A message's fields are rendered as
//! XML, signed (the `<sign>` element goes last inside `<jdpay>`), and the
//! signed XML is 3DES-encrypted into `<encrypt>`. The outer document
//! carries `version` and `merchant` in clear, plus `result` in answers and
//! notifications (IJPay `XmlEncryptUtil`, `JdPayKit.parseResp`).

use crate::protocol::des3;
use crate::protocol::error::ProtocolError;
use crate::protocol::sign;
use crate::protocol::xml::{self, JdXml, XML_HEAD};
use juhe_crypto::{RsaPrivate, RsaPublic};

pub const VERSION: &str = "V2.0";
/// `result/code` of a successful call.
pub const SUCCESS_CODE: &str = "000000";

/// Signs and encrypts `inner` into the text of an `<encrypt>` element.
pub fn seal(inner: &JdXml, des_key: &[u8], signer: &RsaPrivate) -> Result<String, ProtocolError> {
    let plain = inner.render();
    let signature = sign::sign(signer, &plain)?;
    let body = plain.strip_suffix("</jdpay>").unwrap_or(&plain);
    let signed = format!("{body}<sign>{signature}</sign></jdpay>");
    des3::encrypt_element(des_key, signed.as_bytes())
}

/// Decrypts an `<encrypt>` element and verifies its signature.
pub fn open(encrypt: &str, des_key: &[u8], verifier: &RsaPublic) -> Result<JdXml, ProtocolError> {
    let bytes = des3::decrypt_element(des_key, encrypt)?;
    let text = String::from_utf8(bytes).map_err(|_| ProtocolError::Des("decrypted text is not UTF-8".into()))?;
    let signature = xml::element_text(&text, "sign")
        .filter(|s| !s.is_empty())
        .ok_or(ProtocolError::BadSignature)?
        .to_string();
    let with_head = if text.trim_start().starts_with("<?xml") {
        text.clone()
    } else {
        format!("{XML_HEAD}{text}")
    };
    let canonical = xml::without_element(&xml::normalize(&with_head), "sign");
    if !sign::verify(verifier, &canonical, &signature) {
        return Err(ProtocolError::BadSignature);
    }
    Ok(JdXml::parse(&canonical)?)
}

/// The posted request: `version`, `merchant`, `encrypt`.
pub fn request_document(merchant: &str, encrypt: String) -> String {
    JdXml::new()
        .with("version", VERSION)
        .with("merchant", merchant)
        .with("encrypt", encrypt)
        .render()
}

/// An answer or notification: `version`, `merchant`, `result`, and
/// `encrypt` when there is a sealed body (JD sends none with an error code).
pub fn answer_document(merchant: &str, code: &str, desc: &str, encrypt: Option<String>) -> String {
    let mut doc = JdXml::new()
        .with("version", VERSION)
        .with("merchant", merchant)
        .with("result/code", code)
        .with("result/desc", desc);
    if let Some(e) = encrypt {
        doc.push("encrypt", e);
    }
    doc.render()
}
