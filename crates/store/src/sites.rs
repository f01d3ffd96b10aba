//! Sites (toll plazas, stations, outlets) and their terminals (lanes, POS,
//! kiosks, pillars, set-top boxes, nozzles, charge points).

use crate::db::Tx;
use crate::error::StoreError;
use crate::sql::query;
use sqlx::{AnyPool, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct SiteRow {
    pub id: String,
    pub merchant_id: String,
    pub name: String,
    pub kind: String,
    pub address: Option<String>,
    /// active | closed
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
}

crate::from_row!(SiteRow {
    id,
    merchant_id,
    name,
    kind,
    address,
    status,
    created_at,
    updated_at
});

const SITE_COLUMNS: &str = "id, merchant_id, name, kind, address, status, created_at, updated_at";

pub async fn insert_site(tx: Tx<'_>, s: &SiteRow) -> Result<(), StoreError> {
    query(format!(
        "INSERT INTO sites ({SITE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING"
    ))
    .bind(&s.id)
    .bind(&s.merchant_id)
    .bind(&s.name)
    .bind(&s.kind)
    .bind(&s.address)
    .bind(&s.status)
    .bind(s.created_at)
    .bind(s.updated_at)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn update_site(tx: Tx<'_>, s: &SiteRow) -> Result<(), StoreError> {
    query("UPDATE sites SET name = $3, kind = $4, address = $5, status = $6, updated_at = $7 WHERE id = $1 AND merchant_id = $2")
        .bind(&s.id)
        .bind(&s.merchant_id)
        .bind(&s.name)
        .bind(&s.kind)
        .bind(&s.address)
        .bind(&s.status)
        .bind(s.updated_at)
        .execute(tx)
        .await?;
    Ok(())
}

/// A site of `merchant_id`; another merchant's site is not found.
pub async fn get_site(pool: &AnyPool, merchant_id: &str, id: &str) -> Result<Option<SiteRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {SITE_COLUMNS} FROM sites WHERE id = $1 AND merchant_id = $2"
    ))
    .bind(id)
    .bind(merchant_id)
    .fetch_optional(pool)
    .await?)
}

pub async fn get_site_tx(tx: Tx<'_>, merchant_id: &str, id: &str) -> Result<Option<SiteRow>, StoreError> {
    query(format!(
        "SELECT {SITE_COLUMNS} FROM sites WHERE id = $1 AND merchant_id = $2"
    ))
    .bind(id)
    .bind(merchant_id)
    .fetch_optional(tx)
    .await
}

pub async fn sites_of(pool: &AnyPool, merchant_id: &str) -> Result<Vec<SiteRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {SITE_COLUMNS} FROM sites WHERE merchant_id = $1 ORDER BY name, id"
    ))
    .bind(merchant_id)
    .fetch_all(pool)
    .await?)
}

#[derive(Debug, Clone, FromRow)]
pub struct TerminalRow {
    pub id: String,
    pub merchant_id: String,
    pub site_id: String,
    pub name: String,
    pub kind: String,
    pub serial_no: String,
    /// active | disabled
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
}

crate::from_row!(TerminalRow {
    id,
    merchant_id,
    site_id,
    name,
    kind,
    serial_no,
    status,
    created_at,
    updated_at
});

const TERMINAL_COLUMNS: &str = "id, merchant_id, site_id, name, kind, serial_no, status, created_at, updated_at";

pub async fn insert_terminal(tx: Tx<'_>, t: &TerminalRow) -> Result<(), StoreError> {
    query(format!(
        "INSERT INTO terminals ({TERMINAL_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING"
    ))
    .bind(&t.id)
    .bind(&t.merchant_id)
    .bind(&t.site_id)
    .bind(&t.name)
    .bind(&t.kind)
    .bind(&t.serial_no)
    .bind(&t.status)
    .bind(t.created_at)
    .bind(t.updated_at)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn update_terminal(tx: Tx<'_>, t: &TerminalRow) -> Result<(), StoreError> {
    query(
        "UPDATE terminals SET site_id = $3, name = $4, kind = $5, serial_no = $6, status = $7, updated_at = $8 \
         WHERE id = $1 AND merchant_id = $2",
    )
    .bind(&t.id)
    .bind(&t.merchant_id)
    .bind(&t.site_id)
    .bind(&t.name)
    .bind(&t.kind)
    .bind(&t.serial_no)
    .bind(&t.status)
    .bind(t.updated_at)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn get_terminal(pool: &AnyPool, merchant_id: &str, id: &str) -> Result<Option<TerminalRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {TERMINAL_COLUMNS} FROM terminals WHERE id = $1 AND merchant_id = $2"
    ))
    .bind(id)
    .bind(merchant_id)
    .fetch_optional(pool)
    .await?)
}

pub async fn get_terminal_tx(tx: Tx<'_>, merchant_id: &str, id: &str) -> Result<Option<TerminalRow>, StoreError> {
    query(format!(
        "SELECT {TERMINAL_COLUMNS} FROM terminals WHERE id = $1 AND merchant_id = $2"
    ))
    .bind(id)
    .bind(merchant_id)
    .fetch_optional(tx)
    .await
}

pub async fn terminal_by_serial_tx(
    tx: Tx<'_>,
    merchant_id: &str,
    serial_no: &str,
) -> Result<Option<TerminalRow>, StoreError> {
    query(format!(
        "SELECT {TERMINAL_COLUMNS} FROM terminals WHERE merchant_id = $1 AND serial_no = $2"
    ))
    .bind(merchant_id)
    .bind(serial_no)
    .fetch_optional(tx)
    .await
}

/// A merchant's terminals, or one site's.
pub async fn terminals_of(
    pool: &AnyPool,
    merchant_id: &str,
    site_id: Option<&str>,
) -> Result<Vec<TerminalRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {TERMINAL_COLUMNS} FROM terminals WHERE merchant_id = $1 AND ($2 IS NULL OR site_id = $2) ORDER BY site_id, name, id"
    ))
    .bind(merchant_id)
    .bind(site_id)
    .fetch_all(pool)
    .await?)
}
