//! A merchant's JD Pay keys, read from its configuration for one call,
//! and the small conversions every request needs.

use crate::protocol::xml::JdXml;
use crate::protocol::{ProtocolError, des3, envelope};
use juhe_channel::{ChannelConfig, ChannelError};
use juhe_crypto::{RsaPrivate, RsaPublic};
use juhe_domain::{Currency, Money};

/// A merchant's keys, opened for one call. `Debug` shows the merchant only.
pub(crate) struct Keys {
    pub merchant: String,
    /// The 3DES key requests are sealed with.
    pub des_key: zeroize::Zeroizing<Vec<u8>>,
    /// Earlier 3DES keys still being rotated away, newest first: what JD
    /// sealed with one of them (answers, notifications) still opens.
    pub older_des_keys: Vec<zeroize::Zeroizing<Vec<u8>>>,
    pub private: RsaPrivate,
    pub jd_public: RsaPublic,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("merchant", &self.merchant)
            .finish_non_exhaustive()
    }
}

pub(crate) fn keys(cfg: &ChannelConfig) -> Result<Keys, ChannelError> {
    let merchant = cfg.param("merchant")?.to_string();
    let mut des_keys = Vec::new();
    for text in cfg.secret_versions("des_key")? {
        let key = des3::parse_key(text).map_err(|e| ChannelError::Config(format!("des_key: {e}")))?;
        des_keys.push(zeroize::Zeroizing::new(key));
    }
    let des_key = des_keys.remove(0);
    let private = RsaPrivate::parse(cfg.secret("private_key")?)
        .map_err(|_| ChannelError::Config("private_key does not parse as an RSA private key".into()))?;
    let jd_public = RsaPublic::parse(cfg.param("jd_public_key")?)
        .map_err(|_| ChannelError::Config("jd_public_key does not parse as an RSA public key".into()))?;
    Ok(Keys {
        merchant,
        des_key,
        older_des_keys: des_keys,
        private,
        jd_public,
    })
}

impl Keys {
    /// Decrypts and verifies an `<encrypt>` element JD sealed, under the
    /// current 3DES key or, failing that, a live older one.
    pub fn open(&self, encrypt: &str) -> Result<JdXml, ProtocolError> {
        match envelope::open(encrypt, &self.des_key, &self.jd_public) {
            Ok(opened) => Ok(opened),
            Err(first) => self
                .older_des_keys
                .iter()
                .find_map(|key| envelope::open(encrypt, key, &self.jd_public).ok())
                .ok_or(first),
        }
    }
}

/// JD Pay settles CNY only; amounts are fen.
pub(crate) fn fen(money: &Money) -> Result<String, ChannelError> {
    if money.currency != Currency::CNY {
        return Err(ChannelError::Config(format!(
            "JD Pay settles CNY, not {}",
            money.currency
        )));
    }
    Ok(money.amount.to_string())
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
