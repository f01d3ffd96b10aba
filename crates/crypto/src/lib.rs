//! juhe's key service: the HMAC-SHA256 signatures of the merchant API and of
//! webhooks, envelope sealing of stored secrets, and the algorithms the
//! channels speak (RSA PKCS#1 v1.5 and OAEP, AES/SM4-GCM, AES-CBC, SM2/SM3,
//! X.509), plus versioned key rings for rotation.

pub mod aead;
pub mod digest;
pub mod key_text;
pub mod keyring;
pub mod merchant_auth;
pub mod oaep;
pub mod password;
pub mod rsa_sig;
pub mod sealing;
pub mod signature;
pub mod sm;
pub mod sm2_pke;
pub mod unionpay_acp;
pub mod x509;

pub use key_text::KeyError;
pub use keyring::{KeyRing, KeyRingError, KeyStatus};
pub use merchant_auth::AuthScheme;
pub use rsa_sig::{RsaDigest, RsaPrivate, RsaPublic};
pub use sealing::{MasterKey, SealError};
pub use signature::{
    AUTH_SCHEME, authorization_header, hmac_sha256_base64, request_string_to_sign, verify_hmac_sha256_base64,
    webhook_string_to_sign,
};
pub use sm::{DEFAULT_SM2_USER_ID, Sm2Private, Sm2Public, sm3};
pub use x509::Certificate;
