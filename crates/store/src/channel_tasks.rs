//! Durable channel work: resolve an attempt whose outcome is open (poll,
//! then reverse or close at the deadline), close a payment at its channel,
//! resolve a refund. Claimed with a lease so that several nodes (or a
//! restarted one) never lose or double-run a task.

use crate::db::Tx;
use crate::error::StoreError;
use crate::sql::query;

pub mod kind {
    /// Find out what happened to a payment attempt (query; reverse / close at the deadline).
    pub const RESOLVE_PAYMENT: &str = "resolve_payment";
    /// Close (or reverse) a payment at its channel, then close it here.
    pub const CLOSE_PAYMENT: &str = "close_payment";
    /// Find out what happened to a refund.
    pub const RESOLVE_REFUND: &str = "resolve_refund";
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TaskRow {
    pub id: String,
    pub kind: String,
    pub subject_id: String,
    pub status: String,
    pub due_at: i64,
    pub deadline_at: i64,
    pub tries: i64,
    pub lease_until: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

crate::from_row!(TaskRow {
    id,
    kind,
    subject_id,
    status,
    due_at,
    deadline_at,
    tries,
    lease_until,
    last_error,
    created_at,
    updated_at
});

const COLUMNS: &str =
    "id, kind, subject_id, status, due_at, deadline_at, tries, lease_until, last_error, created_at, updated_at";

/// The id of the task of `kind` for `subject_id` (one per pair).
pub fn task_id(kind: &str, subject_id: &str) -> String {
    format!("{kind}:{subject_id}")
}

/// Arms the task for `subject_id` (creating it, or re-arming a finished one).
pub async fn arm(
    tx: Tx<'_>,
    kind: &str,
    subject_id: &str,
    due_at: i64,
    deadline_at: i64,
    now: i64,
) -> Result<(), StoreError> {
    query(format!(
        "INSERT INTO channel_tasks ({COLUMNS}) VALUES ($1, $2, $3, 'pending', $4, $5, 0, 0, NULL, $6, $6) \
         ON CONFLICT (id) DO UPDATE SET status = 'pending', due_at = $4, deadline_at = $5, updated_at = $6"
    ))
    .bind(task_id(kind, subject_id))
    .bind(kind)
    .bind(subject_id)
    .bind(due_at)
    .bind(deadline_at)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

/// Claims up to `limit` due tasks until `lease_until`.
pub async fn claim_due(tx: Tx<'_>, now: i64, lease_until: i64, limit: i64) -> Result<Vec<TaskRow>, StoreError> {
    let due: Vec<TaskRow> = query(format!(
        "SELECT {COLUMNS} FROM channel_tasks WHERE status = 'pending' AND due_at <= $1 AND lease_until <= $1 \
         ORDER BY due_at LIMIT $2"
    ))
    .bind(now)
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    let mut claimed = Vec::with_capacity(due.len());
    for mut t in due {
        // Guarded on the lease we read: another node that claimed it first wins.
        let n =
            query("UPDATE channel_tasks SET lease_until = $1, tries = tries + 1 WHERE id = $2 AND lease_until = $3")
                .bind(lease_until)
                .bind(&t.id)
                .bind(t.lease_until)
                .execute(&mut *tx)
                .await?;
        if n == 1 {
            t.lease_until = lease_until;
            t.tries += 1;
            claimed.push(t);
        }
    }
    Ok(claimed)
}

/// Schedules the next try (releasing the lease), remembering why.
pub async fn reschedule(
    tx: Tx<'_>,
    id: &str,
    due_at: i64,
    last_error: Option<&str>,
    now: i64,
) -> Result<(), StoreError> {
    query("UPDATE channel_tasks SET due_at = $1, lease_until = 0, last_error = $2, updated_at = $3 WHERE id = $4")
        .bind(due_at)
        .bind(last_error)
        .bind(now)
        .bind(id)
        .execute(tx)
        .await?;
    Ok(())
}

/// Finishes the task of `kind` for `subject_id`, if any.
pub async fn finish_for(tx: Tx<'_>, kind: &str, subject_id: &str, now: i64) -> Result<(), StoreError> {
    finish(tx, &task_id(kind, subject_id), now).await
}

pub async fn finish(tx: Tx<'_>, id: &str, now: i64) -> Result<(), StoreError> {
    query("UPDATE channel_tasks SET status = 'done', lease_until = 0, updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(tx)
        .await?;
    Ok(())
}

/// The follow-up work on one attempt or refund (the console's timeline).
pub async fn of_subject(pool: &sqlx::AnyPool, subject_id: &str) -> Result<Vec<TaskRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM channel_tasks WHERE subject_id = $1 ORDER BY created_at, id"
    ))
    .bind(subject_id)
    .fetch_all(pool)
    .await?)
}
