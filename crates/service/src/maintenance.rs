//! Periodic housekeeping: close payments past their expiry, expire holds,
//! forget nonces and idempotency records whose windows have passed.

use crate::caller::Caller;
use crate::error::ServiceError;
use juhe_store::clock::now_ms;
use juhe_store::{Db, Tx, ledger, payments};

/// How long idempotency records are kept.
pub const IDEMPOTENCY_RETENTION_MS: i64 = 24 * 60 * 60 * 1000;
/// Rows deleted per purge statement, so a purge never holds the write lock long.
const PURGE_BATCH: i64 = 5_000;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SweepReport {
    pub payments_closed: usize,
    pub holds_expired: usize,
    pub nonces_purged: u64,
    pub idempotency_purged: u64,
}

/// Runs one sweep. Safe on every node at once: each change is guarded.
pub async fn sweep(db: &Db) -> Result<SweepReport, ServiceError> {
    let payments_closed = db
        .write(|tx| Box::pin(async move { close_expired_payments(tx, now_ms(), 200).await }))
        .await?;
    let holds_expired = db
        .write(|tx| {
            Box::pin(async move { Ok::<_, ServiceError>(ledger::expire_due_holds(tx, now_ms(), 200).await?.len()) })
        })
        .await?;
    let now = now_ms();
    let report = SweepReport {
        payments_closed,
        holds_expired,
        nonces_purged: db
            .write(move |tx| {
                Box::pin(async move {
                    Ok::<_, ServiceError>(juhe_store::nonces::purge_expired(tx, now, PURGE_BATCH).await?)
                })
            })
            .await?,
        idempotency_purged: db
            .write(move |tx| {
                Box::pin(async move {
                    let cutoff = now - IDEMPOTENCY_RETENTION_MS;
                    Ok::<_, ServiceError>(juhe_store::idempotency::purge_older_than(tx, cutoff, PURGE_BATCH).await?)
                })
            })
            .await?,
    };
    Ok(report)
}

async fn close_expired_payments(tx: Tx<'_>, now: i64, limit: i64) -> Result<usize, ServiceError> {
    let due = payments::due_for_expiry(&mut *tx, now, limit).await?;
    let mut closed = 0;
    for p in due {
        let caller = Caller::of_app(&mut *tx, &p.merchant_id, &p.app_id).await?;
        crate::payments::close(&mut *tx, &caller, &p.id).await?;
        closed += 1;
    }
    Ok(closed)
}
