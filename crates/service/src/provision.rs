//! Onboarding: merchants and their apps. An app's API secret and webhook
//! secret are generated here, returned once to the caller, and stored
//! sealed under the master key.

use crate::error::ServiceError;
use juhe_crypto::MasterKey;
use juhe_store::Tx;
use juhe_store::ids::random_hex;
use juhe_store::merchants::{self, AppRow, NewApp};
use zeroize::Zeroizing;

/// The context a secret is sealed under: binds the ciphertext to its row.
pub fn secret_context(app_id: &str, which: &str) -> String {
    format!("apps/{app_id}/{which}")
}

/// An app's secrets in clear, as shown once at creation.
pub struct AppSecrets {
    pub app_secret: Zeroizing<String>,
    pub webhook_secret: Zeroizing<String>,
}

pub async fn create_merchant(tx: Tx<'_>, id: &str, name: &str, wallet_fee_bps: i64) -> Result<(), ServiceError> {
    if !(0..=10_000).contains(&wallet_fee_bps) {
        return Err(ServiceError::InvalidRequest(
            "wallet_fee_bps must be within 0..=10000".into(),
        ));
    }
    merchants::insert_merchant(tx, id, name, wallet_fee_bps).await?;
    Ok(())
}

/// Creates an app with fresh secrets (32 random bytes each, hex).
pub async fn create_app(
    tx: Tx<'_>,
    keys: &MasterKey,
    app_id: &str,
    merchant_id: &str,
    name: &str,
    notify_url: Option<&str>,
) -> Result<AppSecrets, ServiceError> {
    let secrets = AppSecrets {
        app_secret: Zeroizing::new(random_hex(32)),
        webhook_secret: Zeroizing::new(random_hex(32)),
    };
    let seal = |value: &str, which: &str| {
        keys.seal(value.as_bytes(), &secret_context(app_id, which))
            .map_err(|e| ServiceError::InvalidRequest(e.to_string()))
    };
    let secret_sealed = seal(&secrets.app_secret, "secret")?;
    let webhook_secret_sealed = seal(&secrets.webhook_secret, "webhook_secret")?;
    merchants::insert_app(
        tx,
        NewApp {
            id: app_id,
            merchant_id,
            name,
            secret_sealed: &secret_sealed,
            webhook_secret_sealed: &webhook_secret_sealed,
            notify_url,
        },
    )
    .await?;
    Ok(secrets)
}

/// A fresh app secret, sealed for `app_id` (a rotation); the clear value
/// is shown once.
pub fn new_app_secret(keys: &MasterKey, app_id: &str) -> Result<(Zeroizing<String>, String), ServiceError> {
    let secret = Zeroizing::new(random_hex(32));
    let sealed = keys
        .seal(secret.as_bytes(), &secret_context(app_id, "secret"))
        .map_err(|e| ServiceError::InvalidRequest(e.to_string()))?;
    Ok((secret, sealed))
}

/// Opens the secret a rotation replaced. It stays sealed under the same
/// context as when it was current: rotation moves the ciphertext as it is.
pub fn open_previous_secret(
    keys: &MasterKey,
    app_id: &str,
    sealed: &str,
) -> Result<Zeroizing<String>, juhe_crypto::SealError> {
    open_sealed(keys, app_id, "secret", sealed)
}

/// Opens an app's secrets with the master key.
pub fn open_secrets(keys: &MasterKey, app: &AppRow) -> Result<AppSecrets, juhe_crypto::SealError> {
    Ok(AppSecrets {
        app_secret: open_sealed(keys, &app.id, "secret", &app.secret_sealed)?,
        webhook_secret: open_sealed(keys, &app.id, "webhook_secret", &app.webhook_secret_sealed)?,
    })
}

fn open_sealed(
    keys: &MasterKey,
    app_id: &str,
    which: &str,
    sealed: &str,
) -> Result<Zeroizing<String>, juhe_crypto::SealError> {
    let bytes = keys.open(sealed, &secret_context(app_id, which))?;
    Ok(Zeroizing::new(String::from_utf8_lossy(&bytes).into_owned()))
}
