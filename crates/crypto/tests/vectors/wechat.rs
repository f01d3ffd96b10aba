//! `vectors/wechatpay_v3.json`.

use super::support::{b64, entry, key, s, unix, wechat};
use juhe_crypto::aead::{
    aes128_gcm_decrypt, aes128_gcm_encrypt, aes256_gcm_decrypt, aes256_gcm_encrypt, sm4_gcm_decrypt, sm4_gcm_encrypt,
    wechat_sm4_key,
};
use juhe_crypto::oaep::{decrypt_oaep_sha1, decrypt_oaep_sha1_base64, encrypt_oaep_sha1_base64};
use juhe_crypto::sm2_pke::sm2_decrypt;
use juhe_crypto::{
    Certificate, DEFAULT_SM2_USER_ID, KeyError, RsaDigest, RsaPrivate, RsaPublic, Sm2Private, Sm2Public,
    request_string_to_sign, webhook_string_to_sign,
};

fn go_key() -> RsaPrivate {
    RsaPrivate::parse(key(&wechat(), "go_test_rsa2048_private_key_pkcs8_pem")).unwrap()
}

fn cert(name: &str) -> Certificate {
    Certificate::parse(key(&wechat(), name)).unwrap()
}

// ---- keys ----

#[test]
fn go_test_certificates_have_the_serials_wechat_shows_and_the_go_key() {
    let public = go_key().public();
    for (name, serial) in [
        ("go_test_cert_serial_F5765756002FDD77_pem", "F5765756002FDD77"),
        ("go_test_cert_serial_D7CE59D1F522D701_pem", "D7CE59D1F522D701"),
    ] {
        let c = cert(name);
        assert_eq!(c.serial_hex(), serial);
        assert_eq!(c.serial_decimal(), u64::from_str_radix(serial, 16).unwrap().to_string());
        assert_eq!(c.rsa_public().unwrap(), public, "{name} carries the Go test key");
        // Self-signed with SHA256withRSA.
        assert!(c.verify_signed_by(&c));
        assert!(c.not_before() < c.not_after());
    }
}

#[test]
fn java_sm2_merchant_certificate_serial_and_key() {
    let v = wechat();
    let c = cert("java_sm2_merchant_cert_pem");
    assert_eq!(c.serial_hex(), key(&v, "java_sm2_merchant_cert_serial"));
    let from_cert = c.sm2_public().unwrap();
    let private = Sm2Private::parse(key(&v, "java_sm2_merchant_private_key_pkcs8_pem")).unwrap();
    assert_eq!(private.public(), from_cert);
    assert!(c.rsa_public().is_err());
    // Issued by an iTrusChina test CA we do not have: not self-signed.
    assert!(!c.verify_signed_by(&c));
}

#[test]
fn pkcs8_key_reads_from_pem_and_from_bare_base64() {
    let v = wechat();
    let pem = key(&v, "go_test_rsa2048_private_key_pkcs8_pem");
    let bare: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let from_bare = RsaPrivate::parse(&bare).unwrap();
    assert_eq!(from_bare.public(), go_key().public());
}

// ---- sha256withrsa_sign ----

#[test]
fn go_signer_source() {
    let v = wechat();
    let e = entry(&v, "sha256withrsa_sign", "go-signer-source");
    assert_eq!(s(e, "/private_key"), "go_test_rsa2048_private_key_pkcs8_pem");
    let key = RsaPrivate::parse(key(&v, s(e, "/private_key"))).unwrap();
    let sig = key.sign_base64(RsaDigest::Sha256, s(e, "/message").as_bytes()).unwrap();
    assert_eq!(sig, s(e, "/expected_signature"));
    let verifier = cert(s(e, "/verify_cert")).rsa_public().unwrap();
    assert!(verifier.verify_base64(RsaDigest::Sha256, s(e, "/message").as_bytes(), &sig));
}

#[test]
fn go_verifier_negative() {
    let v = wechat();
    let e = entry(&v, "sha256withrsa_sign", "go-verifier-negative");
    let verifier = cert(s(e, "/verify_cert")).rsa_public().unwrap();
    assert_eq!(e["expected_valid"], false);
    assert!(!verifier.verify_base64(RsaDigest::Sha256, s(e, "/message").as_bytes(), s(e, "/signature")));
}

// ---- authorization_header (message formats and derived signatures) ----

#[test]
fn request_messages_are_the_wechat_string_to_sign() {
    let v = wechat();
    for id in ["go-credential-get-nobody", "go-credential-post-body"] {
        let e = entry(&v, "authorization_header", id);
        let message = request_string_to_sign(
            s(e, "/method"),
            s(e, "/canonical_url"),
            &e["timestamp"].as_i64().unwrap().to_string(),
            s(e, "/nonce"),
            s(e, "/body").as_bytes(),
        );
        assert_eq!(message, s(e, "/expected_message").as_bytes(), "{id}");
    }
    let e = entry(&v, "authorization_header", "java-credential-get-query");
    let uri = s(e, "/request_uri");
    let path_and_query = &uri[uri.find("/v3/").unwrap()..];
    let message = request_string_to_sign(
        s(e, "/method"),
        path_and_query,
        &e["timestamp"].as_i64().unwrap().to_string(),
        s(e, "/nonce"),
        s(e, "/body").as_bytes(),
    );
    assert_eq!(message, s(e, "/expected_message").as_bytes());
}

#[test]
fn derived_real_signature_get() {
    let v = wechat();
    let e = entry(&v, "authorization_header", "derived-real-signature-get");
    let sig = go_key()
        .sign_base64(RsaDigest::Sha256, s(e, "/message").as_bytes())
        .unwrap();
    assert_eq!(sig, s(e, "/expected_signature"));
    let header = s(e, "/expected_header");
    assert!(header.contains(&format!("signature=\"{sig}\"")));
    // The serial in the header is the one we compute from the certificate.
    let serial = cert("go_test_cert_serial_F5765756002FDD77_pem").serial_hex();
    assert_eq!(serial, s(e, "/serial_no"));
    assert!(header.contains(&format!("serial_no=\"{serial}\"")));
}

#[test]
fn derived_real_signature_post_jsapi() {
    let v = wechat();
    let e = entry(&v, "authorization_header", "derived-real-signature-post-jsapi");
    let key = go_key();
    let sig = key.sign_base64(RsaDigest::Sha256, s(e, "/message").as_bytes()).unwrap();
    assert_eq!(sig, s(e, "/expected_signature"));
    assert!(
        key.public()
            .verify_base64(RsaDigest::Sha256, s(e, "/message").as_bytes(), &sig)
    );
}

// ---- response_and_notification_verification (format) ----

#[test]
fn verification_message_is_the_webhook_string_shape() {
    let v = wechat();
    let e = entry(
        &v,
        "response_and_notification_verification",
        "go-validator-message-format",
    );
    let ts = "1624523846";
    assert_eq!(
        webhook_string_to_sign(ts, "NONCE1234567890", b"BODY"),
        s(e, "/example_message_body_BODY").replace("<ts>", ts).as_bytes()
    );
    assert_eq!(
        webhook_string_to_sign(ts, "NONCE1234567890", b""),
        s(e, "/example_message_empty_body").replace("<ts>", ts).as_bytes()
    );
}

// ---- aead_aes_256_gcm ----

#[test]
fn go_utils_aes_is_aes128_and_rejects_wrong_key_or_ciphertext() {
    let v = wechat();
    let e = entry(&v, "aead_aes_256_gcm", "go-utils-aes");
    let (k, n, aad) = (s(e, "/key"), s(e, "/nonce"), s(e, "/associated_data"));
    assert_eq!(k.len(), 16);
    let ct = b64(s(e, "/ciphertext"));
    let pt = aes128_gcm_decrypt(k.as_bytes(), n.as_bytes(), aad.as_bytes(), &ct).unwrap();
    assert_eq!(pt, s(e, "/plaintext").as_bytes());
    assert_eq!(
        aes128_gcm_encrypt(k.as_bytes(), n.as_bytes(), aad.as_bytes(), &pt).unwrap(),
        ct
    );
    // A 16-byte key is not an AES-256 key.
    assert_eq!(
        aes256_gcm_decrypt(k.as_bytes(), n.as_bytes(), aad.as_bytes(), &ct),
        Err(KeyError::BadLength("key"))
    );
    let negatives = e["negative"].as_array().unwrap();
    let wrong_key = s(&negatives[0], "/key");
    assert_eq!(
        aes128_gcm_decrypt(wrong_key.as_bytes(), n.as_bytes(), aad.as_bytes(), &ct),
        Err(KeyError::DecryptFailed)
    );
    let wrong_ct = b64(s(&negatives[1], "/ciphertext"));
    assert_eq!(
        aes128_gcm_decrypt(k.as_bytes(), n.as_bytes(), aad.as_bytes(), &wrong_ct),
        Err(KeyError::DecryptFailed)
    );
}

#[test]
fn go_notify_resource() {
    let v = wechat();
    let e = entry(&v, "aead_aes_256_gcm", "go-notify-resource");
    let pt = aes128_gcm_decrypt(
        s(e, "/key").as_bytes(),
        s(e, "/nonce").as_bytes(),
        s(e, "/associated_data").as_bytes(),
        &b64(s(e, "/ciphertext")),
    )
    .unwrap();
    assert_eq!(pt, s(e, "/plaintext").as_bytes());
}

#[test]
fn java_aead_aes_cipher_encrypts_and_decrypts() {
    let v = wechat();
    let e = entry(&v, "aead_aes_256_gcm", "java-aead-aes-cipher");
    let (k, n, aad) = (s(e, "/key"), s(e, "/nonce"), s(e, "/associated_data"));
    assert_eq!(k.len(), 32);
    let ct = b64(s(e, "/ciphertext"));
    let encrypted = aes256_gcm_encrypt(
        k.as_bytes(),
        n.as_bytes(),
        aad.as_bytes(),
        s(e, "/plaintext").as_bytes(),
    );
    assert_eq!(encrypted.unwrap(), ct);
    let pt = aes256_gcm_decrypt(k.as_bytes(), n.as_bytes(), aad.as_bytes(), &ct).unwrap();
    assert_eq!(pt, s(e, "/plaintext").as_bytes());
    let negatives = e["negative"].as_array().unwrap();
    let bad_aad = s(&negatives[0], "/associated_data");
    assert_eq!(
        aes256_gcm_decrypt(k.as_bytes(), n.as_bytes(), bad_aad.as_bytes(), &ct),
        Err(KeyError::DecryptFailed)
    );
    let bad_nonce = s(&negatives[1], "/nonce");
    assert_eq!(
        aes256_gcm_decrypt(k.as_bytes(), bad_nonce.as_bytes(), aad.as_bytes(), &ct),
        Err(KeyError::DecryptFailed)
    );
}

#[test]
fn java_certificate_download_decrypts_to_the_platform_certificate() {
    let v = wechat();
    let e = entry(&v, "aead_aes_256_gcm", "java-certificate-download");
    let pt = aes256_gcm_decrypt(
        s(e, "/key").as_bytes(),
        s(e, "/nonce").as_bytes(),
        s(e, "/associated_data").as_bytes(),
        &b64(s(e, "/ciphertext")),
    )
    .unwrap();
    assert_eq!(pt, s(e, "/plaintext").as_bytes());
    let c = Certificate::parse(std::str::from_utf8(&pt).unwrap()).unwrap();
    assert_eq!(c.serial_hex(), s(e, "/serial_no"));
    assert_eq!(c.not_before(), unix(s(e, "/effective_time")));
    assert_eq!(c.not_after(), unix(s(e, "/expire_time")));
    assert!(c.is_valid_at(unix(s(e, "/effective_time"))));
    assert!(!c.is_valid_at(unix(s(e, "/expire_time")) + 1));
    assert!(c.subject().contains("CN=Tenpay.com sign"));
    assert!(c.rsa_public().is_ok());
}

// ---- rsa_oaep_sensitive_field ----

#[test]
fn go_decryptor_oaep_sha1() {
    let v = wechat();
    let e = entry(&v, "rsa_oaep_sensitive_field", "go-decryptor");
    let key = RsaPrivate::parse(key(&v, s(e, "/private_key"))).unwrap();
    let pt = decrypt_oaep_sha1(&key, &b64(s(e, "/ciphertext"))).unwrap();
    assert_eq!(pt, s(e, "/plaintext").as_bytes());
    // And the other direction, encrypting under the platform certificate.
    let public = cert("go_test_cert_serial_F5765756002FDD77_pem").rsa_public().unwrap();
    let ct = encrypt_oaep_sha1_base64(&public, b"hello world").unwrap();
    assert_ne!(ct, s(e, "/ciphertext"), "OAEP is randomised");
    assert_eq!(decrypt_oaep_sha1_base64(&key, &ct).unwrap(), b"hello world");
    let mut tampered = b64(s(e, "/ciphertext"));
    tampered[10] ^= 1;
    assert_eq!(decrypt_oaep_sha1(&key, &tampered), Err(KeyError::DecryptFailed));
}

// ---- client_pay_sign_messages ----

#[test]
fn jsapi_request_payment_pay_sign() {
    let v = wechat();
    let e = entry(&v, "client_pay_sign_messages", "jsapi-requestPayment");
    let key = RsaPrivate::parse(key(&v, s(e, "/private_key"))).unwrap();
    let sig = key
        .sign_base64(RsaDigest::Sha256, s(e, "/example_message").as_bytes())
        .unwrap();
    assert_eq!(sig, s(e, "/expected_paySign_derived"));
}

// ---- shangmi_sm2_sm3_sm4 ----

#[test]
fn java_sm4_gcm() {
    let v = wechat();
    let e = entry(&v, "shangmi_sm2_sm3_sm4", "java-sm4-gcm");
    let key = wechat_sm4_key(s(e, "/apiv3_key").as_bytes());
    assert_eq!(hex::encode(*key), s(e, "/derived_sm4_key_hex"));
    let (n, aad) = (s(e, "/nonce").as_bytes(), s(e, "/associated_data").as_bytes());
    let ct = b64(s(e, "/ciphertext"));
    assert_eq!(
        sm4_gcm_decrypt(&*key, n, aad, &ct).unwrap(),
        s(e, "/plaintext").as_bytes()
    );
    assert_eq!(
        sm4_gcm_encrypt(&*key, n, aad, s(e, "/plaintext").as_bytes()).unwrap(),
        ct
    );
    let negative = b64(s(e, "/negative_ciphertext"));
    assert_eq!(sm4_gcm_decrypt(&*key, n, aad, &negative), Err(KeyError::DecryptFailed));
}

#[test]
fn java_sm2_with_sm3_signature() {
    let v = wechat();
    let e = entry(&v, "shangmi_sm2_sm3_sm4", "java-sm2-with-sm3-signature");
    let from_hex = Sm2Public::parse(s(e, "/public_key_sec1_hex")).unwrap();
    let from_cert = cert(s(e, "/cert")).sm2_public().unwrap();
    assert_eq!(from_hex, from_cert);
    let (msg, sig) = (s(e, "/message").as_bytes(), s(e, "/signature"));
    assert_eq!(e["expected_valid"], true);
    assert!(from_hex.verify_sm3_base64(msg, sig, DEFAULT_SM2_USER_ID));
    assert!(!from_hex.verify_sm3_base64(s(e, "/negative_message").as_bytes(), sig, DEFAULT_SM2_USER_ID));
    assert!(!from_hex.verify_sm3_base64(msg, sig, "another-user-id"));
    // Our own signature with the matching private key verifies under the
    // published public key (SM2 signatures are randomised, so no byte match).
    let private = Sm2Private::parse(key(&v, "java_sm2_merchant_private_key_pkcs8_pem")).unwrap();
    let ours = private.sign_sm3_base64(msg, DEFAULT_SM2_USER_ID).unwrap();
    assert!(from_cert.verify_sm3_base64(msg, &ours, DEFAULT_SM2_USER_ID));
    // The public key also reads as base64 of the 65-byte point.
    let point_b64 = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        from_hex.to_sec1_uncompressed(),
    );
    assert_eq!(Sm2Public::parse(&point_b64).unwrap(), from_hex);
}

#[test]
fn java_sm2_privacy_decrypt() {
    let v = wechat();
    let e = entry(&v, "shangmi_sm2_sm3_sm4", "java-sm2-privacy-decrypt");
    let key = Sm2Private::parse(key(&v, s(e, "/private_key"))).unwrap();
    let ct = b64(s(e, "/ciphertext"));
    assert_eq!(sm2_decrypt(&key, &ct).unwrap(), s(e, "/plaintext").as_bytes());
    let mut tampered = ct.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x01;
    assert_eq!(sm2_decrypt(&key, &tampered), Err(KeyError::DecryptFailed));
    // Round trip under the certificate's key.
    let public = cert("java_sm2_merchant_cert_pem").sm2_public().unwrap();
    let ours = juhe_crypto::sm2_pke::sm2_encrypt(&public, "张三".as_bytes()).unwrap();
    assert_eq!(sm2_decrypt(&key, &ours).unwrap(), "张三".as_bytes());
}

#[test]
fn rsa_public_parse_rejects_an_sm2_key_and_vice_versa() {
    let v = wechat();
    let sm2_pem = key(&v, "java_sm2_merchant_private_key_pkcs8_pem");
    assert!(RsaPrivate::parse(sm2_pem).is_err());
    assert!(Sm2Private::parse(key(&v, "go_test_rsa2048_private_key_pkcs8_pem")).is_err());
    let spki = cert("go_test_cert_serial_F5765756002FDD77_pem")
        .public_key_der()
        .unwrap();
    assert!(RsaPublic::from_der(&spki).is_ok());
    assert!(Sm2Public::from_der(&spki).is_err());
}
