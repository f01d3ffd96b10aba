//! juhe's key service, foundation part: the HMAC-SHA256 signatures of the
//! merchant API and of webhooks, and envelope sealing of stored secrets.
//! (Channel algorithms — RSA, SM2/SM3, SM4, OAEP — join here with the channels.)

pub mod key_text;
pub mod rsa_sig;
pub mod sealing;
pub mod signature;

pub use key_text::KeyError;
pub use rsa_sig::{RsaDigest, RsaPrivate, RsaPublic};
pub use sealing::{MasterKey, SealError};
pub use signature::{
    AUTH_SCHEME, authorization_header, hmac_sha256_base64, request_string_to_sign, verify_hmac_sha256_base64,
    webhook_string_to_sign,
};
