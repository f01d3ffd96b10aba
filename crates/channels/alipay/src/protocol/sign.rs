//! The strings Alipay signs, and RSA2 / RSA signatures over them.
//!
//! - Requests: every parameter but `sign` (so `sign_type` **is** signed),
//!   empty values skipped, keys in ASCII order, `k=v` joined by `&`, raw
//!   (not URL-encoded) values.
//! - Asynchronous notifications (`trade_status_sync`, "V1"): the same but
//!   without `sign` **and** `sign_type`. Application-gateway messages ("V2")
//!   keep `sign_type`.
//! - Synchronous answers: the raw JSON text of the method's answer object
//!   (see `extract`).

use super::ProtocolError;
use super::params::Params;
use juhe_crypto::{RsaDigest, RsaPrivate, RsaPublic};

/// `sign_type`: `RSA2` = SHA256withRSA (the default and the only one Alipay
/// issues new apps), `RSA` = legacy SHA1withRSA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignType {
    #[default]
    Rsa2,
    Rsa,
}

impl SignType {
    pub fn parse(text: &str) -> Option<SignType> {
        match text {
            "RSA2" => Some(SignType::Rsa2),
            "RSA" => Some(SignType::Rsa),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SignType::Rsa2 => "RSA2",
            SignType::Rsa => "RSA",
        }
    }

    fn digest(self) -> RsaDigest {
        match self {
            SignType::Rsa2 => RsaDigest::Sha256,
            SignType::Rsa => RsaDigest::Sha1,
        }
    }
}

fn content_without(params: &Params, excluded: &[&str]) -> String {
    params
        .iter()
        .filter(|(k, v)| !v.is_empty() && !excluded.contains(&k.as_str()))
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The string a request's `sign` is over.
pub fn request_content(params: &Params) -> String {
    content_without(params, &["sign"])
}

/// The string a `trade_status_sync` notification's `sign` is over (V1).
pub fn notify_content_v1(params: &Params) -> String {
    content_without(params, &["sign", "sign_type"])
}

/// The string an application-gateway notification's `sign` is over (V2).
pub fn notify_content_v2(params: &Params) -> String {
    content_without(params, &["sign"])
}

pub fn sign(key: &RsaPrivate, sign_type: SignType, content: &str) -> Result<String, ProtocolError> {
    Ok(key.sign_base64(sign_type.digest(), content.as_bytes())?)
}

pub fn verify(key: &RsaPublic, sign_type: SignType, content: &str, signature: &str) -> bool {
    key.verify_base64(sign_type.digest(), content.as_bytes(), signature)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_content_keeps_sign_type_and_skips_empty_values() {
        let mut p = Params::new();
        for (k, v) in [
            ("sign", "x"),
            ("sign_type", "RSA2"),
            ("b", "2"),
            ("a", "1"),
            ("empty", ""),
        ] {
            p.insert(k.into(), v.into());
        }
        assert_eq!(request_content(&p), "a=1&b=2&sign_type=RSA2");
        assert_eq!(notify_content_v1(&p), "a=1&b=2");
        assert_eq!(notify_content_v2(&p), "a=1&b=2&sign_type=RSA2");
    }
}
