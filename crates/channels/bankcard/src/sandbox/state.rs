//! The simulated acquirer's memory: registered terminals with their TMK
//! and current working keys, and every transaction it has seen.

use crate::keys::{DesKey, WorkingKeys};
use juhe_sandbox_kit::Script;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostTxnKind {
    Purchase,
    Void,
    Refund,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostTxnState {
    Approved,
    Declined(String),
    Voided,
    Reversed,
}

/// A transaction as the host records it (no card data either).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostTxn {
    pub terminal_id: String,
    pub kind: HostTxnKind,
    pub trace: u32,
    pub batch: u32,
    pub amount: i64,
    pub rrn: String,
    pub date_mmdd: String,
    pub state: HostTxnState,
    /// For voids and refunds: the purchase they act on (its reference).
    pub original_rrn: Option<String>,
    /// For purchases: how much has been refunded.
    pub refunded: i64,
    pub settled: bool,
}

#[derive(Debug, Clone)]
pub struct TerminalAccount {
    pub merchant_no: String,
    pub tmk: DesKey,
    pub keys: Option<WorkingKeys>,
}

#[derive(Debug, Default)]
pub struct Inner {
    pub terminals: HashMap<String, TerminalAccount>,
    pub txns: Vec<HostTxn>,
}

/// The host's state, shared by its connections and the control API.
#[derive(Debug)]
pub struct HostState {
    inner: Mutex<Inner>,
    pub script: Arc<Script>,
    sequence: AtomicU64,
}

impl Default for HostState {
    fn default() -> Self {
        HostState::new(Arc::new(Script::new()))
    }
}

impl HostState {
    pub fn new(script: Arc<Script>) -> HostState {
        HostState {
            inner: Mutex::new(Inner::default()),
            script,
            sequence: AtomicU64::new(1),
        }
    }

    /// Registers a terminal and the TMK loaded into it.
    pub fn add_terminal(&self, terminal_id: &str, merchant_no: &str, tmk: DesKey) {
        self.lock().terminals.insert(
            terminal_id.to_string(),
            TerminalAccount {
                merchant_no: merchant_no.to_string(),
                tmk,
                keys: None,
            },
        );
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The next number for references (37) and authorisation codes (38).
    pub(crate) fn next_sequence(&self) -> u64 {
        self.sequence.fetch_add(1, Ordering::Relaxed)
    }

    /// Everything the host recorded for a terminal (tests inspect this).
    pub fn transactions(&self, terminal_id: &str) -> Vec<HostTxn> {
        self.lock()
            .txns
            .iter()
            .filter(|t| t.terminal_id == terminal_id)
            .cloned()
            .collect()
    }

    /// Whether the terminal currently holds working keys.
    pub fn signed_in(&self, terminal_id: &str) -> bool {
        self.lock().terminals.get(terminal_id).is_some_and(|t| t.keys.is_some())
    }
}
