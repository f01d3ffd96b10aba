//! Refunds as stored.

use crate::db::Tx;
use crate::error::StoreError;
use crate::sql::query;
use sqlx::{AnyPool, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct RefundRow {
    pub id: String,
    pub merchant_id: String,
    pub app_id: String,
    pub payment_id: String,
    pub merchant_refund_no: String,
    pub amount: i64,
    pub currency: String,
    pub reason: Option<String>,
    pub status: String,
    pub fee_refund: i64,
    pub fingerprint: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub succeeded_at: Option<i64>,
    pub channel_refund_id: Option<String>,
    pub failure_code: Option<String>,
    pub failure_message: Option<String>,
}

crate::from_row!(RefundRow {
    id,
    merchant_id,
    app_id,
    payment_id,
    merchant_refund_no,
    amount,
    currency,
    reason,
    status,
    fee_refund,
    fingerprint,
    created_at,
    updated_at,
    succeeded_at,
    channel_refund_id,
    failure_code,
    failure_message
});

const COLUMNS: &str = "id, merchant_id, app_id, payment_id, merchant_refund_no, amount, currency, reason, status, \
    fee_refund, fingerprint, created_at, updated_at, succeeded_at, channel_refund_id, failure_code, failure_message";

pub async fn insert(tx: Tx<'_>, r: &RefundRow) -> Result<(), StoreError> {
    query(format!(
        "INSERT INTO refunds ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
    ))
    .bind(&r.id)
    .bind(&r.merchant_id)
    .bind(&r.app_id)
    .bind(&r.payment_id)
    .bind(&r.merchant_refund_no)
    .bind(r.amount)
    .bind(&r.currency)
    .bind(&r.reason)
    .bind(&r.status)
    .bind(r.fee_refund)
    .bind(&r.fingerprint)
    .bind(r.created_at)
    .bind(r.updated_at)
    .bind(r.succeeded_at)
    .bind(&r.channel_refund_id)
    .bind(&r.failure_code)
    .bind(&r.failure_message)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn get(pool: &AnyPool, merchant_id: &str, id: &str) -> Result<Option<RefundRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM refunds WHERE id = $1 AND merchant_id = $2"
    ))
    .bind(id)
    .bind(merchant_id)
    .fetch_optional(pool)
    .await?)
}

pub async fn get_by_refund_no_tx(tx: Tx<'_>, app_id: &str, refund_no: &str) -> Result<Option<RefundRow>, StoreError> {
    query(format!(
        "SELECT {COLUMNS} FROM refunds WHERE app_id = $1 AND merchant_refund_no = $2"
    ))
    .bind(app_id)
    .bind(refund_no)
    .fetch_optional(tx)
    .await
}

pub async fn list_for_payment(pool: &AnyPool, payment_id: &str) -> Result<Vec<RefundRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM refunds WHERE payment_id = $1 ORDER BY id"
    ))
    .bind(payment_id)
    .fetch_all(pool)
    .await?)
}

/// Guarded status change with the fee given back; false if no longer `from`.
pub async fn change_status(
    tx: Tx<'_>,
    id: &str,
    from: &str,
    to: &str,
    fee_refund: i64,
    now: i64,
) -> Result<bool, StoreError> {
    let n = query(
        "UPDATE refunds SET status = $1, fee_refund = $2, updated_at = $3, \
         succeeded_at = CASE WHEN $1 = 'succeeded' THEN $3 ELSE succeeded_at END \
         WHERE id = $4 AND status = $5",
    )
    .bind(to)
    .bind(fee_refund)
    .bind(now)
    .bind(id)
    .bind(from)
    .execute(tx)
    .await?;
    Ok(n == 1)
}

/// A refund by id for background work (no merchant scope).
pub async fn get_any_tx(tx: Tx<'_>, id: &str) -> Result<Option<RefundRow>, StoreError> {
    query(format!("SELECT {COLUMNS} FROM refunds WHERE id = $1"))
        .bind(id)
        .fetch_optional(tx)
        .await
}

/// What the channel said of the refund: its id, or why it failed.
pub async fn set_channel_result(
    tx: Tx<'_>,
    id: &str,
    channel_refund_id: Option<&str>,
    failure: Option<(&str, &str)>,
) -> Result<(), StoreError> {
    query(
        "UPDATE refunds SET channel_refund_id = COALESCE($1, channel_refund_id), failure_code = $2, \
         failure_message = $3 WHERE id = $4",
    )
    .bind(channel_refund_id)
    .bind(failure.map(|f| f.0))
    .bind(failure.map(|f| f.1))
    .bind(id)
    .execute(tx)
    .await?;
    Ok(())
}

/// The console's refund list. Times are Unix ms, `[from, to)`.
#[derive(Debug, Clone, Default)]
pub struct SearchFilter {
    pub merchant_id: String,
    /// Site users see refunds of their site's payments only.
    pub site_id: Option<String>,
    pub status: Option<String>,
    /// Exact merchant refund number, refund id or payment id.
    pub number: Option<String>,
    pub created_from: Option<i64>,
    pub created_to: Option<i64>,
    pub before_id: Option<String>,
    pub limit: i64,
}

/// Newest first.
pub async fn search(pool: &AnyPool, f: &SearchFilter) -> Result<Vec<RefundRow>, StoreError> {
    let columns = COLUMNS
        .split(", ")
        .map(|c| format!("r.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    Ok(sqlx::query_as(&format!(
        "SELECT {columns} FROM refunds r JOIN payments p ON p.id = r.payment_id WHERE r.merchant_id = $1 \
         AND ($2 IS NULL OR p.site_id = $2) AND ($3 IS NULL OR r.status = $3) \
         AND ($4 IS NULL OR r.merchant_refund_no = $4 OR r.id = $4 OR r.payment_id = $4) \
         AND ($5 IS NULL OR r.created_at >= $5) AND ($6 IS NULL OR r.created_at < $6) \
         AND ($7 IS NULL OR r.id < $7) ORDER BY r.id DESC LIMIT $8"
    ))
    .bind(&f.merchant_id)
    .bind(&f.site_id)
    .bind(&f.status)
    .bind(&f.number)
    .bind(f.created_from)
    .bind(f.created_to)
    .bind(&f.before_id)
    .bind(f.limit)
    .fetch_all(pool)
    .await?)
}
