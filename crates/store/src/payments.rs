//! Payments (orders) as stored, with guarded status changes and listing.

use crate::db::Tx;
use crate::error::StoreError;
use crate::sql::query;
use sqlx::{AnyPool, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct PaymentRow {
    pub id: String,
    pub merchant_id: String,
    pub app_id: String,
    pub merchant_order_no: String,
    pub amount: i64,
    pub currency: String,
    pub subject: String,
    pub way: String,
    pub channel: String,
    pub status: String,
    pub payer_customer_id: Option<String>,
    pub notify_url: Option<String>,
    pub metadata: Option<String>,
    pub expire_at: i64,
    pub refunded_amount: i64,
    pub refund_reserved: i64,
    pub fee: i64,
    pub fee_refunded: i64,
    pub failure_code: Option<String>,
    pub failure_message: Option<String>,
    pub fingerprint: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub succeeded_at: Option<i64>,
    pub closed_at: Option<i64>,
    /// The channel configuration of the current attempt (none for wallet).
    pub channel_config_id: Option<String>,
    /// The channel's trade number once known.
    pub channel_trade_no: Option<String>,
    /// JSON of what the payer's device needs (QR code URL, SDK params…).
    pub pay_action: Option<String>,
    /// Where the payment was taken, and (cash) by whom.
    pub terminal_id: Option<String>,
    pub site_id: Option<String>,
    pub operator_id: Option<String>,
}

crate::from_row!(PaymentRow {
    id,
    merchant_id,
    app_id,
    merchant_order_no,
    amount,
    currency,
    subject,
    way,
    channel,
    status,
    payer_customer_id,
    notify_url,
    metadata,
    expire_at,
    refunded_amount,
    refund_reserved,
    fee,
    fee_refunded,
    failure_code,
    failure_message,
    fingerprint,
    created_at,
    updated_at,
    succeeded_at,
    closed_at,
    channel_config_id,
    channel_trade_no,
    pay_action,
    terminal_id,
    site_id,
    operator_id
});

const COLUMNS: &str = "id, merchant_id, app_id, merchant_order_no, amount, currency, subject, way, channel, status, \
    payer_customer_id, notify_url, metadata, expire_at, refunded_amount, refund_reserved, fee, fee_refunded, \
    failure_code, failure_message, fingerprint, created_at, updated_at, succeeded_at, closed_at, channel_config_id, \
    channel_trade_no, pay_action, terminal_id, site_id, operator_id";

/// Inserts the payment unless the app already has one with its order
/// number; false if it did (the caller then compares with the existing one).
pub async fn insert_if_absent(tx: Tx<'_>, p: &PaymentRow) -> Result<bool, StoreError> {
    let n = query(format!(
        "INSERT INTO payments ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
         $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31) ON CONFLICT (app_id, merchant_order_no) DO NOTHING"
    ))
    .bind(&p.id)
    .bind(&p.merchant_id)
    .bind(&p.app_id)
    .bind(&p.merchant_order_no)
    .bind(p.amount)
    .bind(&p.currency)
    .bind(&p.subject)
    .bind(&p.way)
    .bind(&p.channel)
    .bind(&p.status)
    .bind(&p.payer_customer_id)
    .bind(&p.notify_url)
    .bind(&p.metadata)
    .bind(p.expire_at)
    .bind(p.refunded_amount)
    .bind(p.refund_reserved)
    .bind(p.fee)
    .bind(p.fee_refunded)
    .bind(&p.failure_code)
    .bind(&p.failure_message)
    .bind(&p.fingerprint)
    .bind(p.created_at)
    .bind(p.updated_at)
    .bind(p.succeeded_at)
    .bind(p.closed_at)
    .bind(&p.channel_config_id)
    .bind(&p.channel_trade_no)
    .bind(&p.pay_action)
    .bind(&p.terminal_id)
    .bind(&p.site_id)
    .bind(&p.operator_id)
    .execute(tx)
    .await?;
    Ok(n == 1)
}

pub async fn get(pool: &AnyPool, merchant_id: &str, id: &str) -> Result<Option<PaymentRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM payments WHERE id = $1 AND merchant_id = $2"
    ))
    .bind(id)
    .bind(merchant_id)
    .fetch_optional(pool)
    .await?)
}

pub async fn get_tx(tx: Tx<'_>, merchant_id: &str, id: &str) -> Result<Option<PaymentRow>, StoreError> {
    query(format!(
        "SELECT {COLUMNS} FROM payments WHERE id = $1 AND merchant_id = $2"
    ))
    .bind(id)
    .bind(merchant_id)
    .fetch_optional(tx)
    .await
}

pub async fn get_by_order_no_tx(tx: Tx<'_>, app_id: &str, order_no: &str) -> Result<Option<PaymentRow>, StoreError> {
    query(format!(
        "SELECT {COLUMNS} FROM payments WHERE app_id = $1 AND merchant_order_no = $2"
    ))
    .bind(app_id)
    .bind(order_no)
    .fetch_optional(tx)
    .await
}

pub async fn get_by_order_no(pool: &AnyPool, app_id: &str, order_no: &str) -> Result<Option<PaymentRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM payments WHERE app_id = $1 AND merchant_order_no = $2"
    ))
    .bind(app_id)
    .bind(order_no)
    .fetch_optional(pool)
    .await?)
}

/// A status change that only happens if the row is still in `from`.
pub struct StatusChange<'a> {
    pub id: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    pub now: i64,
}

/// Applies the change; false if the payment was no longer in `from`.
pub async fn change_status(tx: Tx<'_>, c: StatusChange<'_>) -> Result<bool, StoreError> {
    let n = query(
        "UPDATE payments SET status = $1, updated_at = $2, \
         succeeded_at = CASE WHEN $1 = 'succeeded' THEN $2 ELSE succeeded_at END, \
         closed_at = CASE WHEN $1 = 'closed' THEN $2 ELSE closed_at END \
         WHERE id = $3 AND status = $4",
    )
    .bind(c.to)
    .bind(c.now)
    .bind(c.id)
    .bind(c.from)
    .execute(tx)
    .await?;
    Ok(n == 1)
}

/// Reserves `amount` for a refund while the refundable rest covers it.
pub async fn reserve_refund(tx: Tx<'_>, id: &str, amount: i64, now: i64) -> Result<bool, StoreError> {
    let n = query(
        "UPDATE payments SET refund_reserved = refund_reserved + $1, updated_at = $2 \
         WHERE id = $3 AND status = 'succeeded' AND refund_reserved + $1 <= amount",
    )
    .bind(amount)
    .bind(now)
    .bind(id)
    .execute(tx)
    .await?;
    Ok(n == 1)
}

/// Records a succeeded refund: amount refunded and the fee it gave back.
pub async fn record_refunded(tx: Tx<'_>, id: &str, amount: i64, fee_back: i64, now: i64) -> Result<(), StoreError> {
    query(
        "UPDATE payments SET refunded_amount = refunded_amount + $1, fee_refunded = fee_refunded + $2, updated_at = $3 \
         WHERE id = $4",
    )
    .bind(amount)
    .bind(fee_back)
    .bind(now)
    .bind(id)
    .execute(tx)
    .await?;
    Ok(())
}

/// Filters of the list endpoint. Times are Unix milliseconds, `[from, to)`.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub status: Option<String>,
    pub created_from: Option<i64>,
    pub created_to: Option<i64>,
    /// Return payments with ids strictly below this (ids sort by time).
    pub before_id: Option<String>,
    pub limit: i64,
}

/// Newest first, `limit` at most.
pub async fn list(pool: &AnyPool, merchant_id: &str, f: &ListFilter) -> Result<Vec<PaymentRow>, StoreError> {
    // Optional filters are written as `($n IS NULL OR col = $n)` so the SQL
    // text is fixed (one prepared statement) and portable.
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM payments WHERE merchant_id = $1 \
         AND ($2 IS NULL OR status = $2) \
         AND ($3 IS NULL OR created_at >= $3) \
         AND ($4 IS NULL OR created_at < $4) \
         AND ($5 IS NULL OR id < $5) \
         ORDER BY id DESC LIMIT $6"
    ))
    .bind(merchant_id)
    .bind(&f.status)
    .bind(f.created_from)
    .bind(f.created_to)
    .bind(&f.before_id)
    .bind(f.limit)
    .fetch_all(pool)
    .await?)
}

/// Unpaid payments with no channel attempt, past their expiry, oldest
/// first. (A payment in `processing` is at a channel: its channel task
/// closes or reverses it there first.)
pub async fn due_for_expiry(tx: Tx<'_>, now: i64, limit: i64) -> Result<Vec<PaymentRow>, StoreError> {
    query(format!(
        "SELECT {COLUMNS} FROM payments WHERE status = 'created' AND expire_at <= $1 \
         ORDER BY expire_at LIMIT $2"
    ))
    .bind(now)
    .bind(limit)
    .fetch_all(tx)
    .await
}

/// A payment by id for background work (no merchant scope).
pub async fn get_any_tx(tx: Tx<'_>, id: &str) -> Result<Option<PaymentRow>, StoreError> {
    query(format!("SELECT {COLUMNS} FROM payments WHERE id = $1"))
        .bind(id)
        .fetch_optional(tx)
        .await
}

/// Where the payment is being paid now: channel, configuration, the
/// channel's trade number and the payer's action, as far as known.
pub struct ChannelPlacement<'a> {
    pub id: &'a str,
    pub channel: &'a str,
    pub config_id: &'a str,
    pub channel_trade_no: Option<&'a str>,
    pub pay_action: Option<&'a str>,
    pub fee: i64,
    pub now: i64,
}

pub async fn place_at_channel(tx: Tx<'_>, p: ChannelPlacement<'_>) -> Result<(), StoreError> {
    query(
        "UPDATE payments SET channel = $1, channel_config_id = $2, channel_trade_no = COALESCE($3, channel_trade_no), \
         pay_action = COALESCE($4, pay_action), fee = $5, updated_at = $6 WHERE id = $7",
    )
    .bind(p.channel)
    .bind(p.config_id)
    .bind(p.channel_trade_no)
    .bind(p.pay_action)
    .bind(p.fee)
    .bind(p.now)
    .bind(p.id)
    .execute(tx)
    .await?;
    Ok(())
}

/// Moves a payment still `processing` to another configuration for a new
/// attempt (what the previous channel said — its trade number, the payer's
/// action — no longer applies). False if the payment is no longer
/// processing. Being an UPDATE of the payment's row, it also serialises with
/// anything else deciding the payment's fate (`lock_processing`).
pub async fn move_to_channel(
    tx: Tx<'_>,
    id: &str,
    channel: &str,
    config_id: &str,
    fee: i64,
    now: i64,
) -> Result<bool, StoreError> {
    let n = query(
        "UPDATE payments SET channel = $1, channel_config_id = $2, channel_trade_no = NULL, pay_action = NULL, \
         fee = $3, updated_at = $4 WHERE id = $5 AND status = 'processing'",
    )
    .bind(channel)
    .bind(config_id)
    .bind(fee)
    .bind(now)
    .bind(id)
    .execute(tx)
    .await?;
    Ok(n == 1)
}

/// Takes the payment's row lock if it is still `processing` (an UPDATE
/// that changes nothing), so that what the transaction reads next (its
/// attempts) cannot change under it. False if it is not processing.
pub async fn lock_processing(tx: Tx<'_>, id: &str) -> Result<bool, StoreError> {
    let n = query("UPDATE payments SET updated_at = updated_at WHERE id = $1 AND status = 'processing'")
        .bind(id)
        .execute(tx)
        .await?;
    Ok(n == 1)
}

/// Records why a payment failed (with its status change to `failed`).
pub async fn set_failure(tx: Tx<'_>, id: &str, code: &str, message: &str) -> Result<(), StoreError> {
    query("UPDATE payments SET failure_code = $1, failure_message = $2 WHERE id = $3")
        .bind(code)
        .bind(message)
        .bind(id)
        .execute(tx)
        .await?;
    Ok(())
}

/// Gives back a reservation of a refund that failed.
pub async fn release_refund(tx: Tx<'_>, id: &str, amount: i64, now: i64) -> Result<(), StoreError> {
    query("UPDATE payments SET refund_reserved = refund_reserved - $1, updated_at = $2 WHERE id = $3")
        .bind(amount)
        .bind(now)
        .bind(id)
        .execute(tx)
        .await?;
    Ok(())
}

/// Everything the console's payment list can filter by. Times are Unix
/// ms, `[from, to)`; amounts are minor units, inclusive.
#[derive(Debug, Clone, Default)]
pub struct SearchFilter {
    pub merchant_id: String,
    /// Site users see only their site.
    pub site_id: Option<String>,
    pub status: Option<String>,
    pub channel: Option<String>,
    pub way: Option<String>,
    /// Exact merchant order number, payment id or channel trade number.
    pub number: Option<String>,
    pub amount_min: Option<i64>,
    pub amount_max: Option<i64>,
    /// Payments by this customer (wallet payer).
    pub customer_id: Option<String>,
    pub created_from: Option<i64>,
    pub created_to: Option<i64>,
    pub before_id: Option<String>,
    pub limit: i64,
}

/// Newest first.
pub async fn search(pool: &AnyPool, f: &SearchFilter) -> Result<Vec<PaymentRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM payments WHERE merchant_id = $1 \
         AND ($2 IS NULL OR site_id = $2) \
         AND ($3 IS NULL OR status = $3) \
         AND ($4 IS NULL OR channel = $4) \
         AND ($5 IS NULL OR way = $5) \
         AND ($6 IS NULL OR merchant_order_no = $6 OR id = $6 OR channel_trade_no = $6) \
         AND ($7 IS NULL OR amount >= $7) AND ($8 IS NULL OR amount <= $8) \
         AND ($9 IS NULL OR created_at >= $9) AND ($10 IS NULL OR created_at < $10) \
         AND ($11 IS NULL OR id < $11) \
         AND ($13 IS NULL OR payer_customer_id = $13) \
         ORDER BY id DESC LIMIT $12"
    ))
    .bind(&f.merchant_id)
    .bind(&f.site_id)
    .bind(&f.status)
    .bind(&f.channel)
    .bind(&f.way)
    .bind(&f.number)
    .bind(f.amount_min)
    .bind(f.amount_max)
    .bind(f.created_from)
    .bind(f.created_to)
    .bind(&f.before_id)
    .bind(f.limit)
    .bind(&f.customer_id)
    .fetch_all(pool)
    .await?)
}
