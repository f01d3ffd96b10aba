//! Replay protection: a nonce may be used once per app within its window.
//! Kept in the database so that every node of a cluster sees every nonce.

use crate::db::Tx;
use crate::error::StoreError;
use crate::sql::query;

/// Records the nonce; false if this app already used it and it has not expired.
pub async fn consume(tx: Tx<'_>, app_id: &str, nonce: &str, now_ms: i64, expires_at: i64) -> Result<bool, StoreError> {
    // An expired row of the same nonce may still be there: take it over.
    let inserted = query(
        "INSERT INTO api_nonces (app_id, nonce, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (app_id, nonce) DO UPDATE SET expires_at = excluded.expires_at \
         WHERE api_nonces.expires_at < $4",
    )
    .bind(app_id)
    .bind(nonce)
    .bind(expires_at)
    .bind(now_ms)
    .execute(tx)
    .await?;
    Ok(inserted == 1)
}

/// Deletes up to `limit` nonces whose window has passed (small batches keep
/// the write lock short).
pub async fn purge_expired(tx: Tx<'_>, now_ms: i64, limit: i64) -> Result<u64, StoreError> {
    query(
        "DELETE FROM api_nonces WHERE (app_id, nonce) IN \
         (SELECT app_id, nonce FROM api_nonces WHERE expires_at < $1 LIMIT $2)",
    )
    .bind(now_ms)
    .bind(limit)
    .execute(tx)
    .await
}
