//! The strings juhe signs and the HMAC-SHA256 over them.
//!
//! Merchant API: `METHOD\nPATH_WITH_QUERY\nTIMESTAMP\nNONCE\nBODY\n`.
//! Webhooks:     `TIMESTAMP\nNONCE\nBODY\n`.
//! The same shapes as WeChat Pay API v3, so integrators recognise them.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The scheme word of the merchant API's Authorization header.
pub const AUTH_SCHEME: &str = "JUHE-HMAC-SHA256";

pub fn request_string_to_sign(
    method: &str,
    path_with_query: &str,
    timestamp: &str,
    nonce: &str,
    body: &[u8],
) -> Vec<u8> {
    let mut s =
        Vec::with_capacity(method.len() + path_with_query.len() + timestamp.len() + nonce.len() + body.len() + 5);
    for part in [
        method.as_bytes(),
        path_with_query.as_bytes(),
        timestamp.as_bytes(),
        nonce.as_bytes(),
        body,
    ] {
        s.extend_from_slice(part);
        s.push(b'\n');
    }
    s
}

pub fn webhook_string_to_sign(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut s = Vec::with_capacity(timestamp.len() + nonce.len() + body.len() + 3);
    for part in [timestamp.as_bytes(), nonce.as_bytes(), body] {
        s.extend_from_slice(part);
        s.push(b'\n');
    }
    s
}

/// base64(HMAC-SHA256(secret, message)), standard alphabet with padding.
pub fn hmac_sha256_base64(secret: &[u8], message: &[u8]) -> String {
    STANDARD.encode(mac(secret, message).finalize().into_bytes())
}

/// Checks a base64 HMAC-SHA256 in constant time (the comparison does not
/// stop at the first differing byte). Malformed base64 is simply a mismatch.
pub fn verify_hmac_sha256_base64(secret: &[u8], message: &[u8], signature_b64: &str) -> bool {
    match STANDARD.decode(signature_b64.trim()) {
        Ok(sig) => mac(secret, message).verify_slice(&sig).is_ok(),
        Err(_) => false,
    }
}

fn mac(secret: &[u8], message: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length; new_from_slice cannot fail for it.
    let mut m = match HmacSha256::new_from_slice(secret) {
        Ok(m) => m,
        Err(_) => unreachable_hmac_key(),
    };
    m.update(message);
    m
}

#[cold]
fn unreachable_hmac_key() -> ! {
    // hmac::Hmac::new_from_slice only rejects keys for MACs with fixed key
    // sizes; HMAC has none. Kept as a function so the reason is written once.
    panic!("HMAC-SHA256 accepts keys of every length")
}

/// The `Authorization` header value of a signed merchant API request, as a
/// client builds it (used by `juhe call`, the load generator and tests).
pub fn authorization_header(
    app_id: &str,
    app_secret: &[u8],
    method: &str,
    path_with_query: &str,
    body: &[u8],
    timestamp: &str,
    nonce: &str,
) -> String {
    let message = request_string_to_sign(method, path_with_query, timestamp, nonce, body);
    let signature = hmac_sha256_base64(app_secret, &message);
    format!(r#"{AUTH_SCHEME} app_id="{app_id}",timestamp="{timestamp}",nonce="{nonce}",signature="{signature}""#)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_string_has_five_terminated_lines() {
        let s = request_string_to_sign("GET", "/v1/payments?x=1", "1700000000", "abc", b"");
        assert_eq!(s, b"GET\n/v1/payments?x=1\n1700000000\nabc\n\n");
        let w = webhook_string_to_sign("1", "n", b"{}");
        assert_eq!(w, b"1\nn\n{}\n");
    }

    #[test]
    fn rfc4231_case_2() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let sig = hmac_sha256_base64(b"Jefe", b"what do ya want for nothing?");
        let hex_sig = hex::encode(base64::engine::general_purpose::STANDARD.decode(&sig).unwrap());
        assert_eq!(
            hex_sig,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(verify_hmac_sha256_base64(
            b"Jefe",
            b"what do ya want for nothing?",
            &sig
        ));
        assert!(!verify_hmac_sha256_base64(
            b"Jefe",
            b"what do ya want for nothing!",
            &sig
        ));
        assert!(!verify_hmac_sha256_base64(
            b"Jefe",
            b"what do ya want for nothing?",
            "not base64!"
        ));
        assert!(!verify_hmac_sha256_base64(b"Jefe", b"what do ya want for nothing?", ""));
    }
}
