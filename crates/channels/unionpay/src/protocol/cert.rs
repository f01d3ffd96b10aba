//! X.509 as ACP 5.1.0 uses it: the merchant's `certId` is the decimal serial
//! of its signing certificate, and every answer or notification carries
//! UnionPay's signing certificate (`signPubKeyCert`), which is trusted only
//! once it chains to the configured root through the configured middle
//! certificate and names 中国银联股份有限公司 in its CN — the checks the
//! ACP SDK's `CertUtil.verifyCertificate` makes.
//!
//! Certificates are `juhe_crypto::x509::Certificate`; the chain policy
//! (which certificates, the CN rule) is UnionPay's and lives here.

use juhe_crypto::RsaPublic;
pub use juhe_crypto::x509::Certificate;

/// The organisation UnionPay's signing certificates name in their CN
/// (`…@…@中国银联股份有限公司@…`).
pub const UNIONPAY_CN_NAME: &str = "中国银联股份有限公司";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    #[error("certificate text is not PEM or base64 DER")]
    Encoding,
    #[error("certificate is not valid X.509")]
    Malformed,
    #[error("certificate key is not RSA")]
    NotRsa,
    #[error("certificate is not issued by the expected issuer")]
    WrongIssuer,
    #[error("certificate signature does not verify")]
    BadSignature,
    #[error("certificate is outside its validity period")]
    Expired,
    #[error("certificate does not name UnionPay in its common name")]
    NotUnionPay,
}

/// Checks that `issuer` issued and signed `cert`.
fn check_issued_by(cert: &Certificate, issuer: &Certificate) -> Result<(), CertError> {
    if cert.verify_signed_by(issuer) {
        Ok(())
    } else if cert.issuer() != issuer.subject() {
        Err(CertError::WrongIssuer)
    } else {
        Err(CertError::BadSignature)
    }
}

/// Reads a certificate, classifying failures for the chain's errors.
pub fn parse_certificate(text: &str) -> Result<Certificate, CertError> {
    Certificate::parse(text).map_err(|e| match e {
        juhe_crypto::KeyError::NotBase64 => CertError::Encoding,
        _ => CertError::Malformed,
    })
}

pub fn rsa_public(cert: &Certificate) -> Result<RsaPublic, CertError> {
    cert.rsa_public().map_err(|_| CertError::NotRsa)
}

/// UnionPay's root and middle certificates, as configured by the merchant.
#[derive(Clone)]
pub struct TrustChain {
    root: Certificate,
    middle: Certificate,
}

impl std::fmt::Debug for TrustChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustChain")
            .field("root", &self.root.subject())
            .field("middle", &self.middle.subject())
            .finish()
    }
}

impl TrustChain {
    pub fn new(root: Certificate, middle: Certificate) -> TrustChain {
        TrustChain { root, middle }
    }

    pub fn parse(root_pem: &str, middle_pem: &str) -> Result<TrustChain, CertError> {
        Ok(TrustChain::new(
            parse_certificate(root_pem)?,
            parse_certificate(middle_pem)?,
        ))
    }

    /// The public key of a `signPubKeyCert`, once it is proven to be
    /// UnionPay's: root self-signed, middle issued by root, leaf issued by
    /// middle, all valid now, and the leaf's CN naming UnionPay.
    pub fn verify_signing_cert(&self, leaf: &Certificate, now_s: i64) -> Result<RsaPublic, CertError> {
        check_issued_by(&self.root, &self.root)?;
        check_issued_by(&self.middle, &self.root)?;
        check_issued_by(leaf, &self.middle)?;
        if !(self.root.is_valid_at(now_s) && self.middle.is_valid_at(now_s) && leaf.is_valid_at(now_s)) {
            return Err(CertError::Expired);
        }
        let names_unionpay = leaf
            .common_name()
            .is_some_and(|cn| cn.split('@').nth(2) == Some(UNIONPAY_CN_NAME));
        if !names_unionpay {
            return Err(CertError::NotUnionPay);
        }
        rsa_public(leaf)
    }
}
