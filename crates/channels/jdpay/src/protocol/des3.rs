//! JD Pay's 3DES framing: DESede/ECB/NoPadding over
//! `len(data) as u32 big-endian ‖ data ‖ zero bytes to a multiple of 8`;
//! the ciphertext travels as lowercase hex, and in the `<encrypt>` element
//! that hex text is base64-encoded once more (IJPay `ThreeDesUtil`,
//! `XmlEncryptUtil`). The key is 24 bytes, configured as base64.

use crate::protocol::error::ProtocolError;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use des::TdesEde3;
use des::cipher::generic_array::GenericArray;
use des::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};

/// The SDK refuses longer plaintexts when decrypting.
pub const MAX_MESSAGE_LEN: usize = 16384;

/// Decodes the configured base64 DES key (24 bytes).
pub fn parse_key(base64_key: &str) -> Result<Vec<u8>, ProtocolError> {
    let key = STANDARD
        .decode(base64_key.trim())
        .map_err(|_| ProtocolError::Key("the 3DES key is not base64".into()))?;
    if key.len() != 24 {
        return Err(ProtocolError::Key(format!(
            "the 3DES key has {} bytes, not 24",
            key.len()
        )));
    }
    Ok(key)
}

fn cipher(key: &[u8]) -> Result<TdesEde3, ProtocolError> {
    TdesEde3::new_from_slice(key).map_err(|_| ProtocolError::Key("the 3DES key must be 24 bytes".into()))
}

/// Framed, encrypted, lowercase hex.
pub fn encrypt_hex(key: &[u8], data: &[u8]) -> Result<String, ProtocolError> {
    let len = u32::try_from(data.len()).map_err(|_| ProtocolError::Des("message too long".into()))?;
    let mut block = Vec::with_capacity(data.len() + 12);
    block.extend_from_slice(&len.to_be_bytes());
    block.extend_from_slice(data);
    while block.len() % 8 != 0 {
        block.push(0);
    }
    let c = cipher(key)?;
    for chunk in block.chunks_exact_mut(8) {
        c.encrypt_block(GenericArray::from_mut_slice(chunk));
    }
    Ok(hex::encode(block))
}

pub fn decrypt_hex(key: &[u8], hex_text: &str) -> Result<Vec<u8>, ProtocolError> {
    let mut block = hex::decode(hex_text.trim()).map_err(|_| ProtocolError::Des("ciphertext is not hex".into()))?;
    if block.is_empty() || block.len() % 8 != 0 {
        return Err(ProtocolError::Des("ciphertext is not whole 8-byte blocks".into()));
    }
    let c = cipher(key)?;
    for chunk in block.chunks_exact_mut(8) {
        c.decrypt_block(GenericArray::from_mut_slice(chunk));
    }
    let len = u32::from_be_bytes([block[0], block[1], block[2], block[3]]) as usize;
    if len > MAX_MESSAGE_LEN || len > block.len() - 4 {
        // Also what a wrong key looks like: the length prefix is noise.
        return Err(ProtocolError::Des("length prefix out of range (wrong key?)".into()));
    }
    Ok(block[4..4 + len].to_vec())
}

/// The `<encrypt>` element's text: base64 of the hex ciphertext.
pub fn encrypt_element(key: &[u8], data: &[u8]) -> Result<String, ProtocolError> {
    Ok(STANDARD.encode(encrypt_hex(key, data)?))
}

pub fn decrypt_element(key: &[u8], element: &str) -> Result<Vec<u8>, ProtocolError> {
    let hex_bytes = STANDARD
        .decode(element.trim())
        .map_err(|_| ProtocolError::Des("<encrypt> is not base64".into()))?;
    let hex_text = String::from_utf8(hex_bytes).map_err(|_| ProtocolError::Des("<encrypt> is not hex text".into()))?;
    decrypt_hex(key, &hex_text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8; 24] = b"123456789012345678901234";

    #[test]
    fn frames_pads_and_round_trips() {
        for len in [0usize, 1, 3, 4, 5, 12, 100] {
            let data: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let hex_text = encrypt_hex(KEY, &data).unwrap();
            assert_eq!(hex_text.len() % 16, 0);
            assert_eq!((hex_text.len() / 2), (len + 4).div_ceil(8) * 8);
            assert_eq!(decrypt_hex(KEY, &hex_text).unwrap(), data);
        }
        let e = encrypt_element(KEY, "京东".as_bytes()).unwrap();
        assert_eq!(decrypt_element(KEY, &e).unwrap(), "京东".as_bytes());
    }

    #[test]
    fn refuses_bad_keys_and_bad_ciphertext() {
        assert!(parse_key("c2hvcnQ=").is_err());
        assert!(decrypt_hex(KEY, "abc").is_err());
        assert!(decrypt_hex(KEY, "00112233").is_err());
    }
}
