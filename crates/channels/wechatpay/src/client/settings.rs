//! A merchant's WeChat Pay configuration, read and checked from the
//! generic `ChannelConfig`. `Debug` never shows key material.

use crate::protocol::platform::PlatformKeys;
use crate::protocol::scheme::{Scheme, SigningKey, Signs, VerifyingKey};
use juhe_channel::{ChannelConfig, ChannelError};
use juhe_crypto::x509::Certificate;
use zeroize::Zeroizing;

/// Parameter and secret names.
pub mod names {
    pub const MCHID: &str = "mchid";
    pub const APPID: &str = "appid";
    pub const MERCHANT_SERIAL_NO: &str = "merchant_serial_no";
    pub const PLATFORM_PUBLIC_KEY_ID: &str = "platform_public_key_id";
    pub const PLATFORM_PUBLIC_KEY: &str = "platform_public_key";
    pub const PLATFORM_CERTIFICATES: &str = "platform_certificates";
    /// Several platform public keys at once, a JSON text
    /// `{"PUB_KEY_ID_…": "PEM", …}`: WeChat's new key and the old one while
    /// it rotates them.
    pub const PLATFORM_PUBLIC_KEYS: &str = "platform_public_keys";
    pub const PRIVATE_KEY: &str = "private_key";
    pub const APIV3_KEY: &str = "apiv3_key";
}

pub struct Settings {
    pub mchid: String,
    pub appid: String,
    /// The merchant API certificate's serial, sent as `serial_no`.
    pub merchant_serial_no: String,
    /// The merchant API key: RSA, or SM2 for a 国密 merchant (then the
    /// platform keys are SM2 certificates and resources SM4-GCM).
    pub private_key: SigningKey,
    /// The APIv3 key, then earlier versions still being rotated away
    /// (notifications encrypted under them still decrypt).
    pub apiv3_keys: Vec<Zeroizing<Vec<u8>>>,
    pub platform: PlatformKeys,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("mchid", &self.mchid)
            .field("appid", &self.appid)
            .field("merchant_serial_no", &self.merchant_serial_no)
            .finish_non_exhaustive()
    }
}

impl Settings {
    pub fn scheme(&self) -> Scheme {
        self.private_key.scheme()
    }

    pub fn from_config(cfg: &ChannelConfig) -> Result<Settings, ChannelError> {
        let mchid = cfg.param(names::MCHID)?.to_string();
        if !mchid.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ChannelError::Config("parameter \"mchid\" must be digits".into()));
        }
        let appid = cfg.param(names::APPID)?.to_string();
        let merchant_serial_no = cfg.param(names::MERCHANT_SERIAL_NO)?.to_string();
        let private_key = SigningKey::parse(cfg.secret(names::PRIVATE_KEY)?)
            .map_err(|e| ChannelError::Config(format!("secret \"private_key\" (RSA or SM2): {e}")))?;
        let mut apiv3_keys = Vec::new();
        for key in cfg.secret_versions(names::APIV3_KEY)? {
            // AES-256 needs exactly 32 bytes; WeChat's console issues 32 ASCII characters.
            if key.len() != 32 || !key.is_ascii() {
                return Err(ChannelError::Config(
                    "secret \"apiv3_key\" must be 32 ASCII characters".into(),
                ));
            }
            apiv3_keys.push(Zeroizing::new(key.as_bytes().to_vec()));
        }
        let platform = platform_keys(cfg)?;
        if !platform.all_of(private_key.scheme()) {
            return Err(ChannelError::Config(format!(
                "the platform keys must be of the merchant key's kind ({})",
                private_key.scheme().name()
            )));
        }
        Ok(Settings {
            mchid,
            appid,
            merchant_serial_no,
            private_key,
            apiv3_keys,
            platform,
        })
    }
}

/// The platform keys from either mode (both may be set while WeChat
/// migrates a merchant from certificates to the platform public key).
fn platform_keys(cfg: &ChannelConfig) -> Result<PlatformKeys, ChannelError> {
    let mut keys = PlatformKeys::new();
    if let Some(id) = cfg.param_opt(names::PLATFORM_PUBLIC_KEY_ID) {
        let text = cfg
            .secrets
            .get(names::PLATFORM_PUBLIC_KEY)
            .filter(|v| !v.is_empty())
            .or_else(|| cfg.param_opt(names::PLATFORM_PUBLIC_KEY))
            .ok_or_else(|| ChannelError::Config("\"platform_public_key\" is missing".into()))?;
        let key =
            VerifyingKey::parse(text).map_err(|e| ChannelError::Config(format!("\"platform_public_key\": {e}")))?;
        keys.add(id, key);
    }
    if let Some(text) = cfg.param_opt(names::PLATFORM_PUBLIC_KEYS) {
        let bad = || ChannelError::Config("\"platform_public_keys\" must be a JSON object of id: PEM".into());
        let by_id: serde_json::Map<String, serde_json::Value> = serde_json::from_str(text).map_err(|_| bad())?;
        for (id, pem) in &by_id {
            let key = VerifyingKey::parse(pem.as_str().ok_or_else(bad)?)
                .map_err(|e| ChannelError::Config(format!("\"platform_public_keys\" {id}: {e}")))?;
            keys.add(id, key);
        }
    }
    for pem in certificate_texts(cfg)? {
        let cert =
            Certificate::parse(&pem).map_err(|e| ChannelError::Config(format!("\"platform_certificates\": {e}")))?;
        let key = VerifyingKey::of_certificate(&cert)
            .map_err(|e| ChannelError::Config(format!("\"platform_certificates\": {e}")))?;
        keys.add(cert.serial_hex(), key);
    }
    if keys.is_empty() {
        return Err(ChannelError::Config(
            "set \"platform_public_key_id\" + \"platform_public_key\", or \"platform_certificates\"".into(),
        ));
    }
    Ok(keys)
}

/// `platform_certificates` as a JSON array of PEM texts or one text of
/// concatenated PEM blocks.
fn certificate_texts(cfg: &ChannelConfig) -> Result<Vec<String>, ChannelError> {
    const END: &str = "-----END CERTIFICATE-----";
    match cfg.params.get(names::PLATFORM_CERTIFICATES) {
        None | Some(serde_json::Value::Null) => Ok(Vec::new()),
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| ChannelError::Config("\"platform_certificates\" must hold PEM strings".into()))
            })
            .collect(),
        Some(serde_json::Value::String(text)) => Ok(text
            .split_inclusive(END)
            .filter(|block| block.contains("-----BEGIN CERTIFICATE-----"))
            .map(str::to_string)
            .collect()),
        Some(_) => Err(ChannelError::Config(
            "\"platform_certificates\" must be a PEM text or a list of them".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_ids_never_keys() {
        let vectors: serde_json::Value =
            serde_json::from_str(include_str!("../../../../../vectors/wechatpay_v3.json")).unwrap();
        let private_key = vectors["keys"]["go_test_rsa2048_private_key_pkcs8_pem"]
            .as_str()
            .unwrap();
        let mut secrets = juhe_channel::Secrets::new();
        secrets.insert(names::PRIVATE_KEY, private_key);
        secrets.insert(names::APIV3_KEY, "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb");
        let cfg = ChannelConfig {
            id: "chc_1".into(),
            merchant_id: "mch_1".into(),
            channel: "wechatpay".into(),
            params: serde_json::json!({
                "mchid": "1900000109",
                "appid": "wxd678efh567hg6787",
                "merchant_serial_no": "F5765756002FDD77",
                "platform_public_key_id": "PUB_KEY_ID_01",
                "platform_public_key": crate::sandbox::platform::TEST_PLATFORM_PUBLIC_KEY,
            })
            .as_object()
            .cloned()
            .unwrap(),
            secrets,
            notify_url: "http://127.0.0.1/notify".into(),
        };
        let settings = Settings::from_config(&cfg).unwrap();
        let shown = format!("{settings:?}");
        assert!(shown.contains("1900000109") && shown.contains("F5765756002FDD77"));
        assert!(!shown.contains("a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb"));
        assert!(!shown.contains("MIIE"));
        assert!(settings.platform.get("PUB_KEY_ID_01").is_some());
    }
}
