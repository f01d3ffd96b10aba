//! Nothing in this crate may panic on hostile input: random bytes and text
//! thrown at every parser and decryptor, and single-byte corruptions of real
//! DER structures, must come back as errors or `false`.

use juhe_crypto::aead::{aes128_cbc_decrypt, aes256_gcm_decrypt, sm4_gcm_decrypt};
use juhe_crypto::key_text::der_bytes;
use juhe_crypto::sm::decode_der_signature;
use juhe_crypto::sm2_pke::sm2_decrypt;
use juhe_crypto::{AuthScheme, Certificate, DEFAULT_SM2_USER_ID, RsaPrivate, RsaPublic, Sm2Private, Sm2Public};
use proptest::prelude::*;

const CERT_DER: &[u8] = include_bytes!("fixtures/rsa_leaf.der");
const SM2_CERT_PEM: &str = include_str!("fixtures/sm2_leaf.pem");

fn sm2_key() -> Sm2Private {
    Sm2Private::parse(&"5a".repeat(32)).unwrap()
}

fn base64_text(bytes: &[u8]) -> String {
    base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn text_parsers_never_panic(text in ".{0,300}") {
        let _ = der_bytes(&text);
        let _ = RsaPrivate::parse(&text);
        let _ = RsaPublic::parse(&text);
        let _ = Sm2Private::parse(&text);
        let _ = Sm2Public::parse(&text);
        let _ = Certificate::parse(&text);
        let _ = AuthScheme::parse(&text);
    }

    #[test]
    fn der_parsers_never_panic_on_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = RsaPublic::from_der(&bytes);
        let _ = Sm2Private::from_der(&bytes);
        let _ = Sm2Public::from_der(&bytes);
        let _ = Sm2Public::from_sec1_bytes(&bytes);
        let _ = Certificate::from_der(&bytes);
        let _ = decode_der_signature(&bytes);
        // The same bytes as base64 text reach the structure parsers.
        let text = base64_text(&bytes);
        let _ = RsaPrivate::parse(&text);
        let _ = Sm2Public::parse(&text);
        let _ = Certificate::parse(&format!("-----BEGIN CERTIFICATE-----\n{text}\n-----END CERTIFICATE-----"));
    }

    #[test]
    fn corrupted_certificates_never_panic(at in 0..CERT_DER.len(), byte in any::<u8>(), cut in 0..CERT_DER.len()) {
        let mut der = CERT_DER.to_vec();
        der[at] = byte;
        if let Ok(cert) = Certificate::from_der(&der) {
            let _ = (cert.serial_hex(), cert.serial_decimal(), cert.not_before(), cert.not_after());
            let _ = (cert.rsa_public(), cert.sm2_public(), cert.subject());
            let _ = cert.verify_signed_by(&cert);
        }
        let _ = Certificate::from_der(&CERT_DER[..cut]);
    }

    #[test]
    fn decryptors_and_verifiers_never_panic(
        key in proptest::collection::vec(any::<u8>(), 0..40),
        nonce in proptest::collection::vec(any::<u8>(), 0..16),
        data in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let _ = aes256_gcm_decrypt(&key, &nonce, b"", &data);
        let _ = sm4_gcm_decrypt(&key, &nonce, b"", &data);
        let _ = aes128_cbc_decrypt(&key, &data);
        prop_assert!(sm2_decrypt(&sm2_key(), &data).is_err());
        let public = sm2_key().public();
        prop_assert!(!public.verify_sm3(b"m", &data, DEFAULT_SM2_USER_ID));
        prop_assert!(!public.verify_sm3_raw(b"m", &data, DEFAULT_SM2_USER_ID));
        prop_assert!(!public.verify_sm3_base64(b"m", &String::from_utf8_lossy(&data), DEFAULT_SM2_USER_ID));
    }

    #[test]
    fn corrupted_sm2_ciphertexts_are_refused(at in 0usize..200, byte in any::<u8>()) {
        let key = sm2_key();
        let mut ct = juhe_crypto::sm2_pke::sm2_encrypt(&key.public(), b"payload").unwrap();
        let at = at % ct.len();
        prop_assume!(ct[at] != byte);
        ct[at] = byte;
        // Either the DER structure breaks, C1 leaves the curve, or the C3
        // hash no longer matches.
        prop_assert!(sm2_decrypt(&key, &ct).is_err());
    }
}

#[test]
fn sm2_certificate_parses_and_errors_are_typed() {
    let cert = Certificate::parse(SM2_CERT_PEM).unwrap();
    assert!(cert.sm2_public().is_ok());
    // Short, long and empty keys for every symmetric cipher are errors.
    for len in [0usize, 1, 15, 17, 31, 33, 64] {
        assert!(aes256_gcm_decrypt(&vec![0; len], &[0; 12], b"", &[0; 32]).is_err());
        assert!(sm4_gcm_decrypt(&vec![0; len], &[0; 12], b"", &[0; 32]).is_err());
    }
}
