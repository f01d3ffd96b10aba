//! A merchant's JD Pay keys, read from its configuration for one call,
//! and the small conversions every request needs.

use crate::protocol::des3;
use juhe_channel::{ChannelConfig, ChannelError};
use juhe_crypto::{RsaPrivate, RsaPublic};
use juhe_domain::{Currency, Money};

/// A merchant's keys, opened for one call. `Debug` shows the merchant only.
pub(crate) struct Keys {
    pub merchant: String,
    pub des_key: zeroize::Zeroizing<Vec<u8>>,
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
    let des_key = des3::parse_key(cfg.secret("des_key")?).map_err(|e| ChannelError::Config(format!("des_key: {e}")))?;
    let private = RsaPrivate::parse(cfg.secret("private_key")?)
        .map_err(|_| ChannelError::Config("private_key does not parse as an RSA private key".into()))?;
    let jd_public = RsaPublic::parse(cfg.param("jd_public_key")?)
        .map_err(|_| ChannelError::Config("jd_public_key does not parse as an RSA public key".into()))?;
    Ok(Keys {
        merchant,
        des_key: zeroize::Zeroizing::new(des_key),
        private,
        jd_public,
    })
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
