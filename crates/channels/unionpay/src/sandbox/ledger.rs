//! The sandbox's transactions: consumptions, voids and refunds, each under
//! its merchant and `orderId`, with the `queryId` UnionPay gives it.

use crate::protocol::form::Fields;
use crate::protocol::sign::SignMethod;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxnState {
    /// Waiting for the payer (QR shown, front page open, app control open).
    Waiting,
    /// The payer is confirming (answers 05); ends by paying or by a void.
    Paying,
    Succeeded {
        trace_time: String,
    },
    Failed {
        code: String,
        message: String,
    },
}

#[derive(Debug, Clone)]
pub struct Txn {
    pub mer_id: String,
    pub order_id: String,
    pub txn_time: String,
    pub txn_type: String,
    pub txn_sub_type: String,
    pub biz_type: String,
    pub amount: i64,
    pub query_id: String,
    pub trace_no: String,
    pub state: TxnState,
    pub back_url: Option<String>,
    pub req_reserved: Option<String>,
    pub orig_query_id: Option<String>,
    /// The method the merchant signed the transaction with: its answers and
    /// notifications are signed the same way.
    pub sign_method: SignMethod,
    /// Sum of successful refunds (consumptions only).
    pub refunded: i64,
    /// Whether a void cancelled it (consumptions only).
    pub voided: bool,
    /// The last notification sent for it (reordering faults resend it late).
    pub last_notification: Option<Fields>,
}

#[derive(Debug, Default)]
pub struct Ledger {
    txns: Mutex<HashMap<(String, String), Txn>>,
    sequence: AtomicU64,
}

impl Ledger {
    /// A fresh 21-digit `queryId` and a 6-digit `traceNo`.
    pub fn next_ids(&self, txn_time: &str) -> (String, String) {
        let n = self.sequence.fetch_add(1, Ordering::Relaxed) + 1;
        (
            format!("{}{:07}", txn_time.chars().take(14).collect::<String>(), n % 10_000_000),
            format!("{:06}", n % 1_000_000),
        )
    }

    /// Adds a transaction unless its `orderId` is taken (then the existing one).
    pub fn insert(&self, txn: Txn) -> Result<(), Box<Txn>> {
        let mut txns = super::lock(&self.txns);
        let key = (txn.mer_id.clone(), txn.order_id.clone());
        if let Some(existing) = txns.get(&key) {
            return Err(Box::new(existing.clone()));
        }
        txns.insert(key, txn);
        Ok(())
    }

    pub fn get(&self, mer_id: &str, order_id: &str) -> Option<Txn> {
        super::lock(&self.txns)
            .get(&(mer_id.to_string(), order_id.to_string()))
            .cloned()
    }

    pub fn find_by_query_id(&self, mer_id: &str, query_id: &str) -> Option<Txn> {
        super::lock(&self.txns)
            .values()
            .find(|t| t.mer_id == mer_id && t.query_id == query_id)
            .cloned()
    }

    /// Any merchant's order with this `orderId` (the payer page knows only that).
    pub fn find_order(&self, order_id: &str) -> Option<Txn> {
        super::lock(&self.txns)
            .values()
            .find(|t| t.order_id == order_id && t.txn_type == "01")
            .cloned()
    }

    /// Every consumption (`txnType` 01), by `orderId`: the payer page's list.
    pub fn consumptions(&self) -> Vec<Txn> {
        let mut all: Vec<Txn> = super::lock(&self.txns)
            .values()
            .filter(|t| t.txn_type == "01")
            .cloned()
            .collect();
        all.sort_by(|a, b| a.order_id.cmp(&b.order_id));
        all
    }

    /// Applies `change` and returns the result.
    pub fn update(&self, mer_id: &str, order_id: &str, change: impl FnOnce(&mut Txn)) -> Option<Txn> {
        let mut txns = super::lock(&self.txns);
        let txn = txns.get_mut(&(mer_id.to_string(), order_id.to_string()))?;
        change(txn);
        Some(txn.clone())
    }
}
