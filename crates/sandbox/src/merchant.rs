//! Registers the fixture merchant in every sandbox and describes the juhe
//! channel configurations that talk to them.

use crate::fixtures;
use crate::{Endpoints, SandboxError};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// One juhe channel configuration: what `ConfigInput` needs besides the
/// business settings (fees, limits). Params are all strings, as juhe
/// stores them.
#[derive(Clone)]
pub struct ChannelSetup {
    pub channel: &'static str,
    pub params: Map<String, Value>,
    pub secrets: BTreeMap<String, String>,
}

impl std::fmt::Debug for ChannelSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secrets by name only.
        f.debug_struct("ChannelSetup")
            .field("channel", &self.channel)
            .field("params", &self.params)
            .field("secrets", &self.secrets.keys().collect::<Vec<_>>())
            .finish()
    }
}

fn setup(channel: &'static str, params: Value, secrets: &[(&str, String)]) -> ChannelSetup {
    ChannelSetup {
        channel,
        params: params.as_object().cloned().unwrap_or_default(),
        secrets: secrets.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
    }
}

async fn post(http: &reqwest::Client, channel: &'static str, url: String, body: Value) -> Result<(), SandboxError> {
    let failed = |detail: String| SandboxError::Register { channel, detail };
    let response = http
        .post(url)
        .json(&body)
        .send()
        .await
        .map_err(|e| failed(e.to_string()))?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(failed(format!("HTTP {}", response.status())))
    }
}

/// Registers the fixture merchant in each sandbox (`POST
/// /_sandbox/merchants`; registering again replaces it) and returns the
/// configurations of WeChat Pay, Alipay, UnionPay, JD Pay and the
/// acquirer (`bankcard`) for it.
pub async fn register_merchant(endpoints: &Endpoints) -> Result<Vec<ChannelSetup>, SandboxError> {
    let http = reqwest::Client::new();

    let apiv3_key = fixtures::wechatpay_apiv3_key()?;
    post(
        &http,
        "wechatpay",
        format!("{}/_sandbox/merchants", endpoints.wechatpay),
        json!({
            "mchid": fixtures::WECHATPAY_MCHID,
            "merchant_serial_no": fixtures::WECHATPAY_MERCHANT_SERIAL,
            "merchant_public_key": fixtures::wechatpay_merchant_certificate()?,
            "apiv3_key": apiv3_key,
            "platform_mode": "public_key",
        }),
    )
    .await?;
    let wechatpay = setup(
        "wechatpay",
        json!({
            "mchid": fixtures::WECHATPAY_MCHID,
            "appid": fixtures::WECHATPAY_APPID,
            "merchant_serial_no": fixtures::WECHATPAY_MERCHANT_SERIAL,
            "base_url": endpoints.wechatpay,
            "platform_public_key_id": juhe_channel_wechatpay::sandbox::platform::TEST_PLATFORM_PUBLIC_KEY_ID,
        }),
        &[
            ("private_key", fixtures::wechatpay_merchant_private_key()?),
            ("apiv3_key", apiv3_key),
            (
                "platform_public_key",
                juhe_channel_wechatpay::sandbox::platform::TEST_PLATFORM_PUBLIC_KEY.to_string(),
            ),
        ],
    );

    post(
        &http,
        "alipay",
        format!("{}/_sandbox/merchants", endpoints.alipay),
        json!({
            "app_id": fixtures::ALIPAY_APP_ID,
            "pid": fixtures::ALIPAY_PID,
            "public_key": fixtures::alipay_app_public_key()?,
        }),
    )
    .await?;
    let alipay = setup(
        "alipay",
        json!({
            "app_id": fixtures::ALIPAY_APP_ID,
            "seller_id": fixtures::ALIPAY_PID,
            "base_url": format!("{}/gateway.do", endpoints.alipay),
            "alipay_public_key": juhe_channel_alipay::sandbox::FIXTURE_ALIPAY_PUBLIC_KEY,
        }),
        &[("app_private_key", fixtures::alipay_app_private_key()?)],
    );

    post(
        &http,
        "unionpay",
        format!("{}/_sandbox/merchants", endpoints.unionpay),
        json!({"mer_id": fixtures::UNIONPAY_MER_ID, "secure_key": fixtures::UNIONPAY_SECURE_KEY}),
    )
    .await?;
    let unionpay = setup(
        "unionpay",
        json!({
            "mer_id": fixtures::UNIONPAY_MER_ID,
            "sign_method": "11",
            "base_url": endpoints.unionpay,
        }),
        &[("secure_key", fixtures::UNIONPAY_SECURE_KEY.to_string())],
    );

    post(
        &http,
        "jdpay",
        format!("{}/_sandbox/merchants", endpoints.jdpay),
        json!({
            "merchant": fixtures::JDPAY_MERCHANT,
            "des_key": fixtures::jdpay_des_key(),
            "public_key": fixtures::JDPAY_MERCHANT_PUBLIC_KEY,
        }),
    )
    .await?;
    let jdpay = setup(
        "jdpay",
        json!({
            "merchant": fixtures::JDPAY_MERCHANT,
            "jd_public_key": fixtures::JDPAY_SANDBOX_PUBLIC_KEY,
            "base_url": endpoints.jdpay,
            "h5_base_url": endpoints.jdpay,
        }),
        &[
            ("private_key", fixtures::JDPAY_MERCHANT_PRIVATE_KEY.to_string()),
            ("des_key", fixtures::jdpay_des_key().to_string()),
        ],
    );

    post(
        &http,
        "bankcard",
        format!("{}/_sandbox/merchants", endpoints.acquirer_control),
        json!({
            "terminal_id": fixtures::ACQUIRER_TERMINAL_ID,
            "merchant_no": fixtures::ACQUIRER_MERCHANT_NO,
            "tmk": fixtures::ACQUIRER_TMK,
        }),
    )
    .await?;
    let bankcard = setup(
        "bankcard",
        json!({
            "host": endpoints.acquirer.ip().to_string(),
            "port": endpoints.acquirer.port().to_string(),
            "terminal_id": fixtures::ACQUIRER_TERMINAL_ID,
            "merchant_no": fixtures::ACQUIRER_MERCHANT_NO,
            "tpdu": "6000030000",
            "timeout_ms": "5000",
        }),
        &[("tmk", fixtures::ACQUIRER_TMK.to_string())],
    );

    Ok(vec![wechatpay, alipay, unionpay, jdpay, bankcard])
}
