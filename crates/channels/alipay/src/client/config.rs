//! A merchant's Alipay configuration, read from `ChannelConfig` and checked.
//! Keys are parsed as merchants paste them from the Alipay console: PKCS#1
//! or PKCS#8, PEM with any line layout, or bare base64.
//!
//! Two ways to trust Alipay: its public key (`alipay_public_key`: one key,
//! or a JSON array of keys while Alipay changes it), or public-key
//! certificates (`app_cert`, `alipay_cert`, `alipay_root_cert`: requests
//! name the app's certificate and the root bundle; answers name the Alipay
//! certificate they are signed with, which must chain to the root bundle —
//! `alipay_cert` may hold several certificates while Alipay rotates).
//! Content encryption is on when the secret `encrypt_key` is set (every
//! live version decrypts answers; the newest encrypts requests).

use crate::protocol::PRODUCTION_URL;
use crate::protocol::cert::{self, CertError};
use crate::protocol::content;
use crate::protocol::response::AnswerError;
use crate::protocol::sign::{self, SignType};
use juhe_channel::{ChannelConfig, ChannelError};
use juhe_crypto::{RsaPrivate, RsaPublic};
use zeroize::Zeroizing;

pub const PARAM_APP_ID: &str = "app_id";
pub const PARAM_SELLER_ID: &str = "seller_id";
pub const PARAM_SIGN_TYPE: &str = "sign_type";
pub const PARAM_ALIPAY_PUBLIC_KEY: &str = "alipay_public_key";
pub const PARAM_APP_CERT: &str = "app_cert";
pub const PARAM_ALIPAY_CERT: &str = "alipay_cert";
pub const PARAM_ALIPAY_ROOT_CERT: &str = "alipay_root_cert";
pub const SECRET_APP_PRIVATE_KEY: &str = "app_private_key";
pub const SECRET_ENCRYPT_KEY: &str = "encrypt_key";

/// The certificate SNs every request names (certificate mode).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertIds {
    pub app_cert_sn: String,
    pub alipay_root_cert_sn: String,
}

/// Alipay's keys this configuration trusts: without SNs in public-key
/// mode, by certificate SN in certificate mode.
#[derive(Debug, Clone)]
pub struct AlipayKeys {
    keys: Vec<(Option<String>, RsaPublic)>,
    by_certificate: bool,
}

impl AlipayKeys {
    /// Checks a signature. In certificate mode an answer naming a
    /// certificate is checked with that certificate's key only.
    pub fn verify(
        &self,
        cert_sn: Option<&str>,
        sign_type: SignType,
        content: &str,
        signature: &str,
    ) -> Result<(), AnswerError> {
        let verifies = |key: &RsaPublic| sign::verify(key, sign_type, content, signature);
        let ok = match cert_sn.filter(|_| self.by_certificate) {
            Some(sn) => {
                let named: Vec<&RsaPublic> = self
                    .keys
                    .iter()
                    .filter(|(k, _)| k.as_deref() == Some(sn))
                    .map(|(_, key)| key)
                    .collect();
                if named.is_empty() {
                    return Err(AnswerError::UnknownCertificate(sn.to_string()));
                }
                named.into_iter().any(verifies)
            }
            None => self.keys.iter().any(|(_, k)| verifies(k)),
        };
        if ok { Ok(()) } else { Err(AnswerError::BadSignature) }
    }
}

/// Everything a call needs. `Debug` shows no key material.
pub struct AlipayConfig {
    pub app_id: String,
    pub seller_id: Option<String>,
    pub gateway: String,
    pub sign_type: SignType,
    pub notify_url: String,
    pub cert: Option<CertIds>,
    pub(crate) app_key: RsaPrivate,
    pub(crate) alipay_keys: AlipayKeys,
    /// The AES keys, the one that encrypts first; empty: no encryption.
    pub(crate) encrypt_keys: Vec<Zeroizing<Vec<u8>>>,
}

impl std::fmt::Debug for AlipayConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlipayConfig")
            .field("app_id", &self.app_id)
            .field("seller_id", &self.seller_id)
            .field("gateway", &self.gateway)
            .field("sign_type", &self.sign_type)
            .field("cert", &self.cert)
            .field("encrypted", &!self.encrypt_keys.is_empty())
            .finish_non_exhaustive()
    }
}

fn config(e: impl std::fmt::Display) -> ChannelError {
    ChannelError::Config(e.to_string())
}

/// `alipay_public_key`: one key, or a JSON array of keys.
fn public_keys(text: &str) -> Result<Vec<RsaPublic>, ChannelError> {
    let texts: Vec<String> = if text.trim_start().starts_with('[') {
        serde_json::from_str(text)
            .map_err(|_| config("parameter \"alipay_public_key\" must be a key or a JSON array of keys"))?
    } else {
        vec![text.to_string()]
    };
    texts
        .iter()
        .map(|t| RsaPublic::parse(t).map_err(|e| config(format!("parameter \"alipay_public_key\": {e}"))))
        .collect()
}

fn certificate_mode(cfg: &ChannelConfig, app_key: &RsaPrivate) -> Result<(CertIds, AlipayKeys), ChannelError> {
    let cert_error = |e: CertError| config(format!("certificate mode: {e}"));
    let app = cert::bundle(cfg.param(PARAM_APP_CERT)?, "app_cert").map_err(cert_error)?;
    let app_cert = &app[0];
    if app_cert.rsa_public().ok().as_ref() != Some(&app_key.public()) {
        return Err(config(
            "parameter \"app_cert\" is not the certificate of \"app_private_key\"",
        ));
    }
    let roots = cert::bundle(cfg.param(PARAM_ALIPAY_ROOT_CERT)?, "alipay_root_cert").map_err(cert_error)?;
    let alipay = cert::bundle(cfg.param(PARAM_ALIPAY_CERT)?, "alipay_cert").map_err(cert_error)?;
    let leaves = cert::trusted_leaves(&alipay, &roots, crate::protocol::clock::now_ms() / 1000).map_err(cert_error)?;
    Ok((
        CertIds {
            app_cert_sn: cert::cert_sn(app_cert),
            alipay_root_cert_sn: cert::root_cert_sn(&roots),
        },
        AlipayKeys {
            keys: leaves.into_iter().map(|(sn, key)| (Some(sn), key)).collect(),
            by_certificate: true,
        },
    ))
}

impl AlipayConfig {
    pub fn from_channel_config(cfg: &ChannelConfig) -> Result<AlipayConfig, ChannelError> {
        let app_id = cfg.param(PARAM_APP_ID)?.to_string();
        let sign_type = match cfg.param_opt(PARAM_SIGN_TYPE) {
            None => SignType::Rsa2,
            Some(text) => SignType::parse(text).ok_or_else(|| config("parameter \"sign_type\" must be RSA2 or RSA"))?,
        };
        let app_key = RsaPrivate::parse(cfg.secret(SECRET_APP_PRIVATE_KEY)?)
            .map_err(|e| config(format!("secret \"app_private_key\": {e}")))?;
        let (cert, alipay_keys) = if cfg.param_opt(PARAM_APP_CERT).is_some() {
            let (ids, keys) = certificate_mode(cfg, &app_key)?;
            (Some(ids), keys)
        } else {
            let keys = public_keys(cfg.param(PARAM_ALIPAY_PUBLIC_KEY)?)?;
            (
                None,
                AlipayKeys {
                    keys: keys.into_iter().map(|k| (None, k)).collect(),
                    by_certificate: false,
                },
            )
        };
        let encrypt_keys = if cfg.secrets.get(SECRET_ENCRYPT_KEY).is_some() {
            cfg.secret_versions(SECRET_ENCRYPT_KEY)?
                .into_iter()
                .map(|k| content::parse_key(k).map_err(|e| config(format!("secret \"encrypt_key\": {e}"))))
                .collect::<Result<Vec<_>, _>>()?
        } else {
            Vec::new()
        };
        let gateway = cfg.base_url(PRODUCTION_URL);
        if !(gateway.starts_with("https://") || gateway.starts_with("http://")) {
            return Err(config("parameter \"base_url\" must be an http(s) URL"));
        }
        Ok(AlipayConfig {
            app_id,
            seller_id: cfg.param_opt(PARAM_SELLER_ID).map(str::to_string),
            gateway: gateway.to_string(),
            sign_type,
            notify_url: cfg.notify_url.clone(),
            cert,
            app_key,
            alipay_keys,
            encrypt_keys,
        })
    }
}
