//! Every applicable vector of `vectors/alipay.json`.

mod common;

use common::{key, vectors};
use juhe_channel::{Channel, ChannelError, InboundRequest};
use juhe_channel_alipay::protocol::extract::member_object;
use juhe_channel_alipay::protocol::params::{Params, encode_form};
use juhe_channel_alipay::protocol::sign::{self, SignType};
use juhe_crypto::{RsaPrivate, RsaPublic};

fn params_of(value: &serde_json::Value) -> Params {
    value
        .as_object()
        .expect("params object")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("string param").to_string()))
        .collect()
}

#[test]
fn request_signing_vector_gives_the_exact_string_and_signature() {
    let v = &vectors()["request_signing"][0];
    let params = params_of(&v["params"]);
    let content = sign::request_content(&params);
    assert_eq!(content, v["expected_sign_content"].as_str().unwrap());
    let private = RsaPrivate::parse(&key(v["private_key"].as_str().unwrap())).unwrap();
    // PKCS#1 v1.5 is deterministic: the signature must match byte for byte.
    let signature = sign::sign(&private, SignType::Rsa2, &content).unwrap();
    assert_eq!(signature, v["expected_sign"].as_str().unwrap());
    let public = RsaPublic::parse(&key("app_public_key_pem")).unwrap();
    assert!(sign::verify(&public, SignType::Rsa2, &content, &signature));
    // A signed request with `sign` present still signs the same string.
    let mut with_sign = params.clone();
    with_sign.insert("sign".into(), signature.clone());
    assert_eq!(sign::request_content(&with_sign), content);
    // Tampering with any signed value breaks it.
    let tampered = content.replace("88.88", "88.89");
    assert!(!sign::verify(&public, SignType::Rsa2, &tampered, &signature));
}

#[test]
fn sync_answer_extraction_vector_keeps_escapes_and_ignores_whitespace() {
    let v = &vectors()["sync_response_verification"][0];
    let raw = v["raw_response"].as_str().unwrap();
    let extracted = member_object(raw, v["response_key"].as_str().unwrap());
    assert_eq!(extracted, Some(v["expected_sign_content"].as_str().unwrap()));
    assert!(extracted.unwrap().contains(r"http:\/\/"));
}

#[test]
fn notification_vector_with_tampered_data_fails_both_ways() {
    let v = &vectors()["async_notify_verification"][0];
    assert_eq!(v["expected_valid"], false);
    let params = params_of(&v["params"]);
    let public = RsaPublic::parse(&key(v["verify_key"].as_str().unwrap())).unwrap();
    let signature = &params["sign"];
    assert!(!sign::verify(
        &public,
        SignType::Rsa2,
        &sign::notify_content_v1(&params),
        signature
    ));
    assert!(!sign::verify(
        &public,
        SignType::Rsa2,
        &sign::notify_content_v2(&params),
        signature
    ));
}

#[tokio::test]
async fn the_client_rejects_the_tampered_notification_vector() {
    let v = &vectors()["async_notify_verification"][0];
    let params = params_of(&v["params"]);
    let mut cfg = common::config("https://openapi.alipay.com/gateway.do", "");
    cfg.params.insert("app_id".into(), params["app_id"].clone().into());
    cfg.params.insert(
        "alipay_public_key".into(),
        key("notify_alipay_public_key_v1_pem").into(),
    );
    let request = InboundRequest {
        headers: vec![],
        query: None,
        body: encode_form(params.iter().map(|(k, v)| (k.as_str(), v.as_str()))).into_bytes(),
        received_at_s: 0,
    };
    let err = common::channel().parse_notification(&cfg, &request).await.unwrap_err();
    assert!(matches!(err, ChannelError::BadNotification(_)), "{err:?}");
}

#[test]
fn every_fixture_key_parses_in_the_layouts_merchants_paste() {
    for name in [
        "app_public_key_pem",
        "alipay_sandbox_public_key_pem_one_line",
        "notify_alipay_public_key_v1_pem",
        "notify_alipay_public_key_v2_pem",
    ] {
        RsaPublic::parse(&key(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let pem = key("app_private_key_pkcs1_pem");
    let bare: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    let from_pem = RsaPrivate::parse(&pem).unwrap();
    let from_bare = RsaPrivate::parse(&bare).unwrap();
    assert_eq!(from_pem.public(), from_bare.public());
    assert_eq!(from_pem.public(), RsaPublic::parse(&key("app_public_key_pem")).unwrap());
}

#[test]
fn validate_config_checks_every_field_without_showing_keys() {
    let channel = common::channel();
    let good = common::config("http://127.0.0.1:1/gateway.do", "");
    channel.validate_config(&good).unwrap();
    // The Alipay console's one-line key is accepted as the Alipay public key.
    let mut one_line = good.clone();
    one_line.params.insert(
        "alipay_public_key".into(),
        key("alipay_sandbox_public_key_pem_one_line").into(),
    );
    channel.validate_config(&one_line).unwrap();

    let mut no_app = good.clone();
    no_app.params.remove("app_id");
    assert!(matches!(channel.validate_config(&no_app), Err(ChannelError::Config(m)) if m.contains("app_id")));

    let mut bad_key = good.clone();
    bad_key.secrets.insert("app_private_key", "MIIBnotakey");
    let err = channel.validate_config(&bad_key).unwrap_err().to_string();
    assert!(err.contains("app_private_key") && !err.contains("MIIBnotakey"), "{err}");

    let mut bad_public = good.clone();
    bad_public.params.insert(
        "alipay_public_key".into(),
        "-----BEGIN PUBLIC KEY-----AAAA-----END PUBLIC KEY-----".into(),
    );
    assert!(matches!(
        channel.validate_config(&bad_public),
        Err(ChannelError::Config(_))
    ));

    let mut bad_sign_type = good.clone();
    bad_sign_type.params.insert("sign_type".into(), "MD5".into());
    assert!(matches!(
        channel.validate_config(&bad_sign_type),
        Err(ChannelError::Config(_))
    ));

    let parsed = juhe_channel_alipay::client::config::AlipayConfig::from_channel_config(&good).unwrap();
    let shown = format!("{parsed:?}");
    assert!(shown.contains(common::APP_ID) && !shown.contains("MII"), "{shown}");
}
