//! Signature tampering is rejected on both sides; configurations are
//! checked; keys never show in `Debug` or errors.

mod common;

use common::*;
use juhe_channel::{Channel, ChannelError, InboundRequest};
use juhe_channel_unionpay::UnionPayChannel;
use juhe_channel_unionpay::client::setup::MerchantSetup;
use juhe_channel_unionpay::protocol::form::{decode_form, encode_form};
use juhe_channel_unionpay::sandbox::SandboxState;
use juhe_channel_unionpay::sandbox::signing::UnionPaySigning;
use juhe_domain::way::Way;

#[tokio::test]
async fn the_sandbox_refuses_requests_it_cannot_verify() {
    let sandbox = start_sandbox().await;
    let channel = UnionPayChannel::new().unwrap();
    // 01 with a certificate the sandbox never registered (certId unknown):
    // UnionPay answers 11 (验证签名失败), signed, so the refusal is certain.
    let mut cfg = config("01", &sandbox.base_url, "http://127.0.0.1:9/n");
    cfg.secrets.insert("sign_private_key", ROGUE_KEY);
    cfg.params.insert("sign_cert".into(), ROGUE_CERT.into());
    let req = payment(Way::Barcode, &order_no("forged", "01"), 100);
    let err = channel.create(&cfg, &req).await.unwrap_err();
    assert!(
        matches!(&err, ChannelError::Declined { code, .. } if code == "11"),
        "{err:?}"
    );
    // Nothing was recorded.
    let good = config("01", &sandbox.base_url, "http://127.0.0.1:9/n");
    assert_eq!(
        channel.query(&good, &payment_ref(&req, None)).await,
        Err(ChannelError::NotFound)
    );

    // 11 with the wrong secure key: the sandbox refuses, and signs its
    // refusal with the key it knows, which this client cannot verify.
    let mut cfg = config("11", &sandbox.base_url, "http://127.0.0.1:9/n");
    cfg.secrets.insert("secure_key", "not-the-key");
    let err = channel
        .create(&cfg, &payment(Way::Barcode, &order_no("forged", "11"), 100))
        .await
        .unwrap_err();
    assert!(matches!(err, ChannelError::Unknown(_)), "{err:?}");

    // An unknown merchant.
    let mut cfg = config("01", &sandbox.base_url, "http://127.0.0.1:9/n");
    cfg.params.insert("mer_id".into(), "123456789012345".into());
    let err = channel
        .create(&cfg, &payment(Way::Qr, &order_no("stranger", "01"), 100))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ChannelError::Declined { code, .. } if code == "31"),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_client_refuses_answers_signed_outside_the_trust_chain() {
    // A sandbox signing with a self-signed look-alike of its certificate.
    let rogue = UnionPaySigning::new(ROGUE_KEY, ROGUE_CERT).unwrap();
    let sandbox = start_with_state(SandboxState::with_signing(&merchants(), fast_options(), rogue).unwrap()).await;
    let mut receiver = start_receiver().await;
    let channel = UnionPayChannel::new().unwrap();
    let cfg = config("01", &sandbox.base_url, &receiver.url);
    let req = payment(Way::Barcode, &order_no("rogue", "01"), 100);
    let err = channel.create(&cfg, &req).await.unwrap_err();
    assert!(
        matches!(&err, ChannelError::Unknown(m) if m.contains("not verified")),
        "{err:?}"
    );
    // Its notification is refused too.
    let err = channel
        .parse_notification(&cfg, &receiver.next().await)
        .await
        .unwrap_err();
    assert!(matches!(err, ChannelError::BadNotification(_)), "{err:?}");
}

#[tokio::test]
async fn tampered_notifications_are_refused() {
    let sandbox = start_sandbox().await;
    let channel = UnionPayChannel::new().unwrap();
    for method in METHODS {
        let mut receiver = start_receiver().await;
        let cfg = config(method, &sandbox.base_url, &receiver.url);
        channel
            .create(&cfg, &payment(Way::Barcode, &order_no("tamper", method), 100))
            .await
            .unwrap();
        let genuine = receiver.next().await;
        channel.parse_notification(&cfg, &genuine).await.unwrap();

        let mut fields = decode_form(&genuine.body);
        fields.insert("txnAmt".into(), "100000".into());
        let forged = InboundRequest {
            body: encode_form(&fields).into_bytes(),
            ..genuine.clone()
        };
        let err = channel.parse_notification(&cfg, &forged).await.unwrap_err();
        assert!(matches!(err, ChannelError::BadNotification(_)), "{method}: {err:?}");

        let mut fields = decode_form(&genuine.body);
        fields.remove("signature");
        let unsigned = InboundRequest {
            body: encode_form(&fields).into_bytes(),
            ..genuine.clone()
        };
        assert!(channel.parse_notification(&cfg, &unsigned).await.is_err());
    }
    // A genuine notification for another merchant (same sandbox, other key).
    let mut receiver = start_receiver().await;
    let cfg12 = config("12", &sandbox.base_url, &receiver.url);
    channel
        .create(&cfg12, &payment(Way::Barcode, &order_no("other", "12"), 100))
        .await
        .unwrap();
    let for_12 = receiver.next().await;
    let cfg11 = config("11", &sandbox.base_url, &receiver.url);
    assert!(channel.parse_notification(&cfg11, &for_12).await.is_err());
    // 01 must not accept a secure-key (downgraded) notification.
    let cfg01 = config("01", &sandbox.base_url, &receiver.url);
    assert!(channel.parse_notification(&cfg01, &for_12).await.is_err());
}

#[test]
fn configurations_are_checked_without_showing_secrets() {
    let channel = UnionPayChannel::new().unwrap();
    for method in METHODS {
        channel
            .validate_config(&config(method, "http://x", "http://y"))
            .unwrap();
    }
    let mut bad_mer = config("11", "http://x", "http://y");
    bad_mer.params.insert("mer_id".into(), "7772900581".into());
    assert!(matches!(
        channel.validate_config(&bad_mer),
        Err(ChannelError::Config(_))
    ));

    let mut bad_method = config("11", "http://x", "http://y");
    bad_method.params.insert("sign_method".into(), "02".into());
    assert!(matches!(
        channel.validate_config(&bad_method),
        Err(ChannelError::Config(_))
    ));

    let mut mismatched = config("01", "http://x", "http://y");
    mismatched.secrets.insert("sign_private_key", ROGUE_KEY);
    let err = channel.validate_config(&mismatched).unwrap_err().to_string();
    assert!(err.contains("does not belong"), "{err}");
    assert!(!err.contains("PRIVATE"));

    let mut no_chain = config("01", "http://x", "http://y");
    no_chain.params.remove("middle_cert");
    assert!(
        channel
            .validate_config(&no_chain)
            .unwrap_err()
            .to_string()
            .contains("middle_cert")
    );

    let mut garbage_root = config("01", "http://x", "http://y");
    garbage_root
        .params
        .insert("root_cert".into(), "not a certificate".into());
    assert!(matches!(
        channel.validate_config(&garbage_root),
        Err(ChannelError::Config(_))
    ));

    let setup = MerchantSetup::from_config(&config("12", "http://x", "http://y")).unwrap();
    let shown = format!("{setup:?}");
    assert!(!shown.contains(SECURE_KEY_12), "{shown}");
    let setup = MerchantSetup::from_config(&config("01", "http://x", "http://y")).unwrap();
    let shown = format!("{setup:?}");
    assert!(shown.contains("77777777777"), "certId is the decimal serial: {shown}");
    assert!(!shown.contains("PRIVATE") && !shown.contains("MII"), "{shown}");
}

#[tokio::test]
async fn malformed_requests_are_answered_with_format_errors() {
    let sandbox = start_sandbox().await;
    let http = reqwest::Client::new();
    let url = format!("{}/gateway/api/backTransReq.do", sandbox.base_url);
    for (version, txn_time) in [("5.0.0", "20240513174920"), ("5.1.0", "2024年0513174"), ("5.1.0", "")] {
        let form = [
            ("version", version),
            ("encoding", "UTF-8"),
            ("signMethod", "11"),
            ("merId", MER_SHA256),
            ("txnType", "01"),
            ("txnSubType", "06"),
            ("orderId", "ABCDEFGH1"),
            ("txnTime", txn_time),
            ("signature", "00"),
        ];
        let answer = http.post(&url).form(&form).send().await.unwrap().text().await.unwrap();
        let fields = juhe_channel_unionpay::protocol::form::decode_raw(&answer).unwrap();
        assert_eq!(fields["respCode"], "10", "{version} {txn_time}: {answer}");
    }
}
