//! Attempts of payments at channels.

use crate::db::Tx;
use crate::error::StoreError;
use crate::sql::query;

/// What juhe knows of an attempt.
pub mod status {
    /// Recorded, the channel call is (or was, before a crash) under way.
    pub const SENDING: &str = "sending";
    /// The channel has the order and waits for the payer (QR shown).
    pub const AWAITING_PAYER: &str = "awaiting_payer";
    /// The payer is confirming at the channel.
    pub const PAYING: &str = "paying";
    /// The outcome of the call is unknown; resolved by query / reversal.
    pub const UNKNOWN: &str = "unknown";
    pub const SUCCEEDED: &str = "succeeded";
    /// Definitely no money taken (declined, not sent).
    pub const FAILED: &str = "failed";
    /// Closed or reversed at the channel.
    pub const CLOSED: &str = "closed";

    /// Statuses from which the attempt can still take money.
    pub fn is_open(s: &str) -> bool {
        matches!(s, SENDING | AWAITING_PAYER | PAYING | UNKNOWN)
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttemptRow {
    pub id: String,
    pub payment_id: String,
    pub seq: i64,
    pub config_id: String,
    pub channel: String,
    pub channel_order_no: String,
    pub status: String,
    pub channel_trade_no: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

crate::from_row!(AttemptRow {
    id,
    payment_id,
    seq,
    config_id,
    channel,
    channel_order_no,
    status,
    channel_trade_no,
    error_code,
    error_message,
    created_at,
    updated_at
});

const COLUMNS: &str = "id, payment_id, seq, config_id, channel, channel_order_no, status, channel_trade_no, \
    error_code, error_message, created_at, updated_at";

pub async fn insert(tx: Tx<'_>, a: &AttemptRow) -> Result<(), StoreError> {
    query(format!(
        "INSERT INTO payment_attempts ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    ))
    .bind(&a.id)
    .bind(&a.payment_id)
    .bind(a.seq)
    .bind(&a.config_id)
    .bind(&a.channel)
    .bind(&a.channel_order_no)
    .bind(&a.status)
    .bind(&a.channel_trade_no)
    .bind(&a.error_code)
    .bind(&a.error_message)
    .bind(a.created_at)
    .bind(a.updated_at)
    .execute(tx)
    .await?;
    Ok(())
}

pub struct AttemptChange<'a> {
    pub id: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    pub channel_trade_no: Option<&'a str>,
    pub error_code: Option<&'a str>,
    pub error_message: Option<&'a str>,
    pub now: i64,
}

/// Guarded change; false if the attempt was no longer in `from`.
pub async fn change(tx: Tx<'_>, c: AttemptChange<'_>) -> Result<bool, StoreError> {
    let n = query(
        "UPDATE payment_attempts SET status = $1, channel_trade_no = COALESCE($2, channel_trade_no), \
         error_code = $3, error_message = $4, updated_at = $5 WHERE id = $6 AND status = $7",
    )
    .bind(c.to)
    .bind(c.channel_trade_no)
    .bind(c.error_code)
    .bind(c.error_message)
    .bind(c.now)
    .bind(c.id)
    .bind(c.from)
    .execute(tx)
    .await?;
    Ok(n == 1)
}

pub async fn get_tx(tx: Tx<'_>, id: &str) -> Result<Option<AttemptRow>, StoreError> {
    query(format!("SELECT {COLUMNS} FROM payment_attempts WHERE id = $1"))
        .bind(id)
        .fetch_optional(tx)
        .await
}

pub async fn by_order_no_tx(tx: Tx<'_>, channel: &str, order_no: &str) -> Result<Option<AttemptRow>, StoreError> {
    query(format!(
        "SELECT {COLUMNS} FROM payment_attempts WHERE channel = $1 AND channel_order_no = $2"
    ))
    .bind(channel)
    .bind(order_no)
    .fetch_optional(tx)
    .await
}

pub async fn of_payment_tx(tx: Tx<'_>, payment_id: &str) -> Result<Vec<AttemptRow>, StoreError> {
    query(format!(
        "SELECT {COLUMNS} FROM payment_attempts WHERE payment_id = $1 ORDER BY seq"
    ))
    .bind(payment_id)
    .fetch_all(tx)
    .await
}

/// A payment's attempts, in order (the console's timeline).
pub async fn of_payment(pool: &sqlx::AnyPool, payment_id: &str) -> Result<Vec<AttemptRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM payment_attempts WHERE payment_id = $1 ORDER BY seq"
    ))
    .bind(payment_id)
    .fetch_all(pool)
    .await?)
}
