//! UnionPay ACP 5.1.0 signatures over an already-built sign string (sorted
//! `k=v&…` without `signature`; building it is the channel crate's job):
//!
//! - `signMethod=01`: RSA. The *lower-case hex* of SHA-256(string) — 64 ASCII
//!   characters — is what gets signed with SHA256withRSA, so the data is
//!   hashed twice (ACP SDK `SecureUtil.sha256X16` + `signBySoft256`).
//! - `signMethod=11`: `hex(SHA-256(string + "&" + hex(SHA-256(secureKey))))`.
//! - `signMethod=12`: the same with SM3.
//!
//! Hex is lower-case throughout, as the SDK produces it.

use crate::key_text::KeyError;
use crate::rsa_sig::{RsaDigest, RsaPrivate, RsaPublic};
use crate::sm::sm3;
use hmac::digest::Digest;
use sha2::Sha256;

/// The value signed under `signMethod=01`: lower-case hex SHA-256.
pub fn sign_01_digest(sign_string: &str) -> String {
    hex::encode(Sha256::digest(sign_string.as_bytes()))
}

/// base64 `signature` for `signMethod=01`.
pub fn sign_01(key: &RsaPrivate, sign_string: &str) -> Result<String, KeyError> {
    key.sign_base64(RsaDigest::Sha256, sign_01_digest(sign_string).as_bytes())
}

/// Checks a `signMethod=01` signature (request or response, where the key
/// comes from `signPubKeyCert` after its chain has been checked).
pub fn verify_01(key: &RsaPublic, sign_string: &str, signature_b64: &str) -> bool {
    key.verify_base64(RsaDigest::Sha256, sign_01_digest(sign_string).as_bytes(), signature_b64)
}

/// `signature` for `signMethod=11` (SHA-256 with the secure key).
pub fn sign_11(secure_key: &str, sign_string: &str) -> String {
    let key_hash = hex::encode(Sha256::digest(secure_key.as_bytes()));
    hex::encode(Sha256::digest(format!("{sign_string}&{key_hash}").as_bytes()))
}

/// `signature` for `signMethod=12` (SM3 with the secure key).
pub fn sign_12(secure_key: &str, sign_string: &str) -> String {
    let key_hash = hex::encode(sm3(secure_key.as_bytes()));
    hex::encode(sm3(format!("{sign_string}&{key_hash}").as_bytes()))
}

/// Constant-time check of a `signMethod=11` / `12` signature. The
/// comparison is case-insensitive on the hex digits (peers differ).
pub fn verify_secure_key_signature(expected: &str, received: &str) -> bool {
    let a = expected.as_bytes();
    let b = received.trim().as_bytes();
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| {
        acc | (x.to_ascii_lowercase() ^ y.to_ascii_lowercase())
    });
    diff == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secure_key_signatures_differ_by_hash_and_compare_case_insensitively() {
        let s = "a=1&b=2";
        let sha = sign_11("k", s);
        let sm = sign_12("k", s);
        assert_eq!(sha.len(), 64);
        assert_eq!(sm.len(), 64);
        assert_ne!(sha, sm);
        assert!(verify_secure_key_signature(&sha, &sha.to_uppercase()));
        assert!(!verify_secure_key_signature(&sha, &sm));
        assert!(!verify_secure_key_signature(&sha, ""));
        assert_ne!(sign_11("k2", s), sha);
    }
}
