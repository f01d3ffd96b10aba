//! Every applicable vector of `vectors/unionpay_acp.json`, plus upstream
//! vectors from other files that check the same primitives (SM3, X.509
//! serials).

use juhe_channel_unionpay::protocol::cert::{Certificate, TrustChain};
use juhe_channel_unionpay::protocol::form::{Fields, string_to_sign};
use juhe_channel_unionpay::protocol::secret::SecretText;
use juhe_channel_unionpay::protocol::sign::{
    SignMethod, Signer, UnionPayVerifier, rsa_digest_hex, rsa_verifies, secure_key_signature,
};
use juhe_crypto::RsaPrivate;
use serde_json::Value;

const ACP: &str = include_str!("../../../../vectors/unionpay_acp.json");
const WECHAT: &str = include_str!("../../../../vectors/wechatpay_v3.json");

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn params(vector: &Value) -> Fields {
    vector["params"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect()
}

fn rsa_key() -> RsaPrivate {
    RsaPrivate::parse(
        json(WECHAT)["keys"]["go_test_rsa2048_private_key_pkcs8_pem"]
            .as_str()
            .unwrap(),
    )
    .unwrap()
}

#[test]
fn sign_method_01_vector() {
    let vector = &json(ACP)["signMethod_01_rsa"];
    let fields = params(vector);
    let sign_string = string_to_sign(&fields);
    assert_eq!(sign_string, vector["expected_sign_string"].as_str().unwrap());
    assert_eq!(
        rsa_digest_hex(&sign_string),
        vector["expected_sha256_hex"].as_str().unwrap()
    );
    let key = rsa_key();
    let expected = vector["expected_signature"].as_str().unwrap();
    assert!(rsa_verifies(&key.public(), &sign_string, expected));

    // Signing the vector's message through the Signer gives the same bytes
    // (PKCS#1 v1.5 is deterministic) and sets certId / signMethod.
    let mut signed = fields.clone();
    let signer = Signer::Rsa {
        key: Box::new(key),
        cert_id: fields["certId"].clone(),
    };
    signer.sign(&mut signed).unwrap();
    assert_eq!(signed["signature"], expected);
    // One changed field breaks it.
    let mut tampered = signed.clone();
    tampered.insert("txnAmt".into(), "1001".into());
    assert!(!rsa_verifies(&rsa_key().public(), &string_to_sign(&tampered), expected));
}

#[test]
fn sign_method_11_vector() {
    let vector = &json(ACP)["signMethod_11_sha256_securekey"];
    let fields = params(vector);
    let sign_string = string_to_sign(&fields);
    assert_eq!(sign_string, vector["expected_sign_string"].as_str().unwrap());
    let key = vector["secure_key"].as_str().unwrap();
    let expected = vector["expected_signature"].as_str().unwrap();
    assert_eq!(secure_key_signature(SignMethod::Sha256Key, &sign_string, key), expected);

    let mut signed = fields.clone();
    let secret = SecretText::new(key);
    Signer::SecureKey {
        method: SignMethod::Sha256Key,
        key: secret.clone(),
    }
    .sign(&mut signed)
    .unwrap();
    assert_eq!(signed["signature"], expected);
    let verifier = UnionPayVerifier::SecureKey {
        method: SignMethod::Sha256Key,
        keys: vec![secret],
    };
    verifier.verify(&signed, 0).unwrap();
    signed.insert("orderId".into(), "20240513174920002".into());
    assert!(verifier.verify(&signed, 0).is_err());
}

#[test]
fn sign_method_12_is_method_11_with_sm3() {
    // The vector file states the rule only. This expected value is derived:
    // computed independently with Python gmssl 3.2.2 (`sm3_hash`) over the
    // 11 vector's parameters with signMethod=12 and the same secure key.
    let vector = &json(ACP)["signMethod_11_sha256_securekey"];
    let mut fields = params(vector);
    fields.insert("signMethod".into(), "12".into());
    let key = vector["secure_key"].as_str().unwrap();
    let expected = "aa25baec742dccb54cf9d1b0765758d5f290112f254936016facf8458b28f035";
    assert_eq!(
        secure_key_signature(SignMethod::Sm3Key, &string_to_sign(&fields), key),
        expected
    );
    let verifier = UnionPayVerifier::SecureKey {
        method: SignMethod::Sm3Key,
        keys: vec![SecretText::new(key)],
    };
    fields.insert("signature".into(), expected.into());
    verifier.verify(&fields, 0).unwrap();
    // A 12 signature is not an 11 one.
    let as_11 = UnionPayVerifier::SecureKey {
        method: SignMethod::Sha256Key,
        keys: vec![SecretText::new(key)],
    };
    fields.insert("signMethod".into(), "11".into());
    assert!(as_11.verify(&fields, 0).is_err());
}

#[test]
fn sm3_matches_upstream_vectors() {
    // GB/T 32905 example 1.
    assert_eq!(
        hex::encode(juhe_crypto::sm3(b"abc")),
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    );
    // wechatpay-java: sm4 key = SM3(apiv3 key)[0..16].
    let sm = &json(WECHAT)["shangmi_sm2_sm3_sm4"][0];
    let digest = juhe_crypto::sm3(sm["apiv3_key"].as_str().unwrap().as_bytes());
    assert_eq!(hex::encode(&digest[..16]), sm["derived_sm4_key_hex"].as_str().unwrap());
}

#[test]
fn response_verification_rule_with_the_sandbox_chain() {
    // The vector states the rule; the sandbox's TEST-ONLY chain exercises it.
    let rule = json(ACP)["response_verification_5_1_0"]["rule"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(rule.contains("signPubKeyCert"));
    use juhe_channel_unionpay::sandbox::signing::{FIXTURE_MIDDLE_CERT, FIXTURE_ROOT_CERT, FIXTURE_SIGN_CERT};
    let chain = TrustChain::parse(FIXTURE_ROOT_CERT, FIXTURE_MIDDLE_CERT).unwrap();
    let now = 1_800_000_000;
    let leaf = Certificate::parse(FIXTURE_SIGN_CERT).unwrap();
    assert_eq!(leaf.serial_decimal(), "69629715588");
    chain.verify_signing_cert(&leaf, now).unwrap();
    // The merchant certificate chains but does not name UnionPay.
    let merchant = Certificate::parse(include_str!("../fixtures/merchant_sign.cer")).unwrap();
    assert!(chain.verify_signing_cert(&merchant, now).is_err());
    // The self-signed look-alike does not chain.
    let rogue = Certificate::parse(include_str!("../fixtures/rogue_sign.cer")).unwrap();
    assert_eq!(rogue.serial_decimal(), leaf.serial_decimal());
    assert!(chain.verify_signing_cert(&rogue, now).is_err());
    // Outside the validity period.
    assert!(chain.verify_signing_cert(&leaf, 0).is_err());
    // Root and middle swapped is not a chain.
    let swapped = TrustChain::parse(FIXTURE_MIDDLE_CERT, FIXTURE_ROOT_CERT).unwrap();
    assert!(swapped.verify_signing_cert(&leaf, now).is_err());
}

#[test]
fn cert_ids_are_decimal_serials_of_upstream_certificates() {
    let keys = &json(WECHAT)["keys"];
    for (name, decimal) in [
        ("go_test_cert_serial_F5765756002FDD77_pem", "17687420613426142583"),
        ("go_test_cert_serial_D7CE59D1F522D701_pem", "15550465321652639489"),
    ] {
        let cert = Certificate::parse(keys[name].as_str().unwrap()).unwrap();
        assert_eq!(cert.serial_decimal(), decimal, "{name}");
    }
}
