//! Every applicable vector of `vectors/wechatpay_v3.json`, through this
//! crate's protocol layer. (SM2/SM3/SM4 vectors do not apply: the channel
//! speaks the RSA scheme only; see README.)

mod common;

use common::*;
use juhe_channel_wechatpay::protocol::auth::{Authorization, SignedRequest, request_message, response_message};
use juhe_channel_wechatpay::protocol::pay_params::jsapi_params;
use juhe_channel_wechatpay::protocol::resource::{self, EncryptedResource};
use juhe_crypto::x509::Certificate;
use juhe_crypto::{RsaDigest, RsaPrivate};
use serde_json::Value;

fn merchant_key() -> RsaPrivate {
    RsaPrivate::parse(&merchant_private_key()).expect("go test key")
}

fn s<'a>(v: &'a Value, field: &str) -> &'a str {
    v[field].as_str().unwrap_or_else(|| panic!("field {field}"))
}

/// A field that the vectors store as a number or a string.
fn text(v: &Value, field: &str) -> String {
    match &v[field] {
        Value::String(t) => t.clone(),
        Value::Number(n) => n.to_string(),
        _ => panic!("field {field}"),
    }
}

fn by_id<'a>(group: &str, id: &str) -> &'a Value {
    vectors()[group]
        .as_array()
        .and_then(|items| items.iter().find(|v| v["id"] == id))
        .unwrap_or_else(|| panic!("vector {id}"))
}

#[test]
fn go_signer_signature_and_its_certificate() {
    let v = by_id("sha256withrsa_sign", "go-signer-source");
    let signature = merchant_key()
        .sign_base64(RsaDigest::Sha256, s(v, "message").as_bytes())
        .expect("sign");
    assert_eq!(signature, s(v, "expected_signature"));
    assert_eq!(
        juhe_channel_wechatpay::protocol::SIGNATURE_TYPE,
        format!("WECHATPAY2-{}", s(v, "expected_algorithm_name"))
    );
    let cert = Certificate::parse(&key_text(s(v, "verify_cert"))).expect("cert");
    assert_eq!(cert.serial_hex(), "F5765756002FDD77");
    assert!(
        cert.rsa_public()
            .expect("rsa")
            .verify_base64(RsaDigest::Sha256, s(v, "message").as_bytes(), &signature)
    );
    let other = Certificate::parse(&key_text("go_test_cert_serial_D7CE59D1F522D701_pem")).expect("cert");
    assert_eq!(other.serial_hex(), "D7CE59D1F522D701");
}

#[test]
fn go_verifier_rejects_the_wrong_message() {
    let v = by_id("sha256withrsa_sign", "go-verifier-negative");
    let key = Certificate::parse(&key_text(s(v, "verify_cert")))
        .and_then(|c| c.rsa_public())
        .expect("key");
    assert_eq!(v["expected_valid"], false);
    assert!(!key.verify_base64(RsaDigest::Sha256, s(v, "message").as_bytes(), s(v, "signature")));
}

#[test]
fn request_messages_match_the_sdk_tests() {
    for id in ["go-credential-get-nobody", "go-credential-post-body"] {
        let v = by_id("authorization_header", id);
        let ts: i64 = text(v, "timestamp").parse().expect("ts");
        let message = request_message(
            s(v, "method"),
            s(v, "canonical_url"),
            ts,
            s(v, "nonce"),
            s(v, "body").as_bytes(),
        );
        assert_eq!(
            String::from_utf8(message).expect("utf-8"),
            s(v, "expected_message"),
            "{id}"
        );
    }
    let v = by_id("authorization_header", "java-credential-get-query");
    let canonical = s(v, "request_uri").trim_start_matches("https://api.mch.weixin.qq.com");
    let ts: i64 = text(v, "timestamp").parse().expect("ts");
    let message = request_message(s(v, "method"), canonical, ts, s(v, "nonce"), b"");
    assert_eq!(String::from_utf8(message).expect("utf-8"), s(v, "expected_message"));
}

#[test]
fn go_header_format_with_a_mock_signature() {
    // The Go test's mock signer returns "Sign:" + message; our header keeps
    // its field order and quoting, only the scheme name differs.
    let v = by_id("authorization_header", "go-credential-get-nobody");
    let auth = Authorization {
        scheme: juhe_channel_wechatpay::protocol::scheme::Scheme::Rsa,
        mchid: s(v, "mchid").into(),
        nonce_str: s(v, "nonce").into(),
        timestamp: text(v, "timestamp"),
        serial_no: s(v, "serial_no").into(),
        signature: format!("Sign:{}", s(v, "expected_message")),
    };
    let expected = s(v, "expected_header").replacen("WECHATPAY2-Mock", "WECHATPAY2-SHA256-RSA2048", 1);
    assert_eq!(auth.header_value(), expected);
}

#[test]
fn derived_real_authorization_headers() {
    let v = by_id("authorization_header", "derived-real-signature-get");
    let auth = Authorization::sign(
        &merchant_key(),
        s(v, "mchid"),
        s(v, "serial_no"),
        &SignedRequest {
            method: "GET",
            canonical_url: "/v3/pay/transactions/id/1217752501201407033233368018?mchid=1230000109",
            timestamp: 1652750623,
            nonce: "eBYqCOxa0QudMnPvVilkTzOg3gHh5Z3u",
            body: b"",
        },
    )
    .expect("sign");
    assert_eq!(auth.signature, s(v, "expected_signature"));
    assert_eq!(auth.header_value(), s(v, "expected_header"));
    assert_eq!(Authorization::parse(s(v, "expected_header")).expect("parse"), auth);

    let v = by_id("authorization_header", "derived-real-signature-post-jsapi");
    let signature = merchant_key()
        .sign_base64(RsaDigest::Sha256, s(v, "message").as_bytes())
        .expect("sign");
    assert_eq!(signature, s(v, "expected_signature"));
    // The same message rebuilt from its parts.
    let parts: Vec<&str> = s(v, "message").splitn(5, '\n').collect();
    let body = parts[4].strip_suffix('\n').expect("trailing newline");
    let rebuilt = request_message(
        parts[0],
        parts[1],
        parts[2].parse().expect("ts"),
        parts[3],
        body.as_bytes(),
    );
    assert_eq!(rebuilt, s(v, "message").as_bytes());
}

#[test]
fn response_message_format() {
    assert_eq!(
        response_message("1624523846", "NONCE1234567890", b"BODY"),
        b"1624523846\nNONCE1234567890\nBODY\n"
    );
    assert_eq!(
        response_message("1624523846", "NONCE1234567890", b""),
        b"1624523846\nNONCE1234567890\n\n"
    );
    let rule = s(
        by_id("response_and_notification_verification", "go-validator-message-format"),
        "example_message_empty_body",
    );
    assert_eq!(rule, "<ts>\nNONCE1234567890\n\n");
}

fn encrypted(v: &Value) -> EncryptedResource {
    EncryptedResource {
        algorithm: "AEAD_AES_256_GCM".into(),
        ciphertext: s(v, "ciphertext").into(),
        associated_data: s(v, "associated_data").into(),
        nonce: s(v, "nonce").into(),
        original_type: None,
    }
}

#[test]
fn aead_vectors_decrypt_and_their_negatives_fail() {
    for id in [
        "go-utils-aes",
        "go-notify-resource",
        "java-aead-aes-cipher",
        "java-certificate-download",
    ] {
        let v = by_id("aead_aes_256_gcm", id);
        let plain = resource::decrypt(s(v, "key").as_bytes(), &encrypted(v)).expect(id);
        assert_eq!(String::from_utf8(plain).expect("utf-8"), s(v, "plaintext"), "{id}");
        for negative in v["negative"].as_array().into_iter().flatten() {
            let key = negative["key"].as_str().unwrap_or(s(v, "key"));
            let mut bad = encrypted(v);
            if let Some(c) = negative["ciphertext"].as_str() {
                bad.ciphertext = c.into();
            }
            if let Some(a) = negative["associated_data"].as_str() {
                bad.associated_data = a.into();
            }
            if let Some(n) = negative["nonce"].as_str() {
                bad.nonce = n.into();
            }
            assert!(
                resource::decrypt(key.as_bytes(), &bad).is_err(),
                "{id} negative {negative}"
            );
        }
    }
}

#[test]
fn java_aead_encrypts_to_the_vector() {
    let v = by_id("aead_aes_256_gcm", "java-aead-aes-cipher");
    let sealed = resource::encrypt_with_nonce(
        s(v, "key").as_bytes(),
        s(v, "nonce"),
        s(v, "associated_data"),
        None,
        s(v, "plaintext").as_bytes(),
    )
    .expect("encrypt");
    assert_eq!(sealed.ciphertext, s(v, "ciphertext"));
}

#[test]
fn downloaded_certificate_has_the_stated_serial() {
    let v = by_id("aead_aes_256_gcm", "java-certificate-download");
    let pem = resource::decrypt(s(v, "key").as_bytes(), &encrypted(v)).expect("decrypt");
    let cert = Certificate::parse(&String::from_utf8(pem).expect("utf-8")).expect("cert");
    assert_eq!(cert.serial_hex(), s(v, "serial_no"));
}

#[test]
fn jsapi_pay_sign_matches_the_derived_vector() {
    let v = by_id("client_pay_sign_messages", "jsapi-requestPayment");
    let params = jsapi_params(
        &merchant_key(),
        "wxd678efh567hg6787",
        "wx201410272009395522657a690389285100",
        1554208460,
        "593BEC0C930BF1AFEB40B4A08C8FB242",
    )
    .expect("params");
    assert_eq!(params["paySign"], s(v, "expected_paySign_derived"));
    let message = format!(
        "{}\n{}\n{}\n{}\n",
        params["appId"].as_str().unwrap_or(""),
        params["timeStamp"].as_str().unwrap_or(""),
        params["nonceStr"].as_str().unwrap_or(""),
        params["package"].as_str().unwrap_or("")
    );
    assert_eq!(message, s(v, "example_message"));
}
