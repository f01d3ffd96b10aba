//! The outbox: events written with the state change they report, and their
//! webhook deliveries, claimed by workers with a lease so that several nodes
//! (or a restarted one) never lose or double-own a delivery.

use crate::db::Tx;
use crate::error::StoreError;
use crate::ids::new_id;
use crate::sql::query;
use sqlx::{AnyPool, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct EventRow {
    pub id: String,
    pub merchant_id: String,
    pub app_id: String,
    #[sqlx(rename = "type")]
    pub event_type: String,
    pub object_id: String,
    pub payload: String,
    pub created_at: i64,
}

/// Writes an event and, if there is somewhere to send it, its delivery.
pub async fn enqueue(tx: Tx<'_>, event: &EventRow, url: Option<&str>) -> Result<(), StoreError> {
    query(
        "INSERT INTO events (id, merchant_id, app_id, type, object_id, payload, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&event.id)
    .bind(&event.merchant_id)
    .bind(&event.app_id)
    .bind(&event.event_type)
    .bind(&event.object_id)
    .bind(&event.payload)
    .bind(event.created_at)
    .execute(&mut *tx)
    .await?;
    if let Some(url) = url.filter(|u| !u.is_empty()) {
        query(
            "INSERT INTO deliveries (id, event_id, merchant_id, app_id, url, status, attempts, next_attempt_at, \
             lease_until, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, 0, $6, $6)",
        )
        .bind(new_id("dlv"))
        .bind(&event.id)
        .bind(&event.merchant_id)
        .bind(&event.app_id)
        .bind(url)
        .bind(event.created_at)
        .execute(tx)
        .await?;
    }
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct DueDelivery {
    pub id: String,
    pub event_id: String,
    pub app_id: String,
    pub url: String,
    pub attempts: i64,
    pub lease_until: i64,
    pub payload: String,
}

crate::from_row!(DueDelivery {
    id,
    event_id,
    app_id,
    url,
    attempts,
    lease_until,
    payload
});

/// Claims up to `limit` due deliveries until `lease_until`. Portable: a
/// guarded UPDATE instead of `FOR UPDATE SKIP LOCKED`; on PostgreSQL the
/// outer conditions are re-checked on the locked row, so two nodes never
/// claim the same delivery.
pub async fn claim_due(tx: Tx<'_>, now: i64, lease_until: i64, limit: i64) -> Result<Vec<DueDelivery>, StoreError> {
    let ids: Vec<(String,)> = query(
        "UPDATE deliveries SET lease_until = $1 WHERE id IN \
         (SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= $2 AND lease_until <= $2 \
          ORDER BY next_attempt_at LIMIT $3) \
         AND status = 'pending' AND next_attempt_at <= $2 AND lease_until <= $2 RETURNING id",
    )
    .bind(lease_until)
    .bind(now)
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    let mut claimed = Vec::with_capacity(ids.len());
    for (id,) in ids {
        let row: Option<DueDelivery> = query(
            "SELECT d.id, d.event_id, d.app_id, d.url, d.attempts, d.lease_until, e.payload FROM deliveries d \
             JOIN events e ON e.id = d.event_id WHERE d.id = $1",
        )
        .bind(&id)
        .fetch_optional(&mut *tx)
        .await?;
        claimed.extend(row);
    }
    Ok(claimed)
}

/// The outcome of one attempt.
pub struct AttemptRecord<'a> {
    pub delivery_id: &'a str,
    /// The lease this worker holds; a stale worker's record is ignored.
    pub lease_until: i64,
    pub attempt: i64,
    pub started_at: i64,
    pub duration_ms: i64,
    pub status_code: Option<i64>,
    pub error: Option<&'a str>,
    /// `delivered`, `pending` (retry at `next_attempt_at`) or `exhausted`.
    pub new_status: &'a str,
    pub next_attempt_at: i64,
}

/// Records an attempt and moves the delivery on; false if the lease was lost.
pub async fn record_attempt(tx: Tx<'_>, a: &AttemptRecord<'_>) -> Result<bool, StoreError> {
    let now = a.started_at + a.duration_ms;
    let n = query(
        "UPDATE deliveries SET status = $1, attempts = $2, next_attempt_at = $3, lease_until = 0, \
         last_status_code = $4, last_error = $5, updated_at = $6, \
         delivered_at = CASE WHEN $1 = 'delivered' THEN $6 ELSE delivered_at END \
         WHERE id = $7 AND lease_until = $8 AND status = 'pending'",
    )
    .bind(a.new_status)
    .bind(a.attempt)
    .bind(a.next_attempt_at)
    .bind(a.status_code)
    .bind(a.error)
    .bind(now)
    .bind(a.delivery_id)
    .bind(a.lease_until)
    .execute(&mut *tx)
    .await?;
    if n == 0 {
        return Ok(false);
    }
    query(
        "INSERT INTO delivery_attempts (id, delivery_id, attempt, started_at, duration_ms, status_code, error) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(new_id("att"))
    .bind(a.delivery_id)
    .bind(a.attempt)
    .bind(a.started_at)
    .bind(a.duration_ms)
    .bind(a.status_code)
    .bind(a.error)
    .execute(tx)
    .await?;
    Ok(true)
}

#[derive(Debug, Clone, FromRow)]
pub struct DeliveryRow {
    pub id: String,
    pub event_id: String,
    pub url: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<i64>,
}

crate::from_row!(DeliveryRow {
    id,
    event_id,
    url,
    status,
    attempts,
    next_attempt_at,
    last_status_code,
    last_error,
    delivered_at
});

pub async fn deliveries_of_event(pool: &AnyPool, event_id: &str) -> Result<Vec<DeliveryRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, event_id, url, status, attempts, next_attempt_at, last_status_code, last_error, delivered_at \
         FROM deliveries WHERE event_id = $1",
    )
    .bind(event_id)
    .fetch_all(pool)
    .await?)
}

pub async fn events_of_object(pool: &AnyPool, object_id: &str) -> Result<Vec<EventRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, merchant_id, app_id, type, object_id, payload, created_at FROM events WHERE object_id = $1 ORDER BY id",
    )
    .bind(object_id)
    .fetch_all(pool)
    .await?)
}

/// Counts by delivery status, for /metrics and the crash test.
pub async fn delivery_counts(pool: &AnyPool) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(
        sqlx::query_as("SELECT status, COUNT(*) FROM deliveries GROUP BY status ORDER BY status")
            .fetch_all(pool)
            .await?,
    )
}

/// A delivery with what it carries, for the operations pages.
#[derive(Debug, Clone, FromRow)]
pub struct DeliveryListRow {
    pub id: String,
    pub event_id: String,
    pub merchant_id: String,
    pub event_type: String,
    pub object_id: String,
    pub url: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<i64>,
    pub created_at: i64,
}

crate::from_row!(DeliveryListRow {
    id,
    event_id,
    merchant_id,
    event_type,
    object_id,
    url,
    status,
    attempts,
    next_attempt_at,
    last_status_code,
    last_error,
    delivered_at,
    created_at
});

const DELIVERY_LIST_COLUMNS: &str = "d.id, d.event_id, d.merchant_id, e.type AS event_type, e.object_id, d.url, d.status, \
    d.attempts, d.next_attempt_at, d.last_status_code, d.last_error, d.delivered_at, d.created_at";

/// Which deliveries the operations page lists.
#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter {
    pub merchant_id: Option<String>,
    /// `pending`, `delivered`, `exhausted`, or `failing` (pending after at
    /// least one failed attempt, or exhausted).
    pub status: Option<String>,
    pub before_id: Option<String>,
    pub limit: i64,
}

/// Newest first.
pub async fn list_deliveries(pool: &AnyPool, f: &DeliveryFilter) -> Result<Vec<DeliveryListRow>, StoreError> {
    let failing = f.status.as_deref() == Some("failing");
    let status = if failing { None } else { f.status.clone() };
    Ok(sqlx::query_as(&format!(
        "SELECT {DELIVERY_LIST_COLUMNS} FROM deliveries d JOIN events e ON e.id = d.event_id \
         WHERE ($1 IS NULL OR d.merchant_id = $1) AND ($2 IS NULL OR d.status = $2) \
         AND ($3 = 0 OR d.status = 'exhausted' OR (d.status = 'pending' AND d.attempts > 0)) \
         AND ($4 IS NULL OR d.id < $4) ORDER BY d.id DESC LIMIT $5"
    ))
    .bind(&f.merchant_id)
    .bind(status)
    .bind(i64::from(failing))
    .bind(&f.before_id)
    .bind(f.limit)
    .fetch_all(pool)
    .await?)
}

/// The deliveries of the events about one object (a payment, a refund).
pub async fn deliveries_of_object(pool: &AnyPool, object_id: &str) -> Result<Vec<DeliveryListRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {DELIVERY_LIST_COLUMNS} FROM deliveries d JOIN events e ON e.id = d.event_id \
         WHERE e.object_id = $1 ORDER BY d.id"
    ))
    .bind(object_id)
    .fetch_all(pool)
    .await?)
}

pub async fn get_delivery_tx(tx: Tx<'_>, id: &str) -> Result<Option<DeliveryListRow>, StoreError> {
    query(format!(
        "SELECT {DELIVERY_LIST_COLUMNS} FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = $1"
    ))
    .bind(id)
    .fetch_optional(tx)
    .await
}

/// Queues an ended delivery (delivered or exhausted) for one more attempt
/// now; false if it is still pending (the worker has it in hand).
pub async fn resend(tx: Tx<'_>, id: &str, now: i64) -> Result<bool, StoreError> {
    let n = query(
        "UPDATE deliveries SET status = 'pending', next_attempt_at = $2, lease_until = 0, updated_at = $2 \
         WHERE id = $1 AND status IN ('delivered', 'exhausted')",
    )
    .bind(id)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(n == 1)
}

/// The backlog: deliveries waiting, how many have failed at least once,
/// how many gave up, and the oldest waiting one's creation time.
#[derive(Debug, Clone, Default)]
pub struct Backlog {
    pub pending: i64,
    pub retrying: i64,
    pub exhausted: i64,
    pub oldest_pending_at: Option<i64>,
}

pub async fn backlog(pool: &AnyPool, merchant_id: Option<&str>) -> Result<Backlog, StoreError> {
    let row: (i64, i64, i64, Option<i64>) = sqlx::query_as(
        "SELECT \
         COALESCE(SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN status = 'pending' AND attempts > 0 THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN status = 'exhausted' THEN 1 ELSE 0 END), 0), \
         MIN(CASE WHEN status = 'pending' THEN created_at END) \
         FROM deliveries WHERE ($1 IS NULL OR merchant_id = $1)",
    )
    .bind(merchant_id)
    .fetch_one(pool)
    .await?;
    Ok(Backlog {
        pending: row.0,
        retrying: row.1,
        exhausted: row.2,
        oldest_pending_at: row.3,
    })
}

#[derive(Debug, Clone, FromRow)]
pub struct DeliveryAttemptRow {
    pub attempt: i64,
    pub started_at: i64,
    pub duration_ms: i64,
    pub status_code: Option<i64>,
    pub error: Option<String>,
}

pub async fn attempts_of_delivery(pool: &AnyPool, delivery_id: &str) -> Result<Vec<DeliveryAttemptRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT attempt, started_at, duration_ms, status_code, error FROM delivery_attempts \
         WHERE delivery_id = $1 ORDER BY attempt",
    )
    .bind(delivery_id)
    .fetch_all(pool)
    .await?)
}

pub async fn get_delivery(pool: &AnyPool, id: &str) -> Result<Option<DeliveryListRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {DELIVERY_LIST_COLUMNS} FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?)
}
