//! Request signatures (§1.1): the five-line message, the `Authorization`
//! header that carries it, and the three-line message that responses and
//! notifications are signed over (§1.2).

use super::ProtocolError;
use super::scheme::{Scheme, Signs, Verifies};
use rand::Rng;

/// `METHOD\nCANONICAL_URL\nTIMESTAMP\nNONCE\nBODY\n` — the body is empty
/// for GET, so the message then ends in `\n\n`.
pub fn request_message(method: &str, canonical_url: &str, timestamp: i64, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut message = format!("{method}\n{canonical_url}\n{timestamp}\n{nonce}\n").into_bytes();
    message.extend_from_slice(body);
    message.push(b'\n');
    message
}

/// `TIMESTAMP\nNONCE\nBODY\n`, what WeChat signs on answers and notifications.
pub fn response_message(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut message = format!("{timestamp}\n{nonce}\n").into_bytes();
    message.extend_from_slice(body);
    message.push(b'\n');
    message
}

/// A fresh 32-character nonce (upper-case letters and digits, like the SDKs').
pub fn new_nonce() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut rng = rand::thread_rng();
    (0..32)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// The fields of a `WECHATPAY2-SHA256-RSA2048 …` (or `WECHATPAY2-SM2-WITH-SM3 …`)
/// Authorization header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    pub scheme: Scheme,
    pub mchid: String,
    pub nonce_str: String,
    pub timestamp: String,
    /// The merchant API certificate's serial (upper-case hex).
    pub serial_no: String,
    pub signature: String,
}

impl Authorization {
    /// Signs a request with the merchant's API key (its scheme is the key's).
    pub fn sign<K: Signs + ?Sized>(
        key: &K,
        mchid: &str,
        serial_no: &str,
        request: &SignedRequest<'_>,
    ) -> Result<Authorization, ProtocolError> {
        let message = request_message(
            request.method,
            request.canonical_url,
            request.timestamp,
            request.nonce,
            request.body,
        );
        Ok(Authorization {
            scheme: key.scheme(),
            mchid: mchid.to_string(),
            nonce_str: request.nonce.to_string(),
            timestamp: request.timestamp.to_string(),
            serial_no: serial_no.to_string(),
            signature: key.sign_base64(&message)?,
        })
    }

    /// The header value, fields in the order the Go and Java SDKs emit them.
    pub fn header_value(&self) -> String {
        format!(
            "{} mchid=\"{}\",nonce_str=\"{}\",timestamp=\"{}\",serial_no=\"{}\",signature=\"{}\"",
            self.scheme.name(),
            self.mchid,
            self.nonce_str,
            self.timestamp,
            self.serial_no,
            self.signature
        )
    }

    /// Reads a header value. Field order is free (the official docs and the
    /// Python SDK use other orders than Go/Java); all five are required.
    pub fn parse(header: &str) -> Result<Authorization, ProtocolError> {
        let (name, rest) = header
            .trim()
            .split_once(' ')
            .ok_or(ProtocolError::BadAuthorization("no scheme"))?;
        let scheme = Scheme::from_name(name).ok_or(ProtocolError::BadAuthorization(
            "scheme is not WECHATPAY2-SHA256-RSA2048 or WECHATPAY2-SM2-WITH-SM3",
        ))?;
        let pairs = parse_quoted_pairs(rest.trim_start())?;
        let field = |name: &'static str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
                .filter(|v| !v.is_empty())
                .ok_or(ProtocolError::BadAuthorization(name))
        };
        Ok(Authorization {
            scheme,
            mchid: field("mchid")?,
            nonce_str: field("nonce_str")?,
            timestamp: field("timestamp")?,
            serial_no: field("serial_no")?,
            signature: field("signature")?,
        })
    }

    /// Checks the signature against the request as received, with the
    /// merchant's public key (of the header's scheme).
    pub fn verify<K: Verifies + ?Sized>(&self, key: &K, method: &str, canonical_url: &str, body: &[u8]) -> bool {
        let mut message = format!("{method}\n{canonical_url}\n{}\n{}\n", self.timestamp, self.nonce_str).into_bytes();
        message.extend_from_slice(body);
        message.push(b'\n');
        key.verify_base64(&message, &self.signature)
    }
}

/// What a request signature covers besides the merchant's identity.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    pub method: &'a str,
    /// Path plus `?query` when there is one; no scheme or host.
    pub canonical_url: &'a str,
    pub timestamp: i64,
    pub nonce: &'a str,
    pub body: &'a [u8],
}

/// `k="v",k2="v2"` → pairs. Values are quoted and contain no quotes
/// (base64, digits, hex), so the first closing quote ends a value.
fn parse_quoted_pairs(text: &str) -> Result<Vec<(&str, &str)>, ProtocolError> {
    let mut pairs = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let (key, after_key) = rest
            .split_once('=')
            .ok_or(ProtocolError::BadAuthorization("expected key=\"value\""))?;
        let after_quote = after_key
            .strip_prefix('"')
            .ok_or(ProtocolError::BadAuthorization("value is not quoted"))?;
        let (value, after_value) = after_quote
            .split_once('"')
            .ok_or(ProtocolError::BadAuthorization("unterminated value"))?;
        pairs.push((key.trim(), value));
        rest = after_value.trim_start().trim_start_matches(',').trim_start();
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips_in_any_field_order() {
        let python_order = "WECHATPAY2-SHA256-RSA2048 mchid=\"1900000001\",nonce_str=\"N1\",signature=\"ab+/c==\",timestamp=\"1624523846\",serial_no=\"F5765756002FDD77\"";
        let auth = Authorization::parse(python_order).unwrap();
        assert_eq!(auth.mchid, "1900000001");
        assert_eq!(auth.signature, "ab+/c==");
        assert_eq!(auth.serial_no, "F5765756002FDD77");
        assert_eq!(auth.scheme, Scheme::Rsa);
        assert_eq!(Authorization::parse(&auth.header_value()).unwrap(), auth);
        let sm2 = python_order.replacen("WECHATPAY2-SHA256-RSA2048", "WECHATPAY2-SM2-WITH-SM3", 1);
        let auth = Authorization::parse(&sm2).unwrap();
        assert_eq!(auth.scheme, Scheme::Sm2);
        assert!(auth.header_value().starts_with("WECHATPAY2-SM2-WITH-SM3 mchid="));
    }

    #[test]
    fn malformed_headers_are_refused() {
        for bad in [
            "",
            "Bearer x",
            "WECHATPAY2-SHA256-HMAC mchid=\"1\",nonce_str=\"n\",timestamp=\"1\",serial_no=\"S\",signature=\"s\"",
            "WECHATPAY2-SHA256-RSA2048 mchid=1",
            "WECHATPAY2-SHA256-RSA2048 mchid=\"1\",nonce_str=\"n\"",
            "WECHATPAY2-SHA256-RSA2048 mchid=\"1\",nonce_str=\"n\",timestamp=\"1\",serial_no=\"S\",signature=\"",
        ] {
            assert!(Authorization::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn nonces_are_32_fresh_characters() {
        let (a, b) = (new_nonce(), new_nonce());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }
}
