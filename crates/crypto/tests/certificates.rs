//! Certificate chains as UnionPay ships them (`signPubKeyCert` → middle →
//! root) and SM2 certificates, on fixtures made with OpenSSL 3.0 (see
//! `fixtures/README.md`); OpenSSL's `openssl verify` accepts both chains.

use juhe_crypto::{Certificate, KeyError};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn cert(name: &str) -> Certificate {
    Certificate::parse(&fixture(name)).unwrap()
}

#[test]
fn rsa_chain_verifies_up_to_the_root() {
    let (root, middle, leaf) = (cert("rsa_root.pem"), cert("rsa_middle.pem"), cert("rsa_leaf.pem"));
    assert!(root.verify_signed_by(&root));
    assert!(middle.verify_signed_by(&root));
    assert!(leaf.verify_signed_by(&middle));
    // Skipping a link or reversing one fails.
    assert!(!leaf.verify_signed_by(&root));
    assert!(!middle.verify_signed_by(&leaf));
    assert!(!root.verify_signed_by(&middle));
    assert!(leaf.subject().contains("O=China Union Pay"));
    assert!(leaf.issuer().contains("CN=Juhe Test RSA Middle"));
    assert_eq!(leaf.common_name().as_deref(), Some("Juhe Test Sign"));
    assert_eq!(
        cert("sm2_root.pem").common_name().as_deref(),
        Some("Juhe Test SM2 Root")
    );
}

#[test]
fn certid_is_the_decimal_serial() {
    // Issued with `-set_serial 69629715588`, the certId in the ACP vectors.
    let leaf = cert("rsa_leaf.pem");
    assert_eq!(leaf.serial_decimal(), "69629715588");
    assert_eq!(leaf.serial_hex(), format!("{:X}", 69629715588u64));
}

#[test]
fn der_and_pem_give_the_same_certificate() {
    let der = std::fs::read(format!("{}/tests/fixtures/rsa_leaf.der", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let from_der = Certificate::from_der(&der).unwrap();
    let from_pem = cert("rsa_leaf.pem");
    assert_eq!(from_der.serial_hex(), from_pem.serial_hex());
    assert_eq!(from_der.rsa_public().unwrap(), from_pem.rsa_public().unwrap());
    assert_eq!(from_der.not_after(), from_pem.not_after());
    // One-line PEM, and bare base64 of the DER.
    let pem = fixture("rsa_leaf.pem");
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let one_line = format!("-----BEGIN CERTIFICATE-----{body}-----END CERTIFICATE-----");
    assert_eq!(
        Certificate::parse(&one_line).unwrap().serial_hex(),
        from_pem.serial_hex()
    );
    assert_eq!(Certificate::parse(&body).unwrap().serial_hex(), from_pem.serial_hex());
}

#[test]
fn tampered_certificate_fails_its_signature() {
    let middle = cert("rsa_middle.pem");
    let mut der = std::fs::read(format!("{}/tests/fixtures/rsa_leaf.der", env!("CARGO_MANIFEST_DIR"))).unwrap();
    // Flip a byte inside the subject's organisation name ("China Union Pay").
    let at = der.windows(5).position(|w| w == b"Union").unwrap();
    der[at] = b'X';
    let tampered = Certificate::from_der(&der).unwrap();
    assert!(!tampered.verify_signed_by(&middle));
}

#[test]
fn sm2_chain_verifies_with_sm3_and_the_default_user_id() {
    let (root, leaf) = (cert("sm2_root.pem"), cert("sm2_leaf.pem"));
    assert!(root.verify_signed_by(&root));
    assert!(leaf.verify_signed_by(&root));
    assert!(!root.verify_signed_by(&leaf));
    assert!(leaf.sm2_public().is_ok());
    assert_eq!(leaf.rsa_public().unwrap_err(), KeyError::Unrecognised("RSA public"));
    // An RSA issuer cannot have signed an SM2 certificate.
    assert!(!leaf.verify_signed_by(&cert("rsa_root.pem")));
}

#[test]
fn serial_hex_drops_leading_zero_nibbles_like_wechat() {
    // Issued with `-set_serial 0x0ABCDEF`; Java BigInteger.toString(16) and
    // Go %X both print ABCDEF.
    assert_eq!(cert("sm2_root.pem").serial_hex(), "ABCDEF");
    assert_eq!(cert("sm2_root.pem").serial_decimal(), 0xABCDEFu32.to_string());
    assert_eq!(cert("sm2_leaf.pem").serial_decimal(), "4242");
}

#[test]
fn not_a_certificate() {
    assert_eq!(Certificate::parse("").unwrap_err(), KeyError::NotBase64);
    assert_eq!(Certificate::parse("AAEC").unwrap_err(), KeyError::NotACertificate);
    let key = fixture("rsa_root.pem").replace("CERTIFICATE", "PUBLIC KEY");
    assert!(Certificate::parse(&key).is_ok(), "the label is not what decides");
}
