//! Envelope sealing of secrets at rest. Each secret is encrypted with
//! AES-256-GCM under a master key that lives outside the database (a file
//! or the environment). The sealed form names the key version, so a new
//! master key can seal while older ones still open: `v{n}:base64(nonce‖ct‖tag)`.
//! The row's identity is bound in as associated data, so a sealed value
//! copied onto another row does not open.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;
use zeroize::Zeroizing;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    #[error("the master key must be 32 bytes, base64 or hex encoded")]
    BadMasterKey,
    #[error("sealed value is malformed")]
    Malformed,
    #[error("no master key of version {0}")]
    UnknownVersion(u32),
    #[error("sealed value does not open under its key (tampered, or sealed for another row)")]
    DoesNotOpen,
}

/// One or more master key versions; the highest seals, all open.
#[derive(Clone)]
pub struct MasterKey {
    versions: Vec<(u32, Zeroizing<[u8; 32]>)>,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        let v: Vec<u32> = self.versions.iter().map(|(v, _)| *v).collect();
        write!(f, "MasterKey(versions {v:?})")
    }
}

impl MasterKey {
    /// A fresh random key as version 1, encoded for a key file.
    pub fn generate_encoded() -> String {
        let mut key = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut key);
        format!("1:{}", STANDARD.encode(key))
    }

    /// Parses `version:base64` lines (or one bare base64 / hex key as version 1).
    pub fn parse(text: &str) -> Result<MasterKey, SealError> {
        let mut versions = Vec::new();
        for line in text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            let (version, encoded) = match line.split_once(':') {
                Some((v, k)) => (v.trim().parse::<u32>().map_err(|_| SealError::BadMasterKey)?, k.trim()),
                None => (1, line),
            };
            let bytes = STANDARD
                .decode(encoded)
                .ok()
                .filter(|b| b.len() == 32)
                .or_else(|| hex::decode(encoded).ok().filter(|b| b.len() == 32))
                .ok_or(SealError::BadMasterKey)?;
            let mut key = Zeroizing::new([0u8; 32]);
            key.copy_from_slice(&bytes);
            versions.push((version, key));
        }
        if versions.is_empty() {
            return Err(SealError::BadMasterKey);
        }
        versions.sort_by_key(|(v, _)| *v);
        Ok(MasterKey { versions })
    }

    fn current(&self) -> Result<&(u32, Zeroizing<[u8; 32]>), SealError> {
        self.versions.last().ok_or(SealError::BadMasterKey)
    }

    pub fn seal(&self, plaintext: &[u8], context: &str) -> Result<String, SealError> {
        let (version, key) = self.current()?;
        let cipher = Aes256Gcm::new_from_slice(key.as_slice()).map_err(|_| SealError::BadMasterKey)?;
        let mut nonce = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut nonce);
        let ct = cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| SealError::DoesNotOpen)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        Ok(format!("v{version}:{}", STANDARD.encode(out)))
    }

    pub fn open(&self, sealed: &str, context: &str) -> Result<Zeroizing<Vec<u8>>, SealError> {
        let (version, body) = sealed
            .strip_prefix('v')
            .and_then(|s| s.split_once(':'))
            .ok_or(SealError::Malformed)?;
        let version: u32 = version.parse().map_err(|_| SealError::Malformed)?;
        let key = self
            .versions
            .iter()
            .find(|(v, _)| *v == version)
            .map(|(_, k)| k)
            .ok_or(SealError::UnknownVersion(version))?;
        let raw = STANDARD.decode(body).map_err(|_| SealError::Malformed)?;
        if raw.len() < 12 + 16 {
            return Err(SealError::Malformed);
        }
        let (nonce, ct) = raw.split_at(12);
        let cipher = Aes256Gcm::new_from_slice(key.as_slice()).map_err(|_| SealError::BadMasterKey)?;
        cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: context.as_bytes(),
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| SealError::DoesNotOpen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_binding() {
        let k = MasterKey::parse(&MasterKey::generate_encoded()).unwrap();
        let sealed = k.seal(b"s3cret", "app:1").unwrap();
        assert!(sealed.starts_with("v1:"));
        assert!(!sealed.contains("s3cret"));
        assert_eq!(k.open(&sealed, "app:1").unwrap().as_slice(), b"s3cret");
        assert_eq!(k.open(&sealed, "app:2"), Err(SealError::DoesNotOpen));
        let other = MasterKey::parse(&MasterKey::generate_encoded()).unwrap();
        assert_eq!(other.open(&sealed, "app:1"), Err(SealError::DoesNotOpen));
        assert_eq!(k.open("garbage", "app:1"), Err(SealError::Malformed));
        assert_eq!(k.open("v1:AAAA", "app:1"), Err(SealError::Malformed));
    }

    #[test]
    fn rotation_keeps_old_values_open() {
        let old = MasterKey::generate_encoded();
        let k1 = MasterKey::parse(&old).unwrap();
        let sealed_v1 = k1.seal(b"x", "c").unwrap();
        let new = MasterKey::generate_encoded().replacen("1:", "2:", 1);
        let k2 = MasterKey::parse(&format!("{old}\n{new}")).unwrap();
        assert!(k2.seal(b"y", "c").unwrap().starts_with("v2:"));
        assert_eq!(k2.open(&sealed_v1, "c").unwrap().as_slice(), b"x");
        assert_eq!(
            k1.open(&k2.seal(b"y", "c").unwrap(), "c"),
            Err(SealError::UnknownVersion(2))
        );
    }

    #[test]
    fn bad_keys() {
        assert_eq!(MasterKey::parse("").unwrap_err(), SealError::BadMasterKey);
        assert_eq!(MasterKey::parse("1:short").unwrap_err(), SealError::BadMasterKey);
        assert!(MasterKey::parse(&hex::encode([7u8; 32])).is_ok());
        assert!(!format!("{:?}", MasterKey::parse(&hex::encode([7u8; 32])).unwrap()).contains("0707"));
    }
}
