//! The three ACP 5.1.0 signature methods, for both directions.
//!
//! - `01`: certificate RSA. `signature = base64(SHA256withRSA(lower_hex(SHA-256(s))))`
//!   where `s` is the string to sign: the 64-character hex digest is what
//!   gets signed, so the data is hashed twice. `certId` names the key.
//! - `11`: secure key. `signature = lower_hex(SHA-256(s + "&" + lower_hex(SHA-256(key))))`.
//! - `12`: the same as `11` with SM3.

use crate::protocol::cert::{CertError, TrustChain, parse_certificate};
use crate::protocol::form::{Fields, SIGNATURE, string_to_sign};
use crate::protocol::secret::SecretText;
use juhe_crypto::unionpay_acp;
use juhe_crypto::{RsaPrivate, RsaPublic};

/// `signMethod`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignMethod {
    /// `01`: RSA with certificates.
    Rsa,
    /// `11`: SHA-256 with a shared secure key.
    Sha256Key,
    /// `12`: SM3 with a shared secure key.
    Sm3Key,
}

impl SignMethod {
    pub fn parse(code: &str) -> Option<SignMethod> {
        match code {
            "01" => Some(SignMethod::Rsa),
            "11" => Some(SignMethod::Sha256Key),
            "12" => Some(SignMethod::Sm3Key),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            SignMethod::Rsa => "01",
            SignMethod::Sha256Key => "11",
            SignMethod::Sm3Key => "12",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    #[error("the RSA signing operation failed")]
    RsaFailed,
    #[error("message has no signature")]
    MissingSignature,
    #[error("message has no or an unexpected signMethod")]
    WrongSignMethod,
    #[error("message has no signPubKeyCert")]
    MissingCertificate,
    #[error("signPubKeyCert is not trusted: {0}")]
    UntrustedCertificate(CertError),
    #[error("certId does not name a known certificate")]
    UnknownCertId,
    #[error("signature does not verify")]
    BadSignature,
}

/// `lower_hex(SHA-256(s))`: what signMethod 01 signs.
pub fn rsa_digest_hex(sign_string: &str) -> String {
    unionpay_acp::sign_01_digest(sign_string)
}

/// The secure-key signature (11 / 12) of a string to sign.
pub fn secure_key_signature(method: SignMethod, sign_string: &str, secure_key: &str) -> String {
    match method {
        SignMethod::Sm3Key => unionpay_acp::sign_12(secure_key, sign_string),
        SignMethod::Rsa | SignMethod::Sha256Key => unionpay_acp::sign_11(secure_key, sign_string),
    }
}

/// Signs RSA (01) with a private key.
pub fn rsa_signature(key: &RsaPrivate, sign_string: &str) -> Result<String, SignError> {
    unionpay_acp::sign_01(key, sign_string).map_err(|_| SignError::RsaFailed)
}

pub fn rsa_verifies(key: &RsaPublic, sign_string: &str, signature_b64: &str) -> bool {
    unionpay_acp::verify_01(key, sign_string, signature_b64)
}

pub fn secure_key_verifies(method: SignMethod, fields: &Fields, secure_key: &str) -> bool {
    let Some(given) = fields.get(SIGNATURE) else {
        return false;
    };
    let expected = secure_key_signature(method, &string_to_sign(fields), secure_key);
    unionpay_acp::verify_secure_key_signature(&expected, given)
}

/// How one side signs what it sends: an RSA key with its certificate's
/// serial (`certId`), or a secure key. `Debug` never shows key material.
#[derive(Clone)]
pub enum Signer {
    Rsa { key: Box<RsaPrivate>, cert_id: String },
    SecureKey { method: SignMethod, key: SecretText },
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Signer::Rsa { cert_id, .. } => f
                .debug_struct("Signer::Rsa")
                .field("cert_id", cert_id)
                .finish_non_exhaustive(),
            Signer::SecureKey { method, .. } => f
                .debug_struct("Signer::SecureKey")
                .field("method", method)
                .finish_non_exhaustive(),
        }
    }
}

impl Signer {
    pub fn method(&self) -> SignMethod {
        match self {
            Signer::Rsa { .. } => SignMethod::Rsa,
            Signer::SecureKey { method, .. } => *method,
        }
    }

    /// Sets `signMethod` (and `certId` for RSA), then `signature`.
    pub fn sign(&self, fields: &mut Fields) -> Result<(), SignError> {
        fields.remove(SIGNATURE);
        fields.insert("signMethod".into(), self.method().code().into());
        let signature = match self {
            Signer::Rsa { key, cert_id } => {
                fields.insert("certId".into(), cert_id.clone());
                rsa_signature(key, &string_to_sign(fields))?
            }
            Signer::SecureKey { method, key } => secure_key_signature(*method, &string_to_sign(fields), key.expose()),
        };
        fields.insert(SIGNATURE.into(), signature);
        Ok(())
    }
}

/// How the merchant side checks what UnionPay sends (answers and
/// notifications): through `signPubKeyCert` and the trust chain in 01 mode,
/// with the shared secure key in 11 / 12 mode — any live version of it, so
/// that while the merchant rotates its secure key, messages UnionPay signed
/// with the previous one still verify.
#[derive(Clone)]
pub enum UnionPayVerifier {
    Chain(Box<TrustChain>),
    SecureKey { method: SignMethod, keys: Vec<SecretText> },
}

impl std::fmt::Debug for UnionPayVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UnionPayVerifier::Chain(chain) => f.debug_tuple("UnionPayVerifier::Chain").field(chain).finish(),
            UnionPayVerifier::SecureKey { method, .. } => f
                .debug_struct("UnionPayVerifier::SecureKey")
                .field("method", method)
                .finish_non_exhaustive(),
        }
    }
}

impl UnionPayVerifier {
    /// Verifies a message from UnionPay. The message's `signMethod` must be
    /// the configured one: an answer may not downgrade the method.
    pub fn verify(&self, fields: &Fields, now_s: i64) -> Result<(), SignError> {
        let signature = fields.get(SIGNATURE).ok_or(SignError::MissingSignature)?;
        let method = fields
            .get("signMethod")
            .and_then(|m| SignMethod::parse(m))
            .ok_or(SignError::WrongSignMethod)?;
        match self {
            UnionPayVerifier::Chain(chain) => {
                if method != SignMethod::Rsa {
                    return Err(SignError::WrongSignMethod);
                }
                let pem = fields.get("signPubKeyCert").ok_or(SignError::MissingCertificate)?;
                let leaf = parse_certificate(pem).map_err(SignError::UntrustedCertificate)?;
                let key = chain
                    .verify_signing_cert(&leaf, now_s)
                    .map_err(SignError::UntrustedCertificate)?;
                if rsa_verifies(&key, &string_to_sign(fields), signature) {
                    Ok(())
                } else {
                    Err(SignError::BadSignature)
                }
            }
            UnionPayVerifier::SecureKey { method: expected, keys } => {
                if method != *expected {
                    return Err(SignError::WrongSignMethod);
                }
                if keys.iter().any(|key| secure_key_verifies(method, fields, key.expose())) {
                    Ok(())
                } else {
                    Err(SignError::BadSignature)
                }
            }
        }
    }
}
