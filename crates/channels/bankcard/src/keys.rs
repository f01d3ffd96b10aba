//! DES / triple-DES keys: the terminal master key (TMK) from the merchant's
//! configuration and the working keys (PIN key PIK, MAC key MAK) a sign-in
//! delivers in field 62 encrypted under the TMK, each with a check value.
//! Key bytes are zeroized on drop and never shown by `Debug` or errors.

use cipher::generic_array::GenericArray;
use cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use des::{Des, TdesEde2, TdesEde3};
use zeroize::Zeroizing;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("key is not hexadecimal")]
    NotHex,
    #[error("a DES key has 8, 16 or 24 bytes, not {0}")]
    BadLength(usize),
    #[error("field 62 has {0} bytes: expected 24 (single-length) or 40 (double-length keys)")]
    BadKeyField(usize),
    #[error("the {0} check value does not match: wrong TMK or corrupted keys")]
    CheckValueMismatch(&'static str),
}

/// A single (8), double (16) or triple (24 byte) length DES key.
#[derive(Clone)]
pub struct DesKey(Zeroizing<Vec<u8>>);

impl std::fmt::Debug for DesKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DesKey({} bytes, hidden)", self.0.len())
    }
}

impl DesKey {
    pub fn from_bytes(bytes: &[u8]) -> Result<DesKey, KeyError> {
        match bytes.len() {
            8 | 16 | 24 => Ok(DesKey(Zeroizing::new(bytes.to_vec()))),
            n => Err(KeyError::BadLength(n)),
        }
    }

    pub fn from_hex(text: &str) -> Result<DesKey, KeyError> {
        let bytes = Zeroizing::new(hex::decode(text.trim()).map_err(|_| KeyError::NotHex)?);
        DesKey::from_bytes(&bytes)
    }

    /// A fresh random double-length key (the sandbox's working keys).
    pub fn random_double() -> DesKey {
        let bytes: [u8; 16] = rand::random();
        DesKey(Zeroizing::new(bytes.to_vec()))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn encrypt_block(&self, block: [u8; 8]) -> [u8; 8] {
        let mut b = GenericArray::from(block);
        match self.0.len() {
            8 => Des::new(GenericArray::from_slice(&self.0)).encrypt_block(&mut b),
            16 => TdesEde2::new(GenericArray::from_slice(&self.0)).encrypt_block(&mut b),
            _ => TdesEde3::new(GenericArray::from_slice(&self.0)).encrypt_block(&mut b),
        }
        b.into()
    }

    pub fn decrypt_block(&self, block: [u8; 8]) -> [u8; 8] {
        let mut b = GenericArray::from(block);
        match self.0.len() {
            8 => Des::new(GenericArray::from_slice(&self.0)).decrypt_block(&mut b),
            16 => TdesEde2::new(GenericArray::from_slice(&self.0)).decrypt_block(&mut b),
            _ => TdesEde3::new(GenericArray::from_slice(&self.0)).decrypt_block(&mut b),
        }
        b.into()
    }

    /// The first four bytes of eight zero bytes encrypted under the key.
    pub fn check_value(&self) -> [u8; 4] {
        let e = self.encrypt_block([0; 8]);
        [e[0], e[1], e[2], e[3]]
    }

    /// Halves of a double-length key (X9.19 uses them separately).
    pub fn halves(&self) -> Option<(DesKey, DesKey)> {
        if self.0.len() != 16 {
            return None;
        }
        Some((
            DesKey(Zeroizing::new(self.0[..8].to_vec())),
            DesKey(Zeroizing::new(self.0[8..].to_vec())),
        ))
    }

    /// This key encrypted under `kek` in ECB mode (8-byte blocks).
    fn wrapped_by(&self, kek: &DesKey) -> Vec<u8> {
        self.0.chunks(8).flat_map(|c| kek.encrypt_block(to_block(c))).collect()
    }

    fn unwrap_with(kek: &DesKey, wrapped: &[u8]) -> Result<DesKey, KeyError> {
        let clear = Zeroizing::new(
            wrapped
                .chunks(8)
                .flat_map(|c| kek.decrypt_block(to_block(c)))
                .collect::<Vec<u8>>(),
        );
        DesKey::from_bytes(&clear)
    }
}

fn to_block(chunk: &[u8]) -> [u8; 8] {
    let mut block = [0u8; 8];
    let n = chunk.len().min(8);
    block[..n].copy_from_slice(&chunk[..n]);
    block
}

/// The working keys of one terminal session.
#[derive(Debug, Clone)]
pub struct WorkingKeys {
    pub pik: DesKey,
    pub mak: DesKey,
}

impl WorkingKeys {
    pub fn random() -> WorkingKeys {
        WorkingKeys {
            pik: DesKey::random_double(),
            mak: DesKey::random_double(),
        }
    }

    /// Reads field 62 of a sign-in answer: `PIK(enc) ‖ CV(4) ‖ MAK(enc) ‖
    /// CV(4)`, keys 8 or 16 bytes each, decrypted under the TMK and checked.
    pub fn from_field62(tmk: &DesKey, field62_hex: &str) -> Result<WorkingKeys, KeyError> {
        let bytes = Zeroizing::new(hex::decode(field62_hex).map_err(|_| KeyError::NotHex)?);
        let key_len = match bytes.len() {
            24 => 8,
            40 => 16,
            n => return Err(KeyError::BadKeyField(n)),
        };
        let part = key_len + 4;
        let pik = DesKey::unwrap_with(tmk, &bytes[..key_len])?;
        if pik.check_value() != bytes[key_len..part] {
            return Err(KeyError::CheckValueMismatch("PIK"));
        }
        let mak = DesKey::unwrap_with(tmk, &bytes[part..part + key_len])?;
        if mak.check_value() != bytes[part + key_len..] {
            return Err(KeyError::CheckValueMismatch("MAK"));
        }
        Ok(WorkingKeys { pik, mak })
    }

    /// Field 62 as a host sends it (the sandbox's side).
    pub fn to_field62(&self, tmk: &DesKey) -> String {
        let mut out = self.pik.wrapped_by(tmk);
        out.extend(self.pik.check_value());
        out.extend(self.mak.wrapped_by(tmk));
        out.extend(self.mak.check_value());
        hex::encode_upper(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn des_matches_the_fips_81_example() {
        // FIPS 81 appendix B: "Now is t" under 0123456789ABCDEF.
        let key = DesKey::from_hex("0123456789ABCDEF").unwrap();
        let out = key.encrypt_block(*b"Now is t");
        assert_eq!(hex::encode_upper(out), "3FA40E8A984D4815");
        assert_eq!(key.decrypt_block(out), *b"Now is t");
    }

    #[test]
    fn field62_round_trips_and_rejects_a_wrong_tmk() {
        let tmk = DesKey::from_hex("0123456789ABCDEFFEDCBA9876543210").unwrap();
        let keys = WorkingKeys::random();
        let field = keys.to_field62(&tmk);
        assert_eq!(field.len(), 80);
        let back = WorkingKeys::from_field62(&tmk, &field).unwrap();
        assert_eq!(back.mak.check_value(), keys.mak.check_value());
        assert_eq!(back.pik.check_value(), keys.pik.check_value());
        let other = DesKey::from_hex("1123456789ABCDEFFEDCBA9876543210").unwrap();
        assert!(matches!(
            WorkingKeys::from_field62(&other, &field),
            Err(KeyError::CheckValueMismatch(_))
        ));
        assert_eq!(
            WorkingKeys::from_field62(&tmk, &field[..20]).unwrap_err(),
            KeyError::BadKeyField(10)
        );
    }

    #[test]
    fn debug_never_shows_key_bytes() {
        let key = DesKey::from_hex("0123456789ABCDEF").unwrap();
        let shown = format!("{key:?} {:?}", WorkingKeys::random());
        assert!(!shown.contains("0123456789ABCDEF") && !shown.contains("[1"), "{shown}");
    }
}
