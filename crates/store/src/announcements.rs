//! Announcements from the platform to merchants.

use crate::db::Tx;
use crate::error::StoreError;
use crate::sql::query;
use sqlx::{AnyPool, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct AnnouncementRow {
    pub id: String,
    pub title: String,
    pub body: String,
    /// `all` or a merchant id.
    pub audience: String,
    pub created_by: String,
    pub created_at: i64,
    pub withdrawn_at: Option<i64>,
}

crate::from_row!(AnnouncementRow {
    id,
    title,
    body,
    audience,
    created_by,
    created_at,
    withdrawn_at
});

const COLUMNS: &str = "id, title, body, audience, created_by, created_at, withdrawn_at";

pub async fn insert(tx: Tx<'_>, a: &AnnouncementRow) -> Result<(), StoreError> {
    query(format!(
        "INSERT INTO announcements ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    ))
    .bind(&a.id)
    .bind(&a.title)
    .bind(&a.body)
    .bind(&a.audience)
    .bind(&a.created_by)
    .bind(a.created_at)
    .bind(a.withdrawn_at)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn get_tx(tx: Tx<'_>, id: &str) -> Result<Option<AnnouncementRow>, StoreError> {
    query(format!("SELECT {COLUMNS} FROM announcements WHERE id = $1"))
        .bind(id)
        .fetch_optional(tx)
        .await
}

pub async fn withdraw(tx: Tx<'_>, id: &str, now: i64) -> Result<bool, StoreError> {
    Ok(
        query("UPDATE announcements SET withdrawn_at = $2 WHERE id = $1 AND withdrawn_at IS NULL")
            .bind(id)
            .bind(now)
            .execute(tx)
            .await?
            == 1,
    )
}

/// Every announcement, newest first (the platform's page).
pub async fn all(pool: &AnyPool, limit: i64) -> Result<Vec<AnnouncementRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM announcements ORDER BY id DESC LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// What a merchant's users see: live announcements to everyone or to it.
pub async fn for_merchant(pool: &AnyPool, merchant_id: &str, limit: i64) -> Result<Vec<AnnouncementRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM announcements WHERE withdrawn_at IS NULL AND (audience = 'all' OR audience = $1) \
         ORDER BY id DESC LIMIT $2"
    ))
    .bind(merchant_id)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}
