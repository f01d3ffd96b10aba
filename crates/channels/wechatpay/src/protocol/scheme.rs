//! The two signature schemes of API v3, chosen by the merchant's key:
//! `WECHATPAY2-SHA256-RSA2048` (SHA256withRSA, PKCS#1 v1.5) and the 国密
//! `WECHATPAY2-SM2-WITH-SM3` (SM2 over SM3 with the default user id
//! `1234567812345678`, the signature base64 of DER `SEQUENCE{r, s}`) —
//! wechatpay-java's `shangmi` extension. The signed messages are the same;
//! with SM2 the platform keys are SM2 certificates and encrypted resources
//! are `AEAD_SM4_GCM` instead of `AEAD_AES_256_GCM`.

use super::ProtocolError;
use juhe_crypto::x509::Certificate;
use juhe_crypto::{DEFAULT_SM2_USER_ID, RsaDigest, RsaPrivate, RsaPublic, Sm2Private, Sm2Public};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scheme {
    #[default]
    Rsa,
    Sm2,
}

impl Scheme {
    /// The `Authorization` scheme and `Wechatpay-Signature-Type` value.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Rsa => "WECHATPAY2-SHA256-RSA2048",
            Scheme::Sm2 => "WECHATPAY2-SM2-WITH-SM3",
        }
    }

    pub fn from_name(name: &str) -> Option<Scheme> {
        [Scheme::Rsa, Scheme::Sm2].into_iter().find(|s| s.name() == name)
    }

    /// The algorithm of the resources encrypted for this scheme.
    pub fn resource_algorithm(self) -> &'static str {
        match self {
            Scheme::Rsa => super::resource::ALGORITHM,
            Scheme::Sm2 => super::resource::SM4_ALGORITHM,
        }
    }
}

/// A key that signs (the merchant's API key; the platform's, sandbox side).
pub trait Signs {
    fn scheme(&self) -> Scheme;
    fn sign_base64(&self, message: &[u8]) -> Result<String, ProtocolError>;
}

/// A key that verifies (the platform's; the merchant's, sandbox side).
pub trait Verifies {
    fn verify_base64(&self, message: &[u8], signature: &str) -> bool;
}

impl Signs for RsaPrivate {
    fn scheme(&self) -> Scheme {
        Scheme::Rsa
    }
    fn sign_base64(&self, message: &[u8]) -> Result<String, ProtocolError> {
        Ok(RsaPrivate::sign_base64(self, RsaDigest::Sha256, message)?)
    }
}

impl Signs for Sm2Private {
    fn scheme(&self) -> Scheme {
        Scheme::Sm2
    }
    fn sign_base64(&self, message: &[u8]) -> Result<String, ProtocolError> {
        Ok(self.sign_sm3_base64(message, DEFAULT_SM2_USER_ID)?)
    }
}

impl Verifies for RsaPublic {
    fn verify_base64(&self, message: &[u8], signature: &str) -> bool {
        RsaPublic::verify_base64(self, RsaDigest::Sha256, message, signature)
    }
}

impl Verifies for Sm2Public {
    fn verify_base64(&self, message: &[u8], signature: &str) -> bool {
        self.verify_sm3_base64(message, signature, DEFAULT_SM2_USER_ID)
    }
}

/// A private key of either scheme.
#[derive(Clone)]
pub enum SigningKey {
    Rsa(Box<RsaPrivate>),
    Sm2(Sm2Private),
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({:?})", self.scheme())
    }
}

impl SigningKey {
    /// An RSA key (PKCS#8 / PKCS#1) or, failing that, an SM2 key (PKCS#8 / SEC1).
    pub fn parse(text: &str) -> Result<SigningKey, ProtocolError> {
        match RsaPrivate::parse(text) {
            Ok(key) => Ok(SigningKey::Rsa(Box::new(key))),
            Err(rsa) => Sm2Private::parse(text).map(SigningKey::Sm2).map_err(|_| rsa.into()),
        }
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        match self {
            SigningKey::Rsa(k) => VerifyingKey::Rsa(k.public()),
            SigningKey::Sm2(k) => VerifyingKey::Sm2(k.public()),
        }
    }
}

impl Signs for SigningKey {
    fn scheme(&self) -> Scheme {
        match self {
            SigningKey::Rsa(_) => Scheme::Rsa,
            SigningKey::Sm2(_) => Scheme::Sm2,
        }
    }
    fn sign_base64(&self, message: &[u8]) -> Result<String, ProtocolError> {
        match self {
            SigningKey::Rsa(k) => Signs::sign_base64(k.as_ref(), message),
            SigningKey::Sm2(k) => Signs::sign_base64(k, message),
        }
    }
}

/// A public key of either scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyingKey {
    Rsa(RsaPublic),
    Sm2(Sm2Public),
}

impl VerifyingKey {
    /// An RSA public key, an SM2 public key, or the key of a certificate.
    pub fn parse(text: &str) -> Result<VerifyingKey, ProtocolError> {
        if text.contains("BEGIN CERTIFICATE") {
            return VerifyingKey::of_certificate(&Certificate::parse(text)?);
        }
        match RsaPublic::parse(text) {
            Ok(key) => Ok(VerifyingKey::Rsa(key)),
            Err(rsa) => Sm2Public::parse(text).map(VerifyingKey::Sm2).map_err(|_| rsa.into()),
        }
    }

    pub fn of_certificate(cert: &Certificate) -> Result<VerifyingKey, ProtocolError> {
        match cert.rsa_public() {
            Ok(key) => Ok(VerifyingKey::Rsa(key)),
            Err(rsa) => cert.sm2_public().map(VerifyingKey::Sm2).map_err(|_| rsa.into()),
        }
    }

    pub fn scheme(&self) -> Scheme {
        match self {
            VerifyingKey::Rsa(_) => Scheme::Rsa,
            VerifyingKey::Sm2(_) => Scheme::Sm2,
        }
    }
}

impl From<RsaPublic> for VerifyingKey {
    fn from(key: RsaPublic) -> VerifyingKey {
        VerifyingKey::Rsa(key)
    }
}

impl From<Sm2Public> for VerifyingKey {
    fn from(key: Sm2Public) -> VerifyingKey {
        VerifyingKey::Sm2(key)
    }
}

impl Verifies for VerifyingKey {
    fn verify_base64(&self, message: &[u8], signature: &str) -> bool {
        match self {
            VerifyingKey::Rsa(k) => Verifies::verify_base64(k, message, signature),
            VerifyingKey::Sm2(k) => Verifies::verify_base64(k, message, signature),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// wechatpay-java's shangmi test vector: an SM2-with-SM3 signature (DER,
    /// default user id) over `message` by the test merchant's certificate key.
    #[test]
    fn the_java_sdks_sm2_signature_verifies() {
        let vectors: serde_json::Value =
            serde_json::from_str(include_str!("../../../../../vectors/wechatpay_v3.json")).unwrap();
        let cert = vectors["keys"]["java_sm2_merchant_cert_pem"].as_str().unwrap();
        let vector = vectors["shangmi_sm2_sm3_sm4"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["id"] == "java-sm2-with-sm3-signature")
            .unwrap();
        let key = VerifyingKey::parse(cert).unwrap();
        assert_eq!(key.scheme(), Scheme::Sm2);
        let signature = vector["signature"].as_str().unwrap();
        assert!(key.verify_base64(b"message", signature));
        assert!(!key.verify_base64(b"false-message", signature));
        // And a signature of ours verifies with the certificate's key.
        let private = SigningKey::parse(
            vectors["keys"]["java_sm2_merchant_private_key_pkcs8_pem"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(private.scheme(), Scheme::Sm2);
        let ours = private.sign_base64(b"ts\nnonce\nbody\n").unwrap();
        assert!(key.verify_base64(b"ts\nnonce\nbody\n", &ours));
        assert_eq!(Scheme::from_name("WECHATPAY2-SM2-WITH-SM3"), Some(Scheme::Sm2));
        assert_eq!(Scheme::from_name("WECHATPAY2-SHA256-RSA2048"), Some(Scheme::Rsa));
        assert_eq!(Scheme::from_name("HMAC"), None);
    }
}
