//! Merchants' channel configurations as stored (secrets stay sealed here;
//! the service opens them), and the per-day usage behind daily limits.

use crate::db::Tx;
use crate::error::StoreError;
use crate::sql::query;
use sqlx::{AnyPool, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct ChannelConfigRow {
    pub id: String,
    pub merchant_id: String,
    pub channel: String,
    pub name: String,
    pub enabled: i64,
    /// JSON object of plain parameters.
    pub params: String,
    /// JSON object of secret name -> sealed value.
    pub secrets_sealed: String,
    pub fee_bps: i64,
    pub single_limit: Option<i64>,
    pub daily_limit: Option<i64>,
    pub priority: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

crate::from_row!(ChannelConfigRow {
    id,
    merchant_id,
    channel,
    name,
    enabled,
    params,
    secrets_sealed,
    fee_bps,
    single_limit,
    daily_limit,
    priority,
    created_at,
    updated_at
});

const COLUMNS: &str = "id, merchant_id, channel, name, enabled, params, secrets_sealed, fee_bps, single_limit, \
    daily_limit, priority, created_at, updated_at";

pub async fn insert(tx: Tx<'_>, c: &ChannelConfigRow) -> Result<(), StoreError> {
    query(format!(
        "INSERT INTO channel_configs ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    ))
    .bind(&c.id)
    .bind(&c.merchant_id)
    .bind(&c.channel)
    .bind(&c.name)
    .bind(c.enabled)
    .bind(&c.params)
    .bind(&c.secrets_sealed)
    .bind(c.fee_bps)
    .bind(c.single_limit)
    .bind(c.daily_limit)
    .bind(c.priority)
    .bind(c.created_at)
    .bind(c.updated_at)
    .execute(tx)
    .await?;
    Ok(())
}

/// Replaces every mutable field; guarded by `updated_at` so two admins
/// editing at once cannot silently overwrite each other.
pub async fn update(tx: Tx<'_>, c: &ChannelConfigRow, expected_updated_at: i64) -> Result<bool, StoreError> {
    let n = query(
        "UPDATE channel_configs SET name = $1, enabled = $2, params = $3, secrets_sealed = $4, fee_bps = $5, \
         single_limit = $6, daily_limit = $7, priority = $8, updated_at = $9 \
         WHERE id = $10 AND merchant_id = $11 AND updated_at = $12",
    )
    .bind(&c.name)
    .bind(c.enabled)
    .bind(&c.params)
    .bind(&c.secrets_sealed)
    .bind(c.fee_bps)
    .bind(c.single_limit)
    .bind(c.daily_limit)
    .bind(c.priority)
    .bind(c.updated_at)
    .bind(&c.id)
    .bind(&c.merchant_id)
    .bind(expected_updated_at)
    .execute(tx)
    .await?;
    Ok(n == 1)
}

pub async fn get(pool: &AnyPool, id: &str) -> Result<Option<ChannelConfigRow>, StoreError> {
    Ok(
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM channel_configs WHERE id = $1"))
            .bind(id)
            .fetch_optional(pool)
            .await?,
    )
}

pub async fn get_tx(tx: Tx<'_>, id: &str) -> Result<Option<ChannelConfigRow>, StoreError> {
    query(format!("SELECT {COLUMNS} FROM channel_configs WHERE id = $1"))
        .bind(id)
        .fetch_optional(tx)
        .await
}

/// A merchant's configurations, all channels, by channel then priority.
pub async fn list_for_merchant(pool: &AnyPool, merchant_id: &str) -> Result<Vec<ChannelConfigRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM channel_configs WHERE merchant_id = $1 ORDER BY channel, priority DESC, id"
    ))
    .bind(merchant_id)
    .fetch_all(pool)
    .await?)
}

/// Amount taken through each of these configurations on `day`.
pub async fn usage_on(pool: &AnyPool, merchant_id: &str, day: &str) -> Result<Vec<(String, i64)>, StoreError> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT u.config_id, u.amount FROM channel_usage u JOIN channel_configs c ON c.id = u.config_id \
         WHERE c.merchant_id = $1 AND u.day = $2",
    )
    .bind(merchant_id)
    .bind(day)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

/// Adds a succeeded payment to its configuration's day.
pub async fn add_usage(tx: Tx<'_>, config_id: &str, day: &str, amount: i64) -> Result<(), StoreError> {
    query(
        "INSERT INTO channel_usage (config_id, day, amount, count) VALUES ($1, $2, $3, 1) \
         ON CONFLICT (config_id, day) DO UPDATE SET amount = channel_usage.amount + $3, count = channel_usage.count + 1",
    )
    .bind(config_id)
    .bind(day)
    .bind(amount)
    .execute(tx)
    .await?;
    Ok(())
}

/// Every merchant's configurations (the platform's channel health page).
pub async fn list_all(pool: &AnyPool) -> Result<Vec<ChannelConfigRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM channel_configs ORDER BY channel, merchant_id, priority DESC, id"
    ))
    .fetch_all(pool)
    .await?)
}
