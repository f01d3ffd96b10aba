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
}

crate::from_row!(MerchantRow {
    id,
    name,
    status,
    wallet_fee_bps,
    created_at
});

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
    public_key
});

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
        sqlx::query_as("SELECT id, name, status, wallet_fee_bps, created_at FROM merchants WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?,
    )
}

pub async fn get_merchant_tx(tx: Tx<'_>, id: &str) -> Result<Option<MerchantRow>, StoreError> {
    query("SELECT id, name, status, wallet_fee_bps, created_at FROM merchants WHERE id = $1")
        .bind(id)
        .fetch_optional(tx)
        .await
}

pub async fn get_app(pool: &AnyPool, id: &str) -> Result<Option<AppRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, merchant_id, name, secret_sealed, webhook_secret_sealed, notify_url, status, created_at, \
         public_key FROM apps WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?)
}

pub async fn get_app_tx(tx: Tx<'_>, id: &str) -> Result<Option<AppRow>, StoreError> {
    query(
        "SELECT id, merchant_id, name, secret_sealed, webhook_secret_sealed, notify_url, status, created_at, \
         public_key FROM apps WHERE id = $1",
    )
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
