//! The derived known-answer vector (`fixtures/vector_seal.json`, computed
//! independently with the openssl CLI): signing and sealing must produce it
//! byte for byte, and opening must accept it.

mod common;

use common::fixture;
use juhe_channel_jdpay::protocol::envelope;
use juhe_channel_jdpay::protocol::{JdXml, des3, sign};
use juhe_crypto::{RsaPrivate, RsaPublic};

fn vector() -> serde_json::Value {
    serde_json::from_str(&fixture("vector_seal.json")).unwrap()
}

#[test]
fn signature_matches_the_vector() {
    let v = vector();
    let key = RsaPrivate::parse(&fixture("merchant_private.pem")).unwrap();
    let plain = v["plain_xml"].as_str().unwrap();
    assert_eq!(sign::sign(&key, plain).unwrap(), v["sign"].as_str().unwrap());
    let public = RsaPublic::parse(&fixture("merchant_public.pem")).unwrap();
    assert!(sign::verify(&public, plain, v["sign"].as_str().unwrap()));
    assert!(!sign::verify(
        &public,
        &plain.replace("0055", "0056"),
        v["sign"].as_str().unwrap()
    ));
}

#[test]
fn sealing_matches_the_vector_and_opens() {
    let v = vector();
    let key = RsaPrivate::parse(&fixture("merchant_private.pem")).unwrap();
    let des_key = des3::parse_key(&fixture("des_key.txt")).unwrap();
    let doc = JdXml::parse(v["plain_xml"].as_str().unwrap()).unwrap();
    assert_eq!(doc.render(), v["plain_xml"].as_str().unwrap());
    let sealed = envelope::seal(&doc, &des_key, &key).unwrap();
    assert_eq!(sealed, v["encrypt"].as_str().unwrap());
    let public = RsaPublic::parse(&fixture("merchant_public.pem")).unwrap();
    let opened = envelope::open(v["encrypt"].as_str().unwrap(), &des_key, &public).unwrap();
    assert_eq!(opened, doc);
    // Another verifier key: refused.
    let other = RsaPublic::parse(&fixture("jd_public.pem")).unwrap();
    assert!(envelope::open(v["encrypt"].as_str().unwrap(), &des_key, &other).is_err());
}
