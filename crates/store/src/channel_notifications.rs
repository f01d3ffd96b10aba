//! The log of inbound channel notifications: every one that arrived, what
//! it said and what juhe did with it (applied, duplicate, rejected).

use crate::db::Tx;
use crate::error::StoreError;
use crate::sql::query;

#[derive(Debug, Clone)]
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
