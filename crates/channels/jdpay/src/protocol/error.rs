//! What can go wrong reading or writing JD Pay messages. Messages never
//! contain key material or decrypted content.

use crate::protocol::xml::XmlError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    #[error(transparent)]
    Xml(#[from] XmlError),
    #[error("key: {0}")]
    Key(String),
    #[error("3DES: {0}")]
    Des(String),
    #[error("signature missing or does not verify")]
    BadSignature,
    #[error("field {field}: {problem}")]
    Field { field: &'static str, problem: String },
}
