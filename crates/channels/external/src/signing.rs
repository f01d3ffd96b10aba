//! The protocol's signature, both ways: HMAC-SHA256 with the per-service
//! secret over `METHOD\nPATH\nTIMESTAMP\nNONCE\nBODY\n` (juhe's own request
//! string, `juhe_crypto::request_string_to_sign`), carried in headers, with
//! a ±300 s freshness window. An answer is signed over the request's method
//! and path with the answer's own timestamp, nonce and body, so an answer
//! cannot be replayed onto another operation.

use juhe_crypto::{hmac_sha256_base64, request_string_to_sign, verify_hmac_sha256_base64};
use rand::Rng;
use zeroize::Zeroizing;

pub const HEADER_SERVICE_ID: &str = "x-juhe-service-id";
pub const HEADER_TIMESTAMP: &str = "x-juhe-timestamp";
pub const HEADER_NONCE: &str = "x-juhe-nonce";
pub const HEADER_SIGNATURE: &str = "x-juhe-signature";

/// How far a timestamp may be from the verifier's clock, either way.
pub const WINDOW_S: i64 = 300;

/// A per-service secret. `Debug` never prints it.
#[derive(Clone)]
pub struct ServiceSecret(Zeroizing<String>);

impl std::fmt::Debug for ServiceSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServiceSecret(..)")
    }
}

impl ServiceSecret {
    pub fn new(value: impl Into<String>) -> ServiceSecret {
        ServiceSecret(Zeroizing::new(value.into()))
    }

    /// 32 random bytes, base64: issued by juhe at registration.
    pub fn generate() -> ServiceSecret {
        use base64::Engine;
        let bytes: [u8; 32] = rand::thread_rng().r#gen();
        ServiceSecret::new(base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// The four signature headers of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    pub service_id: String,
    pub timestamp: String,
    pub nonce: String,
    pub signature: String,
}

impl SignedHeaders {
    pub fn pairs(&self) -> [(&'static str, String); 4] {
        [
            (HEADER_SERVICE_ID, self.service_id.clone()),
            (HEADER_TIMESTAMP, self.timestamp.clone()),
            (HEADER_NONCE, self.nonce.clone()),
            (HEADER_SIGNATURE, self.signature.clone()),
        ]
    }

    /// Reads the headers from any `(name, value)` lookup.
    pub fn read<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<SignedHeaders, SignatureError> {
        let field = |name: &'static str| get(name).map(str::to_string).ok_or(SignatureError::Missing(name));
        Ok(SignedHeaders {
            service_id: field(HEADER_SERVICE_ID)?,
            timestamp: field(HEADER_TIMESTAMP)?,
            nonce: field(HEADER_NONCE)?,
            signature: field(HEADER_SIGNATURE)?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("signature header {0} is missing")]
    Missing(&'static str),
    #[error("timestamp is not unix seconds")]
    BadTimestamp,
    #[error("timestamp outside the ±300 s window")]
    Stale,
    #[error("signature does not verify")]
    Mismatch,
    #[error("unknown service id")]
    UnknownService,
}

pub fn now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

pub fn new_nonce() -> String {
    let bytes: [u8; 16] = rand::thread_rng().r#gen();
    hex_lower(&bytes)
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Signs one message now.
pub fn sign(secret: &ServiceSecret, service_id: &str, method: &str, path: &str, body: &[u8]) -> SignedHeaders {
    sign_at(secret, service_id, method, path, body, now_s(), &new_nonce())
}

pub fn sign_at(
    secret: &ServiceSecret,
    service_id: &str,
    method: &str,
    path: &str,
    body: &[u8],
    timestamp: i64,
    nonce: &str,
) -> SignedHeaders {
    let timestamp = timestamp.to_string();
    let message = request_string_to_sign(method, path, &timestamp, nonce, body);
    SignedHeaders {
        service_id: service_id.to_string(),
        signature: hmac_sha256_base64(secret.expose().as_bytes(), &message),
        timestamp,
        nonce: nonce.to_string(),
    }
}

/// Verifies a message's headers against the secret, at `now_s`.
pub fn verify(
    secret: &ServiceSecret,
    headers: &SignedHeaders,
    method: &str,
    path: &str,
    body: &[u8],
    now_s: i64,
) -> Result<(), SignatureError> {
    let ts: i64 = headers.timestamp.parse().map_err(|_| SignatureError::BadTimestamp)?;
    if (now_s - ts).abs() > WINDOW_S {
        return Err(SignatureError::Stale);
    }
    let message = request_string_to_sign(method, path, &headers.timestamp, &headers.nonce, body);
    if verify_hmac_sha256_base64(secret.expose().as_bytes(), &message, &headers.signature) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// Constant-time equality of two secrets of any length: both are hashed
/// first, so neither the position of a difference nor (beyond the hash)
/// the length leaks through timing.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use sha2::{Digest, Sha256};
    let ha = Sha256::digest(a);
    let hb = Sha256::digest(b);
    ha.iter().zip(hb.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies_within_the_window_only() {
        let secret = ServiceSecret::new("s3cret");
        let h = sign_at(&secret, "svc_1", "POST", "/create", b"{}", 1_700_000_000, "n1");
        assert!(verify(&secret, &h, "POST", "/create", b"{}", 1_700_000_000 + 300).is_ok());
        assert_eq!(
            verify(&secret, &h, "POST", "/create", b"{}", 1_700_000_000 + 301),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(&secret, &h, "POST", "/query", b"{}", 1_700_000_000),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&secret, &h, "POST", "/create", b"{ }", 1_700_000_000),
            Err(SignatureError::Mismatch)
        );
        let other = ServiceSecret::new("other");
        assert_eq!(
            verify(&other, &h, "POST", "/create", b"{}", 1_700_000_000),
            Err(SignatureError::Mismatch)
        );
        assert!(!format!("{secret:?}").contains("s3cret"));
    }

    #[test]
    fn the_signed_string_is_juhes_request_string() {
        let secret = ServiceSecret::new("Jefe");
        let h = sign_at(&secret, "svc", "POST", "/p", b"B", 7, "N");
        let expected = hmac_sha256_base64(b"Jefe", b"POST\n/p\n7\nN\nB\n");
        assert_eq!(h.signature, expected);
    }

    #[test]
    fn constant_time_eq_compares_contents() {
        assert!(constant_time_eq(b"token", b"token"));
        assert!(!constant_time_eq(b"token", b"tokem"));
        assert!(!constant_time_eq(b"token", b"token2"));
    }
}
