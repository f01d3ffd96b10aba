//! Symmetric encryption the channels use:
//!
//! - AES-GCM: WeChat Pay v3 notification resources and certificate downloads
//!   (`AEAD_AES_256_GCM`: key = the 32-byte APIv3 key, 12-byte nonce, tag
//!   appended). The 128-bit variant exists because WeChat's own SDK tests use
//!   16-byte keys and Go picks the AES size from the key length.
//! - SM4-GCM: the same envelope in WeChat's SM (国密) mode, keyed with
//!   [`wechat_sm4_key`].
//! - AES-128-CBC with PKCS#7 and a zero IV: Alipay content encryption
//!   (`encrypt_type=AES`, key = base64-decoded 16-byte encryptKey).
//!
//! Every function checks key and nonce lengths and returns an error instead
//! of panicking; ciphertexts are `ct‖tag` with a 16-byte tag.

use crate::key_text::KeyError;
use crate::sm::sm3;
use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, AeadCore, KeyInit, Payload};
use aes_gcm::{Aes128Gcm, Aes256Gcm, AesGcm, Nonce};
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use zeroize::Zeroizing;

/// GCM nonce length every channel uses (96 bits).
pub const GCM_NONCE_LEN: usize = 12;
/// GCM tag length appended to every ciphertext.
pub const GCM_TAG_LEN: usize = 16;

type Sm4Gcm = AesGcm<sm4::Sm4, U12>;

pub fn aes256_gcm_encrypt(key: &[u8], nonce: &[u8], aad: &[u8], data: &[u8]) -> Result<Vec<u8>, KeyError> {
    gcm_encrypt::<Aes256Gcm>(key, nonce, aad, data)
}

pub fn aes256_gcm_decrypt(key: &[u8], nonce: &[u8], aad: &[u8], data: &[u8]) -> Result<Vec<u8>, KeyError> {
    gcm_decrypt::<Aes256Gcm>(key, nonce, aad, data)
}

pub fn aes128_gcm_encrypt(key: &[u8], nonce: &[u8], aad: &[u8], data: &[u8]) -> Result<Vec<u8>, KeyError> {
    gcm_encrypt::<Aes128Gcm>(key, nonce, aad, data)
}

pub fn aes128_gcm_decrypt(key: &[u8], nonce: &[u8], aad: &[u8], data: &[u8]) -> Result<Vec<u8>, KeyError> {
    gcm_decrypt::<Aes128Gcm>(key, nonce, aad, data)
}

pub fn sm4_gcm_encrypt(key: &[u8], nonce: &[u8], aad: &[u8], data: &[u8]) -> Result<Vec<u8>, KeyError> {
    gcm_encrypt::<Sm4Gcm>(key, nonce, aad, data)
}

pub fn sm4_gcm_decrypt(key: &[u8], nonce: &[u8], aad: &[u8], data: &[u8]) -> Result<Vec<u8>, KeyError> {
    gcm_decrypt::<Sm4Gcm>(key, nonce, aad, data)
}

/// WeChat Pay's SM mode keys SM4-GCM with the first 16 bytes of SM3(APIv3
/// key) (wechatpay-java `shangmi/AeadSM4Cipher`), since SM4 takes 128-bit keys.
pub fn wechat_sm4_key(apiv3_key: &[u8]) -> Zeroizing<[u8; 16]> {
    let digest = Zeroizing::new(sm3(apiv3_key));
    let mut key = Zeroizing::new([0u8; 16]);
    key.copy_from_slice(&digest[..16]);
    key
}

fn gcm_encrypt<A>(key: &[u8], nonce: &[u8], aad: &[u8], data: &[u8]) -> Result<Vec<u8>, KeyError>
where
    A: KeyInit + Aead + AeadCore<NonceSize = U12>,
{
    let cipher = A::new_from_slice(key).map_err(|_| KeyError::BadLength("key"))?;
    let nonce = gcm_nonce(nonce)?;
    cipher
        .encrypt(nonce, Payload { msg: data, aad })
        .map_err(|_| KeyError::EncryptFailed)
}

fn gcm_decrypt<A>(key: &[u8], nonce: &[u8], aad: &[u8], data: &[u8]) -> Result<Vec<u8>, KeyError>
where
    A: KeyInit + Aead + AeadCore<NonceSize = U12>,
{
    let cipher = A::new_from_slice(key).map_err(|_| KeyError::BadLength("key"))?;
    let nonce = gcm_nonce(nonce)?;
    if data.len() < GCM_TAG_LEN {
        return Err(KeyError::DecryptFailed);
    }
    cipher
        .decrypt(nonce, Payload { msg: data, aad })
        .map_err(|_| KeyError::DecryptFailed)
}

fn gcm_nonce(nonce: &[u8]) -> Result<&Nonce<U12>, KeyError> {
    if nonce.len() != GCM_NONCE_LEN {
        return Err(KeyError::BadLength("nonce"));
    }
    // Length checked above, so from_slice cannot panic.
    Ok(Nonce::from_slice(nonce))
}

const CBC_ZERO_IV: [u8; 16] = [0u8; 16];

/// AES-128-CBC, PKCS#7 padding, all-zero IV (Alipay `encrypt_type=AES`).
pub fn aes128_cbc_encrypt(key: &[u8], data: &[u8]) -> Result<Vec<u8>, KeyError> {
    let encryptor =
        cbc::Encryptor::<aes::Aes128>::new_from_slices(key, &CBC_ZERO_IV).map_err(|_| KeyError::BadLength("key"))?;
    Ok(encryptor.encrypt_padded_vec_mut::<Pkcs7>(data))
}

/// Inverse of [`aes128_cbc_encrypt`]; bad padding or a length that is not a
/// whole number of blocks is a decryption failure.
pub fn aes128_cbc_decrypt(key: &[u8], data: &[u8]) -> Result<Vec<u8>, KeyError> {
    let decryptor =
        cbc::Decryptor::<aes::Aes128>::new_from_slices(key, &CBC_ZERO_IV).map_err(|_| KeyError::BadLength("key"))?;
    if data.is_empty() || !data.len().is_multiple_of(16) {
        return Err(KeyError::DecryptFailed);
    }
    decryptor
        .decrypt_padded_vec_mut::<Pkcs7>(data)
        .map_err(|_| KeyError::DecryptFailed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY32: &[u8; 32] = b"0123456789abcdef0123456789abcdef";
    const NONCE: &[u8; 12] = b"0123456789ab";

    #[test]
    fn gcm_round_trips_and_binds_aad() {
        type Pair = (
            fn(&[u8], &[u8], &[u8], &[u8]) -> Result<Vec<u8>, KeyError>,
            fn(&[u8], &[u8], &[u8], &[u8]) -> Result<Vec<u8>, KeyError>,
            &'static [u8],
        );
        let ciphers: [Pair; 3] = [
            (aes256_gcm_encrypt, aes256_gcm_decrypt, KEY32),
            (aes128_gcm_encrypt, aes128_gcm_decrypt, &KEY32[..16]),
            (sm4_gcm_encrypt, sm4_gcm_decrypt, &KEY32[..16]),
        ];
        for (encrypt, decrypt, key) in ciphers {
            let ct = encrypt(key, NONCE, b"aad", b"hello").unwrap();
            assert_eq!(ct.len(), 5 + GCM_TAG_LEN);
            assert_eq!(decrypt(key, NONCE, b"aad", &ct).unwrap(), b"hello");
            assert_eq!(decrypt(key, NONCE, b"other", &ct), Err(KeyError::DecryptFailed));
            assert_eq!(decrypt(key, NONCE, b"aad", &ct[..4]), Err(KeyError::DecryptFailed));
        }
    }

    #[test]
    fn wrong_lengths_are_errors() {
        assert_eq!(
            aes256_gcm_encrypt(&KEY32[..16], NONCE, b"", b"x"),
            Err(KeyError::BadLength("key"))
        );
        assert_eq!(
            aes256_gcm_decrypt(KEY32, &NONCE[..8], b"", &[0; 32]),
            Err(KeyError::BadLength("nonce"))
        );
        assert_eq!(
            sm4_gcm_encrypt(KEY32, NONCE, b"", b"x"),
            Err(KeyError::BadLength("key"))
        );
        assert_eq!(aes128_cbc_encrypt(KEY32, b"x"), Err(KeyError::BadLength("key")));
        assert_eq!(aes128_cbc_decrypt(&KEY32[..16], &[0; 15]), Err(KeyError::DecryptFailed));
        assert_eq!(aes128_cbc_decrypt(&KEY32[..16], &[]), Err(KeyError::DecryptFailed));
    }

    #[test]
    fn cbc_pads_to_whole_blocks() {
        let key = &KEY32[..16];
        for len in [0usize, 1, 15, 16, 17] {
            let data = vec![7u8; len];
            let ct = aes128_cbc_encrypt(key, &data).unwrap();
            assert_eq!(ct.len(), (len / 16 + 1) * 16);
            assert_eq!(aes128_cbc_decrypt(key, &ct).unwrap(), data);
        }
    }
}
