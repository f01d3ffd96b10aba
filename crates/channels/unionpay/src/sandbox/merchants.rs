//! The merchants the sandbox knows, with what it needs to check their
//! signatures: the signing certificates they registered (by `certId`, the
//! decimal serial) for 01, their secure key for 11 / 12.

use crate::protocol::cert::Certificate;
use crate::protocol::form::{Fields, SIGNATURE, string_to_sign};
use crate::protocol::secret::SecretText;
use crate::protocol::sign::{SignMethod, rsa_verifies, secure_key_verifies};
use juhe_crypto::RsaPublic;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Mutex;

/// A merchant as registered (constructor or `POST /_sandbox/merchants`).
#[derive(Clone, Deserialize)]
pub struct SandboxMerchant {
    pub mer_id: String,
    /// PEM of the merchant's signing certificate (signMethod 01).
    #[serde(default)]
    pub sign_cert: Option<String>,
    /// Shared secure key (signMethod 11 / 12).
    #[serde(default)]
    pub secure_key: Option<String>,
}

impl std::fmt::Debug for SandboxMerchant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxMerchant")
            .field("mer_id", &self.mer_id)
            .field("has_sign_cert", &self.sign_cert.is_some())
            .field("has_secure_key", &self.secure_key.is_some())
            .finish()
    }
}

#[derive(Debug, Clone, Default)]
pub struct MerchantKeys {
    certs: HashMap<String, RsaPublic>,
    pub secure_key: Option<SecretText>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MerchantError {
    #[error("mer_id must be 15 digits")]
    BadMerId,
    #[error("sign_cert is not a usable RSA certificate")]
    BadCert,
    #[error("a merchant needs a sign_cert or a secure_key")]
    NoKeys,
}

/// Why an inbound request is refused before it is acted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    UnknownMerchant,
    BadSignature,
}

#[derive(Debug, Default)]
pub struct Merchants {
    by_id: Mutex<HashMap<String, MerchantKeys>>,
}

impl Merchants {
    pub fn register(&self, merchant: &SandboxMerchant) -> Result<(), MerchantError> {
        if merchant.mer_id.len() != 15 || !merchant.mer_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MerchantError::BadMerId);
        }
        if merchant.sign_cert.is_none() && merchant.secure_key.is_none() {
            return Err(MerchantError::NoKeys);
        }
        let mut by_id = super::lock(&self.by_id);
        let keys = by_id.entry(merchant.mer_id.clone()).or_default();
        if let Some(pem) = &merchant.sign_cert {
            let cert = Certificate::parse(pem).map_err(|_| MerchantError::BadCert)?;
            let key = cert.rsa_public().map_err(|_| MerchantError::BadCert)?;
            keys.certs.insert(cert.serial_decimal(), key);
        }
        if let Some(secure_key) = &merchant.secure_key {
            keys.secure_key = Some(SecretText::new(secure_key.clone()));
        }
        Ok(())
    }

    pub fn keys(&self, mer_id: &str) -> Option<MerchantKeys> {
        super::lock(&self.by_id).get(mer_id).cloned()
    }

    /// Checks a request's signature as UnionPay does; returns the sign
    /// method so the answer is signed the same way.
    pub fn verify(&self, fields: &Fields) -> Result<(SignMethod, MerchantKeys), Refusal> {
        let keys = fields
            .get("merId")
            .and_then(|m| self.keys(m))
            .ok_or(Refusal::UnknownMerchant)?;
        let method = fields
            .get("signMethod")
            .and_then(|m| SignMethod::parse(m))
            .ok_or(Refusal::BadSignature)?;
        let valid = match method {
            SignMethod::Rsa => {
                let cert_key = fields.get("certId").and_then(|id| keys.certs.get(id));
                match (cert_key, fields.get(SIGNATURE)) {
                    (Some(key), Some(signature)) => rsa_verifies(key, &string_to_sign(fields), signature),
                    _ => false,
                }
            }
            SignMethod::Sha256Key | SignMethod::Sm3Key => keys
                .secure_key
                .as_ref()
                .is_some_and(|key| secure_key_verifies(method, fields, key.expose())),
        };
        if valid {
            Ok((method, keys))
        } else {
            Err(Refusal::BadSignature)
        }
    }
}
