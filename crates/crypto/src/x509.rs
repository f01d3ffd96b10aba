//! X.509 certificates as channels ship them: WeChat Pay platform and
//! merchant certificates (identified by hex serial), UnionPay `signPubKeyCert`
//! (identified by decimal `certId`, verified up to a root), SM2 certificates.
//!
//! Parsing uses RustCrypto `x509-cert` with its lenient `Raw` profile (real
//! channel certificates are not always strictly RFC 5280, e.g. long serials).
//! The signature check runs over the *original* TBS bytes, not a re-encoding.

use crate::key_text::{KeyError, der_bytes};
use crate::rsa_sig::{RsaDigest, RsaPublic};
use crate::sm::{DEFAULT_SM2_USER_ID, Sm2Public};
use der::asn1::ObjectIdentifier;
use der::{Decode, Encode, Header, Reader, SliceReader};
use x509_cert::certificate::{CertificateInner, Raw};

const COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const SM2_WITH_SM3: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.501");

#[derive(Clone, Debug)]
pub struct Certificate {
    parsed: CertificateInner<Raw>,
    tbs_der: Vec<u8>,
}

impl Certificate {
    /// PEM (first block, any line layout) or bare base64 DER.
    pub fn parse(text: &str) -> Result<Certificate, KeyError> {
        let der = der_bytes(text)?;
        Self::from_der(&der)
    }

    pub fn from_der(der: &[u8]) -> Result<Certificate, KeyError> {
        let parsed = CertificateInner::<Raw>::from_der(der).map_err(|_| KeyError::NotACertificate)?;
        let tbs_der = tbs_bytes(der).ok_or(KeyError::NotACertificate)?;
        Ok(Certificate { parsed, tbs_der })
    }

    /// Upper-case hex of the serial without leading zeros, as WeChat shows
    /// it (Java `BigInteger.toString(16).toUpperCase()`, Go `%X`).
    pub fn serial_hex(&self) -> String {
        let hex = hex::encode_upper(self.parsed.tbs_certificate.serial_number.as_bytes());
        let trimmed = hex.trim_start_matches('0');
        if trimmed.is_empty() {
            "0".to_owned()
        } else {
            trimmed.to_owned()
        }
    }

    /// Decimal serial: UnionPay's `certId`.
    pub fn serial_decimal(&self) -> String {
        rsa::BigUint::from_bytes_be(self.parsed.tbs_certificate.serial_number.as_bytes()).to_string()
    }

    pub fn not_before(&self) -> i64 {
        unix_seconds(self.parsed.tbs_certificate.validity.not_before)
    }

    pub fn not_after(&self) -> i64 {
        unix_seconds(self.parsed.tbs_certificate.validity.not_after)
    }

    /// Whether `unix_seconds` falls within the validity period (inclusive).
    pub fn is_valid_at(&self, unix_seconds: i64) -> bool {
        self.not_before() <= unix_seconds && unix_seconds <= self.not_after()
    }

    /// DER of the SubjectPublicKeyInfo.
    pub fn public_key_der(&self) -> Result<Vec<u8>, KeyError> {
        self.parsed
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|_| KeyError::NotACertificate)
    }

    pub fn rsa_public(&self) -> Result<RsaPublic, KeyError> {
        RsaPublic::from_der(&self.public_key_der()?)
    }

    pub fn sm2_public(&self) -> Result<Sm2Public, KeyError> {
        Sm2Public::from_der(&self.public_key_der()?)
    }

    /// The subject as an RFC 4514 string (e.g. `CN=…,O=…`), for CN/O checks.
    pub fn subject(&self) -> String {
        self.parsed.tbs_certificate.subject.to_string()
    }

    /// The subject's common name (its first CN), if it has one that is text.
    pub fn common_name(&self) -> Option<String> {
        self.parsed
            .tbs_certificate
            .subject
            .0
            .iter()
            .flat_map(|rdn| rdn.0.iter())
            .find(|atv| atv.oid == COMMON_NAME)
            .and_then(|atv| std::str::from_utf8(atv.value.value()).ok().map(str::to_string))
    }

    /// The issuer's attributes in certificate (DER) order, each as a short
    /// name (`C`, `O`, `OU`, `CN`, `L`, `ST`; other types as their dotted
    /// OID) and its text value. Alipay's certificate SN is built from these.
    pub fn issuer_attributes(&self) -> Vec<(String, String)> {
        self.parsed
            .tbs_certificate
            .issuer
            .0
            .iter()
            .flat_map(|rdn| rdn.0.iter())
            .map(|atv| {
                let name = match atv.oid.to_string().as_str() {
                    "2.5.4.3" => "CN".to_string(),
                    "2.5.4.6" => "C".to_string(),
                    "2.5.4.7" => "L".to_string(),
                    "2.5.4.8" => "ST".to_string(),
                    "2.5.4.10" => "O".to_string(),
                    "2.5.4.11" => "OU".to_string(),
                    other => other.to_string(),
                };
                (name, String::from_utf8_lossy(atv.value.value()).into_owned())
            })
            .collect()
    }

    /// The signature algorithm's dotted OID (`1.2.840.113549.1.1.11` is
    /// SHA256withRSA; every RSA algorithm starts `1.2.840.113549.1.1.`).
    pub fn signature_algorithm_oid(&self) -> String {
        self.parsed.signature_algorithm.oid.to_string()
    }

    pub fn issuer(&self) -> String {
        self.parsed.tbs_certificate.issuer.to_string()
    }

    /// True when `issuer`'s subject is this certificate's issuer and its key
    /// verifies this certificate's signature (SHA256withRSA, or SM2-with-SM3
    /// with the default user id). Other algorithms are not accepted.
    pub fn verify_signed_by(&self, issuer: &Certificate) -> bool {
        if self.parsed.tbs_certificate.issuer != issuer.parsed.tbs_certificate.subject {
            return false;
        }
        let Some(signature) = self.parsed.signature.as_bytes() else {
            return false;
        };
        let algorithm = self.parsed.signature_algorithm.oid;
        if algorithm == SHA256_WITH_RSA {
            issuer
                .rsa_public()
                .is_ok_and(|key| key.verify(RsaDigest::Sha256, &self.tbs_der, signature))
        } else if algorithm == SM2_WITH_SM3 {
            issuer
                .sm2_public()
                .is_ok_and(|key| key.verify_sm3(&self.tbs_der, signature, DEFAULT_SM2_USER_ID))
        } else {
            false
        }
    }
}

/// Every certificate of a PEM bundle (several `CERTIFICATE` blocks, as
/// channels ship chains and root bundles), in order. Empty if there is none.
pub fn parse_bundle(text: &str) -> Result<Vec<Certificate>, KeyError> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let mut certificates = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(BEGIN) {
        let block = &rest[start..];
        let end = block.find(END).ok_or(KeyError::NotACertificate)? + END.len();
        certificates.push(Certificate::parse(&block[..end])?);
        rest = &block[end..];
    }
    Ok(certificates)
}

/// The raw TBSCertificate TLV: the first element of the outer SEQUENCE.
fn tbs_bytes(der: &[u8]) -> Option<Vec<u8>> {
    let mut reader = SliceReader::new(der).ok()?;
    let _outer = Header::decode(&mut reader).ok()?;
    reader.tlv_bytes().ok().map(<[u8]>::to_vec)
}

fn unix_seconds(time: x509_cert::time::Time) -> i64 {
    i64::try_from(time.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
}
