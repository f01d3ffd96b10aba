//! The Chinese national (商密, "SM") algorithms: SM3 hashing, SM2 keys and
//! SM2-with-SM3 signatures (WeChat Pay `WECHATPAY2-SM2-WITH-SM3`, the merchant
//! API's `JUHE-SM2-WITH-SM3`, SM2 certificates). SM2 encryption lives in
//! `sm2_pke`.
//!
//! Signatures are DER `SEQUENCE { INTEGER r, INTEGER s }`, which is what
//! WeChat and the Java/BouncyCastle world send; the raw 64-byte `r‖s` form is
//! offered too for peers that use it.

use crate::key_text::{KeyError, der_bytes};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use der::asn1::UintRef;
use der::{Decode, Encode, Sequence};
use sm2::dsa::signature::{Signer, Verifier};
use sm2::dsa::{Signature, SigningKey, VerifyingKey};
use sm2::pkcs8::{DecodePrivateKey, DecodePublicKey};
use sm2::{PublicKey, SecretKey};
use sm3::{Digest, Sm3};

/// The user id (distinguishing identifier) every party uses unless agreed
/// otherwise (GM/T 0009: `1234567812345678`); WeChat Pay uses it.
pub const DEFAULT_SM2_USER_ID: &str = "1234567812345678";

pub fn sm3(data: &[u8]) -> [u8; 32] {
    Sm3::digest(data).into()
}

/// An SM2 private key. `Debug` never prints key material.
#[derive(Clone)]
pub struct Sm2Private(SecretKey);

impl std::fmt::Debug for Sm2Private {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sm2Private(..)")
    }
}

impl Sm2Private {
    /// Reads a PKCS#8 key (PEM in any layout, or bare base64), a SEC1
    /// `EC PRIVATE KEY`, or the raw 32-byte scalar in hex (as some Chinese
    /// SDKs hand it out).
    pub fn parse(text: &str) -> Result<Sm2Private, KeyError> {
        let trimmed = text.trim();
        if trimmed.len() == 64 && trimmed.bytes().all(|b| b.is_ascii_hexdigit()) {
            let raw = hex::decode(trimmed).map_err(|_| KeyError::Unrecognised("SM2 private"))?;
            return SecretKey::from_slice(&raw)
                .map(Sm2Private)
                .map_err(|_| KeyError::Unrecognised("SM2 private"));
        }
        Self::from_der(&der_bytes(text)?)
    }

    /// PKCS#8 or SEC1 DER.
    pub fn from_der(der: &[u8]) -> Result<Sm2Private, KeyError> {
        SecretKey::from_pkcs8_der(der)
            .or_else(|_| SecretKey::from_sec1_der(der))
            .map(Sm2Private)
            .map_err(|_| KeyError::Unrecognised("SM2 private"))
    }

    pub fn public(&self) -> Sm2Public {
        Sm2Public(self.0.public_key())
    }

    /// DER signature over `msg` with SM3 and the signer's user id.
    pub fn sign_sm3(&self, msg: &[u8], user_id: &str) -> Result<Vec<u8>, KeyError> {
        let raw = self.sign_sm3_raw(msg, user_id)?;
        encode_der_signature(&raw)
    }

    /// Raw `r‖s` (32 + 32 bytes) signature.
    pub fn sign_sm3_raw(&self, msg: &[u8], user_id: &str) -> Result<[u8; 64], KeyError> {
        let signer = SigningKey::new(user_id, &self.0).map_err(|_| KeyError::SignFailed)?;
        let signature: Signature = signer.try_sign(msg).map_err(|_| KeyError::SignFailed)?;
        Ok(signature.to_bytes())
    }

    /// Base64 of the DER signature, as WeChat puts it in `signature="…"`.
    pub fn sign_sm3_base64(&self, msg: &[u8], user_id: &str) -> Result<String, KeyError> {
        Ok(STANDARD.encode(self.sign_sm3(msg, user_id)?))
    }

    pub(crate) fn secret(&self) -> &SecretKey {
        &self.0
    }
}

/// An SM2 public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sm2Public(PublicKey);

impl Sm2Public {
    /// Reads SPKI (`PUBLIC KEY`, PEM any layout, or base64) or the 65-byte
    /// uncompressed point `04‖x‖y` in hex or base64.
    pub fn parse(text: &str) -> Result<Sm2Public, KeyError> {
        let trimmed = text.trim();
        if trimmed.len() == 130 && trimmed.bytes().all(|b| b.is_ascii_hexdigit()) {
            let raw = hex::decode(trimmed).map_err(|_| KeyError::Unrecognised("SM2 public"))?;
            return Self::from_sec1_bytes(&raw);
        }
        let der = der_bytes(text)?;
        if der.len() == 65 && der[0] == 0x04 {
            return Self::from_sec1_bytes(&der);
        }
        Self::from_der(&der)
    }

    /// SPKI DER.
    pub fn from_der(der: &[u8]) -> Result<Sm2Public, KeyError> {
        PublicKey::from_public_key_der(der)
            .map(Sm2Public)
            .map_err(|_| KeyError::Unrecognised("SM2 public"))
    }

    /// SEC1 point encoding (uncompressed `04‖x‖y`, or compressed).
    pub fn from_sec1_bytes(bytes: &[u8]) -> Result<Sm2Public, KeyError> {
        PublicKey::from_sec1_bytes(bytes)
            .map(Sm2Public)
            .map_err(|_| KeyError::Unrecognised("SM2 public"))
    }

    /// The 65-byte uncompressed point.
    pub fn to_sec1_uncompressed(&self) -> Vec<u8> {
        use sm2::elliptic_curve::sec1::ToEncodedPoint;
        self.0.to_encoded_point(false).as_bytes().to_vec()
    }

    /// Checks a DER signature; anything malformed is simply invalid.
    pub fn verify_sm3(&self, msg: &[u8], signature_der: &[u8], user_id: &str) -> bool {
        match decode_der_signature(signature_der) {
            Some(raw) => self.verify_sm3_raw(msg, &raw, user_id),
            None => false,
        }
    }

    /// Checks a raw `r‖s` signature.
    pub fn verify_sm3_raw(&self, msg: &[u8], signature_raw: &[u8], user_id: &str) -> bool {
        let Ok(signature) = Signature::from_slice(signature_raw) else {
            return false;
        };
        let Ok(verifier) = VerifyingKey::new(user_id, self.0) else {
            return false;
        };
        verifier.verify(msg, &signature).is_ok()
    }

    /// Checks a base64 DER signature.
    pub fn verify_sm3_base64(&self, msg: &[u8], signature_b64: &str, user_id: &str) -> bool {
        match STANDARD.decode(signature_b64.trim()) {
            Ok(sig) => self.verify_sm3(msg, &sig, user_id),
            Err(_) => false,
        }
    }

    pub(crate) fn point(&self) -> &PublicKey {
        &self.0
    }
}

#[derive(Sequence)]
struct DerSignature<'a> {
    r: UintRef<'a>,
    s: UintRef<'a>,
}

/// `r‖s` → DER; integers are minimal (leading zeros stripped, a zero byte
/// added when the top bit is set), as DER requires.
pub fn encode_der_signature(raw: &[u8; 64]) -> Result<Vec<u8>, KeyError> {
    let sig = DerSignature {
        r: UintRef::new(&raw[..32]).map_err(|_| KeyError::SignFailed)?,
        s: UintRef::new(&raw[32..]).map_err(|_| KeyError::SignFailed)?,
    };
    sig.to_der().map_err(|_| KeyError::SignFailed)
}

/// DER → `r‖s`, or `None` if it is not a well-formed pair of 256-bit integers.
pub fn decode_der_signature(der: &[u8]) -> Option<[u8; 64]> {
    let sig = DerSignature::from_der(der).ok()?;
    let mut raw = [0u8; 64];
    put_left_padded(&mut raw[..32], sig.r.as_bytes())?;
    put_left_padded(&mut raw[32..], sig.s.as_bytes())?;
    Some(raw)
}

/// Right-aligns `value` in `out`; `None` if it does not fit.
pub(crate) fn put_left_padded(out: &mut [u8], value: &[u8]) -> Option<()> {
    let start = out.len().checked_sub(value.len())?;
    out[start..].copy_from_slice(value);
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sm3_of_abc_is_the_standard_example() {
        // GM/T 0004-2012 Appendix A, example 1.
        assert_eq!(
            hex::encode(sm3(b"abc")),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }

    #[test]
    fn sign_verify_round_trip_in_both_encodings() {
        let key = Sm2Private::parse(&"11".repeat(32)).unwrap();
        let public = key.public();
        let der = key.sign_sm3(b"msg", DEFAULT_SM2_USER_ID).unwrap();
        assert!(public.verify_sm3(b"msg", &der, DEFAULT_SM2_USER_ID));
        assert!(!public.verify_sm3(b"msg2", &der, DEFAULT_SM2_USER_ID));
        assert!(!public.verify_sm3(b"msg", &der, "another-user-id"));
        let raw = decode_der_signature(&der).unwrap();
        assert!(public.verify_sm3_raw(b"msg", &raw, DEFAULT_SM2_USER_ID));
        assert_eq!(encode_der_signature(&raw).unwrap(), der);
        let b64 = key.sign_sm3_base64(b"msg", DEFAULT_SM2_USER_ID).unwrap();
        assert!(public.verify_sm3_base64(b"msg", &b64, DEFAULT_SM2_USER_ID));
        assert!(!public.verify_sm3_base64(b"msg", "***", DEFAULT_SM2_USER_ID));
        let hex_point = hex::encode(public.to_sec1_uncompressed());
        assert_eq!(Sm2Public::parse(&hex_point).unwrap(), public);
        assert_eq!(format!("{key:?}"), "Sm2Private(..)");
    }

    #[test]
    fn der_integers_are_minimal() {
        let mut raw = [0u8; 64];
        raw[31] = 1;
        raw[32] = 0x80;
        let der = encode_der_signature(&raw).unwrap();
        // SEQUENCE { INTEGER 1, INTEGER 0x00 0x80 … (33 bytes) }
        assert_eq!(&der[..5], &[0x30, 3 + 35, 0x02, 0x01, 0x01]);
        assert_eq!(&der[5..8], &[0x02, 33, 0x00]);
        assert_eq!(decode_der_signature(&der), Some(raw));
        assert_eq!(decode_der_signature(&der[..der.len() - 1]), None);
    }
}
