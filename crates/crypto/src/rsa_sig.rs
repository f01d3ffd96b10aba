//! RSA keys and RSASSA-PKCS1-v1_5 signatures: SHA256withRSA (WeChat Pay v3,
//! Alipay RSA2, UnionPay signMethod 01, the merchant API's RSA scheme) and
//! SHA1withRSA (Alipay's legacy `RSA`).
//!
//! Note: the `rsa` crate's private-key operations are subject to
//! RUSTSEC-2023-0071 (a timing side channel, no fixed release). Signing here
//! runs on juhe's own hosts, never as an oracle for remote callers' chosen
//! ciphertexts; verification uses public keys only.

use crate::key_text::{KeyError, der_bytes};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs1v15::Pkcs1v15Sign;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};

/// Which digest the PKCS#1 v1.5 signature is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RsaDigest {
    Sha256,
    Sha1,
}

impl RsaDigest {
    fn scheme_and_hash(self, message: &[u8]) -> (Pkcs1v15Sign, Vec<u8>) {
        match self {
            RsaDigest::Sha256 => (Pkcs1v15Sign::new::<Sha256>(), Sha256::digest(message).to_vec()),
            RsaDigest::Sha1 => (Pkcs1v15Sign::new::<sha1::Sha1>(), sha1::Sha1::digest(message).to_vec()),
        }
    }
}

/// An RSA private key. `Debug` never prints key material.
#[derive(Clone)]
pub struct RsaPrivate(RsaPrivateKey);

impl std::fmt::Debug for RsaPrivate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RsaPrivate(..)")
    }
}

impl RsaPrivate {
    /// Reads PKCS#8 or PKCS#1, in PEM (any line layout) or bare base64.
    pub fn parse(text: &str) -> Result<RsaPrivate, KeyError> {
        let der = der_bytes(text)?;
        RsaPrivateKey::from_pkcs8_der(&der)
            .or_else(|_| RsaPrivateKey::from_pkcs1_der(&der))
            .map(RsaPrivate)
            .map_err(|_| KeyError::Unrecognised("RSA private"))
    }

    pub fn public(&self) -> RsaPublic {
        RsaPublic(self.0.to_public_key())
    }

    /// Raw PKCS#1 v1.5 signature bytes.
    pub fn sign(&self, digest: RsaDigest, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let (scheme, hashed) = digest.scheme_and_hash(message);
        self.0.sign(scheme, &hashed).map_err(|_| KeyError::SignFailed)
    }

    /// Standard base64 (with padding) of the signature, as every channel sends it.
    pub fn sign_base64(&self, digest: RsaDigest, message: &[u8]) -> Result<String, KeyError> {
        Ok(STANDARD.encode(self.sign(digest, message)?))
    }

    pub fn inner(&self) -> &RsaPrivateKey {
        &self.0
    }
}

/// An RSA public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RsaPublic(RsaPublicKey);

impl RsaPublic {
    /// Reads SPKI (`PUBLIC KEY`) or PKCS#1 (`RSA PUBLIC KEY`), in PEM or bare
    /// base64. Certificates are read by `x509` and give their key through it.
    pub fn parse(text: &str) -> Result<RsaPublic, KeyError> {
        let der = der_bytes(text)?;
        Self::from_der(&der)
    }

    pub fn from_der(der: &[u8]) -> Result<RsaPublic, KeyError> {
        RsaPublicKey::from_public_key_der(der)
            .or_else(|_| RsaPublicKey::from_pkcs1_der(der))
            .map(RsaPublic)
            .map_err(|_| KeyError::Unrecognised("RSA public"))
    }

    pub fn from_key(key: RsaPublicKey) -> RsaPublic {
        RsaPublic(key)
    }

    pub fn verify(&self, digest: RsaDigest, message: &[u8], signature: &[u8]) -> bool {
        let (scheme, hashed) = digest.scheme_and_hash(message);
        self.0.verify(scheme, &hashed, signature).is_ok()
    }

    /// Verifies a standard-base64 signature; anything undecodable is simply invalid.
    pub fn verify_base64(&self, digest: RsaDigest, message: &[u8], signature_b64: &str) -> bool {
        match STANDARD.decode(signature_b64.trim()) {
            Ok(sig) => self.verify(digest, message, &sig),
            Err(_) => false,
        }
    }

    pub fn inner(&self) -> &RsaPublicKey {
        &self.0
    }
}
