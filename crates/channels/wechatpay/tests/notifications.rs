//! Notifications from the sandbox to a local receiver, parsed with the
//! client: retries, duplicates, reordering, dropping, and every way a
//! notification can fail verification.

mod common;

use common::*;
use juhe_channel::{
    Channel, ChannelConfig, ChannelError, ChannelPaymentState, CreateRefund, InboundRequest, Notification,
};
use juhe_channel_wechatpay::sandbox::PlatformMode;
use juhe_domain::way::Way;
use serde_json::json;

async fn paid_order(h: &Harness, cfg: &ChannelConfig, fen: i64) -> String {
    let no = order_no("NT");
    h.channel
        .create(cfg, &payment_request(&no, Way::Qr, fen))
        .await
        .expect("create");
    assert_eq!(h.pay(&no).await["trade_state"], "SUCCESS");
    no
}

fn with_header(req: &InboundRequest, name: &str, value: &str) -> InboundRequest {
    let mut copy = req.clone();
    for (k, v) in copy.headers.iter_mut() {
        if k.eq_ignore_ascii_case(name) {
            *v = value.to_string();
        }
    }
    copy
}

fn is_bad(result: Result<Notification, ChannelError>) -> bool {
    matches!(result, Err(ChannelError::BadNotification(_)))
}

#[tokio::test]
async fn unacknowledged_notifications_are_retried_on_the_schedule() {
    let h = start(PlatformMode::Certificate).await;
    let mut inbox = receiver(2).await;
    let cfg = h.config(&inbox.url);
    let no = paid_order(&h, &cfg, 401).await;
    let first = inbox.next().await;
    let second = inbox.next().await;
    let third = inbox.next().await;
    assert_eq!(first.body, second.body);
    assert_eq!(second.body, third.body);
    assert!(inbox.quiet_for(200).await, "acknowledged: no more attempts");
    let parsed = h.channel.parse_notification(&cfg, &third).await.expect("parse");
    assert!(matches!(parsed, Notification::Payment { channel_order_no, .. } if channel_order_no == no));
}

#[tokio::test]
async fn duplicates_parse_to_the_same_notification() {
    let h = start(PlatformMode::Certificate).await;
    let mut inbox = receiver(0).await;
    let cfg = h.config(&inbox.url);
    h.faults(json!({"duplicate_notifications": true})).await;
    paid_order(&h, &cfg, 402).await;
    let a = h
        .channel
        .parse_notification(&cfg, &inbox.next().await)
        .await
        .expect("first");
    let b = h
        .channel
        .parse_notification(&cfg, &inbox.next().await)
        .await
        .expect("duplicate");
    assert_eq!(a, b);
    assert!(matches!(
        a,
        Notification::Payment {
            state: ChannelPaymentState::Succeeded { amount: 402, .. },
            ..
        }
    ));
}

#[tokio::test]
async fn reordered_notifications_deliver_the_stale_one_last() {
    let h = start(PlatformMode::PublicKey).await;
    let mut inbox = receiver(0).await;
    let cfg = h.config(&inbox.url);
    let no = paid_order(&h, &cfg, 403).await;
    let paid = h
        .channel
        .parse_notification(&cfg, &inbox.next().await)
        .await
        .expect("paid");
    h.faults(json!({"reorder_notifications": true})).await;
    let refund = CreateRefund {
        refund_id: "ref_r".into(),
        channel_refund_no: format!("R{no}"),
        payment: payment_ref(&no, 403),
        refund: cny(403),
        reason: None,
        created_at_ms: now_ms(),
    };
    h.channel.refund(&cfg, &refund).await.expect("refund");
    let newer = h
        .channel
        .parse_notification(&cfg, &inbox.next().await)
        .await
        .expect("refund notification");
    assert!(matches!(newer, Notification::Refund { .. }), "{newer:?}");
    let older = h
        .channel
        .parse_notification(&cfg, &inbox.next().await)
        .await
        .expect("stale notification");
    assert_eq!(older, paid);
}

#[tokio::test]
async fn dropped_notifications_leave_the_query() {
    let h = start(PlatformMode::Certificate).await;
    let mut inbox = receiver(0).await;
    let cfg = h.config(&inbox.url);
    h.faults(json!({"drop_notifications": true})).await;
    let no = paid_order(&h, &cfg, 404).await;
    assert!(inbox.quiet_for(300).await);
    assert!(matches!(
        h.channel.query(&cfg, &payment_ref(&no, 404)).await.expect("query"),
        ChannelPaymentState::Succeeded { .. }
    ));
}

#[tokio::test]
async fn forged_stale_probe_and_misrouted_notifications_are_refused() {
    let h = start(PlatformMode::Certificate).await;
    let mut inbox = receiver(0).await;
    let cfg = h.config(&inbox.url);
    paid_order(&h, &cfg, 405).await;
    let genuine = inbox.next().await;
    assert!(h.channel.parse_notification(&cfg, &genuine).await.is_ok());

    let mut body_changed = genuine.clone();
    let text = String::from_utf8(body_changed.body.clone()).expect("utf-8");
    body_changed.body = text.replace("TRANSACTION.SUCCESS", "REFUND.SUCCESS").into_bytes();
    assert_ne!(body_changed.body, genuine.body);
    assert!(is_bad(h.channel.parse_notification(&cfg, &body_changed).await));

    let signed_at: i64 = genuine
        .header("wechatpay-timestamp")
        .and_then(|t| t.parse().ok())
        .expect("ts");
    let mut late = genuine.clone();
    late.received_at_s = signed_at + 300;
    assert!(is_bad(h.channel.parse_notification(&cfg, &late).await));
    let mut almost_late = genuine.clone();
    almost_late.received_at_s = signed_at + 299;
    assert!(h.channel.parse_notification(&cfg, &almost_late).await.is_ok());

    let signature = genuine.header("wechatpay-signature").expect("signature").to_string();
    let probe = with_header(
        &genuine,
        "wechatpay-signature",
        &format!("WECHATPAY/SIGNTEST/{signature}"),
    );
    assert!(is_bad(h.channel.parse_notification(&cfg, &probe).await));

    let other_serial = with_header(&genuine, "wechatpay-serial", "5157F09EFDC096DE15EBE81A47057A7232F1B8E1");
    assert!(is_bad(h.channel.parse_notification(&cfg, &other_serial).await));

    let sm2 = with_header(&genuine, "wechatpay-signature-type", "WECHATPAY2-SM2-WITH-SM3");
    assert!(is_bad(h.channel.parse_notification(&cfg, &sm2).await));

    let mut no_signature = genuine.clone();
    no_signature.headers.retain(|(k, _)| k != "wechatpay-signature");
    assert!(is_bad(h.channel.parse_notification(&cfg, &no_signature).await));

    let mut other_apiv3 = cfg.clone();
    other_apiv3
        .secrets
        .insert("apiv3_key", "0123456789abcdef0123456789abcdef");
    assert!(is_bad(h.channel.parse_notification(&other_apiv3, &genuine).await));

    let mut other_merchant = cfg.clone();
    other_merchant.params.insert("mchid".into(), "1900000999".into());
    assert!(is_bad(h.channel.parse_notification(&other_merchant, &genuine).await));
}

#[tokio::test]
async fn acks_are_what_wechat_expects() {
    let h = start(PlatformMode::Certificate).await;
    let ok = h.channel.ack(true);
    assert_eq!(ok.status, 204);
    assert!(ok.body.is_empty());
    let fail = h.channel.ack(false);
    assert!(fail.status >= 400);
    let body: serde_json::Value = serde_json::from_slice(&fail.body).expect("json");
    assert_eq!(body["code"], "FAIL");
    assert!(body["message"].is_string());
}

/// A notification built by hand with the protocol layer (as WeChat would
/// send it) for an event juhe does not act on.
#[tokio::test]
async fn verified_notifications_of_other_events_are_ignored() {
    use juhe_channel_wechatpay::protocol::models::NotificationEnvelope;
    use juhe_channel_wechatpay::protocol::platform::sign_response;
    use juhe_channel_wechatpay::protocol::resource;
    use juhe_channel_wechatpay::sandbox::platform::{TEST_PLATFORM_PRIVATE_KEY, TEST_PLATFORM_PUBLIC_KEY_ID};
    use juhe_crypto::RsaPrivate;

    let h = start(PlatformMode::PublicKey).await;
    let cfg = h.config("http://127.0.0.1:9/unused");
    let sealed = resource::encrypt(
        APIV3_KEY.as_bytes(),
        "mch_payscore",
        Some("mch_payscore"),
        br#"{"x":1}"#,
    )
    .expect("seal");
    let envelope = NotificationEnvelope {
        id: "EV-1".into(),
        create_time: "2026-11-22T11:00:00+08:00".into(),
        event_type: "PAYSCORE.USER_OPEN_SERVICE".into(),
        resource_type: "encrypt-resource".into(),
        summary: "开启服务".into(),
        resource: sealed,
    };
    let body = serde_json::to_vec(&envelope).expect("json");
    let ts = now_ms() / 1000;
    let key = RsaPrivate::parse(TEST_PLATFORM_PRIVATE_KEY).expect("key");
    let signature = sign_response(&key, ts, "N0NCE", &body).expect("sign");
    let inbound = InboundRequest {
        headers: vec![
            ("wechatpay-timestamp".into(), ts.to_string()),
            ("wechatpay-nonce".into(), "N0NCE".into()),
            ("wechatpay-signature".into(), signature),
            ("wechatpay-serial".into(), TEST_PLATFORM_PUBLIC_KEY_ID.into()),
            ("wechatpay-signature-type".into(), "WECHATPAY2-SHA256-RSA2048".into()),
        ],
        query: None,
        body,
        received_at_s: ts,
    };
    assert!(matches!(
        h.channel.parse_notification(&cfg, &inbound).await,
        Ok(Notification::Ignored { reason }) if reason.contains("PAYSCORE.USER_OPEN_SERVICE")
    ));
    // The same notification, to a merchant that only trusts certificates,
    // names a serial it does not know.
    let cert_only = config(&h.base_url, PlatformMode::Certificate, "x");
    assert!(is_bad(h.channel.parse_notification(&cert_only, &inbound).await));
}
