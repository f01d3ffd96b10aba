//! Customers (payers) of a merchant.

use crate::db::Tx;
use crate::error::StoreError;
use crate::sql::query;
use sqlx::{AnyPool, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct CustomerRow {
    pub id: String,
    pub merchant_id: String,
    pub name: String,
    pub phone: Option<String>,
    pub external_id: Option<String>,
    pub created_at: i64,
}

crate::from_row!(CustomerRow {
    id,
    merchant_id,
    name,
    phone,
    external_id,
    created_at
});

const COLUMNS: &str = "id, merchant_id, name, phone, external_id, created_at";

pub async fn insert(tx: Tx<'_>, row: &CustomerRow) -> Result<(), StoreError> {
    query(
        "INSERT INTO customers (id, merchant_id, name, phone, external_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&row.id)
    .bind(&row.merchant_id)
    .bind(&row.name)
    .bind(&row.phone)
    .bind(&row.external_id)
    .bind(row.created_at)
    .execute(tx)
    .await?;
    Ok(())
}

/// A customer of `merchant_id`; another merchant's customer is not found.
pub async fn get(pool: &AnyPool, merchant_id: &str, id: &str) -> Result<Option<CustomerRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM customers WHERE id = $1 AND merchant_id = $2"
    ))
    .bind(id)
    .bind(merchant_id)
    .fetch_optional(pool)
    .await?)
}

pub async fn get_tx(tx: Tx<'_>, merchant_id: &str, id: &str) -> Result<Option<CustomerRow>, StoreError> {
    query(format!(
        "SELECT {COLUMNS} FROM customers WHERE id = $1 AND merchant_id = $2"
    ))
    .bind(id)
    .bind(merchant_id)
    .fetch_optional(tx)
    .await
}

pub async fn get_by_external_id(
    tx: Tx<'_>,
    merchant_id: &str,
    external_id: &str,
) -> Result<Option<CustomerRow>, StoreError> {
    query(format!(
        "SELECT {COLUMNS} FROM customers WHERE merchant_id = $1 AND external_id = $2"
    ))
    .bind(merchant_id)
    .bind(external_id)
    .fetch_optional(tx)
    .await
}

/// A merchant's customers, newest first; `search` matches the name, phone
/// or external id (case-insensitive, anywhere in the text).
pub async fn list(
    pool: &AnyPool,
    merchant_id: &str,
    search: Option<&str>,
    before_id: Option<&str>,
    limit: i64,
) -> Result<Vec<CustomerRow>, StoreError> {
    let like = search.map(|s| format!("%{}%", crate::audit::escape_like(&s.to_lowercase())));
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM customers WHERE merchant_id = $1 \
         AND ($2 IS NULL OR LOWER(name) LIKE $2 ESCAPE '\\' OR phone LIKE $2 ESCAPE '\\' OR LOWER(external_id) LIKE $2 ESCAPE '\\') \
         AND ($3 IS NULL OR id < $3) ORDER BY id DESC LIMIT $4"
    ))
    .bind(merchant_id)
    .bind(like)
    .bind(before_id)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}
