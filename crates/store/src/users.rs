//! Console users, their roles and their single permission grants / denials.

use crate::db::Tx;
use crate::error::StoreError;
use crate::sql::query;
use sqlx::{AnyPool, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub display_name: String,
    /// platform | merchant | site
    pub scope: String,
    pub merchant_id: Option<String>,
    pub site_id: Option<String>,
    pub password_hash: String,
    pub locale: String,
    /// active | disabled
    pub status: String,
    pub failed_logins: i64,
    pub locked_until: i64,
    pub password_changed_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

crate::from_row!(UserRow {
    id,
    username,
    display_name,
    scope,
    merchant_id,
    site_id,
    password_hash,
    locale,
    status,
    failed_logins,
    locked_until,
    password_changed_at,
    created_at,
    updated_at
});

const COLUMNS: &str = "id, username, display_name, scope, merchant_id, site_id, password_hash, locale, status, \
    failed_logins, locked_until, password_changed_at, created_at, updated_at";

pub async fn insert(tx: Tx<'_>, u: &UserRow) -> Result<(), StoreError> {
    query(format!(
        "INSERT INTO users ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    ))
    .bind(&u.id)
    .bind(&u.username)
    .bind(&u.display_name)
    .bind(&u.scope)
    .bind(&u.merchant_id)
    .bind(&u.site_id)
    .bind(&u.password_hash)
    .bind(&u.locale)
    .bind(&u.status)
    .bind(u.failed_logins)
    .bind(u.locked_until)
    .bind(u.password_changed_at)
    .bind(u.created_at)
    .bind(u.updated_at)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn get(pool: &AnyPool, id: &str) -> Result<Option<UserRow>, StoreError> {
    Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?)
}

pub async fn get_tx(tx: Tx<'_>, id: &str) -> Result<Option<UserRow>, StoreError> {
    query(format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(tx)
        .await
}

pub async fn by_username(pool: &AnyPool, username: &str) -> Result<Option<UserRow>, StoreError> {
    Ok(
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE username = $1"))
            .bind(username)
            .fetch_optional(pool)
            .await?,
    )
}

pub async fn by_username_tx(tx: Tx<'_>, username: &str) -> Result<Option<UserRow>, StoreError> {
    query(format!("SELECT {COLUMNS} FROM users WHERE username = $1"))
        .bind(username)
        .fetch_optional(tx)
        .await
}

/// Users of a merchant (merchant and site users), or the platform's when
/// `merchant_id` is None; by user name.
pub async fn list(pool: &AnyPool, merchant_id: Option<&str>) -> Result<Vec<UserRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM users WHERE ($1 IS NULL AND merchant_id IS NULL) OR merchant_id = $1 ORDER BY username"
    ))
    .bind(merchant_id)
    .fetch_all(pool)
    .await?)
}

/// Is there any platform user at all (first start)?
pub async fn any_platform_user(pool: &AnyPool) -> Result<bool, StoreError> {
    let n: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users WHERE scope = 'platform'")
        .fetch_one(pool)
        .await?;
    Ok(n.0 > 0)
}

/// Sign-in counters after an attempt.
pub async fn set_login_counters(
    tx: Tx<'_>,
    id: &str,
    failed_logins: i64,
    locked_until: i64,
    now: i64,
) -> Result<(), StoreError> {
    query("UPDATE users SET failed_logins = $2, locked_until = $3, updated_at = $4 WHERE id = $1")
        .bind(id)
        .bind(failed_logins)
        .bind(locked_until)
        .bind(now)
        .execute(tx)
        .await?;
    Ok(())
}

pub async fn set_password(tx: Tx<'_>, id: &str, password_hash: &str, now: i64) -> Result<(), StoreError> {
    query(
        "UPDATE users SET password_hash = $2, password_changed_at = $3, failed_logins = 0, locked_until = 0, \
         updated_at = $3 WHERE id = $1",
    )
    .bind(id)
    .bind(password_hash)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

/// What an administrator may change of a user (not their scope, not their password).
pub struct UserEdit<'a> {
    pub display_name: &'a str,
    pub locale: &'a str,
    pub status: &'a str,
}

pub async fn update(tx: Tx<'_>, id: &str, e: &UserEdit<'_>, now: i64) -> Result<(), StoreError> {
    query("UPDATE users SET display_name = $2, locale = $3, status = $4, updated_at = $5 WHERE id = $1")
        .bind(id)
        .bind(e.display_name)
        .bind(e.locale)
        .bind(e.status)
        .bind(now)
        .execute(tx)
        .await?;
    Ok(())
}

pub async fn set_locale(tx: Tx<'_>, id: &str, locale: &str, now: i64) -> Result<(), StoreError> {
    query("UPDATE users SET locale = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(locale)
        .bind(now)
        .execute(tx)
        .await?;
    Ok(())
}

/// An administrator lifts a lock.
pub async fn unlock(tx: Tx<'_>, id: &str, now: i64) -> Result<(), StoreError> {
    set_login_counters(tx, id, 0, 0, now).await
}

// --- roles of a user ---------------------------------------------------------

pub async fn role_ids(pool: &AnyPool, user_id: &str) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String,)> = sqlx::query_as("SELECT role_id FROM user_roles WHERE user_id = $1 ORDER BY role_id")
        .bind(user_id)
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

pub async fn role_ids_tx(tx: Tx<'_>, user_id: &str) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String,)> = query("SELECT role_id FROM user_roles WHERE user_id = $1 ORDER BY role_id")
        .bind(user_id)
        .fetch_all(tx)
        .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Replaces the user's roles.
pub async fn set_roles(tx: Tx<'_>, user_id: &str, role_ids: &[String]) -> Result<(), StoreError> {
    query("DELETE FROM user_roles WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    for role in role_ids {
        query("INSERT INTO user_roles (user_id, role_id) VALUES ($1, $2) ON CONFLICT (user_id, role_id) DO NOTHING")
            .bind(user_id)
            .bind(role)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// How many users hold a role (a role in use cannot be deleted).
pub async fn holders_of_role_tx(tx: Tx<'_>, role_id: &str) -> Result<i64, StoreError> {
    let n: (i64,) = query("SELECT COUNT(*) FROM user_roles WHERE role_id = $1")
        .bind(role_id)
        .fetch_one(tx)
        .await?;
    Ok(n.0)
}

// --- single grants and denials -----------------------------------------------

/// (permission code, effect) with effect `grant` or `deny`.
pub async fn overrides(pool: &AnyPool, user_id: &str) -> Result<Vec<(String, String)>, StoreError> {
    Ok(
        sqlx::query_as("SELECT permission, effect FROM user_permissions WHERE user_id = $1 ORDER BY permission")
            .bind(user_id)
            .fetch_all(pool)
            .await?,
    )
}

pub async fn overrides_tx(tx: Tx<'_>, user_id: &str) -> Result<Vec<(String, String)>, StoreError> {
    query("SELECT permission, effect FROM user_permissions WHERE user_id = $1 ORDER BY permission")
        .bind(user_id)
        .fetch_all(tx)
        .await
}

/// Replaces the user's grants and denials.
pub async fn set_overrides(tx: Tx<'_>, user_id: &str, overrides: &[(String, String)]) -> Result<(), StoreError> {
    query("DELETE FROM user_permissions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    for (permission, effect) in overrides {
        query("INSERT INTO user_permissions (user_id, permission, effect) VALUES ($1, $2, $3)")
            .bind(user_id)
            .bind(permission)
            .bind(effect)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}
