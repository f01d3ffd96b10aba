//! The external channel service directory as stored: one row per channel
//! code with its current registration (see migration 0007). The secret
//! stays sealed here; the service layer seals and opens it.

use crate::db::Tx;
use crate::error::StoreError;
use crate::sql::query;
use sqlx::{AnyPool, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct ChannelServiceRow {
    pub code: String,
    pub display_name: String,
    pub service_id: String,
    pub base_url: String,
    pub secret_sealed: String,
    /// JSON, the protocol's `capabilities` as registered.
    pub capabilities: String,
    /// JSON, the protocol's `acks` as registered.
    pub acks: String,
    pub lease_until: i64,
    pub registered_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "code, display_name, service_id, base_url, secret_sealed, capabilities, acks, lease_until, registered_at, updated_at";

/// Records the code's registration, replacing an earlier one of the code in
/// the same statement (so two nodes registering it at once leave exactly
/// one); the display name stays the first registration's.
pub async fn put(tx: Tx<'_>, r: &ChannelServiceRow) -> Result<(), StoreError> {
    query(format!(
        "INSERT INTO channel_services ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (code) DO UPDATE SET service_id = excluded.service_id, base_url = excluded.base_url, \
         secret_sealed = excluded.secret_sealed, capabilities = excluded.capabilities, acks = excluded.acks, \
         lease_until = excluded.lease_until, registered_at = excluded.registered_at, updated_at = excluded.updated_at"
    ))
    .bind(&r.code)
    .bind(&r.display_name)
    .bind(&r.service_id)
    .bind(&r.base_url)
    .bind(&r.secret_sealed)
    .bind(&r.capabilities)
    .bind(&r.acks)
    .bind(r.lease_until)
    .bind(r.registered_at)
    .bind(r.updated_at)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn by_code(pool: &AnyPool, code: &str) -> Result<Option<ChannelServiceRow>, StoreError> {
    Ok(
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM channel_services WHERE code = $1"))
            .bind(code)
            .fetch_optional(pool)
            .await?,
    )
}

pub async fn by_service_id(pool: &AnyPool, service_id: &str) -> Result<Option<ChannelServiceRow>, StoreError> {
    Ok(
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM channel_services WHERE service_id = $1"))
            .bind(service_id)
            .fetch_optional(pool)
            .await?,
    )
}

pub async fn all(pool: &AnyPool) -> Result<Vec<ChannelServiceRow>, StoreError> {
    Ok(
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM channel_services ORDER BY code"))
            .fetch_all(pool)
            .await?,
    )
}

/// Moves the lease of a current registration whose lease still runs at
/// `now` to `until`; false if there is none (never registered, replaced,
/// deregistered, or run out).
pub async fn renew(tx: Tx<'_>, service_id: &str, now: i64, until: i64) -> Result<bool, StoreError> {
    let n = query(
        "UPDATE channel_services SET lease_until = $1, updated_at = $2 WHERE service_id = $3 AND lease_until > $2",
    )
    .bind(until)
    .bind(now)
    .bind(service_id)
    .execute(tx)
    .await?;
    Ok(n == 1)
}

/// Ends the lease of a current registration at `now` (a lease already over
/// stays over); false if `service_id` is no code's registration.
pub async fn end(tx: Tx<'_>, service_id: &str, now: i64) -> Result<bool, StoreError> {
    let n = query(
        "UPDATE channel_services SET lease_until = CASE WHEN lease_until > $1 THEN $1 ELSE lease_until END, \
         updated_at = $1 WHERE service_id = $2",
    )
    .bind(now)
    .bind(service_id)
    .execute(tx)
    .await?;
    Ok(n == 1)
}
