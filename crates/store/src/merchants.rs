//! Merchants and their apps (API credentials).

use crate::clock::now_ms;
use crate::db::Tx;
use crate::error::StoreError;
use crate::sql::query;
use sqlx::{AnyPool, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct MerchantRow {
    pub id: String,
    pub name: String,
    pub status: String,
    pub wallet_fee_bps: i64,
    pub created_at: i64,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub updated_at: Option<i64>,
}

crate::from_row!(MerchantRow {
    id,
    name,
    status,
    wallet_fee_bps,
    created_at,
    contact_name,
    contact_phone,
    updated_at
});

const MERCHANT_COLUMNS: &str = "id, name, status, wallet_fee_bps, created_at, contact_name, contact_phone, updated_at";

/// An app as stored: its secrets are sealed; `juhe-crypto` opens them.
#[derive(Debug, Clone, FromRow)]
pub struct AppRow {
    pub id: String,
    pub merchant_id: String,
    pub name: String,
    pub secret_sealed: String,
    pub webhook_secret_sealed: String,
    pub notify_url: Option<String>,
    pub status: String,
    pub created_at: i64,
    /// PEM public key for the asymmetric schemes, if the app uses one.
    pub public_key: Option<String>,
    /// After a rotation: the previous secret, still accepted until
    /// `previous_secret_until` (Unix ms).
    pub previous_secret_sealed: Option<String>,
    pub previous_secret_until: Option<i64>,
}

crate::from_row!(AppRow {
    id,
    merchant_id,
    name,
    secret_sealed,
    webhook_secret_sealed,
    notify_url,
    status,
    created_at,
    public_key,
    previous_secret_sealed,
    previous_secret_until
});

const APP_COLUMNS: &str = "id, merchant_id, name, secret_sealed, webhook_secret_sealed, notify_url, status, created_at, \
    public_key, previous_secret_sealed, previous_secret_until";

pub async fn insert_merchant(tx: Tx<'_>, id: &str, name: &str, wallet_fee_bps: i64) -> Result<(), StoreError> {
    query(
        "INSERT INTO merchants (id, name, status, wallet_fee_bps, created_at) VALUES ($1, $2, 'active', $3, $4) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(name)
    .bind(wallet_fee_bps)
    .bind(now_ms())
    .execute(tx)
    .await?;
    Ok(())
}

pub struct NewApp<'a> {
    pub id: &'a str,
    pub merchant_id: &'a str,
    pub name: &'a str,
    pub secret_sealed: &'a str,
    pub webhook_secret_sealed: &'a str,
    pub notify_url: Option<&'a str>,
}

pub async fn insert_app(tx: Tx<'_>, app: NewApp<'_>) -> Result<(), StoreError> {
    query(
        "INSERT INTO apps (id, merchant_id, name, secret_sealed, webhook_secret_sealed, notify_url, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'active', $7) ON CONFLICT (id) DO NOTHING",
    )
    .bind(app.id)
    .bind(app.merchant_id)
    .bind(app.name)
    .bind(app.secret_sealed)
    .bind(app.webhook_secret_sealed)
    .bind(app.notify_url)
    .bind(now_ms())
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn get_merchant(pool: &AnyPool, id: &str) -> Result<Option<MerchantRow>, StoreError> {
    Ok(
        sqlx::query_as(&format!("SELECT {MERCHANT_COLUMNS} FROM merchants WHERE id = $1"))
            .bind(id)
            .fetch_optional(pool)
            .await?,
    )
}

pub async fn get_merchant_tx(tx: Tx<'_>, id: &str) -> Result<Option<MerchantRow>, StoreError> {
    query(format!("SELECT {MERCHANT_COLUMNS} FROM merchants WHERE id = $1"))
        .bind(id)
        .fetch_optional(tx)
        .await
}

pub async fn get_app(pool: &AnyPool, id: &str) -> Result<Option<AppRow>, StoreError> {
    Ok(sqlx::query_as(&format!("SELECT {APP_COLUMNS} FROM apps WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?)
}

pub async fn get_app_tx(tx: Tx<'_>, id: &str) -> Result<Option<AppRow>, StoreError> {
    query(format!("SELECT {APP_COLUMNS} FROM apps WHERE id = $1"))
        .bind(id)
        .fetch_optional(tx)
        .await
}

/// Sets (or, with `None`, removes) the app's public key; false if no such app.
pub async fn set_app_public_key(tx: Tx<'_>, app_id: &str, public_key: Option<&str>) -> Result<bool, StoreError> {
    let n = query("UPDATE apps SET public_key = $1 WHERE id = $2")
        .bind(public_key)
        .bind(app_id)
        .execute(tx)
        .await?;
    Ok(n == 1)
}

/// Every merchant, by name (the platform's list), optionally only those
/// whose name or id contains `search`.
pub async fn list_merchants(pool: &AnyPool, search: Option<&str>) -> Result<Vec<MerchantRow>, StoreError> {
    let like = search.map(|s| format!("%{}%", crate::audit::escape_like(&s.to_lowercase())));
    Ok(sqlx::query_as(&format!(
        "SELECT {MERCHANT_COLUMNS} FROM merchants WHERE ($1 IS NULL OR LOWER(name) LIKE $1 ESCAPE '\\' OR LOWER(id) LIKE $1 ESCAPE '\\') \
         ORDER BY name, id"
    ))
    .bind(like)
    .fetch_all(pool)
    .await?)
}

/// What the platform edits of a merchant.
pub struct MerchantEdit<'a> {
    pub name: &'a str,
    pub contact_name: Option<&'a str>,
    pub contact_phone: Option<&'a str>,
    pub wallet_fee_bps: i64,
}

pub async fn update_merchant(tx: Tx<'_>, id: &str, e: &MerchantEdit<'_>, now: i64) -> Result<bool, StoreError> {
    let n = query(
        "UPDATE merchants SET name = $2, contact_name = $3, contact_phone = $4, wallet_fee_bps = $5, updated_at = $6 \
         WHERE id = $1",
    )
    .bind(id)
    .bind(e.name)
    .bind(e.contact_name)
    .bind(e.contact_phone)
    .bind(e.wallet_fee_bps)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(n == 1)
}

/// `active` or `suspended`; a suspended merchant's apps stop working.
pub async fn set_merchant_status(tx: Tx<'_>, id: &str, status: &str, now: i64) -> Result<bool, StoreError> {
    let n = query("UPDATE merchants SET status = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(status)
        .bind(now)
        .execute(tx)
        .await?;
    Ok(n == 1)
}

pub async fn apps_of(pool: &AnyPool, merchant_id: &str) -> Result<Vec<AppRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {APP_COLUMNS} FROM apps WHERE merchant_id = $1 ORDER BY created_at, id"
    ))
    .bind(merchant_id)
    .fetch_all(pool)
    .await?)
}

/// `active` or `disabled`.
pub async fn set_app_status(tx: Tx<'_>, app_id: &str, status: &str) -> Result<bool, StoreError> {
    let n = query("UPDATE apps SET status = $2 WHERE id = $1")
        .bind(app_id)
        .bind(status)
        .execute(tx)
        .await?;
    Ok(n == 1)
}

pub async fn set_app_notify_url(tx: Tx<'_>, app_id: &str, notify_url: Option<&str>) -> Result<bool, StoreError> {
    let n = query("UPDATE apps SET notify_url = $2 WHERE id = $1")
        .bind(app_id)
        .bind(notify_url)
        .execute(tx)
        .await?;
    Ok(n == 1)
}

/// Replaces the app's secret; the one it replaces stays valid until `previous_until`.
pub async fn rotate_app_secret(
    tx: Tx<'_>,
    app_id: &str,
    secret_sealed: &str,
    previous_sealed: &str,
    previous_until: i64,
) -> Result<bool, StoreError> {
    let n = query(
        "UPDATE apps SET secret_sealed = $2, previous_secret_sealed = $3, previous_secret_until = $4 WHERE id = $1",
    )
    .bind(app_id)
    .bind(secret_sealed)
    .bind(previous_sealed)
    .bind(previous_until)
    .execute(tx)
    .await?;
    Ok(n == 1)
}
