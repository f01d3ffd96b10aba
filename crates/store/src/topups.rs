//! Wallet top-ups as stored.

use crate::db::Tx;
use crate::error::StoreError;
use crate::sql::query;
use sqlx::{AnyPool, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct TopupRow {
    pub id: String,
    pub merchant_id: String,
    pub app_id: String,
    pub customer_id: String,
    pub merchant_topup_no: String,
    pub amount: i64,
    pub currency: String,
    pub channel: String,
    pub status: String,
    pub fingerprint: String,
    pub created_at: i64,
}

crate::from_row!(TopupRow {
    id,
    merchant_id,
    app_id,
    customer_id,
    merchant_topup_no,
    amount,
    currency,
    channel,
    status,
    fingerprint,
    created_at
});

const COLUMNS: &str = "id, merchant_id, app_id, customer_id, merchant_topup_no, amount, currency, channel, status, fingerprint, created_at";

pub async fn insert(tx: Tx<'_>, t: &TopupRow) -> Result<(), StoreError> {
    query(format!(
        "INSERT INTO topups ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    ))
    .bind(&t.id)
    .bind(&t.merchant_id)
    .bind(&t.app_id)
    .bind(&t.customer_id)
    .bind(&t.merchant_topup_no)
    .bind(t.amount)
    .bind(&t.currency)
    .bind(&t.channel)
    .bind(&t.status)
    .bind(&t.fingerprint)
    .bind(t.created_at)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn get(pool: &AnyPool, merchant_id: &str, id: &str) -> Result<Option<TopupRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM topups WHERE id = $1 AND merchant_id = $2"
    ))
    .bind(id)
    .bind(merchant_id)
    .fetch_optional(pool)
    .await?)
}

pub async fn get_by_topup_no_tx(tx: Tx<'_>, app_id: &str, topup_no: &str) -> Result<Option<TopupRow>, StoreError> {
    query(format!(
        "SELECT {COLUMNS} FROM topups WHERE app_id = $1 AND merchant_topup_no = $2"
    ))
    .bind(app_id)
    .bind(topup_no)
    .fetch_optional(tx)
    .await
}
