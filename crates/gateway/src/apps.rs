//! Apps as the gateway needs them on every request: secret opened, merchant
//! attached. Cached briefly so a signed request costs no database read.

use juhe_crypto::MasterKey;
use juhe_service::provision::open_secrets;
use juhe_store::{Db, StoreError, merchants};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// How long an app stays cached: a disabled app stops working within this.
const TTL: Duration = Duration::from_secs(30);

/// An app's own public key, for the asymmetric request schemes.
#[derive(Clone)]
pub enum AppPublicKey {
    Rsa(juhe_crypto::RsaPublic),
    Sm2(juhe_crypto::Sm2Public),
}

impl AppPublicKey {
    /// Reads an RSA (SPKI / PKCS#1) or SM2 (SPKI) public key.
    pub fn parse(text: &str) -> Option<AppPublicKey> {
        if let Ok(k) = juhe_crypto::RsaPublic::parse(text) {
            return Some(AppPublicKey::Rsa(k));
        }
        juhe_crypto::Sm2Public::parse(text).ok().map(AppPublicKey::Sm2)
    }

    pub fn scheme(&self) -> juhe_crypto::AuthScheme {
        match self {
            AppPublicKey::Rsa(_) => juhe_crypto::AuthScheme::Sha256Rsa2048,
            AppPublicKey::Sm2(_) => juhe_crypto::AuthScheme::Sm2WithSm3,
        }
    }
}

#[derive(Clone)]
pub struct ActiveApp {
    pub app_id: String,
    pub merchant_id: String,
    pub secret: Arc<Zeroizing<String>>,
    /// After a rotation, the secret it replaced and until when (Unix ms) it
    /// is still accepted.
    pub previous_secret: Option<(Arc<Zeroizing<String>>, i64)>,
    pub notify_url: Option<String>,
    pub wallet_fee_bps: i64,
    pub usable: bool,
    /// Set when the app signs with its own key pair (then only that scheme is accepted).
    pub public_key: Option<Arc<AppPublicKey>>,
}

#[derive(Clone, Default)]
pub struct AppCache {
    inner: Arc<RwLock<HashMap<String, (ActiveApp, Instant)>>>,
}

impl ActiveApp {
    /// The HMAC secrets a request may be signed with now: the current one,
    /// and during a rotation's grace period the one it replaced.
    pub fn hmac_secrets(&self, now_ms: i64) -> impl Iterator<Item = &str> {
        let previous = self
            .previous_secret
            .as_ref()
            .filter(|(_, until)| now_ms < *until)
            .map(|(s, _)| s.as_str());
        std::iter::once(self.secret.as_str()).chain(previous)
    }
}

impl AppCache {
    pub async fn get(&self, db: &Db, keys: &MasterKey, app_id: &str) -> Result<Option<ActiveApp>, StoreError> {
        if let Ok(map) = self.inner.read()
            && let Some((app, at)) = map.get(app_id)
            && at.elapsed() < TTL
        {
            return Ok(Some(app.clone()));
        }
        let Some(row) = merchants::get_app(db.reader(), app_id).await? else {
            return Ok(None);
        };
        let Some(merchant) = merchants::get_merchant(db.reader(), &row.merchant_id).await? else {
            return Ok(None);
        };
        let secrets = open_secrets(keys, &row)
            .map_err(|e| StoreError::Corrupt(format!("app {app_id} secret does not open: {e}")))?;
        let app = ActiveApp {
            app_id: row.id.clone(),
            merchant_id: row.merchant_id.clone(),
            secret: Arc::new(secrets.app_secret),
            previous_secret: match (&row.previous_secret_sealed, row.previous_secret_until) {
                (Some(sealed), Some(until)) => Some((
                    Arc::new(
                        juhe_service::provision::open_previous_secret(keys, &row.id, sealed).map_err(|e| {
                            StoreError::Corrupt(format!("app {app_id} previous secret does not open: {e}"))
                        })?,
                    ),
                    until,
                )),
                _ => None,
            },
            notify_url: row.notify_url.clone(),
            wallet_fee_bps: merchant.wallet_fee_bps,
            usable: row.status == "active" && merchant.status == "active",
            public_key: match row.public_key.as_deref() {
                Some(pem) => Some(Arc::new(AppPublicKey::parse(pem).ok_or_else(|| {
                    StoreError::Corrupt(format!("app {app_id} public key does not parse"))
                })?)),
                None => None,
            },
        };
        if let Ok(mut map) = self.inner.write() {
            map.insert(app_id.to_string(), (app.clone(), Instant::now()));
        }
        Ok(Some(app))
    }

    /// Drops the cached app if it was cached more than `older_than` ago:
    /// a signature that fails against a cached secret is checked once more
    /// against the database, so a secret rotated on another node works at
    /// once rather than after the cache's lifetime.
    pub fn forget_if_older(&self, app_id: &str, older_than: Duration) -> bool {
        let Ok(mut map) = self.inner.write() else {
            return false;
        };
        match map.get(app_id) {
            Some((_, at)) if at.elapsed() >= older_than => {
                map.remove(app_id);
                true
            }
            _ => false,
        }
    }

    pub fn forget(&self, app_id: &str) {
        if let Ok(mut map) = self.inner.write() {
            map.remove(app_id);
        }
    }
}
