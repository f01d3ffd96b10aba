//! What the terminal side must remember between calls, provided by the
//! caller so it survives restarts: trace (F11) and batch (60.2) numbers per
//! terminal, and a journal of transactions (no card data: the PAN and PIN
//! block are never kept) that reversals, voids, refunds and settlement act on.
//! In-memory implementations serve tests and the demo.

use async_trait::async_trait;
use juhe_channel::ChannelError;
use std::collections::HashMap;
use std::sync::Mutex;

/// Trace and batch numbers for each terminal (1..=999999, wrapping).
#[async_trait]
pub trait TraceCounter: Send + Sync {
    /// The next system trace audit number (field 11).
    async fn next_trace(&self, terminal_id: &str) -> Result<u32, ChannelError>;
    /// The open batch (field 60.2).
    async fn batch(&self, terminal_id: &str) -> Result<u32, ChannelError>;
    /// Closes the open batch after settlement and returns the new one.
    async fn next_batch(&self, terminal_id: &str) -> Result<u32, ChannelError>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxnKind {
    Purchase,
    Refund,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxnState {
    /// Sent, no answer yet (or none ever came): reverse it.
    Pending,
    Approved {
        /// Retrieval reference number (field 37).
        rrn: String,
        auth_code: Option<String>,
    },
    Declined {
        code: String,
    },
    /// Reversed (0400) after no answer.
    Reversed,
    /// Voided (0200 / 23) in the same batch.
    Voided,
    /// A void was sent and not answered; it is reversed before voiding again.
    VoidPending {
        rrn: String,
        void_trace: u32,
    },
}

/// One transaction as the terminal side records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxnRecord {
    pub terminal_id: String,
    /// juhe's order number (payments) or refund number (refunds).
    pub order_no: String,
    pub kind: TxnKind,
    pub trace: u32,
    pub batch: u32,
    /// Local transaction date MMDD (field 13).
    pub date_mmdd: String,
    /// Minor units.
    pub amount: i64,
    /// POS entry mode (field 22), needed again by the reversal.
    pub entry_mode: String,
    pub state: TxnState,
}

#[async_trait]
pub trait Journal: Send + Sync {
    /// Inserts or replaces the record for (terminal, order number).
    async fn save(&self, record: &TxnRecord) -> Result<(), ChannelError>;
    async fn find(&self, terminal_id: &str, order_no: &str) -> Result<Option<TxnRecord>, ChannelError>;
    async fn in_batch(&self, terminal_id: &str, batch: u32) -> Result<Vec<TxnRecord>, ChannelError>;
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[derive(Debug, Default)]
pub struct InMemoryTraceCounter {
    /// terminal → (last trace, open batch)
    state: Mutex<HashMap<String, (u32, u32)>>,
}

/// The successor in 1..=999999.
fn next_number(n: u32) -> u32 {
    if n >= 999_999 { 1 } else { n + 1 }
}

#[async_trait]
impl TraceCounter for InMemoryTraceCounter {
    async fn next_trace(&self, terminal_id: &str) -> Result<u32, ChannelError> {
        let mut state = lock(&self.state);
        let entry = state.entry(terminal_id.to_string()).or_insert((0, 1));
        entry.0 = next_number(entry.0);
        Ok(entry.0)
    }

    async fn batch(&self, terminal_id: &str) -> Result<u32, ChannelError> {
        Ok(lock(&self.state).entry(terminal_id.to_string()).or_insert((0, 1)).1)
    }

    async fn next_batch(&self, terminal_id: &str) -> Result<u32, ChannelError> {
        let mut state = lock(&self.state);
        let entry = state.entry(terminal_id.to_string()).or_insert((0, 1));
        entry.1 = next_number(entry.1);
        Ok(entry.1)
    }
}

#[derive(Debug, Default)]
pub struct InMemoryJournal {
    records: Mutex<Vec<TxnRecord>>,
}

#[async_trait]
impl Journal for InMemoryJournal {
    async fn save(&self, record: &TxnRecord) -> Result<(), ChannelError> {
        let mut records = lock(&self.records);
        match records
            .iter_mut()
            .find(|r| r.terminal_id == record.terminal_id && r.order_no == record.order_no)
        {
            Some(existing) => *existing = record.clone(),
            None => records.push(record.clone()),
        }
        Ok(())
    }

    async fn find(&self, terminal_id: &str, order_no: &str) -> Result<Option<TxnRecord>, ChannelError> {
        Ok(lock(&self.records)
            .iter()
            .find(|r| r.terminal_id == terminal_id && r.order_no == order_no)
            .cloned())
    }

    async fn in_batch(&self, terminal_id: &str, batch: u32) -> Result<Vec<TxnRecord>, ChannelError> {
        Ok(lock(&self.records)
            .iter()
            .filter(|r| r.terminal_id == terminal_id && r.batch == batch)
            .cloned()
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn trace_numbers_count_per_terminal_and_wrap() {
        let counter = InMemoryTraceCounter::default();
        assert_eq!(counter.next_trace("T1").await.unwrap(), 1);
        assert_eq!(counter.next_trace("T1").await.unwrap(), 2);
        assert_eq!(counter.next_trace("T2").await.unwrap(), 1);
        assert_eq!(counter.batch("T1").await.unwrap(), 1);
        assert_eq!(counter.next_batch("T1").await.unwrap(), 2);
        assert_eq!(next_number(999_999), 1);
    }
}
