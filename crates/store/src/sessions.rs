//! Console sessions. The cookie carries a random token; the row's id is its
//! SHA-256, so the table alone does not let anyone sign in.

use crate::db::Tx;
use crate::error::StoreError;
use crate::sql::query;
use sqlx::{AnyPool, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct SessionRow {
    pub id: String,
    pub user_id: String,
    pub csrf_token: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub ended_at: Option<i64>,
}

crate::from_row!(SessionRow {
    id,
    user_id,
    csrf_token,
    created_at,
    last_seen_at,
    ip,
    user_agent,
    ended_at
});

const COLUMNS: &str = "id, user_id, csrf_token, created_at, last_seen_at, ip, user_agent, ended_at";

pub async fn insert(tx: Tx<'_>, s: &SessionRow) -> Result<(), StoreError> {
    query(format!(
        "INSERT INTO console_sessions ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    ))
    .bind(&s.id)
    .bind(&s.user_id)
    .bind(&s.csrf_token)
    .bind(s.created_at)
    .bind(s.last_seen_at)
    .bind(&s.ip)
    .bind(&s.user_agent)
    .bind(s.ended_at)
    .execute(tx)
    .await?;
    Ok(())
}

/// A live (not ended) session by its id.
pub async fn get_live(pool: &AnyPool, id: &str) -> Result<Option<SessionRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM console_sessions WHERE id = $1 AND ended_at IS NULL"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?)
}

pub async fn touch(tx: Tx<'_>, id: &str, now: i64) -> Result<(), StoreError> {
    query("UPDATE console_sessions SET last_seen_at = $2 WHERE id = $1 AND ended_at IS NULL")
        .bind(id)
        .bind(now)
        .execute(tx)
        .await?;
    Ok(())
}

pub async fn end(tx: Tx<'_>, id: &str, now: i64) -> Result<(), StoreError> {
    query("UPDATE console_sessions SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL")
        .bind(id)
        .bind(now)
        .execute(tx)
        .await?;
    Ok(())
}

/// Ends every live session of a user but `keep` (sign out everywhere, a
/// password change, a disabled account); the number ended.
pub async fn end_all_of_user(tx: Tx<'_>, user_id: &str, keep: Option<&str>, now: i64) -> Result<u64, StoreError> {
    query("UPDATE console_sessions SET ended_at = $2 WHERE user_id = $1 AND ended_at IS NULL AND ($3 IS NULL OR id <> $3)")
        .bind(user_id)
        .bind(now)
        .bind(keep)
        .execute(tx)
        .await
}

/// A user's live sessions, newest first.
pub async fn live_of_user(pool: &AnyPool, user_id: &str) -> Result<Vec<SessionRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM console_sessions WHERE user_id = $1 AND ended_at IS NULL ORDER BY created_at DESC"
    ))
    .bind(user_id)
    .fetch_all(pool)
    .await?)
}

/// Deletes sessions that ended (or were last seen) before `before`.
pub async fn purge(tx: Tx<'_>, before: i64) -> Result<u64, StoreError> {
    query("DELETE FROM console_sessions WHERE COALESCE(ended_at, last_seen_at) < $1")
        .bind(before)
        .execute(tx)
        .await
}
