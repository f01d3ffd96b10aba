//! Terminal counters and the card transaction journal of the card-present
//! front (see `juhe-channel-bankcard`'s `journal` traits). The state of a
//! journal row is the channel's own JSON; storage does not interpret it.

use crate::db::Tx;
use crate::error::StoreError;
use crate::sql::query;
use sqlx::{AnyPool, FromRow};

/// Numbers wrap within 1..=999999 (six digits on the wire).
pub const MAX_NUMBER: i64 = 999_999;

/// Takes the terminal's next trace number (creating the terminal's row at
/// trace 1, batch 1). One statement, so concurrent callers never share one.
pub async fn next_trace(tx: Tx<'_>, terminal_id: &str) -> Result<i64, StoreError> {
    let (trace,): (i64,) = query(
        "INSERT INTO bankcard_terminals (terminal_id, trace, batch) VALUES ($1, 1, 1) \
         ON CONFLICT (terminal_id) DO UPDATE SET trace = CASE WHEN bankcard_terminals.trace >= $2 THEN 1 \
         ELSE bankcard_terminals.trace + 1 END RETURNING trace",
    )
    .bind(terminal_id)
    .bind(MAX_NUMBER)
    .fetch_one(tx)
    .await?;
    Ok(trace)
}

/// The terminal's open batch (1 for a terminal never seen).
pub async fn batch(pool: &AnyPool, terminal_id: &str) -> Result<i64, StoreError> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT batch FROM bankcard_terminals WHERE terminal_id = $1")
        .bind(terminal_id)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|r| r.0).unwrap_or(1))
}

/// Closes the open batch and returns the new one.
pub async fn next_batch(tx: Tx<'_>, terminal_id: &str) -> Result<i64, StoreError> {
    let (batch,): (i64,) = query(
        "INSERT INTO bankcard_terminals (terminal_id, trace, batch) VALUES ($1, 0, 2) \
         ON CONFLICT (terminal_id) DO UPDATE SET batch = CASE WHEN bankcard_terminals.batch >= $2 THEN 1 \
         ELSE bankcard_terminals.batch + 1 END RETURNING batch",
    )
    .bind(terminal_id)
    .bind(MAX_NUMBER)
    .fetch_one(tx)
    .await?;
    Ok(batch)
}

#[derive(Debug, Clone, FromRow)]
pub struct JournalRow {
    pub terminal_id: String,
    pub order_no: String,
    pub kind: String,
    pub trace: i64,
    pub batch: i64,
    pub date_mmdd: String,
    pub amount: i64,
    pub entry_mode: String,
    /// The channel's JSON of the transaction state.
    pub state: String,
}

crate::from_row!(JournalRow {
    terminal_id,
    order_no,
    kind,
    trace,
    batch,
    date_mmdd,
    amount,
    entry_mode,
    state
});

const COLUMNS: &str = "terminal_id, order_no, kind, trace, batch, date_mmdd, amount, entry_mode, state";

/// Inserts or replaces the row for (terminal, order number).
pub async fn save(tx: Tx<'_>, r: &JournalRow) -> Result<(), StoreError> {
    query(format!(
        "INSERT INTO bankcard_journal ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (terminal_id, order_no) DO UPDATE SET kind = $3, trace = $4, batch = $5, date_mmdd = $6, \
         amount = $7, entry_mode = $8, state = $9"
    ))
    .bind(&r.terminal_id)
    .bind(&r.order_no)
    .bind(&r.kind)
    .bind(r.trace)
    .bind(r.batch)
    .bind(&r.date_mmdd)
    .bind(r.amount)
    .bind(&r.entry_mode)
    .bind(&r.state)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn find(pool: &AnyPool, terminal_id: &str, order_no: &str) -> Result<Option<JournalRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM bankcard_journal WHERE terminal_id = $1 AND order_no = $2"
    ))
    .bind(terminal_id)
    .bind(order_no)
    .fetch_optional(pool)
    .await?)
}

pub async fn in_batch(pool: &AnyPool, terminal_id: &str, batch: i64) -> Result<Vec<JournalRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM bankcard_journal WHERE terminal_id = $1 AND batch = $2 ORDER BY trace"
    ))
    .bind(terminal_id)
    .bind(batch)
    .fetch_all(pool)
    .await?)
}
