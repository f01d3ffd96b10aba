//! `AEAD_AES_256_GCM` resources (§1.3): notification payloads and the
//! platform certificates of `GET /v3/certificates`. Key = the APIv3 key as
//! ASCII bytes, nonce and AAD as ASCII, ciphertext = base64(ct ‖ tag).

use super::ProtocolError;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use juhe_crypto::aead::{
    aes128_gcm_decrypt, aes256_gcm_decrypt, aes256_gcm_encrypt, sm4_gcm_decrypt, sm4_gcm_encrypt, wechat_sm4_key,
};
use rand::Rng;
use serde::{Deserialize, Serialize};

pub const ALGORITHM: &str = "AEAD_AES_256_GCM";
/// The 国密 resources of SM2 merchants: SM4-GCM, key = the first 16 bytes
/// of SM3(APIv3 key) (wechatpay-java `AeadSM4Cipher`, `SMNotificationConfig`).
pub const SM4_ALGORITHM: &str = "AEAD_SM4_GCM";

/// The encrypted part of a notification or certificate entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncryptedResource {
    pub algorithm: String,
    pub ciphertext: String,
    #[serde(default)]
    pub associated_data: String,
    pub nonce: String,
    /// `transaction` / `refund` on notifications; absent on certificates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_type: Option<String>,
}

/// Decrypts with the APIv3 key. Real keys are 32 bytes (AES-256); like the
/// Go SDK, which sizes AES by the key, a 16-byte key means AES-128 — only
/// the SDKs' own test vectors use such keys, and `validate_config` refuses them.
pub fn decrypt(apiv3_key: &[u8], resource: &EncryptedResource) -> Result<Vec<u8>, ProtocolError> {
    let data = STANDARD
        .decode(resource.ciphertext.trim())
        .map_err(|_| ProtocolError::Decrypt)?;
    let nonce = resource.nonce.as_bytes();
    let aad = resource.associated_data.as_bytes();
    let opened = match (resource.algorithm.as_str(), apiv3_key.len()) {
        (ALGORITHM, 32) => aes256_gcm_decrypt(apiv3_key, nonce, aad, &data),
        (ALGORITHM, 16) => aes128_gcm_decrypt(apiv3_key, nonce, aad, &data),
        (ALGORITHM, _) => return Err(ProtocolError::Decrypt),
        (SM4_ALGORITHM, _) => sm4_gcm_decrypt(&*wechat_sm4_key(apiv3_key), nonce, aad, &data),
        (other, _) => return Err(ProtocolError::UnsupportedAlgorithm(other.to_string())),
    };
    opened.map_err(|_| ProtocolError::Decrypt)
}

/// Encrypts with a fresh 12-character nonce (sandbox side).
pub fn encrypt(
    apiv3_key: &[u8],
    associated_data: &str,
    original_type: Option<&str>,
    plaintext: &[u8],
) -> Result<EncryptedResource, ProtocolError> {
    let nonce = fresh_nonce();
    encrypt_with_nonce(apiv3_key, &nonce, associated_data, original_type, plaintext)
}

pub fn encrypt_with_nonce(
    apiv3_key: &[u8],
    nonce: &str,
    associated_data: &str,
    original_type: Option<&str>,
    plaintext: &[u8],
) -> Result<EncryptedResource, ProtocolError> {
    encrypt_as(ALGORITHM, apiv3_key, nonce, associated_data, original_type, plaintext)
}

/// Encrypts a resource for an SM2 merchant (`AEAD_SM4_GCM`), fresh nonce.
pub fn encrypt_sm4(
    apiv3_key: &[u8],
    associated_data: &str,
    original_type: Option<&str>,
    plaintext: &[u8],
) -> Result<EncryptedResource, ProtocolError> {
    encrypt_as(
        SM4_ALGORITHM,
        apiv3_key,
        &fresh_nonce(),
        associated_data,
        original_type,
        plaintext,
    )
}

fn encrypt_as(
    algorithm: &str,
    apiv3_key: &[u8],
    nonce: &str,
    associated_data: &str,
    original_type: Option<&str>,
    plaintext: &[u8],
) -> Result<EncryptedResource, ProtocolError> {
    let (nonce_bytes, aad) = (nonce.as_bytes(), associated_data.as_bytes());
    let sealed = if algorithm == SM4_ALGORITHM {
        sm4_gcm_encrypt(&*wechat_sm4_key(apiv3_key), nonce_bytes, aad, plaintext)?
    } else {
        aes256_gcm_encrypt(apiv3_key, nonce_bytes, aad, plaintext)?
    };
    Ok(EncryptedResource {
        algorithm: algorithm.to_string(),
        ciphertext: STANDARD.encode(sealed),
        associated_data: associated_data.to_string(),
        nonce: nonce.to_string(),
        original_type: original_type.map(str::to_string),
    })
}

/// 12 ASCII letters and digits, the nonce shape WeChat uses.
fn fresh_nonce() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut rng = rand::thread_rng();
    (0..12)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}
