//! A merchant's UnionPay configuration, read and checked: `mer_id`,
//! `sign_method`, and the keys that method needs.

use crate::protocol::cert::{Certificate, TrustChain};
use crate::protocol::secret::SecretText;
use crate::protocol::sign::{SignMethod, Signer, UnionPayVerifier};
use juhe_channel::{ChannelConfig, ChannelError};
use juhe_crypto::RsaPrivate;

/// What every call needs: who we are, how we sign, how we check answers.
#[derive(Debug, Clone)]
pub struct MerchantSetup {
    pub mer_id: String,
    pub signer: Signer,
    pub verifier: UnionPayVerifier,
}

fn config_error(what: &str) -> ChannelError {
    ChannelError::Config(what.to_string())
}

impl MerchantSetup {
    pub fn from_config(cfg: &ChannelConfig) -> Result<MerchantSetup, ChannelError> {
        let mer_id = cfg.param("mer_id")?.to_string();
        if mer_id.len() != 15 || !mer_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(config_error("parameter \"mer_id\" must be 15 digits"));
        }
        let method = SignMethod::parse(cfg.param("sign_method")?)
            .ok_or_else(|| config_error("parameter \"sign_method\" must be 01, 11 or 12"))?;
        let (signer, verifier) = match method {
            SignMethod::Rsa => {
                let key = RsaPrivate::parse(cfg.secret("sign_private_key")?)
                    .map_err(|_| config_error("secret \"sign_private_key\" is not an RSA private key"))?;
                let cert = Certificate::parse(cfg.param("sign_cert")?)
                    .map_err(|e| ChannelError::Config(format!("parameter \"sign_cert\": {e}")))?;
                let cert_key = cert
                    .rsa_public()
                    .map_err(|e| ChannelError::Config(format!("parameter \"sign_cert\": {e}")))?;
                if cert_key != key.public() {
                    return Err(config_error(
                        "secret \"sign_private_key\" does not belong to the certificate \"sign_cert\"",
                    ));
                }
                let chain = TrustChain::parse(cfg.param("root_cert")?, cfg.param("middle_cert")?)
                    .map_err(|e| ChannelError::Config(format!("parameters \"root_cert\"/\"middle_cert\": {e}")))?;
                let signer = Signer::Rsa {
                    key: Box::new(key),
                    cert_id: cert.serial_decimal(),
                };
                (signer, UnionPayVerifier::Chain(Box::new(chain)))
            }
            SignMethod::Sha256Key | SignMethod::Sm3Key => {
                // The newest version signs; every live one verifies.
                let keys: Vec<SecretText> = cfg
                    .secret_versions("secure_key")?
                    .into_iter()
                    .map(SecretText::new)
                    .collect();
                (
                    Signer::SecureKey {
                        method,
                        key: keys[0].clone(),
                    },
                    UnionPayVerifier::SecureKey { method, keys },
                )
            }
        };
        Ok(MerchantSetup {
            mer_id,
            signer,
            verifier,
        })
    }
}
