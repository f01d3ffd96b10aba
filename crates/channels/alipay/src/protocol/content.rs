//! Content encryption (接口内容加密, `encrypt_type=AES`): `biz_content`
//! travels as base64 of AES-CBC (all-zero IV, PKCS#7) of its JSON under the
//! app's AES key (base64 of 16 bytes, issued in the Alipay console), and
//! the gateway answers the method's object the same way: a JSON string of
//! base64 ciphertext, signed as it stands (quotes included). The order is
//! encrypt, then sign; verify, then decrypt.

use super::ProtocolError;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use juhe_crypto::aead::{aes128_cbc_decrypt, aes128_cbc_encrypt};
use zeroize::Zeroizing;

/// `encrypt_type` for AES content encryption.
pub const ENCRYPT_TYPE_AES: &str = "AES";

/// An AES key as the console shows it: base64 of 16 bytes.
pub fn parse_key(text: &str) -> Result<Zeroizing<Vec<u8>>, ProtocolError> {
    let key = Zeroizing::new(
        STANDARD
            .decode(text.trim())
            .map_err(|_| ProtocolError::Malformed("the AES key is not base64".into()))?,
    );
    if key.len() != 16 {
        return Err(ProtocolError::Malformed(
            "the AES key must be 16 bytes (base64 of 16 bytes)".into(),
        ));
    }
    Ok(key)
}

pub fn encrypt(key: &[u8], plaintext: &str) -> Result<String, ProtocolError> {
    let sealed = aes128_cbc_encrypt(key, plaintext.as_bytes())
        .map_err(|e| ProtocolError::Malformed(format!("encrypting: {e}")))?;
    Ok(STANDARD.encode(sealed))
}

pub fn decrypt(key: &[u8], ciphertext: &str) -> Result<String, ProtocolError> {
    let data = STANDARD
        .decode(ciphertext.trim())
        .map_err(|_| ProtocolError::Malformed("encrypted content is not base64".into()))?;
    let plain =
        aes128_cbc_decrypt(key, &data).map_err(|_| ProtocolError::Malformed("content does not decrypt".into()))?;
    String::from_utf8(plain).map_err(|_| ProtocolError::Malformed("decrypted content is not UTF-8".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_a_wrong_key() {
        let key = parse_key("aGVsbG8gd29ybGQgMTIzNA==").unwrap();
        let sealed = encrypt(&key, r#"{"out_trade_no":"n1"}"#).unwrap();
        assert_eq!(decrypt(&key, &sealed).unwrap(), r#"{"out_trade_no":"n1"}"#);
        let other = parse_key("b3RoZXIga2V5IDEyMzQ1Ng==").unwrap();
        // A wrong CBC key almost always fails the padding check; when it
        // passes by chance, the text is not the original.
        assert!(decrypt(&other, &sealed).map_or(true, |t| t != r#"{"out_trade_no":"n1"}"#));
        assert!(parse_key("c2hvcnQ=").is_err());
        assert!(parse_key("not base64!").is_err());
    }
}
