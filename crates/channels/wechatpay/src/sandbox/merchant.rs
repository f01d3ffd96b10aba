//! Merchants the sandbox knows: who may call, with which key, and how the
//! sandbox signs to them.

use crate::protocol::ProtocolError;
use crate::protocol::scheme::{Scheme, VerifyingKey};
use serde::Deserialize;
use zeroize::Zeroizing;

/// Which `Wechatpay-Serial` the merchant verifies answers with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlatformMode {
    /// Platform certificates (downloaded from `/v3/certificates`).
    #[default]
    Certificate,
    /// The platform public key, `PUB_KEY_ID_…`.
    PublicKey,
}

/// `POST /_sandbox/merchants` body and constructor argument.
#[derive(Clone, Deserialize)]
pub struct MerchantRegistration {
    pub mchid: String,
    /// The merchant API certificate serial the merchant signs with.
    pub merchant_serial_no: String,
    /// The merchant's API public key: SPKI / PKCS#1 PEM, or its certificate;
    /// an SM2 key or certificate makes it a 国密 merchant.
    pub merchant_public_key: String,
    pub apiv3_key: String,
    #[serde(default)]
    pub platform_mode: PlatformMode,
}

impl std::fmt::Debug for MerchantRegistration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MerchantRegistration")
            .field("mchid", &self.mchid)
            .field("merchant_serial_no", &self.merchant_serial_no)
            .field("platform_mode", &self.platform_mode)
            .finish_non_exhaustive()
    }
}

#[derive(Clone)]
pub struct Merchant {
    pub mchid: String,
    pub serial_no: String,
    pub public_key: VerifyingKey,
    pub apiv3_key: Zeroizing<Vec<u8>>,
    pub platform_mode: PlatformMode,
}

impl std::fmt::Debug for Merchant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Merchant")
            .field("mchid", &self.mchid)
            .field("serial_no", &self.serial_no)
            .finish_non_exhaustive()
    }
}

impl Merchant {
    pub fn scheme(&self) -> Scheme {
        self.public_key.scheme()
    }

    pub fn from_registration(r: &MerchantRegistration) -> Result<Merchant, ProtocolError> {
        let public_key = VerifyingKey::parse(&r.merchant_public_key)?;
        if public_key.scheme() == Scheme::Sm2 && r.platform_mode == PlatformMode::PublicKey {
            return Err(ProtocolError::Malformed(
                "SM2 merchants verify with SM2 platform certificates (no public-key mode is established)".into(),
            ));
        }
        if r.apiv3_key.len() != 32 || !r.apiv3_key.is_ascii() {
            return Err(ProtocolError::Malformed("apiv3_key must be 32 ASCII characters".into()));
        }
        Ok(Merchant {
            mchid: r.mchid.clone(),
            serial_no: r.merchant_serial_no.clone(),
            public_key,
            apiv3_key: Zeroizing::new(r.apiv3_key.as_bytes().to_vec()),
            platform_mode: r.platform_mode,
        })
    }
}
