//! Aggregates for dashboards and reports, computed by the database.
//!
//! Days are business days in a fixed offset from UTC (UTC+8 for the
//! mainland): a payment's day is `(time + offset) / 86_400_000`, integer
//! division, the same on both engines. Sums of BIGINT columns are cast
//! back to BIGINT: PostgreSQL widens them to NUMERIC.

use crate::error::StoreError;
use sqlx::{AnyPool, FromRow};

pub const DAY_MS: i64 = 86_400_000;

/// Which payments a report covers: one merchant or all (platform), and
/// optionally one site (site users).
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub merchant_id: Option<String>,
    pub site_id: Option<String>,
}

/// Succeeded payments of one day, channel, way and currency.
#[derive(Debug, Clone, FromRow)]
pub struct DayTotal {
    pub day: i64,
    pub channel: String,
    pub way: String,
    pub currency: String,
    pub count: i64,
    pub amount: i64,
    pub refunded: i64,
}

/// Succeeded payments whose success falls in `[from, to)`, by day, channel and way.
pub async fn succeeded_by_day(
    pool: &AnyPool,
    scope: &Scope,
    from: i64,
    to: i64,
    offset_ms: i64,
) -> Result<Vec<DayTotal>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT (succeeded_at + $1) / 86400000 AS day, channel, way, currency, COUNT(*) AS count, \
         CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS amount, CAST(COALESCE(SUM(refunded_amount), 0) AS BIGINT) AS refunded \
         FROM payments WHERE status = 'succeeded' AND succeeded_at >= $2 AND succeeded_at < $3 \
         AND ($4 IS NULL OR merchant_id = $4) AND ($5 IS NULL OR site_id = $5) \
         GROUP BY (succeeded_at + $1) / 86400000, channel, way, currency ORDER BY day, channel, way, currency",
    )
    .bind(offset_ms)
    .bind(from)
    .bind(to)
    .bind(&scope.merchant_id)
    .bind(&scope.site_id)
    .fetch_all(pool)
    .await?)
}

#[derive(Debug, Clone, FromRow)]
pub struct StatusCount {
    pub status: String,
    pub count: i64,
    pub amount: i64,
}

/// Payments created in `[from, to)`, by status.
pub async fn by_status(pool: &AnyPool, scope: &Scope, from: i64, to: i64) -> Result<Vec<StatusCount>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT status, COUNT(*) AS count, CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS amount FROM payments \
         WHERE created_at >= $1 AND created_at < $2 AND ($3 IS NULL OR merchant_id = $3) \
         AND ($4 IS NULL OR site_id = $4) GROUP BY status ORDER BY status",
    )
    .bind(from)
    .bind(to)
    .bind(&scope.merchant_id)
    .bind(&scope.site_id)
    .fetch_all(pool)
    .await?)
}

/// Refunds that succeeded in `[from, to)`: count and amount per currency.
pub async fn refunds_succeeded(
    pool: &AnyPool,
    scope: &Scope,
    from: i64,
    to: i64,
) -> Result<Vec<(String, i64, i64)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT r.currency, COUNT(*), CAST(COALESCE(SUM(r.amount), 0) AS BIGINT) FROM refunds r JOIN payments p ON p.id = r.payment_id \
         WHERE r.status = 'succeeded' AND r.succeeded_at >= $1 AND r.succeeded_at < $2 \
         AND ($3 IS NULL OR r.merchant_id = $3) AND ($4 IS NULL OR p.site_id = $4) GROUP BY r.currency ORDER BY r.currency",
    )
    .bind(from)
    .bind(to)
    .bind(&scope.merchant_id)
    .bind(&scope.site_id)
    .fetch_all(pool)
    .await?)
}

#[derive(Debug, Clone, FromRow)]
pub struct AttemptHealth {
    pub config_id: String,
    pub channel: String,
    pub total: i64,
    pub failed: i64,
    pub unknown: i64,
}

/// Channel attempts since `since` per configuration: how many, how many
/// failed, how many are unresolved — the recent error rate of a channel.
pub async fn attempt_health(pool: &AnyPool, since: i64) -> Result<Vec<AttemptHealth>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT config_id, channel, COUNT(*) AS total, \
         COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0) AS failed, \
         COALESCE(SUM(CASE WHEN status IN ('sending', 'unknown') THEN 1 ELSE 0 END), 0) AS unknown \
         FROM payment_attempts WHERE created_at >= $1 GROUP BY config_id, channel ORDER BY channel, config_id",
    )
    .bind(since)
    .fetch_all(pool)
    .await?)
}
