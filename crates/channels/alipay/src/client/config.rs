//! A merchant's Alipay configuration, read from `ChannelConfig` and checked.
//! Keys are parsed as merchants paste them from the Alipay console: PKCS#1
//! or PKCS#8, PEM with any line layout, or bare base64.

use crate::protocol::PRODUCTION_URL;
use crate::protocol::sign::SignType;
use juhe_channel::{ChannelConfig, ChannelError};
use juhe_crypto::{RsaPrivate, RsaPublic};

pub const PARAM_APP_ID: &str = "app_id";
pub const PARAM_SELLER_ID: &str = "seller_id";
pub const PARAM_SIGN_TYPE: &str = "sign_type";
pub const PARAM_ALIPAY_PUBLIC_KEY: &str = "alipay_public_key";
pub const SECRET_APP_PRIVATE_KEY: &str = "app_private_key";

/// Everything a call needs. `Debug` shows no key material.
pub struct AlipayConfig {
    pub app_id: String,
    pub seller_id: Option<String>,
    pub gateway: String,
    pub sign_type: SignType,
    pub notify_url: String,
    pub(crate) app_key: RsaPrivate,
    pub(crate) alipay_key: RsaPublic,
}

impl std::fmt::Debug for AlipayConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlipayConfig")
            .field("app_id", &self.app_id)
            .field("seller_id", &self.seller_id)
            .field("gateway", &self.gateway)
            .field("sign_type", &self.sign_type)
            .finish_non_exhaustive()
    }
}

impl AlipayConfig {
    pub fn from_channel_config(cfg: &ChannelConfig) -> Result<AlipayConfig, ChannelError> {
        let app_id = cfg.param(PARAM_APP_ID)?.to_string();
        let sign_type = match cfg.param_opt(PARAM_SIGN_TYPE) {
            None => SignType::Rsa2,
            Some(text) => SignType::parse(text)
                .ok_or_else(|| ChannelError::Config("parameter \"sign_type\" must be RSA2 or RSA".into()))?,
        };
        let app_key = RsaPrivate::parse(cfg.secret(SECRET_APP_PRIVATE_KEY)?)
            .map_err(|e| ChannelError::Config(format!("secret \"app_private_key\": {e}")))?;
        let alipay_key = RsaPublic::parse(cfg.param(PARAM_ALIPAY_PUBLIC_KEY)?)
            .map_err(|e| ChannelError::Config(format!("parameter \"alipay_public_key\": {e}")))?;
        let gateway = cfg.base_url(PRODUCTION_URL);
        if !(gateway.starts_with("https://") || gateway.starts_with("http://")) {
            return Err(ChannelError::Config(
                "parameter \"base_url\" must be an http(s) URL".into(),
            ));
        }
        Ok(AlipayConfig {
            app_id,
            seller_id: cfg.param_opt(PARAM_SELLER_ID).map(str::to_string),
            gateway: gateway.to_string(),
            sign_type,
            notify_url: cfg.notify_url.clone(),
            app_key,
            alipay_key,
        })
    }
}
