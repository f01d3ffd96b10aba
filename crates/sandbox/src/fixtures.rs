//! The fixed merchant identities and keys the sandboxes and juhe's demo
//! merchant share. **All of them are TEST-ONLY**: copies of official SDK
//! test vectors (`vectors/*.json`) and the fixtures committed in each
//! channel crate. Never use them for anything real.

use crate::SandboxError;

const WECHATPAY_VECTORS: &str = include_str!("../../../vectors/wechatpay_v3.json");
const ALIPAY_VECTORS: &str = include_str!("../../../vectors/alipay.json");

/// WeChat Pay: the Go SDK's test merchant key and certificate.
pub const WECHATPAY_MCHID: &str = "1900000109";
pub const WECHATPAY_APPID: &str = "wxd678efh567hg6787";
pub const WECHATPAY_MERCHANT_SERIAL: &str = "F5765756002FDD77";

/// Alipay: the sandbox app of the Alipay SDK test vectors.
pub const ALIPAY_APP_ID: &str = "2021000122671080";
pub const ALIPAY_PID: &str = "2088621955555555";

/// UnionPay: a merchant signing with a shared secure key (signMethod 11).
pub const UNIONPAY_MER_ID: &str = "777290058110049";
pub const UNIONPAY_SECURE_KEY: &str = "88888888";

/// JD Pay: the jdpay crate's test fixtures.
pub const JDPAY_MERCHANT: &str = "110000000001";
pub const JDPAY_SANDBOX_PRIVATE_KEY: &str = include_str!("../../channels/jdpay/tests/fixtures/jd_private.pem");
pub const JDPAY_SANDBOX_PUBLIC_KEY: &str = include_str!("../../channels/jdpay/tests/fixtures/jd_public.pem");
pub const JDPAY_MERCHANT_PRIVATE_KEY: &str = include_str!("../../channels/jdpay/tests/fixtures/merchant_private.pem");
pub const JDPAY_MERCHANT_PUBLIC_KEY: &str = include_str!("../../channels/jdpay/tests/fixtures/merchant_public.pem");
const JDPAY_DES_KEY: &str = include_str!("../../channels/jdpay/tests/fixtures/des_key.txt");

/// The acquirer: one terminal and its terminal master key.
pub const ACQUIRER_TERMINAL_ID: &str = "01007611";
pub const ACQUIRER_MERCHANT_NO: &str = "898150148141650";
pub const ACQUIRER_TMK: &str = "0123456789ABCDEFFEDCBA9876543210";

pub fn jdpay_des_key() -> &'static str {
    JDPAY_DES_KEY.trim()
}

fn vector_key(vectors: &'static str, name: &'static str) -> Result<String, SandboxError> {
    let parsed: serde_json::Value = serde_json::from_str(vectors).map_err(|_| SandboxError::Fixture(name))?;
    parsed["keys"][name]
        .as_str()
        .map(str::to_string)
        .ok_or(SandboxError::Fixture(name))
}

pub fn wechatpay_merchant_private_key() -> Result<String, SandboxError> {
    vector_key(WECHATPAY_VECTORS, "go_test_rsa2048_private_key_pkcs8_pem")
}

pub fn wechatpay_merchant_certificate() -> Result<String, SandboxError> {
    vector_key(WECHATPAY_VECTORS, "go_test_cert_serial_F5765756002FDD77_pem")
}

/// The Java SDK's test APIv3 key (32 bytes).
pub fn wechatpay_apiv3_key() -> Result<String, SandboxError> {
    vector_key(WECHATPAY_VECTORS, "java_apiv3_key")
}

pub fn alipay_app_private_key() -> Result<String, SandboxError> {
    vector_key(ALIPAY_VECTORS, "app_private_key_pkcs1_pem")
}

pub fn alipay_app_public_key() -> Result<String, SandboxError> {
    vector_key(ALIPAY_VECTORS, "app_public_key_pem")
}
