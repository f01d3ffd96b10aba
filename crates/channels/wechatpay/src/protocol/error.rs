//! Protocol-level failures: signatures, freshness, decryption, formats.
//! Messages never contain key material or the signed bytes.

use juhe_crypto::KeyError;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    #[error("Authorization header is malformed: {0}")]
    BadAuthorization(&'static str),
    #[error("a Wechatpay-* signature header is missing: {0}")]
    MissingHeader(&'static str),
    #[error("signature timestamp is outside the 5-minute window")]
    Stale,
    #[error("no platform key is known for serial {0:?}")]
    UnknownSerial(String),
    #[error("signature probe (WECHATPAY/SIGNTEST/) refused")]
    SignatureProbe,
    #[error("signature does not verify")]
    BadSignature,
    #[error("unsupported algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    #[error("resource does not decrypt under the APIv3 key")]
    Decrypt,
    #[error("malformed message: {0}")]
    Malformed(String),
    #[error("key: {0}")]
    Key(#[from] KeyError),
}

impl From<serde_json::Error> for ProtocolError {
    fn from(e: serde_json::Error) -> ProtocolError {
        ProtocolError::Malformed(format!("JSON: {e}"))
    }
}
