//! Roles: the built-in ones (rows exist so users can reference them; their
//! permissions come from code) and custom roles of the platform or of a
//! merchant, with their permission codes.

use crate::db::Tx;
use crate::error::StoreError;
use crate::sql::query;
use sqlx::{AnyPool, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct RoleRow {
    pub id: String,
    /// `platform` or a merchant id.
    pub owner: String,
    pub name: String,
    /// The scope of users it is for: platform | merchant | site.
    pub scope: String,
    pub builtin: i64,
    /// Space-separated permission codes (custom roles).
    pub permissions: String,
    pub created_at: i64,
    pub updated_at: i64,
}

crate::from_row!(RoleRow {
    id,
    owner,
    name,
    scope,
    builtin,
    permissions,
    created_at,
    updated_at
});

const COLUMNS: &str = "id, owner, name, scope, builtin, permissions, created_at, updated_at";

pub async fn insert(tx: Tx<'_>, r: &RoleRow) -> Result<(), StoreError> {
    query(format!(
        "INSERT INTO roles ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    ))
    .bind(&r.id)
    .bind(&r.owner)
    .bind(&r.name)
    .bind(&r.scope)
    .bind(r.builtin)
    .bind(&r.permissions)
    .bind(r.created_at)
    .bind(r.updated_at)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn update(tx: Tx<'_>, id: &str, name: &str, permissions: &str, now: i64) -> Result<(), StoreError> {
    query("UPDATE roles SET name = $2, permissions = $3, updated_at = $4 WHERE id = $1 AND builtin = 0")
        .bind(id)
        .bind(name)
        .bind(permissions)
        .bind(now)
        .execute(tx)
        .await?;
    Ok(())
}

pub async fn delete(tx: Tx<'_>, id: &str) -> Result<(), StoreError> {
    query("DELETE FROM roles WHERE id = $1 AND builtin = 0")
        .bind(id)
        .execute(tx)
        .await?;
    Ok(())
}

pub async fn get(pool: &AnyPool, id: &str) -> Result<Option<RoleRow>, StoreError> {
    Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM roles WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?)
}

pub async fn get_tx(tx: Tx<'_>, id: &str) -> Result<Option<RoleRow>, StoreError> {
    query(format!("SELECT {COLUMNS} FROM roles WHERE id = $1"))
        .bind(id)
        .fetch_optional(tx)
        .await
}

pub async fn by_name_tx(tx: Tx<'_>, owner: &str, name: &str) -> Result<Option<RoleRow>, StoreError> {
    query(format!("SELECT {COLUMNS} FROM roles WHERE owner = $1 AND name = $2"))
        .bind(owner)
        .bind(name)
        .fetch_optional(tx)
        .await
}

/// The roles visible to an owner: the built-in ones and the owner's own.
pub async fn visible_to(pool: &AnyPool, owner: &str) -> Result<Vec<RoleRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM roles WHERE builtin = 1 OR owner = $1 ORDER BY builtin DESC, name"
    ))
    .bind(owner)
    .fetch_all(pool)
    .await?)
}

/// Several roles by id (a user's roles).
pub async fn many(pool: &AnyPool, ids: &[String]) -> Result<Vec<RoleRow>, StoreError> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(r) = get(pool, id).await? {
            out.push(r);
        }
    }
    Ok(out)
}

pub async fn many_tx(tx: Tx<'_>, ids: &[String]) -> Result<Vec<RoleRow>, StoreError> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(r) = get_tx(&mut *tx, id).await? {
            out.push(r);
        }
    }
    Ok(out)
}
