//! 国密 (SM2) merchants against the sandbox: requests signed
//! `WECHATPAY2-SM2-WITH-SM3` with the merchant's SM2 key, answers and
//! notifications verified with the SM2 platform certificate, resources
//! `AEAD_SM4_GCM` under the SM3-derived key; the SM4-GCM vector of the Java
//! SDK; every mix-up of the two schemes refused.

mod common;

use common::*;
use juhe_channel::{
    Channel, ChannelConfig, ChannelError, ChannelPaymentState, CreateRefund, Notification, RefundState, Secrets,
};
use juhe_channel_wechatpay::protocol::resource;
use juhe_channel_wechatpay::protocol::resource::EncryptedResource;
use juhe_channel_wechatpay::sandbox::platform::{TEST_PLATFORM_CERTIFICATE, TEST_SM2_PLATFORM_CERTIFICATE};
use juhe_channel_wechatpay::sandbox::{MerchantRegistration, PlatformMode};
use juhe_domain::way::Way;

const SM2_MCHID: &str = "1900000120";

fn vectors_key(name: &str) -> String {
    vectors()["keys"][name].as_str().expect("key").to_string()
}

fn sm2_registration() -> MerchantRegistration {
    serde_json::from_value(serde_json::json!({
        "mchid": SM2_MCHID,
        "merchant_serial_no": vectors_key("java_sm2_merchant_cert_serial"),
        "merchant_public_key": vectors_key("java_sm2_merchant_cert_pem"),
        "apiv3_key": APIV3_KEY,
    }))
    .expect("registration")
}

fn sm2_config(base_url: &str, notify_url: &str) -> ChannelConfig {
    let mut secrets = Secrets::new();
    secrets.insert("private_key", vectors_key("java_sm2_merchant_private_key_pkcs8_pem"));
    secrets.insert("apiv3_key", APIV3_KEY);
    ChannelConfig {
        id: "chc_sm2".into(),
        merchant_id: "mch_sm2".into(),
        channel: "wechatpay".into(),
        params: serde_json::json!({
            "mchid": SM2_MCHID,
            "appid": APPID,
            "merchant_serial_no": vectors_key("java_sm2_merchant_cert_serial"),
            "base_url": base_url,
            "platform_certificates": [TEST_SM2_PLATFORM_CERTIFICATE],
        })
        .as_object()
        .cloned()
        .unwrap_or_default(),
        secrets,
        notify_url: notify_url.into(),
    }
}

#[tokio::test]
async fn an_sm2_merchant_pays_refunds_and_is_notified() {
    let h = start(PlatformMode::Certificate).await;
    h.state.register(&sm2_registration()).expect("SM2 merchant");
    let mut inbox = receiver(0).await;
    let cfg = sm2_config(&h.base_url, &inbox.url);
    h.channel.validate_config(&cfg).expect("valid SM2 configuration");

    let no = order_no("SM");
    let created = h
        .channel
        .create(&cfg, &payment_request(&no, Way::Qr, 888))
        .await
        .expect("native order");
    assert!(matches!(created.state, ChannelPaymentState::AwaitingPayer));
    assert_eq!(h.pay(&no).await["trade_state"], "SUCCESS");
    let notice = inbox.next().await;
    assert_eq!(
        notice.header("wechatpay-signature-type"),
        Some("WECHATPAY2-SM2-WITH-SM3")
    );
    let envelope: serde_json::Value = serde_json::from_slice(&notice.body).expect("JSON");
    assert_eq!(envelope["resource"]["algorithm"], "AEAD_SM4_GCM");
    let parsed = h
        .channel
        .parse_notification(&cfg, &notice)
        .await
        .expect("SM2 notification");
    let Notification::Payment {
        state:
            ChannelPaymentState::Succeeded {
                channel_trade_no,
                amount,
                ..
            },
        ..
    } = parsed
    else {
        panic!("{parsed:?}");
    };
    assert_eq!(amount, 888);
    let mut reference = payment_ref(&no, 888);
    reference.channel_trade_no = Some(channel_trade_no);
    assert!(matches!(
        h.channel.query(&cfg, &reference).await.expect("query"),
        ChannelPaymentState::Succeeded { .. }
    ));
    let refund = CreateRefund {
        refund_id: "r_sm2".into(),
        channel_refund_no: format!("{no}R"),
        payment: reference,
        refund: cny(88),
        reason: None,
        created_at_ms: now_ms(),
    };
    let report = h.channel.refund(&cfg, &refund).await.expect("refund");
    assert_eq!(report.amount, 88);
    let refund_notice = inbox.next().await;
    assert!(matches!(
        h.channel
            .parse_notification(&cfg, &refund_notice)
            .await
            .expect("refund notification"),
        Notification::Refund {
            report: juhe_channel::RefundReport {
                state: RefundState::Succeeded { .. },
                ..
            },
            ..
        }
    ));

    // A payment code (codepay) answers at once, verified under SM2.
    let bar = order_no("SB");
    let paid = h
        .channel
        .create(&cfg, &payment_request(&bar, Way::Barcode, 100))
        .await
        .expect("codepay");
    assert!(matches!(paid.state, ChannelPaymentState::Succeeded { .. }));
    // And an unpaid native order closes.
    let close = order_no("SC");
    h.channel
        .create(&cfg, &payment_request(&close, Way::Qr, 100))
        .await
        .expect("native");
    h.channel.close(&cfg, &payment_ref(&close, 100)).await.expect("close");
}

#[tokio::test]
async fn the_two_schemes_are_never_mixed() {
    let h = start(PlatformMode::Certificate).await;
    h.state.register(&sm2_registration()).expect("SM2 merchant");
    let mut inbox = receiver(0).await;
    let cfg = sm2_config(&h.base_url, &inbox.url);

    // An SM2 key with RSA platform certificates: refused before any call.
    let mut rsa_platform = cfg.clone();
    rsa_platform.params.insert(
        "platform_certificates".into(),
        serde_json::json!([TEST_PLATFORM_CERTIFICATE]),
    );
    assert!(matches!(
        h.channel.validate_config(&rsa_platform),
        Err(ChannelError::Config(_))
    ));
    // The SM2 merchant signing with an RSA key: 401 SIGN_ERROR at the sandbox.
    let mut rsa_signed = h.config(&inbox.url);
    rsa_signed.params.insert("mchid".into(), SM2_MCHID.into());
    rsa_signed.params.insert(
        "merchant_serial_no".into(),
        vectors_key("java_sm2_merchant_cert_serial").into(),
    );
    let err = h
        .channel
        .create(&rsa_signed, &payment_request(&order_no("MX"), Way::Qr, 100))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ChannelError::Config(ref m) if m.contains("SIGN_ERROR")),
        "{err:?}"
    );
    // JSAPI client parameters under SM2 are not established: refused
    // locally, nothing created.
    let jsapi = order_no("SJ");
    assert!(matches!(
        h.channel.create(&cfg, &payment_request(&jsapi, Way::Jsapi, 100)).await,
        Err(ChannelError::Config(_))
    ));
    assert_eq!(h.state.trade_state(&jsapi), None);

    // A notification to the SM2 merchant read as RSA (or the reverse) is refused.
    let no = order_no("SN");
    h.channel
        .create(&cfg, &payment_request(&no, Way::Qr, 100))
        .await
        .expect("native");
    h.pay(&no).await;
    let notice = inbox.next().await;
    let mut claimed_rsa = notice.clone();
    for (k, v) in claimed_rsa.headers.iter_mut() {
        if k.eq_ignore_ascii_case("wechatpay-signature-type") {
            *v = "WECHATPAY2-SHA256-RSA2048".into();
        }
    }
    assert!(matches!(
        h.channel.parse_notification(&cfg, &claimed_rsa).await,
        Err(ChannelError::BadNotification(_))
    ));
    let rsa_cfg = h.config(&inbox.url);
    assert!(matches!(
        h.channel.parse_notification(&rsa_cfg, &notice).await,
        Err(ChannelError::BadNotification(_))
    ));
}

#[tokio::test]
async fn sm2_platform_certificates_download_encrypted_with_sm4() {
    let h = start(PlatformMode::Certificate).await;
    h.state.register(&sm2_registration()).expect("SM2 merchant");
    let cfg = sm2_config(&h.base_url, "http://127.0.0.1:9/unused");
    // Signed as the SM2 merchant through the client's own transport: the
    // bill endpoints are not needed; a raw signed GET is built the same way.
    use juhe_channel_wechatpay::protocol::auth::{Authorization, SignedRequest, new_nonce};
    use juhe_channel_wechatpay::protocol::scheme::SigningKey;
    let key = SigningKey::parse(&vectors_key("java_sm2_merchant_private_key_pkcs8_pem")).expect("SM2 key");
    let path = "/v3/certificates?algorithm_type=SM2";
    let auth = Authorization::sign(
        &key,
        SM2_MCHID,
        cfg.param("merchant_serial_no").unwrap(),
        &SignedRequest {
            method: "GET",
            canonical_url: path,
            timestamp: now_ms() / 1000,
            nonce: &new_nonce(),
            body: b"",
        },
    )
    .expect("sign");
    let answer = reqwest::Client::new()
        .get(format!("{}{path}", h.base_url))
        .header("authorization", auth.header_value())
        .send()
        .await
        .expect("certificates");
    assert_eq!(answer.status(), 200);
    let body: serde_json::Value = answer.json().await.expect("JSON");
    let entry: EncryptedResource =
        serde_json::from_value(body["data"][0]["encrypt_certificate"].clone()).expect("entry");
    assert_eq!(entry.algorithm, "AEAD_SM4_GCM");
    let pem = resource::decrypt(APIV3_KEY.as_bytes(), &entry).expect("decrypts with the SM3-derived key");
    assert_eq!(
        String::from_utf8(pem).unwrap().trim(),
        TEST_SM2_PLATFORM_CERTIFICATE.trim()
    );
}

/// wechatpay-java's `AeadSM4Test` vector, through the resource decryptor.
#[test]
fn the_java_sdks_sm4_gcm_vector_decrypts() {
    let v = vectors()["shangmi_sm2_sm3_sm4"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == "java-sm4-gcm")
        .unwrap()
        .clone();
    let resource = |ciphertext: &str| EncryptedResource {
        algorithm: "AEAD_SM4_GCM".into(),
        ciphertext: ciphertext.into(),
        associated_data: v["associated_data"].as_str().unwrap().into(),
        nonce: v["nonce"].as_str().unwrap().into(),
        original_type: None,
    };
    let key = v["apiv3_key"].as_str().unwrap().as_bytes();
    assert_eq!(
        resource::decrypt(key, &resource(v["ciphertext"].as_str().unwrap())).unwrap(),
        b"plaintext"
    );
    assert!(resource::decrypt(key, &resource(v["negative_ciphertext"].as_str().unwrap())).is_err());
}
