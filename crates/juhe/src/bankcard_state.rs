//! The card-present front's memory in juhe's database (SQLite or
//! PostgreSQL), so that a restart between a purchase and its reversal,
//! void or settlement loses nothing: trace and batch numbers per terminal
//! and the journal of card transactions (no card numbers, no PIN blocks).

use async_trait::async_trait;
use juhe_channel::ChannelError;
use juhe_channel_bankcard::{Journal, TraceCounter, TxnKind, TxnRecord, TxnState};
use juhe_store::bankcard::{self, JournalRow};
use juhe_store::{Db, StoreError};
use serde_json::{Value, json};

/// Both traits over one database handle.
#[derive(Clone)]
pub struct DbCardState {
    db: Db,
}

impl DbCardState {
    pub fn new(db: Db) -> DbCardState {
        DbCardState { db }
    }
}

fn unavailable(e: StoreError) -> ChannelError {
    // The card host was not contacted when our own storage fails.
    ChannelError::NotSent(format!("card journal unavailable: {e}"))
}

fn number(n: i64) -> Result<u32, ChannelError> {
    u32::try_from(n).map_err(|_| ChannelError::Config(format!("stored card number {n} out of range")))
}

#[async_trait]
impl TraceCounter for DbCardState {
    async fn next_trace(&self, terminal_id: &str) -> Result<u32, ChannelError> {
        let terminal = terminal_id.to_string();
        let n = self
            .db
            .write(move |tx| {
                let terminal = terminal.clone();
                Box::pin(async move { bankcard::next_trace(tx, &terminal).await })
            })
            .await
            .map_err(unavailable)?;
        number(n)
    }

    async fn batch(&self, terminal_id: &str) -> Result<u32, ChannelError> {
        number(
            bankcard::batch(self.db.reader(), terminal_id)
                .await
                .map_err(unavailable)?,
        )
    }

    async fn next_batch(&self, terminal_id: &str) -> Result<u32, ChannelError> {
        let terminal = terminal_id.to_string();
        let n = self
            .db
            .write(move |tx| {
                let terminal = terminal.clone();
                Box::pin(async move { bankcard::next_batch(tx, &terminal).await })
            })
            .await
            .map_err(unavailable)?;
        number(n)
    }
}

fn state_json(state: &TxnState) -> Value {
    match state {
        TxnState::Pending => json!({"state": "pending"}),
        TxnState::Approved { rrn, auth_code } => json!({"state": "approved", "rrn": rrn, "auth_code": auth_code}),
        TxnState::Declined { code } => json!({"state": "declined", "code": code}),
        TxnState::Reversed => json!({"state": "reversed"}),
        TxnState::Voided => json!({"state": "voided"}),
        TxnState::VoidPending { rrn, void_trace } => {
            json!({"state": "void_pending", "rrn": rrn, "void_trace": void_trace})
        }
    }
}

fn state_from(text: &str) -> Result<TxnState, ChannelError> {
    let bad = || ChannelError::Config(format!("stored card transaction state {text:?} is unreadable"));
    let v: Value = serde_json::from_str(text).map_err(|_| bad())?;
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    Ok(match v.get("state").and_then(Value::as_str) {
        Some("pending") => TxnState::Pending,
        Some("approved") => TxnState::Approved {
            rrn: s("rrn").ok_or_else(bad)?,
            auth_code: s("auth_code"),
        },
        Some("declined") => TxnState::Declined {
            code: s("code").ok_or_else(bad)?,
        },
        Some("reversed") => TxnState::Reversed,
        Some("voided") => TxnState::Voided,
        Some("void_pending") => TxnState::VoidPending {
            rrn: s("rrn").ok_or_else(bad)?,
            void_trace: v
                .get("void_trace")
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(bad)?,
        },
        _ => return Err(bad()),
    })
}

fn to_row(r: &TxnRecord) -> JournalRow {
    JournalRow {
        terminal_id: r.terminal_id.clone(),
        order_no: r.order_no.clone(),
        kind: match r.kind {
            TxnKind::Purchase => "purchase",
            TxnKind::Refund => "refund",
        }
        .to_string(),
        trace: i64::from(r.trace),
        batch: i64::from(r.batch),
        date_mmdd: r.date_mmdd.clone(),
        amount: r.amount,
        entry_mode: r.entry_mode.clone(),
        state: state_json(&r.state).to_string(),
    }
}

fn from_row(r: JournalRow) -> Result<TxnRecord, ChannelError> {
    Ok(TxnRecord {
        kind: match r.kind.as_str() {
            "purchase" => TxnKind::Purchase,
            "refund" => TxnKind::Refund,
            other => return Err(ChannelError::Config(format!("stored card transaction kind {other:?}"))),
        },
        trace: number(r.trace)?,
        batch: number(r.batch)?,
        state: state_from(&r.state)?,
        terminal_id: r.terminal_id,
        order_no: r.order_no,
        date_mmdd: r.date_mmdd,
        amount: r.amount,
        entry_mode: r.entry_mode,
    })
}

#[async_trait]
impl Journal for DbCardState {
    async fn save(&self, record: &TxnRecord) -> Result<(), ChannelError> {
        let row = to_row(record);
        self.db
            .write(move |tx| {
                let row = row.clone();
                Box::pin(async move { bankcard::save(tx, &row).await })
            })
            .await
            .map_err(unavailable)
    }

    async fn find(&self, terminal_id: &str, order_no: &str) -> Result<Option<TxnRecord>, ChannelError> {
        bankcard::find(self.db.reader(), terminal_id, order_no)
            .await
            .map_err(unavailable)?
            .map(from_row)
            .transpose()
    }

    async fn in_batch(&self, terminal_id: &str, batch: u32) -> Result<Vec<TxnRecord>, ChannelError> {
        bankcard::in_batch(self.db.reader(), terminal_id, i64::from(batch))
            .await
            .map_err(unavailable)?
            .into_iter()
            .map(from_row)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_survives_storage() {
        for state in [
            TxnState::Pending,
            TxnState::Approved {
                rrn: "181031220015".into(),
                auth_code: Some("123456".into()),
            },
            TxnState::Approved {
                rrn: "1".into(),
                auth_code: None,
            },
            TxnState::Declined { code: "51".into() },
            TxnState::Reversed,
            TxnState::Voided,
            TxnState::VoidPending {
                rrn: "2".into(),
                void_trace: 999_999,
            },
        ] {
            assert_eq!(state_from(&state_json(&state).to_string()).unwrap(), state);
        }
        assert!(state_from("{}").is_err());
        assert!(state_from("not json").is_err());
    }
}
