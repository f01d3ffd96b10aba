//! A merchant's configuration of one channel, as the channel sees it: plain
//! parameters (merchant numbers, app ids, certificate serials) and secrets
//! (private keys, API keys) already opened from their sealed form. Each
//! channel reads what it needs through `param` / `secret`, which fail with a
//! configuration error naming the missing field — never its value.
//!
//! A secret may have several versions while it is being rotated: the
//! newest signs and encrypts (`secret`), and every version not yet retired
//! still verifies and decrypts what was made with it (`secret_versions`,
//! newest first) — a channel reads whichever its use needs.

use crate::error::ChannelError;
use std::collections::BTreeMap;
use zeroize::Zeroizing;

/// Opened secrets: per name its live versions, the signing one first.
/// `Debug` prints names only.
#[derive(Clone, Default)]
pub struct Secrets(BTreeMap<String, Vec<Zeroizing<String>>>);

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

impl Secrets {
    pub fn new() -> Secrets {
        Secrets::default()
    }

    /// Sets a secret with one version.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.insert(name.into(), vec![Zeroizing::new(value.into())]);
    }

    /// Sets a secret with several versions: the signing one first, then
    /// older ones that still verify / decrypt, newest first. Nothing is set
    /// for an empty list.
    pub fn insert_versions(&mut self, name: impl Into<String>, values: impl IntoIterator<Item = String>) {
        let values: Vec<Zeroizing<String>> = values.into_iter().map(Zeroizing::new).collect();
        if !values.is_empty() {
            self.0.insert(name.into(), values);
        }
    }

    /// The signing (newest) version.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(|v| v.first()).map(|v| v.as_str())
    }

    /// Every live version, the signing one first, then older ones newest first.
    pub fn versions(&self, name: &str) -> impl Iterator<Item = &str> {
        self.0.get(name).into_iter().flatten().map(|v| v.as_str())
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(|k| k.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct ChannelConfig {
    /// The configuration's id (`chc_…`); inbound notification URLs carry it.
    pub id: String,
    pub merchant_id: String,
    /// The channel's code (`wechatpay`, `alipay`, …).
    pub channel: String,
    pub params: serde_json::Map<String, serde_json::Value>,
    pub secrets: Secrets,
    /// Where juhe's inbound notification endpoint for this configuration is
    /// reachable from the channel (`…/v1/notify/{channel}/{config id}`).
    pub notify_url: String,
}

impl ChannelConfig {
    /// A required string parameter.
    pub fn param(&self, name: &str) -> Result<&str, ChannelError> {
        self.params
            .get(name)
            .and_then(|v| v.as_str())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| ChannelError::Config(format!("parameter {name:?} is missing")))
    }

    /// An optional string parameter.
    pub fn param_opt(&self, name: &str) -> Option<&str> {
        self.params.get(name).and_then(|v| v.as_str()).filter(|v| !v.is_empty())
    }

    /// A required secret.
    pub fn secret(&self, name: &str) -> Result<&str, ChannelError> {
        self.secrets
            .get(name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| ChannelError::Config(format!("secret {name:?} is missing")))
    }

    /// Every live version of a required secret, the signing one first: for
    /// verifying or decrypting what may have been made with an older one.
    pub fn secret_versions(&self, name: &str) -> Result<Vec<&str>, ChannelError> {
        let versions: Vec<&str> = self.secrets.versions(name).filter(|v| !v.is_empty()).collect();
        if versions.is_empty() {
            return Err(ChannelError::Config(format!("secret {name:?} is missing")));
        }
        Ok(versions)
    }

    /// The channel's API base URL: the `base_url` parameter if set (a
    /// sandbox, or the institution's backup host), else the production one.
    pub fn base_url<'a>(&'a self, production: &'a str) -> &'a str {
        self.param_opt("base_url").unwrap_or(production).trim_end_matches('/')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_fields_name_the_field_not_a_value() {
        let mut secrets = Secrets::new();
        secrets.insert("private_key", "-----BEGIN SECRET-----");
        let cfg = ChannelConfig {
            id: "chc_1".into(),
            merchant_id: "mch_1".into(),
            channel: "wechatpay".into(),
            params: serde_json::json!({"mchid": "1900000001", "empty": ""})
                .as_object()
                .cloned()
                .unwrap_or_default(),
            secrets,
            notify_url: "http://127.0.0.1/v1/notify/wechatpay/chc_1".into(),
        };
        assert_eq!(cfg.param("mchid").unwrap(), "1900000001");
        assert!(cfg.param("empty").is_err());
        let err = cfg.secret("apiv3_key").unwrap_err().to_string();
        assert!(err.contains("apiv3_key"));
        assert!(!format!("{:?}", cfg.secrets).contains("BEGIN"));
        assert_eq!(
            cfg.base_url("https://api.mch.weixin.qq.com/"),
            "https://api.mch.weixin.qq.com"
        );
    }

    #[test]
    fn rotated_secrets_sign_with_the_newest_and_keep_the_older() {
        let mut secrets = Secrets::new();
        secrets.insert_versions("apiv3_key", ["new".to_string(), "old".to_string()]);
        secrets.insert_versions("nothing", Vec::new());
        let cfg = ChannelConfig {
            id: "chc_1".into(),
            merchant_id: "mch_1".into(),
            channel: "wechatpay".into(),
            params: serde_json::Map::new(),
            secrets,
            notify_url: String::new(),
        };
        assert_eq!(cfg.secret("apiv3_key").unwrap(), "new");
        assert_eq!(cfg.secret_versions("apiv3_key").unwrap(), ["new", "old"]);
        assert!(cfg.secret_versions("nothing").is_err());
        assert!(cfg.secret("nothing").is_err());
        assert_eq!(cfg.secrets.names().collect::<Vec<_>>(), ["apiv3_key"]);
        assert!(!format!("{:?}", cfg.secrets).contains("old"));
    }
}
