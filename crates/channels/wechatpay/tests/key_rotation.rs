//! Keys rotating with overlap, against the sandbox: the merchant's APIv3
//! key (a notification encrypted under the old key still decrypts while
//! that version is live; retired, it does not), and WeChat's platform key
//! (the sandbox switches to a new platform certificate / public key; a
//! configuration that knows both verifies answers signed by either).

mod common;

use common::*;
use juhe_channel::{Channel, ChannelConfig, ChannelError, Notification};
use juhe_channel_wechatpay::sandbox::PlatformMode;
use juhe_channel_wechatpay::sandbox::platform::{
    TEST_NEXT_PLATFORM_CERTIFICATE, TEST_NEXT_PLATFORM_PUBLIC_KEY, TEST_NEXT_PLATFORM_PUBLIC_KEY_ID,
    TEST_PLATFORM_CERTIFICATE, TEST_PLATFORM_PUBLIC_KEY, TEST_PLATFORM_PUBLIC_KEY_ID,
};
use juhe_domain::way::Way;

const NEW_APIV3_KEY: &str = "Zq8JkQ2Vw4Nc7Xp1Ls5Ht9Ra3Fe6Dy0B";

fn with_apiv3_keys(mut cfg: ChannelConfig, keys: &[&str]) -> ChannelConfig {
    cfg.secrets
        .insert_versions("apiv3_key", keys.iter().map(|k| k.to_string()));
    cfg
}

async fn paid(h: &Harness, cfg: &ChannelConfig, fen: i64) -> String {
    let no = order_no("KR");
    h.channel
        .create(cfg, &payment_request(&no, Way::Qr, fen))
        .await
        .expect("create");
    assert_eq!(h.pay(&no).await["trade_state"], "SUCCESS");
    no
}

#[tokio::test]
async fn an_apiv3_key_rotates_with_overlap_until_retired() {
    let h = start(PlatformMode::Certificate).await;
    let mut inbox = receiver(0).await;
    let old_only = h.config(&inbox.url);
    paid(&h, &old_only, 501).await;
    let before = inbox.next().await;

    // The merchant sets a new APIv3 key at WeChat; juhe's configuration
    // rotates to it, keeping the old version.
    let mut changed = registration(PlatformMode::Certificate);
    changed.apiv3_key = NEW_APIV3_KEY.into();
    h.state.register(&changed).expect("re-register");
    let rotating = with_apiv3_keys(old_only.clone(), &[NEW_APIV3_KEY, APIV3_KEY]);
    paid(&h, &rotating, 502).await;
    let after = inbox.next().await;

    // While both versions live, both notifications decrypt.
    for n in [&before, &after] {
        let parsed = h.channel.parse_notification(&rotating, n).await.expect("parses");
        assert!(matches!(parsed, Notification::Payment { .. }), "{parsed:?}");
    }
    // Retired: what was encrypted under the old key is refused.
    let retired = with_apiv3_keys(old_only.clone(), &[NEW_APIV3_KEY]);
    assert!(h.channel.parse_notification(&retired, &after).await.is_ok());
    assert!(matches!(
        h.channel.parse_notification(&retired, &before).await,
        Err(ChannelError::BadNotification(_))
    ));
    // And a configuration that never got the new key cannot read the new one.
    assert!(matches!(
        h.channel.parse_notification(&old_only, &after).await,
        Err(ChannelError::BadNotification(_))
    ));
    // Every version must be a valid APIv3 key.
    let broken = with_apiv3_keys(old_only, &[NEW_APIV3_KEY, "short"]);
    assert!(matches!(
        h.channel.validate_config(&broken),
        Err(ChannelError::Config(_))
    ));
}

#[tokio::test]
async fn a_platform_certificate_rotates_with_overlap() {
    let h = start(PlatformMode::Certificate).await;
    let mut inbox = receiver(0).await;
    let old_only = h.config(&inbox.url);
    let no = paid(&h, &old_only, 503).await;
    let signed_before = inbox.next().await;

    let rotated: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/_sandbox/platform/rotate", h.base_url))
        .send()
        .await
        .expect("rotate")
        .json()
        .await
        .expect("json");
    let new_serial = rotated["certificate_serial"].as_str().expect("serial").to_string();
    assert_ne!(new_serial, h.state.platforms()[0].certificate_serial());
    assert_eq!(h.state.platforms().len(), 2);

    // A configuration that only trusts the old certificate cannot verify
    // answers signed with the new one: never trusted, so unknown.
    let refused = h.channel.query(&old_only, &payment_ref(&no, 503)).await;
    assert!(matches!(refused, Err(ChannelError::Unknown(_))), "{refused:?}");

    // Trusting both (the new one as downloaded from /v3/certificates, the
    // old one still listed there): answers under the new key and a
    // notification signed before the rotation both verify.
    let mut both = old_only.clone();
    both.params.insert(
        "platform_certificates".into(),
        serde_json::json!([TEST_PLATFORM_CERTIFICATE, TEST_NEXT_PLATFORM_CERTIFICATE]),
    );
    assert!(h.channel.query(&both, &payment_ref(&no, 503)).await.is_ok());
    assert!(h.channel.parse_notification(&both, &signed_before).await.is_ok());
    paid(&h, &both, 504).await;
    let signed_after = inbox.next().await;
    assert!(h.channel.parse_notification(&both, &signed_after).await.is_ok());
    assert!(matches!(
        h.channel.parse_notification(&old_only, &signed_after).await,
        Err(ChannelError::BadNotification(_))
    ));
}

#[tokio::test]
async fn platform_public_keys_rotate_with_overlap() {
    let h = start(PlatformMode::PublicKey).await;
    let mut inbox = receiver(0).await;
    let old_only = h.config(&inbox.url);
    let no = paid(&h, &old_only, 505).await;
    let signed_before = inbox.next().await;
    reqwest::Client::new()
        .post(format!("{}/_sandbox/platform/rotate", h.base_url))
        .send()
        .await
        .expect("rotate");
    assert!(h.channel.query(&old_only, &payment_ref(&no, 505)).await.is_err());

    // Both keys, by id, in one parameter (what an admin sets while WeChat
    // moves from one platform public key to the next).
    let mut both = old_only.clone();
    both.params.remove("platform_public_key_id");
    both.params.insert(
        "platform_public_keys".into(),
        serde_json::Value::String(
            serde_json::json!({
                TEST_PLATFORM_PUBLIC_KEY_ID: TEST_PLATFORM_PUBLIC_KEY,
                TEST_NEXT_PLATFORM_PUBLIC_KEY_ID: TEST_NEXT_PLATFORM_PUBLIC_KEY,
            })
            .to_string(),
        ),
    );
    assert!(h.channel.validate_config(&both).is_ok());
    assert!(h.channel.query(&both, &payment_ref(&no, 505)).await.is_ok());
    assert!(h.channel.parse_notification(&both, &signed_before).await.is_ok());
    let mut malformed = both.clone();
    malformed
        .params
        .insert("platform_public_keys".into(), "not json".into());
    assert!(matches!(
        h.channel.validate_config(&malformed),
        Err(ChannelError::Config(_))
    ));
}
