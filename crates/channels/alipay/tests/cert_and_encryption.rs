//! Public-key certificate mode and AES content encryption against the
//! sandbox: requests name the app certificate and the root bundle (a wrong
//! one is refused), answers name the Alipay certificate they are signed
//! with and verify with that certificate's key (chained to the root), the
//! sandbox's certificate rotates with overlap; `biz_content` and answers
//! travel encrypted, under the newest of the configured AES keys.

mod common;

use common::*;
use juhe_channel::{Channel, ChannelConfig, ChannelError, ChannelPaymentState, Notification, PayAction, RefundState};
use juhe_channel_alipay::protocol::extract;
use juhe_channel_alipay::protocol::params::Params;
use juhe_channel_alipay::protocol::sign::{self, SignType};
use juhe_channel_alipay::protocol::{cert, content};
use juhe_channel_alipay::sandbox::{
    FIXTURE_ALIPAY_CERT, FIXTURE_ALIPAY_NEXT_CERT, FIXTURE_ALIPAY_ROOT_CERT, FIXTURE_APP_CERT, Merchant,
};
use juhe_crypto::RsaPublic;
use juhe_domain::way::Way;

/// TEST-ONLY AES keys (base64 of 16 bytes).
const AES_KEY: &str = "aGVsbG8gd29ybGQgMTIzNA==";
const NEXT_AES_KEY: &str = "bmV4dCBhZXMga2V5IDEyMw==";

fn app_public_key() -> RsaPublic {
    RsaPublic::parse(&key("app_public_key_pem")).expect("app public key")
}

/// The fixture app, registered in certificate mode and/or with an AES key.
fn register(sandbox: &Sandbox, certificate: bool, aes: Option<&str>) {
    let app_cert_sn = certificate.then(|| cert::cert_sn(&juhe_crypto::Certificate::parse(FIXTURE_APP_CERT).unwrap()));
    sandbox.state.add_merchant(Merchant {
        app_cert_sn,
        encrypt_key: aes.map(|k| content::parse_key(k).unwrap()),
        ..Merchant::new(APP_ID, PID, app_public_key())
    });
}

fn cert_mode(mut cfg: ChannelConfig, alipay_cert: &str) -> ChannelConfig {
    cfg.params.remove("alipay_public_key");
    for (name, value) in [
        ("app_cert", FIXTURE_APP_CERT),
        ("alipay_cert", alipay_cert),
        ("alipay_root_cert", FIXTURE_ALIPAY_ROOT_CERT),
    ] {
        cfg.params.insert(name.into(), value.into());
    }
    cfg
}

fn with_aes(mut cfg: ChannelConfig, keys: &[&str]) -> ChannelConfig {
    cfg.secrets
        .insert_versions("encrypt_key", keys.iter().map(|k| k.to_string()));
    cfg
}

#[tokio::test]
async fn certificate_mode_round_trip_with_notifications() {
    let sandbox = start_sandbox().await;
    register(&sandbox, true, None);
    let (receiver, plain) = start_receiver(&sandbox.gateway(), 0).await;
    let cfg = cert_mode(plain, FIXTURE_ALIPAY_CERT);
    let ch = channel();
    ch.validate_config(&cfg).unwrap();
    let order = order_no("cert");
    let created = ch.create(&cfg, &payment(Way::Qr, &order, 1_500)).await.unwrap();
    assert!(matches!(created.action, Some(PayAction::QrCode { .. })), "{created:?}");
    assert_eq!(sandbox.pay(&order).await, 200);
    let paid = ch.query(&cfg, &payment_ref(&order, 1_500)).await.unwrap();
    let ChannelPaymentState::Succeeded { channel_trade_no, .. } = paid else {
        panic!("{paid:?}");
    };
    let mut reference = payment_ref(&order, 1_500);
    reference.channel_trade_no = Some(channel_trade_no);
    let refund = juhe_channel::CreateRefund {
        refund_id: "r1".into(),
        channel_refund_no: format!("{order}-r1"),
        payment: reference,
        refund: juhe_domain::Money::new(500, juhe_domain::Currency::CNY),
        reason: None,
        created_at_ms: now_ms(),
    };
    let report = ch.refund(&cfg, &refund).await.unwrap();
    assert!(matches!(report.state, RefundState::Succeeded { .. }), "{report:?}");
    // Notifications are signed with the certificate's key and verify in
    // certificate mode too.
    receiver.wait_for(1).await;
    let raw = receiver.raw.lock().unwrap()[0].clone();
    let inbound = juhe_channel::InboundRequest {
        headers: Vec::new(),
        query: None,
        body: raw,
        received_at_s: now_ms() / 1000,
    };
    assert!(matches!(
        ch.parse_notification(&cfg, &inbound).await.unwrap(),
        Notification::Payment { .. }
    ));
}

#[tokio::test]
async fn certificate_mode_refuses_wrong_serial_numbers_and_untrusted_certificates() {
    let sandbox = start_sandbox().await;
    register(&sandbox, true, None);
    let ch = channel();
    // Naming another root bundle (one more RSA root): the gateway refuses.
    let mut other_root = cert_mode(config(&sandbox.gateway(), ""), FIXTURE_ALIPAY_CERT);
    other_root.params.insert(
        "alipay_root_cert".into(),
        format!("{FIXTURE_ALIPAY_ROOT_CERT}\n{FIXTURE_APP_CERT}").into(),
    );
    let err = ch
        .create(&other_root, &payment(Way::Qr, &order_no("root"), 100))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ChannelError::Declined { code, .. } if code == "isv.invalid-alipay-root-cert-sn"),
        "{err:?}"
    );
    // The public-key-mode request of a certificate-mode app names no certificate.
    let err = ch
        .create(&config(&sandbox.gateway(), ""), &payment(Way::Qr, &order_no("pk"), 100))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ChannelError::Declined { code, .. } if code == "isv.invalid-app-cert-sn"),
        "{err:?}"
    );
    // An Alipay certificate that does not chain to the root bundle, or an
    // app certificate that is not the app key's, is refused locally.
    let mut untrusted = cert_mode(config(&sandbox.gateway(), ""), FIXTURE_ALIPAY_CERT);
    untrusted
        .params
        .insert("alipay_root_cert".into(), FIXTURE_APP_CERT.into());
    assert!(matches!(ch.validate_config(&untrusted), Err(ChannelError::Config(_))));
    let mut foreign_app = cert_mode(config(&sandbox.gateway(), ""), FIXTURE_ALIPAY_CERT);
    foreign_app
        .params
        .insert("app_cert".into(), FIXTURE_ALIPAY_NEXT_CERT.into());
    assert!(matches!(ch.validate_config(&foreign_app), Err(ChannelError::Config(_))));
}

#[tokio::test]
async fn the_alipay_certificate_rotates_with_overlap() {
    let sandbox = start_sandbox().await;
    register(&sandbox, true, None);
    let ch = channel();
    let old_only = cert_mode(config(&sandbox.gateway(), ""), FIXTURE_ALIPAY_CERT);
    let both = cert_mode(
        config(&sandbox.gateway(), ""),
        &format!("{FIXTURE_ALIPAY_CERT}\n{FIXTURE_ALIPAY_NEXT_CERT}"),
    );
    let order = order_no("rot");
    ch.create(&both, &payment(Way::Qr, &order, 700)).await.unwrap();
    let rotated: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/_sandbox/alipay-cert/rotate", sandbox.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        rotated["alipay_cert_sn"].as_str(),
        Some(cert::cert_sn(&juhe_crypto::Certificate::parse(FIXTURE_ALIPAY_NEXT_CERT).unwrap()).as_str())
    );
    // Signed with a certificate the configuration does not have: never
    // believed (unknown, to be resolved once the certificate is added).
    let err = ch.query(&old_only, &payment_ref(&order, 700)).await.unwrap_err();
    assert!(
        matches!(&err, ChannelError::Unknown(m) if m.contains("certificate")),
        "{err:?}"
    );
    // With both certificates: verified with the new one.
    assert!(matches!(
        ch.query(&both, &payment_ref(&order, 700)).await.unwrap(),
        ChannelPaymentState::AwaitingPayer
    ));
}

#[tokio::test]
async fn content_encryption_round_trip_and_key_rotation() {
    let sandbox = start_sandbox().await;
    register(&sandbox, false, Some(AES_KEY));
    let ch = channel();
    let cfg = with_aes(config(&sandbox.gateway(), ""), &[AES_KEY]);
    let order = order_no("aes");
    let created = ch.create(&cfg, &payment(Way::Barcode, &order, 2_000)).await.unwrap();
    assert!(
        matches!(created.state, ChannelPaymentState::Succeeded { amount: 2_000, .. }),
        "{created:?}"
    );
    assert!(matches!(
        ch.query(&cfg, &payment_ref(&order, 2_000)).await.unwrap(),
        ChannelPaymentState::Succeeded { .. }
    ));
    // The request really was encrypted: under another key it does not open.
    let wrong = with_aes(config(&sandbox.gateway(), ""), &["d3JvbmcgYWVzIGtleSAxMg=="]);
    let err = ch.query(&wrong, &payment_ref(&order, 2_000)).await.unwrap_err();
    assert!(
        matches!(&err, ChannelError::Declined { code, .. } if code == "isv.decryption-error-unknown"),
        "{err:?}"
    );
    // Rotation: the merchant sets a new key at Alipay; the configuration's
    // newest version encrypts, and the older one is only kept for reading.
    register(&sandbox, false, Some(NEXT_AES_KEY));
    let rotating = with_aes(config(&sandbox.gateway(), ""), &[NEXT_AES_KEY, AES_KEY]);
    assert!(ch.query(&rotating, &payment_ref(&order, 2_000)).await.is_ok());
    let reversed = with_aes(config(&sandbox.gateway(), ""), &[AES_KEY, NEXT_AES_KEY]);
    assert!(ch.query(&reversed, &payment_ref(&order, 2_000)).await.is_err());
    // Certificate mode and encryption together.
    register(&sandbox, true, Some(NEXT_AES_KEY));
    let both = with_aes(
        cert_mode(config(&sandbox.gateway(), ""), FIXTURE_ALIPAY_CERT),
        &[NEXT_AES_KEY],
    );
    assert!(ch.query(&both, &payment_ref(&order, 2_000)).await.is_ok());
    assert!(matches!(
        ch.validate_config(&with_aes(config("http://x", ""), &["c2hvcnQ="])),
        Err(ChannelError::Config(_))
    ));
}

/// The wire itself: `encrypt_type=AES` with an encrypted `biz_content`, and
/// an answer that is a signed JSON string of ciphertext.
#[tokio::test]
async fn an_encrypted_answer_is_a_signed_string_of_ciphertext() {
    let sandbox = start_sandbox().await;
    register(&sandbox, false, Some(AES_KEY));
    let aes = content::parse_key(AES_KEY).unwrap();
    let mut params = Params::new();
    for (k, v) in [
        ("app_id", APP_ID),
        ("method", "alipay.trade.precreate"),
        ("charset", "utf-8"),
        ("sign_type", "RSA2"),
        ("timestamp", "2026-11-22 10:00:00"),
        ("version", "1.0"),
        ("encrypt_type", "AES"),
    ] {
        params.insert(k.into(), v.into());
    }
    let biz = r#"{"out_trade_no":"wire-aes-1","total_amount":"0.10","subject":"加密"}"#;
    params.insert("biz_content".into(), content::encrypt(&aes, biz).unwrap());
    let query = signed_query(&mut params);
    let raw = reqwest::get(format!("{}?{query}", sandbox.gateway()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = extract::member_value(&raw, "alipay_trade_precreate_response").unwrap();
    assert!(token.starts_with('"') && !token.contains('{'), "{raw}");
    let signature = serde_json::from_str::<serde_json::Value>(&raw).unwrap()["sign"]
        .as_str()
        .unwrap()
        .to_string();
    let alipay = RsaPublic::parse(juhe_channel_alipay::sandbox::FIXTURE_ALIPAY_PUBLIC_KEY).unwrap();
    assert!(
        sign::verify(&alipay, SignType::Rsa2, token, &signature),
        "signed with its quotes"
    );
    let answer: serde_json::Value =
        serde_json::from_str(&content::decrypt(&aes, token.trim_matches('"')).unwrap()).unwrap();
    assert_eq!(
        (answer["code"].as_str(), answer["out_trade_no"].as_str()),
        (Some("10000"), Some("wire-aes-1"))
    );
}
