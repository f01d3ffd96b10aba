//! Stored responses for `Idempotency-Key`: the same key with the same
//! request replays the stored response; with a different request it is refused.

use crate::db::Tx;
use crate::error::StoreError;
use crate::sql::query;
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct StoredResponse {
    pub request_hash: String,
    pub status_code: i64,
    pub response_body: String,
}

crate::from_row!(StoredResponse {
    request_hash,
    status_code,
    response_body
});

pub async fn find(tx: Tx<'_>, app_id: &str, key: &str) -> Result<Option<StoredResponse>, StoreError> {
    query("SELECT request_hash, status_code, response_body FROM idempotency_keys WHERE app_id = $1 AND idem_key = $2")
        .bind(app_id)
        .bind(key)
        .fetch_optional(tx)
        .await
}

pub async fn store(
    tx: Tx<'_>,
    app_id: &str,
    key: &str,
    request_hash: &str,
    status_code: u16,
    body: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    query(
        "INSERT INTO idempotency_keys (app_id, idem_key, request_hash, status_code, response_body, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(app_id)
    .bind(key)
    .bind(request_hash)
    .bind(i64::from(status_code))
    .bind(body)
    .bind(now_ms)
    .execute(tx)
    .await?;
    Ok(())
}

/// Keys are kept for a retention period (24 h by default), then forgotten,
/// up to `limit` per call.
pub async fn purge_older_than(tx: Tx<'_>, cutoff_ms: i64, limit: i64) -> Result<u64, StoreError> {
    query(
        "DELETE FROM idempotency_keys WHERE (app_id, idem_key) IN \
         (SELECT app_id, idem_key FROM idempotency_keys WHERE created_at < $1 LIMIT $2)",
    )
    .bind(cutoff_ms)
    .bind(limit)
    .execute(tx)
    .await
}
