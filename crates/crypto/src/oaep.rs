//! RSAES-OAEP with SHA-1 and MGF1-SHA-1, empty label: how WeChat Pay v3
//! encrypts sensitive request/response fields (names, ID numbers) under the
//! platform certificate and the merchant certificate.
//!
//! SHA-1 here is the OAEP mask hash WeChat fixed, not a signature digest;
//! OAEP's security does not rest on SHA-1 collision resistance.

use crate::key_text::KeyError;
use crate::rsa_sig::{RsaPrivate, RsaPublic};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rsa::Oaep;

pub fn encrypt_oaep_sha1(key: &RsaPublic, plaintext: &[u8]) -> Result<Vec<u8>, KeyError> {
    // Fails only when the plaintext is longer than the key allows
    // (k − 2·20 − 2 bytes: 214 for RSA-2048).
    key.inner()
        .encrypt(&mut rand::thread_rng(), Oaep::new::<sha1::Sha1>(), plaintext)
        .map_err(|_| KeyError::EncryptFailed)
}

pub fn decrypt_oaep_sha1(key: &RsaPrivate, ciphertext: &[u8]) -> Result<Vec<u8>, KeyError> {
    key.inner()
        .decrypt(Oaep::new::<sha1::Sha1>(), ciphertext)
        .map_err(|_| KeyError::DecryptFailed)
}

/// Standard base64 of the ciphertext, as WeChat puts it in a JSON field.
pub fn encrypt_oaep_sha1_base64(key: &RsaPublic, plaintext: &[u8]) -> Result<String, KeyError> {
    Ok(STANDARD.encode(encrypt_oaep_sha1(key, plaintext)?))
}

pub fn decrypt_oaep_sha1_base64(key: &RsaPrivate, ciphertext_b64: &str) -> Result<Vec<u8>, KeyError> {
    let ciphertext = STANDARD
        .decode(ciphertext_b64.trim())
        .map_err(|_| KeyError::DecryptFailed)?;
    decrypt_oaep_sha1(key, &ciphertext)
}
