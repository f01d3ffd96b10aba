//! SM2 public-key encryption (GB/T 32918.4), ciphertext in the ASN.1 C1C3C2
//! form WeChat Pay uses for sensitive fields in SM mode:
//! `SEQUENCE { INTEGER x1, INTEGER y1, OCTET STRING C3, OCTET STRING C2 }`
//! where (x1, y1) = C1 = [k]G, C3 = SM3(x2‖M‖y2), C2 = M ⊕ KDF(x2‖y2).
//!
//! RustCrypto `sm2` 0.13 has no encryption (its `pke` module arrives in
//! 0.14, still a release candidate), so the scheme is composed here from that
//! crate's curve arithmetic and `sm3`; the SM2 decryption vector from
//! wechatpay-java pins it.

use crate::key_text::KeyError;
use crate::sm::{Sm2Private, Sm2Public, put_left_padded, sm3};
use der::asn1::{OctetStringRef, UintRef};
use der::{Decode, Encode, Sequence};
use sm2::elliptic_curve::sec1::{FromEncodedPoint, ToEncodedPoint};
use sm2::elliptic_curve::subtle::ConstantTimeEq;
use sm2::{AffinePoint, EncodedPoint, NonZeroScalar, ProjectivePoint, PublicKey};
use sm3::{Digest, Sm3};
use zeroize::Zeroizing;

#[derive(Sequence)]
struct C1C3C2<'a> {
    x: UintRef<'a>,
    y: UintRef<'a>,
    hash: OctetStringRef<'a>,
    ciphertext: OctetStringRef<'a>,
}

/// Encrypts to DER C1C3C2. An empty plaintext is refused: the standard's
/// "KDF output all zero" check is meaningless for it.
pub fn sm2_encrypt(key: &Sm2Public, plaintext: &[u8]) -> Result<Vec<u8>, KeyError> {
    if plaintext.is_empty() {
        return Err(KeyError::EncryptFailed);
    }
    let recipient = ProjectivePoint::from(*key.point().as_affine());
    // A fresh k per attempt; retrying on an all-zero KDF output is the
    // standard's rule (and astronomically unlikely to loop).
    for _ in 0..8 {
        let k = NonZeroScalar::random(&mut rand::thread_rng());
        let c1 = PublicKey::from_secret_scalar(&k).as_affine().to_encoded_point(false);
        let shared = (recipient * *k).to_affine().to_encoded_point(false);
        let (Some(x2), Some(y2)) = (shared.x(), shared.y()) else {
            return Err(KeyError::EncryptFailed);
        };
        let mask = kdf(x2, y2, plaintext.len());
        if mask.iter().all(|b| *b == 0) {
            continue;
        }
        let c2: Vec<u8> = plaintext.iter().zip(mask.iter()).map(|(m, t)| m ^ t).collect();
        let c3 = hash_c3(x2, plaintext, y2);
        let (Some(x1), Some(y1)) = (c1.x(), c1.y()) else {
            return Err(KeyError::EncryptFailed);
        };
        let encoded = C1C3C2 {
            x: UintRef::new(x1).map_err(|_| KeyError::EncryptFailed)?,
            y: UintRef::new(y1).map_err(|_| KeyError::EncryptFailed)?,
            hash: OctetStringRef::new(&c3).map_err(|_| KeyError::EncryptFailed)?,
            ciphertext: OctetStringRef::new(&c2).map_err(|_| KeyError::EncryptFailed)?,
        };
        return encoded.to_der().map_err(|_| KeyError::EncryptFailed);
    }
    Err(KeyError::EncryptFailed)
}

/// Decrypts DER C1C3C2. Every failure (malformed, point off the curve,
/// hash mismatch) is the same `DecryptFailed`.
pub fn sm2_decrypt(key: &Sm2Private, ciphertext: &[u8]) -> Result<Vec<u8>, KeyError> {
    let parsed = C1C3C2::from_der(ciphertext).map_err(|_| KeyError::DecryptFailed)?;
    let c2 = parsed.ciphertext.as_bytes();
    let c3 = parsed.hash.as_bytes();
    if c2.is_empty() || c3.len() != 32 {
        return Err(KeyError::DecryptFailed);
    }
    let mut x1 = [0u8; 32];
    let mut y1 = [0u8; 32];
    put_left_padded(&mut x1, parsed.x.as_bytes()).ok_or(KeyError::DecryptFailed)?;
    put_left_padded(&mut y1, parsed.y.as_bytes()).ok_or(KeyError::DecryptFailed)?;
    let encoded = EncodedPoint::from_affine_coordinates(&x1.into(), &y1.into(), false);
    // from_encoded_point checks the point is on the curve; SM2's cofactor is
    // 1, so any point on it is in the prime-order group.
    let c1: Option<AffinePoint> = AffinePoint::from_encoded_point(&encoded).into();
    let c1 = c1.ok_or(KeyError::DecryptFailed)?;
    let secret = key.secret().to_nonzero_scalar();
    let shared = (ProjectivePoint::from(c1) * *secret)
        .to_affine()
        .to_encoded_point(false);
    let (Some(x2), Some(y2)) = (shared.x(), shared.y()) else {
        return Err(KeyError::DecryptFailed);
    };
    let mask = kdf(x2, y2, c2.len());
    if mask.iter().all(|b| *b == 0) {
        return Err(KeyError::DecryptFailed);
    }
    let plaintext: Vec<u8> = c2.iter().zip(mask.iter()).map(|(c, t)| c ^ t).collect();
    let expected = hash_c3(x2, &plaintext, y2);
    if bool::from(expected.ct_eq(c3)) {
        Ok(plaintext)
    } else {
        Err(KeyError::DecryptFailed)
    }
}

/// GB/T 32918.4 KDF with SM3: SM3(Z‖ct) for ct = 1, 2, … (32-bit big
/// endian), concatenated and cut to `len` bytes.
fn kdf(x2: &[u8], y2: &[u8], len: usize) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(len + 32));
    let mut counter: u32 = 1;
    while out.len() < len {
        let mut h = Sm3::new();
        h.update(x2);
        h.update(y2);
        h.update(counter.to_be_bytes());
        out.extend_from_slice(&h.finalize());
        counter = counter.wrapping_add(1);
    }
    out.truncate(len);
    out
}

fn hash_c3(x2: &[u8], plaintext: &[u8], y2: &[u8]) -> [u8; 32] {
    let mut joined = Zeroizing::new(Vec::with_capacity(x2.len() + plaintext.len() + y2.len()));
    joined.extend_from_slice(x2);
    joined.extend_from_slice(plaintext);
    joined.extend_from_slice(y2);
    sm3(&joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let key = Sm2Private::parse(&"2a".repeat(32)).unwrap();
        let ct = sm2_encrypt(&key.public(), b"sensitive name").unwrap();
        assert_eq!(sm2_decrypt(&key, &ct).unwrap(), b"sensitive name");
        let long = vec![0x5au8; 100]; // several KDF blocks
        assert_eq!(
            sm2_decrypt(&key, &sm2_encrypt(&key.public(), &long).unwrap()).unwrap(),
            long
        );
        let mut tampered = ct.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert_eq!(sm2_decrypt(&key, &tampered), Err(KeyError::DecryptFailed));
        let other = Sm2Private::parse(&"2b".repeat(32)).unwrap();
        assert_eq!(sm2_decrypt(&other, &ct), Err(KeyError::DecryptFailed));
        assert_eq!(sm2_encrypt(&key.public(), b""), Err(KeyError::EncryptFailed));
        assert_eq!(sm2_decrypt(&key, b"\x30\x00"), Err(KeyError::DecryptFailed));
    }

    #[test]
    fn kdf_spans_several_blocks() {
        let a = kdf(b"x", b"y", 70);
        assert_eq!(a.len(), 70);
        assert_eq!(&a[..32], &sm3(b"xy\x00\x00\x00\x01"));
        assert_eq!(&a[32..64], &sm3(b"xy\x00\x00\x00\x02"));
    }
}
