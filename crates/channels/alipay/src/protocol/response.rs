//! Synchronous answers: `{"<method>_response":{…},"sign":"…"}`. Alipay
//! signs the raw text of the answer object; the sandbox writes answers the
//! same way (with `/` escaped as `\/`, as Alipay's JSON writer does) and the
//! client verifies over the exact substring it received.
//!
//! Two variants: with content encryption the answer object is a JSON
//! string of base64 ciphertext (`"<method>_response":"…"`), signed with its
//! quotes and left unescaped (base64 needs no escaping); in certificate mode
//! the answer names the certificate it was signed with, in
//! `alipay_cert_sn` beside `sign`.

use super::extract::member_value;
use super::sign::{self, SignType};
use super::{ERROR_RESPONSE_KEY, ProtocolError, content, response_key};
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
    #[error("the answer is signed with Alipay certificate {0}, which this configuration does not have")]
    UnknownCertificate(String),
}

/// How the gateway writes an answer for one merchant.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions<'a> {
    /// The merchant's AES key, when its request was encrypted.
    pub encrypt_key: Option<&'a [u8]>,
    /// The SN of the certificate the answer is signed with (certificate mode).
    pub cert_sn: Option<&'a str>,
}

/// Writes a signed answer for `method` (or `error_response` when `method`
/// is `None`), the way Alipay's gateway does.
pub fn render(
    key: &RsaPrivate,
    sign_type: SignType,
    method: Option<&str>,
    answer: &serde_json::Value,
    options: RenderOptions<'_>,
) -> Result<String, ProtocolError> {
    let name = method
        .map(response_key)
        .unwrap_or_else(|| ERROR_RESPONSE_KEY.to_string());
    let value = match options.encrypt_key {
        Some(aes) => format!("\"{}\"", content::encrypt(aes, &answer.to_string())?),
        // '/' only ever occurs inside JSON strings, so escaping every one is safe.
        None => answer.to_string().replace('/', "\\/"),
    };
    let signature = sign::sign(key, sign_type, &value)?;
    let cert = options
        .cert_sn
        .map(|sn| format!(",\"alipay_cert_sn\":\"{sn}\""))
        .unwrap_or_default();
    Ok(format!("{{\"{name}\":{value}{cert},\"sign\":\"{signature}\"}}"))
}

/// A verified answer: the signed text, and for an encrypted answer its
/// ciphertext (still to be decrypted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened<'a> {
    pub signed: &'a str,
    pub ciphertext: Option<String>,
}

/// Verifies the answer for `method` (falling back to `error_response`):
/// `verify(alipay_cert_sn, signed text, signature)` decides.
pub fn open<'a>(
    raw: &'a str,
    method: &str,
    verify: impl Fn(Option<&str>, &str, &str) -> Result<(), AnswerError>,
) -> Result<Opened<'a>, AnswerError> {
    let name = response_key(method);
    let signed = member_value(raw, &name)
        .or_else(|| member_value(raw, ERROR_RESPONSE_KEY))
        .ok_or(AnswerError::NoAnswerObject(name))?;
    let top: serde_json::Value = serde_json::from_str(raw).map_err(|_| AnswerError::Unsigned)?;
    let signature = top
        .get("sign")
        .and_then(|s| s.as_str())
        .filter(|s| !s.is_empty())
        .ok_or(AnswerError::Unsigned)?;
    let cert_sn = top
        .get("alipay_cert_sn")
        .and_then(|s| s.as_str())
        .filter(|s| !s.is_empty());
    verify(cert_sn, signed, signature)?;
    let ciphertext = if signed.starts_with('"') {
        Some(serde_json::from_str::<String>(signed).map_err(|_| AnswerError::BadSignature)?)
    } else {
        None
    };
    Ok(Opened { signed, ciphertext })
}

/// A `verify` for `open` with one public key, whatever certificate the
/// answer names (public-key mode).
pub fn with_key(
    key: &RsaPublic,
    sign_type: SignType,
) -> impl Fn(Option<&str>, &str, &str) -> Result<(), AnswerError> + '_ {
    move |_, signed, signature| {
        if sign::verify(key, sign_type, signed, signature) {
            Ok(())
        } else {
            Err(AnswerError::BadSignature)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> (RsaPrivate, RsaPublic) {
        let private = RsaPrivate::parse(include_str!("../../fixtures/sandbox-alipay-private-key.pem")).unwrap();
        let public = private.public();
        (private, public)
    }

    fn check(public: &RsaPublic) -> impl Fn(Option<&str>, &str, &str) -> Result<(), AnswerError> + '_ {
        with_key(public, SignType::Rsa2)
    }

    #[test]
    fn encrypted_answers_are_signed_with_their_quotes_and_name_their_certificate() {
        let (private, public) = keys();
        let aes = content::parse_key("aGVsbG8gd29ybGQgMTIzNA==").unwrap();
        let answer = serde_json::json!({"code": "10000", "qr_code": "https://qr/x"});
        let options = RenderOptions {
            encrypt_key: Some(&aes),
            cert_sn: Some("e03fc7ae"),
        };
        let raw = render(
            &private,
            SignType::Rsa2,
            Some("alipay.trade.precreate"),
            &answer,
            options,
        )
        .unwrap();
        assert!(raw.contains(r#","alipay_cert_sn":"e03fc7ae","sign":"#), "{raw}");
        let seen_sn = std::cell::RefCell::new(None);
        let opened = open(&raw, "alipay.trade.precreate", |sn, content, sig| {
            *seen_sn.borrow_mut() = sn.map(str::to_string);
            check(&public)(sn, content, sig)
        })
        .unwrap();
        assert_eq!(seen_sn.into_inner().as_deref(), Some("e03fc7ae"));
        assert!(opened.signed.starts_with('"') && opened.signed.ends_with('"'));
        let plain = content::decrypt(&aes, opened.ciphertext.as_deref().unwrap()).unwrap();
        assert_eq!(serde_json::from_str::<serde_json::Value>(&plain).unwrap(), answer);
        // Signed with the quotes: the bare base64 does not verify.
        let bare = opened.ciphertext.clone().unwrap();
        let signature = serde_json::from_str::<serde_json::Value>(&raw).unwrap()["sign"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(!sign::verify(&public, SignType::Rsa2, &bare, &signature));
        // Tampered ciphertext: refused before anything is decrypted.
        let tampered = raw.replacen(&bare[..8], "AAAAAAAA", 1);
        assert_eq!(
            open(&tampered, "alipay.trade.precreate", check(&public)),
            Err(AnswerError::BadSignature)
        );
    }

    #[test]
    fn plain_answers_still_escape_slashes() {
        let (private, public) = keys();
        let answer = serde_json::json!({"code": "10000", "qr_code": "https://qr/x"});
        let raw = render(&private, SignType::Rsa2, Some("m.x"), &answer, RenderOptions::default()).unwrap();
        assert!(raw.contains(r#"https:\/\/qr\/x"#));
        assert!(!raw.contains("alipay_cert_sn"));
        let opened = open(&raw, "m.x", check(&public)).unwrap();
        assert_eq!(opened.ciphertext, None);
        assert!(opened.signed.starts_with('{'));
    }
}
