//! WeChat Pay's side of trust: the platform keys that sign answers and
//! notifications, each known by the `Wechatpay-Serial` it is sent with —
//! a platform certificate's serial (upper-case hex) or, in the newer
//! platform-public-key mode, an id like `PUB_KEY_ID_0114…`.

use super::auth::response_message;
use super::scheme::{Signs, Verifies, VerifyingKey};
use super::{MAX_CLOCK_SKEW_S, ProtocolError};

/// Deliberately wrong signatures WeChat sends to check that merchants
/// really verify ([MEM]); they are refused like any bad signature.
pub const SIGNATURE_PROBE_PREFIX: &str = "WECHATPAY/SIGNTEST/";

/// Platform verification keys by serial / public-key id.
#[derive(Debug, Clone, Default)]
pub struct PlatformKeys {
    keys: Vec<(String, VerifyingKey)>,
}

impl PlatformKeys {
    pub fn new() -> PlatformKeys {
        PlatformKeys::default()
    }

    pub fn add(&mut self, serial: impl Into<String>, key: impl Into<VerifyingKey>) {
        self.keys.push((serial.into(), key.into()));
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Whether every key is of `scheme`'s kind.
    pub fn all_of(&self, scheme: super::scheme::Scheme) -> bool {
        self.keys.iter().all(|(_, k)| k.scheme() == scheme)
    }

    /// Certificate serials are hex and compared without regard to case or
    /// leading zeros' presence in the text; public-key ids compare exactly.
    pub fn get(&self, serial: &str) -> Option<&VerifyingKey> {
        self.keys
            .iter()
            .find(|(known, _)| same_serial(known, serial))
            .map(|(_, key)| key)
    }
}

fn same_serial(a: &str, b: &str) -> bool {
    if a.starts_with("PUB_KEY_ID_") || b.starts_with("PUB_KEY_ID_") {
        return a == b;
    }
    a.trim_start_matches('0')
        .eq_ignore_ascii_case(b.trim_start_matches('0'))
}

/// The four `Wechatpay-*` values a signed answer or notification carries.
#[derive(Debug, Clone, Copy)]
pub struct SignedHeaders<'a> {
    pub timestamp: Option<&'a str>,
    pub nonce: Option<&'a str>,
    pub signature: Option<&'a str>,
    pub serial: Option<&'a str>,
}

/// Verifies an answer or notification: probe signatures refused, the
/// timestamp within ±5 minutes of `now_s`, the key chosen by serial, the
/// signature over `ts\nnonce\nbody\n`.
pub fn verify_signed(
    keys: &PlatformKeys,
    headers: &SignedHeaders<'_>,
    body: &[u8],
    now_s: i64,
) -> Result<(), ProtocolError> {
    let signature = headers
        .signature
        .ok_or(ProtocolError::MissingHeader("Wechatpay-Signature"))?;
    let timestamp = headers
        .timestamp
        .ok_or(ProtocolError::MissingHeader("Wechatpay-Timestamp"))?;
    let nonce = headers.nonce.ok_or(ProtocolError::MissingHeader("Wechatpay-Nonce"))?;
    let serial = headers.serial.ok_or(ProtocolError::MissingHeader("Wechatpay-Serial"))?;
    if signature.starts_with(SIGNATURE_PROBE_PREFIX) {
        return Err(ProtocolError::SignatureProbe);
    }
    let signed_at: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| ProtocolError::Malformed("Wechatpay-Timestamp is not a number".into()))?;
    if (now_s - signed_at).abs() >= MAX_CLOCK_SKEW_S {
        return Err(ProtocolError::Stale);
    }
    let key = keys
        .get(serial)
        .ok_or_else(|| ProtocolError::UnknownSerial(serial.to_string()))?;
    if key.verify_base64(&response_message(timestamp, nonce, body), signature) {
        Ok(())
    } else {
        Err(ProtocolError::BadSignature)
    }
}

/// The platform's signature over an answer or notification (sandbox side).
pub fn sign_response<K: Signs + ?Sized>(
    key: &K,
    timestamp: i64,
    nonce: &str,
    body: &[u8],
) -> Result<String, ProtocolError> {
    key.sign_base64(&response_message(&timestamp.to_string(), nonce, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_compare_like_numbers_and_ids_exactly() {
        assert!(same_serial("5157F09EFDC096DE", "5157f09efdc096de"));
        assert!(same_serial("0A1B", "A1B"));
        assert!(!same_serial("PUB_KEY_ID_01", "pub_key_id_01"));
        assert!(same_serial("PUB_KEY_ID_01", "PUB_KEY_ID_01"));
    }
}
