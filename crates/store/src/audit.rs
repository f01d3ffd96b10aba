//! The audit log: one row per change, written in the change's own
//! transaction, never updated or deleted.

use crate::db::Tx;
use crate::error::StoreError;
use crate::sql::query;
use sqlx::{AnyPool, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct AuditRow {
    pub id: String,
    pub at: i64,
    pub actor_id: String,
    pub actor_name: String,
    /// The merchant whose data changed (None: platform-wide).
    pub merchant_id: Option<String>,
    /// e.g. `merchant.create`, `refund.create`, `user.update`.
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub ip: Option<String>,
}

crate::from_row!(AuditRow {
    id,
    at,
    actor_id,
    actor_name,
    merchant_id,
    action,
    object_type,
    object_id,
    before_json,
    after_json,
    ip
});

const COLUMNS: &str =
    "id, at, actor_id, actor_name, merchant_id, action, object_type, object_id, before_json, after_json, ip";

pub async fn insert(tx: Tx<'_>, a: &AuditRow) -> Result<(), StoreError> {
    query(format!(
        "INSERT INTO audit_log ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    ))
    .bind(&a.id)
    .bind(a.at)
    .bind(&a.actor_id)
    .bind(&a.actor_name)
    .bind(&a.merchant_id)
    .bind(&a.action)
    .bind(&a.object_type)
    .bind(&a.object_id)
    .bind(&a.before_json)
    .bind(&a.after_json)
    .bind(&a.ip)
    .execute(tx)
    .await?;
    Ok(())
}

/// Filters of the audit log page. Times are Unix ms, `[from, to)`.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this merchant's rows (merchant users always set it).
    pub merchant_id: Option<String>,
    pub actor: Option<String>,
    /// A prefix of the action (`refund.` matches every refund action).
    pub action_prefix: Option<String>,
    pub object_id: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub before_id: Option<String>,
    pub limit: i64,
}

/// Newest first.
pub async fn list(pool: &AnyPool, f: &AuditFilter) -> Result<Vec<AuditRow>, StoreError> {
    let action_like = f.action_prefix.as_ref().map(|p| format!("{}%", escape_like(p)));
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM audit_log WHERE ($1 IS NULL OR merchant_id = $1) \
         AND ($2 IS NULL OR actor_name = $2 OR actor_id = $2) \
         AND ($3 IS NULL OR action LIKE $3 ESCAPE '\\') \
         AND ($4 IS NULL OR object_id = $4) \
         AND ($5 IS NULL OR at >= $5) AND ($6 IS NULL OR at < $6) \
         AND ($7 IS NULL OR id < $7) ORDER BY id DESC LIMIT $8"
    ))
    .bind(&f.merchant_id)
    .bind(&f.actor)
    .bind(action_like)
    .bind(&f.object_id)
    .bind(f.from)
    .bind(f.to)
    .bind(&f.before_id)
    .bind(f.limit)
    .fetch_all(pool)
    .await?)
}

/// Escapes `%`, `_` and the escape character itself for a LIKE pattern.
pub fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The rows about one object, oldest first (a detail page's history).
pub async fn of_object(pool: &AnyPool, object_type: &str, object_id: &str) -> Result<Vec<AuditRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM audit_log WHERE object_type = $1 AND object_id = $2 ORDER BY id"
    ))
    .bind(object_type)
    .bind(object_id)
    .fetch_all(pool)
    .await?)
}
