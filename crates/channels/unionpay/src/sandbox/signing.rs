//! How the sandbox, as UnionPay, signs what it sends: in 01 mode with its
//! signing certificate (put in `signPubKeyCert`), in 11 / 12 mode with the
//! merchant's secure key. The default certificate and key are the
//! TEST-ONLY fixtures of this crate (sandbox root → middle → sign).

use crate::protocol::cert::Certificate;
use crate::protocol::form::{Fields, SIGNATURE, string_to_sign};
use crate::protocol::sign::{SignError, SignMethod, Signer, rsa_signature};
use crate::sandbox::merchants::MerchantKeys;
use juhe_crypto::RsaPrivate;

pub const FIXTURE_ROOT_CERT: &str = include_str!("../../fixtures/acp_sandbox_root.cer");
pub const FIXTURE_MIDDLE_CERT: &str = include_str!("../../fixtures/acp_sandbox_middle.cer");
pub const FIXTURE_SIGN_CERT: &str = include_str!("../../fixtures/acp_sandbox_sign.cer");
const FIXTURE_SIGN_KEY: &str = include_str!("../../fixtures/acp_sandbox_sign.key");

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum SigningSetupError {
    #[error("sandbox signing key does not parse")]
    Key,
    #[error("sandbox signing certificate does not parse or does not match the key")]
    Cert,
}

/// The sandbox's UnionPay signing identity. `Debug` hides the key.
#[derive(Clone)]
pub struct UnionPaySigning {
    key: RsaPrivate,
    cert_pem: String,
}

impl std::fmt::Debug for UnionPaySigning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnionPaySigning").finish_non_exhaustive()
    }
}

impl UnionPaySigning {
    /// The committed TEST-ONLY identity.
    pub fn fixtures() -> Result<UnionPaySigning, SigningSetupError> {
        UnionPaySigning::new(FIXTURE_SIGN_KEY, FIXTURE_SIGN_CERT)
    }

    pub fn new(key_pem: &str, cert_pem: &str) -> Result<UnionPaySigning, SigningSetupError> {
        let key = RsaPrivate::parse(key_pem).map_err(|_| SigningSetupError::Key)?;
        let cert = Certificate::parse(cert_pem).map_err(|_| SigningSetupError::Cert)?;
        if cert.rsa_public().map_err(|_| SigningSetupError::Cert)? != key.public() {
            return Err(SigningSetupError::Cert);
        }
        Ok(UnionPaySigning {
            key,
            cert_pem: cert_pem.trim().to_string(),
        })
    }

    /// Signs an answer or notification the way the merchant signed its
    /// request. With 11 / 12 and no known secure key it stays unsigned (an
    /// unknown merchant), which the merchant cannot verify.
    pub fn sign(&self, method: SignMethod, keys: Option<&MerchantKeys>, fields: &mut Fields) -> Result<(), SignError> {
        fields.remove(SIGNATURE);
        fields.insert("signMethod".into(), method.code().into());
        match method {
            SignMethod::Rsa => {
                fields.insert("signPubKeyCert".into(), self.cert_pem.clone());
                let signature = rsa_signature(&self.key, &string_to_sign(fields))?;
                fields.insert(SIGNATURE.into(), signature);
                Ok(())
            }
            SignMethod::Sha256Key | SignMethod::Sm3Key => match keys.and_then(|k| k.secure_key.clone()) {
                Some(key) => Signer::SecureKey { method, key }.sign(fields),
                None => Ok(()),
            },
        }
    }
}
