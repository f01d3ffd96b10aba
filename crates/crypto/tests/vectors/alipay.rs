//! `vectors/alipay.json`. Building sign strings from parameters is the
//! Alipay channel crate's job; here the given strings are signed/verified.
//! The async-notify negative vector only has parameters, so its string is
//! built by a small helper with the rule from the vector file.

use super::support::{alipay, b64, entry, key, s};
use juhe_crypto::aead::{aes128_cbc_decrypt, aes128_cbc_encrypt};
use juhe_crypto::{KeyError, RsaDigest, RsaPrivate, RsaPublic};
use serde_json::Value;

#[test]
fn all_alipay_keys_parse_including_the_one_line_pem() {
    let v = alipay();
    let private = RsaPrivate::parse(key(&v, "app_private_key_pkcs1_pem")).unwrap();
    let public = RsaPublic::parse(key(&v, "app_public_key_pem")).unwrap();
    assert_eq!(private.public(), public);
    let one_line = key(&v, "alipay_sandbox_public_key_pem_one_line");
    let body = one_line.lines().nth(1).unwrap();
    assert!(body.len() > 300, "the fixture really is one long line");
    let from_pem = RsaPublic::parse(one_line).unwrap();
    // As merchants paste it from the console: no armour at all.
    assert_eq!(RsaPublic::parse(body).unwrap(), from_pem);
    for name in ["notify_alipay_public_key_v1_pem", "notify_alipay_public_key_v2_pem"] {
        assert!(RsaPublic::parse(key(&v, name)).is_ok(), "{name}");
    }
}

#[test]
fn derived_precreate_request_signing() {
    let v = alipay();
    let e = entry(&v, "request_signing", "derived-precreate");
    let private = RsaPrivate::parse(key(&v, s(e, "/private_key"))).unwrap();
    let content = s(e, "/expected_sign_content");
    let sign = private.sign_base64(RsaDigest::Sha256, content.as_bytes()).unwrap();
    assert_eq!(sign, s(e, "/expected_sign"));
    // Alipay verifies it with the app public key uploaded to the console.
    let public = RsaPublic::parse(key(&v, "app_public_key_pem")).unwrap();
    assert!(public.verify_base64(RsaDigest::Sha256, content.as_bytes(), &sign));
    assert!(!public.verify_base64(RsaDigest::Sha256, content.replace("88.88", "88.89").as_bytes(), &sign));
    // Legacy `RSA` (SHA1withRSA) gives a different signature that does not
    // pass as RSA2.
    let legacy = private.sign_base64(RsaDigest::Sha1, content.as_bytes()).unwrap();
    assert!(public.verify_base64(RsaDigest::Sha1, content.as_bytes(), &legacy));
    assert!(!public.verify_base64(RsaDigest::Sha256, content.as_bytes(), &legacy));
}

/// The notify rule: drop `sign` (and `sign_type` unless kept), drop empty
/// values, sort by key, `k=v` joined by `&`.
fn notify_sign_string(params: &Value, keep_sign_type: bool) -> String {
    let mut pairs: Vec<(&String, &str)> = params
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.as_str() != "sign" && (keep_sign_type || k.as_str() != "sign_type"))
        .map(|(k, v)| (k, v.as_str().unwrap()))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

#[test]
fn node_notify_verify_fail() {
    let v = alipay();
    let e = entry(&v, "async_notify_verification", "node-notify-verify-fail");
    assert_eq!(e["expected_valid"], false);
    let public = RsaPublic::parse(key(&v, s(e, "/verify_key"))).unwrap();
    let sign = s(e, "/params/sign");
    assert_eq!(
        b64(sign).len(),
        256,
        "a well-formed RSA-2048 signature, just not over this data"
    );
    for keep_sign_type in [false, true] {
        let content = notify_sign_string(&e["params"], keep_sign_type);
        assert!(content.starts_with("app_id=2018121762595097&auth_app_id="));
        assert!(!public.verify_base64(RsaDigest::Sha256, content.as_bytes(), sign));
    }
}

#[test]
fn content_encryption_aes_with_the_example_key() {
    let v = alipay();
    let key = b64(s(&v, "/content_encryption_aes/example_key"));
    assert_eq!(key.len(), 16, "AES-128");
    let biz = r#"{"out_trade_no":"20150320010101001","total_amount":"88.88","subject":"Iphone6 16G"}"#;
    let ct = aes128_cbc_encrypt(&key, biz.as_bytes()).unwrap();
    // Independent check: `openssl enc -aes-128-cbc -K <key hex> -iv 0…0 | base64`
    // on the same plaintext (OpenSSL 3.0.19).
    let openssl = "HJjZXDcVHUcOrByocVgEmi4JxHzS7t5uQ7RGgvntf1ldbc80QV/1ZTBdsvXr8xLOakEyINbLS0FVv3lFGlxCgSsyJdlslLIQN3fuHf8Pt/iqDLHLp6qtMLGiTpXOFUy4";
    assert_eq!(ct, b64(openssl));
    assert_eq!(aes128_cbc_decrypt(&key, &ct).unwrap(), biz.as_bytes());
    let mut wrong_key = key.clone();
    wrong_key[0] ^= 1;
    assert!(aes128_cbc_decrypt(&wrong_key, &ct).map_or(true, |pt| pt != biz.as_bytes()));
    assert_eq!(
        aes128_cbc_decrypt(&key, &ct[..ct.len() - 1]),
        Err(KeyError::DecryptFailed)
    );
}
