//! The log of inbound channel notifications: every one that arrived, what
//! it said and what juhe did with it (applied, duplicate, rejected).

use crate::db::Tx;
use crate::error::StoreError;
use crate::sql::query;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NotificationRow {
    pub id: String,
    pub config_id: String,
    pub channel: String,
    pub subject: Option<String>,
    pub digest: String,
    pub outcome: String,
    pub detail: Option<String>,
    pub received_at: i64,
}

crate::from_row!(NotificationRow {
    id,
    config_id,
    channel,
    subject,
    digest,
    outcome,
    detail,
    received_at
});

const COLUMNS: &str = "id, config_id, channel, subject, digest, outcome, detail, received_at";

pub async fn insert(tx: Tx<'_>, n: &NotificationRow) -> Result<(), StoreError> {
    query(format!(
        "INSERT INTO channel_notifications ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    ))
    .bind(&n.id)
    .bind(&n.config_id)
    .bind(&n.channel)
    .bind(&n.subject)
    .bind(&n.digest)
    .bind(&n.outcome)
    .bind(&n.detail)
    .bind(n.received_at)
    .execute(tx)
    .await?;
    Ok(())
}

/// The notifications about one payment or refund, in arrival order (the
/// console's timeline).
pub async fn of_subject(pool: &sqlx::AnyPool, subject: &str) -> Result<Vec<NotificationRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM channel_notifications WHERE subject = $1 ORDER BY received_at, id"
    ))
    .bind(subject)
    .fetch_all(pool)
    .await?)
}
