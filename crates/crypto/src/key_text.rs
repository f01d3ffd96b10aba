//! Keys as merchants really paste them: PEM with or without line breaks
//! (Alipay's console gives one long base64 line inside the armour, which
//! strict PEM parsers reject), or bare base64 with no armour at all. Both
//! come down to DER bytes; what those bytes are (PKCS#1, PKCS#8, SPKI,
//! X.509) is decided by the caller trying each structure in turn.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// Errors from reading key material. Messages never include the key text.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("the key text is neither PEM nor base64")]
    NotBase64,
    #[error("the key is not a {0} key in any supported encoding (PKCS#1, PKCS#8, SPKI, X.509)")]
    Unrecognised(&'static str),
    #[error("signature is not valid base64")]
    BadSignatureEncoding,
    #[error("the signing operation failed")]
    SignFailed,
    #[error("ciphertext does not decrypt under this key")]
    DecryptFailed,
    #[error("the encryption operation failed")]
    EncryptFailed,
    #[error("the {0} has the wrong length")]
    BadLength(&'static str),
    #[error("the text is not an X.509 certificate")]
    NotACertificate,
}

/// The PEM label (`RSA PRIVATE KEY`, `CERTIFICATE`, …) if the text has armour.
pub fn pem_label(text: &str) -> Option<&str> {
    let start = text.find("-----BEGIN ")? + "-----BEGIN ".len();
    let rest = &text[start..];
    let end = rest.find("-----")?;
    Some(rest[..end].trim())
}

/// DER bytes of a PEM block (first block only) or of bare base64 text.
/// Whitespace anywhere in the base64 is ignored.
pub fn der_bytes(text: &str) -> Result<Vec<u8>, KeyError> {
    let body = match text.find("-----BEGIN ") {
        Some(begin) => {
            let after_begin = &text[begin..];
            let header_end = after_begin[11..].find("-----").ok_or(KeyError::NotBase64)? + 11 + 5;
            let body = &after_begin[header_end..];
            let end = body.find("-----END ").ok_or(KeyError::NotBase64)?;
            &body[..end]
        }
        None => text,
    };
    let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.is_empty() {
        return Err(KeyError::NotBase64);
    }
    STANDARD.decode(compact.as_bytes()).map_err(|_| KeyError::NotBase64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn armour_and_bare_base64_give_the_same_bytes() {
        let bare = "AAECAwQF";
        let pem = "-----BEGIN PUBLIC KEY-----\nAAEC\nAwQF\n-----END PUBLIC KEY-----\n";
        let one_line = "-----BEGIN PUBLIC KEY-----AAECAwQF-----END PUBLIC KEY-----";
        assert_eq!(der_bytes(bare).unwrap(), vec![0, 1, 2, 3, 4, 5]);
        assert_eq!(der_bytes(pem).unwrap(), vec![0, 1, 2, 3, 4, 5]);
        assert_eq!(der_bytes(one_line).unwrap(), vec![0, 1, 2, 3, 4, 5]);
        assert_eq!(pem_label(pem), Some("PUBLIC KEY"));
        assert_eq!(pem_label(bare), None);
    }

    #[test]
    fn garbage_is_refused() {
        assert_eq!(der_bytes(""), Err(KeyError::NotBase64));
        assert_eq!(der_bytes("not base64 ***"), Err(KeyError::NotBase64));
        assert_eq!(der_bytes("-----BEGIN X-----AAEC"), Err(KeyError::NotBase64));
    }
}
