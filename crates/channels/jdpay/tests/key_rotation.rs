//! Rotating the merchant's 3DES key with overlap: once JD has the new key,
//! juhe seals with it, and what JD sealed with the previous one (a
//! notification already on its way) still opens until that version is
//! retired.

mod common;

use common::*;
use juhe_channel::http::HttpClient;
use juhe_channel::{Channel, ChannelConfig, ChannelError, ChannelPaymentState, Notification};
use juhe_channel_jdpay::JdPayChannel;
use juhe_channel_jdpay::sandbox::SandboxMerchant;
use juhe_domain::way::Way;
use std::time::Duration;

/// TEST-ONLY: `openssl rand -base64 24`.
const NEW_DES_KEY: &str = "3KhlFilnjfJv8pxVBwbZdBhb5oGuzXnZ";

fn with_des_keys(mut cfg: ChannelConfig, keys: &[&str]) -> ChannelConfig {
    cfg.secrets
        .insert_versions("des_key", keys.iter().map(|k| k.to_string()));
    cfg
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_des_key_rotates_with_overlap_until_retired() {
    let (sandbox, url) = start_sandbox().await;
    let (received, notify) = start_receiver().await;
    let ch = JdPayChannel::new(HttpClient::with_timeouts(Duration::from_secs(2), Duration::from_secs(20)).unwrap());
    let old_key = fixture("des_key.txt").trim().to_string();
    let old_only = config(&url, &notify);

    ch.create(&old_only, &create("ROT1", 880, Way::Qr, None)).await.unwrap();
    let paid = reqwest::Client::new()
        .post(format!("{url}/_sandbox/orders/ROT1/pay"))
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), 204);
    let sealed_with_old = received.wait_for(1).await[0].clone();

    // JD now has the new key; juhe rotates to it.
    sandbox
        .add_merchant(SandboxMerchant {
            merchant: MERCHANT.into(),
            des_key: NEW_DES_KEY.into(),
            public_key: fixture("merchant_public.pem"),
        })
        .unwrap();
    let rotating = with_des_keys(old_only.clone(), &[NEW_DES_KEY, &old_key]);
    ch.validate_config(&rotating).unwrap();
    assert!(matches!(
        ch.query(&rotating, &payment("ROT1", 880)).await.unwrap(),
        ChannelPaymentState::Succeeded { amount: 880, .. }
    ));
    // Sealed with the old key, JD cannot read the request any more.
    assert!(ch.query(&old_only, &payment("ROT1", 880)).await.is_err());
    // The notification sealed before the change still opens.
    assert!(matches!(
        ch.parse_notification(&rotating, &sealed_with_old).await.unwrap(),
        Notification::Payment { .. }
    ));
    // Retired, it does not.
    let retired = with_des_keys(old_only, &[NEW_DES_KEY]);
    assert!(matches!(
        ch.parse_notification(&retired, &sealed_with_old).await,
        Err(ChannelError::BadNotification(_))
    ));
    assert!(ch.query(&retired, &payment("ROT1", 880)).await.is_ok());
}
