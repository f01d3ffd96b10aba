//! `vectors/unionpay_acp.json` (derived vectors; the RSA key is the Go
//! WeChat test key, as the vector file says).

use super::support::{key, s, unionpay, wechat};
use juhe_crypto::unionpay_acp::{sign_01, sign_01_digest, sign_11, sign_12, verify_01, verify_secure_key_signature};
use juhe_crypto::{RsaPrivate, sm3};

fn rsa_key() -> RsaPrivate {
    RsaPrivate::parse(key(&wechat(), "go_test_rsa2048_private_key_pkcs8_pem")).unwrap()
}

#[test]
fn sign_method_01_signs_the_hex_digest() {
    let v = unionpay();
    let string = s(&v, "/signMethod_01_rsa/expected_sign_string");
    assert_eq!(sign_01_digest(string), s(&v, "/signMethod_01_rsa/expected_sha256_hex"));
    let key = rsa_key();
    let signature = sign_01(&key, string).unwrap();
    assert_eq!(signature, s(&v, "/signMethod_01_rsa/expected_signature"));
    assert!(verify_01(&key.public(), string, &signature));
    assert!(!verify_01(
        &key.public(),
        &string.replace("txnAmt=1000", "txnAmt=1001"),
        &signature
    ));
    // Signing the string itself (single hashing) is a different signature.
    let single = key
        .sign_base64(juhe_crypto::RsaDigest::Sha256, string.as_bytes())
        .unwrap();
    assert!(!verify_01(&key.public(), string, &single));
}

#[test]
fn sign_method_11_with_secure_key() {
    let v = unionpay();
    let string = s(&v, "/signMethod_11_sha256_securekey/expected_sign_string");
    let secure_key = s(&v, "/signMethod_11_sha256_securekey/secure_key");
    let signature = sign_11(secure_key, string);
    assert_eq!(signature, s(&v, "/signMethod_11_sha256_securekey/expected_signature"));
    assert!(verify_secure_key_signature(
        &signature,
        s(&v, "/signMethod_11_sha256_securekey/expected_signature")
    ));
    assert_ne!(sign_11("00000000", string), signature);
}

#[test]
fn sign_method_12_is_the_same_rule_with_sm3() {
    let v = unionpay();
    assert!(s(&v, "/signMethod_12_sm3_securekey/rule").contains("SM3"));
    let string =
        s(&v, "/signMethod_11_sha256_securekey/expected_sign_string").replace("signMethod=11", "signMethod=12");
    let secure_key = s(&v, "/signMethod_11_sha256_securekey/secure_key");
    // The rule spelled out with the crate's SM3 …
    let by_rule = hex::encode(sm3(
        format!("{string}&{}", hex::encode(sm3(secure_key.as_bytes()))).as_bytes()
    ));
    assert_eq!(sign_12(secure_key, &string), by_rule);
    // … and by an independent SM3: `printf … | openssl dgst -sm3` (OpenSSL 3.0.19).
    assert_eq!(
        hex::encode(sm3(secure_key.as_bytes())),
        "ce63bbc0642e6805e0bf2be526df8fce7f29ae8cd7162ebafc826c8130810a30"
    );
    assert_eq!(
        sign_12(secure_key, &string),
        "aa25baec742dccb54cf9d1b0765758d5f290112f254936016facf8458b28f035"
    );
}
