//! Notifications (§1.2, §1.3): verified like answers, then the resource is
//! decrypted with the APIv3 key.

use super::models::NotificationEnvelope;
use super::platform::{PlatformKeys, SignedHeaders, verify_signed};
use super::scheme::Scheme;
use super::{ProtocolError, resource};

pub mod event {
    pub const TRANSACTION_SUCCESS: &str = "TRANSACTION.SUCCESS";
    pub const REFUND_SUCCESS: &str = "REFUND.SUCCESS";
    pub const REFUND_ABNORMAL: &str = "REFUND.ABNORMAL";
    pub const REFUND_CLOSED: &str = "REFUND.CLOSED";
}

pub const RESOURCE_TYPE: &str = "encrypt-resource";

/// A verified notification and its decrypted resource JSON.
#[derive(Debug, Clone)]
pub struct OpenedNotification {
    pub envelope: NotificationEnvelope,
    pub plaintext: Vec<u8>,
}

/// Verifies the signature (with `signature_type`, when sent, naming the
/// merchant's scheme) and decrypts the resource — of that scheme's
/// algorithm, no downgrade — with the first of `apiv3_keys`
/// that opens it (the current key, then keys being rotated away: a
/// notification encrypted before the merchant changed its key still opens).
pub fn open<'k>(
    scheme: Scheme,
    keys: &PlatformKeys,
    apiv3_keys: impl IntoIterator<Item = &'k [u8]>,
    headers: &SignedHeaders<'_>,
    signature_type: Option<&str>,
    body: &[u8],
    now_s: i64,
) -> Result<OpenedNotification, ProtocolError> {
    if let Some(kind) = signature_type
        && kind != scheme.name()
    {
        return Err(ProtocolError::UnsupportedAlgorithm(kind.to_string()));
    }
    verify_signed(keys, headers, body, now_s)?;
    let envelope: NotificationEnvelope = serde_json::from_slice(body)?;
    if envelope.resource.algorithm != scheme.resource_algorithm() {
        return Err(ProtocolError::UnsupportedAlgorithm(envelope.resource.algorithm.clone()));
    }
    if envelope.resource_type != RESOURCE_TYPE {
        return Err(ProtocolError::Malformed(format!(
            "resource_type {:?}",
            envelope.resource_type
        )));
    }
    let plaintext = apiv3_keys
        .into_iter()
        .find_map(|key| resource::decrypt(key, &envelope.resource).ok())
        .ok_or(ProtocolError::Decrypt)?;
    Ok(OpenedNotification { envelope, plaintext })
}
