//! Message authentication codes with the MAK.
//!
//! The terminal dialect uses the CUP terminal "ECB" MAC ([`cup_ecb_mac`]):
//! the MAC block (MAB) is the message from the MTI up to, not including,
//! field 64; it is zero-padded to 8 bytes and all blocks are XORed; the 8
//! result bytes become 16 upper-case hex characters; the first 8 characters
//! are encrypted with the MAK, XORed with the last 8, encrypted again; the
//! first 8 hex characters of that are the MAC (field 64, 8 bytes).
//! [`x919_mac`] (ANSI X9.19 retail MAC) is provided for acquirers that use it.

use crate::codec::{Dialect, EncodeError, Message, encode};
use crate::keys::DesKey;

fn blocks(data: &[u8]) -> impl Iterator<Item = [u8; 8]> + '_ {
    data.chunks(8).map(|chunk| {
        let mut block = [0u8; 8];
        block[..chunk.len()].copy_from_slice(chunk);
        block
    })
}

fn xor(a: [u8; 8], b: [u8; 8]) -> [u8; 8] {
    std::array::from_fn(|i| a[i] ^ b[i])
}

fn hex_block(block: [u8; 8]) -> [[u8; 8]; 2] {
    let text = hex::encode_upper(block).into_bytes();
    let mut halves = [[0u8; 8]; 2];
    halves[0].copy_from_slice(&text[..8]);
    halves[1].copy_from_slice(&text[8..]);
    halves
}

/// The CUP terminal ECB MAC of `mab` under `mak` (single DES for an
/// 8-byte MAK, triple DES for a longer one).
pub fn cup_ecb_mac(mak: &DesKey, mab: &[u8]) -> [u8; 8] {
    let folded = blocks(mab).fold([0u8; 8], xor);
    let [left, right] = hex_block(folded);
    let step = mak.encrypt_block(xor(mak.encrypt_block(left), right));
    hex_block(step)[0]
}

/// ANSI X9.19: DES-CBC under the left half over the zero-padded data, then
/// the last block decrypted under the right half and encrypted under the
/// left. `None` unless the key is double-length.
pub fn x919_mac(key: &DesKey, data: &[u8]) -> Option<[u8; 8]> {
    let (left, right) = key.halves()?;
    let chained = blocks(data).fold([0u8; 8], |acc, block| left.encrypt_block(xor(acc, block)));
    Some(left.encrypt_block(right.decrypt_block(chained)))
}

/// Encodes `msg` with field 64 holding its MAC. Returns the encoded body.
pub fn seal(dialect: &Dialect, msg: &mut Message, mak: &DesKey) -> Result<Vec<u8>, EncodeError> {
    msg.set(64, "0000000000000000");
    let mut body = encode(dialect, msg)?;
    let mab_len = body.len() - 8;
    let mac = cup_ecb_mac(mak, &body[..mab_len]);
    body[mab_len..].copy_from_slice(&mac);
    msg.set(64, hex::encode_upper(mac));
    Ok(body)
}

/// Checks the MAC of an encoded body whose last field is field 64.
pub fn verify(body: &[u8], mak: &DesKey) -> bool {
    let Some(mab_len) = body.len().checked_sub(8) else {
        return false;
    };
    let expected = cup_ecb_mac(mak, &body[..mab_len]);
    // Constant-time comparison: the answer must not leak how many bytes matched.
    expected
        .iter()
        .zip(&body[mab_len..])
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::posp::POSP;

    fn mab() -> Vec<u8> {
        (1u8..30).collect()
    }

    #[test]
    fn x919_matches_the_ansi_example() {
        // ANSI X9.19 / ISO 9797-1 alg. 3 example; also checked with pycryptodome.
        let key = DesKey::from_hex("0123456789ABCDEFFEDCBA9876543210").unwrap();
        let mac = x919_mac(&key, b"Now is the time for all ").unwrap();
        assert_eq!(hex::encode_upper(mac), "A1C72E74EA3FA9B6");
        assert!(x919_mac(&DesKey::from_hex("0123456789ABCDEF").unwrap(), b"x").is_none());
    }

    #[test]
    fn cup_ecb_matches_an_independent_implementation() {
        // Expected values from a separate Python implementation (pycryptodome
        // DES / DES3), written from the algorithm's description.
        let double = DesKey::from_hex("0123456789ABCDEFFEDCBA9876543210").unwrap();
        assert_eq!(hex::encode_upper(cup_ecb_mac(&double, &mab())), "3043373344313445");
        let single = DesKey::from_hex("0123456789ABCDEF").unwrap();
        assert_eq!(hex::encode_upper(cup_ecb_mac(&single, &mab())), "4145443833454135");
    }

    #[test]
    fn sealed_messages_verify_and_tampering_is_caught() {
        let mak = DesKey::from_hex("0123456789ABCDEFFEDCBA9876543210").unwrap();
        let mut msg = Message::new("0200")
            .with(3, "000000")
            .with(4, "000000000100")
            .with(11, "000001");
        let mut body = seal(&POSP, &mut msg, &mak).unwrap();
        assert!(verify(&body, &mak));
        assert_eq!(msg.get(64).map(str::len), Some(16));
        let other = DesKey::from_hex("1123456789ABCDEFFEDCBA9876543210").unwrap();
        assert!(!verify(&body, &other));
        body[5] ^= 0x01;
        assert!(!verify(&body, &mak));
        assert!(!verify(&[1, 2, 3], &mak));
    }
}
