//! JD Pay's signature (IJPay `VerifySignatureUtl`): the lowercase hex
//! SHA-256 of the canonical XML (without `<sign>`), "encrypted" with the
//! RSA private key under PKCS#1 v1.5 padding — which is a PKCS#1 v1.5
//! signature of those 64 ASCII bytes with no DigestInfo prefix — base64.

use crate::protocol::error::ProtocolError;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use juhe_crypto::{RsaPrivate, RsaPublic};
use rsa::Pkcs1v15Sign;
use sha2::{Digest, Sha256};

fn digest_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

pub fn sign(key: &RsaPrivate, canonical_xml: &str) -> Result<String, ProtocolError> {
    let signature = key
        .inner()
        .sign(Pkcs1v15Sign::new_unprefixed(), digest_hex(canonical_xml).as_bytes())
        .map_err(|_| ProtocolError::Key("RSA signing failed".into()))?;
    Ok(STANDARD.encode(signature))
}

pub fn verify(key: &RsaPublic, canonical_xml: &str, signature_b64: &str) -> bool {
    let Ok(signature) = STANDARD.decode(signature_b64.trim()) else {
        return false;
    };
    key.inner()
        .verify(
            Pkcs1v15Sign::new_unprefixed(),
            digest_hex(canonical_xml).as_bytes(),
            &signature,
        )
        .is_ok()
}
