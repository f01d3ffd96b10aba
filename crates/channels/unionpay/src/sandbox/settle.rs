//! State changes that end a transaction, and the notification each sends
//! to the merchant's `backUrl`.

use crate::protocol::form::{Fields, encode_form};
use crate::sandbox::SandboxState;
use crate::sandbox::ledger::{Txn, TxnState};
use crate::sandbox::messages;
use juhe_sandbox_kit::Delivery;
use std::sync::Arc;
use time::OffsetDateTime;
use time::macros::{format_description, offset};

/// `traceTime` now: `MMDDhhmmss` in Beijing time.
pub fn trace_time_now() -> String {
    OffsetDateTime::now_utc()
        .to_offset(offset!(+8))
        .format(format_description!("[month][day][hour][minute][second]"))
        .unwrap_or_default()
}

/// UnionPay counts HTTP 200 as received.
fn acknowledged(status: u16, _body: &[u8]) -> bool {
    status == 200
}

fn delivery(txn: &Txn, fields: Fields) -> Option<Delivery> {
    let url = txn.back_url.clone().filter(|u| !u.is_empty())?;
    Some(Delivery {
        url,
        headers: Vec::new(),
        content_type: "application/x-www-form-urlencoded;charset=UTF-8".into(),
        body: encode_form(&fields).into_bytes(),
        acknowledged,
    })
}

/// Signs and sends the notification of `txn`'s current state. `older` is a
/// stale earlier notification that a reordering fault delivers afterwards.
pub fn notify(state: &SandboxState, txn: &Txn, older: Option<Fields>) {
    let mut fields = messages::notification(txn);
    let keys = state.merchants.keys(&txn.mer_id);
    if let Err(e) = state.signing.sign(txn.sign_method, keys.as_ref(), &mut fields) {
        tracing::warn!(error = %e, "sandbox could not sign a notification");
        return;
    }
    state.ledger.update(&txn.mer_id, &txn.order_id, |t| {
        t.last_notification = Some(fields.clone())
    });
    let Some(this) = delivery(txn, fields) else {
        return;
    };
    let older = older.and_then(|f| delivery(txn, f));
    state.notifier.send(this, older);
}

/// The payer paid (or the code was accepted): success and its notification.
pub fn succeed(state: &SandboxState, mer_id: &str, order_id: &str) -> Option<Txn> {
    let trace_time = trace_time_now();
    let mut changed = false;
    let txn = state.ledger.update(mer_id, order_id, |t| {
        if matches!(t.state, TxnState::Waiting | TxnState::Paying) && !t.voided {
            t.state = TxnState::Succeeded { trace_time };
            changed = true;
        }
    })?;
    if changed {
        notify(state, &txn, None);
    }
    Some(txn)
}

/// The payer declined: the order fails with `code` and its (failure)
/// notification is sent, UnionPay notifying final states either way.
pub fn fail(state: &SandboxState, mer_id: &str, order_id: &str, code: &str, message: &str) -> Option<Txn> {
    let mut changed = false;
    let txn = state.ledger.update(mer_id, order_id, |t| {
        if matches!(t.state, TxnState::Waiting | TxnState::Paying) && !t.voided {
            t.state = TxnState::Failed {
                code: code.to_string(),
                message: message.to_string(),
            };
            changed = true;
        }
    })?;
    if changed {
        notify(state, &txn, None);
    }
    Some(txn)
}

/// Succeeds the order after `delay` (scripted `pay after N ms`).
pub fn succeed_later(state: Arc<SandboxState>, mer_id: String, order_id: String, delay: std::time::Duration) {
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        succeed(&state, &mer_id, &order_id);
    });
}

/// Completes an accepted refund (its amount already counted against the
/// payment) after the configured delay; its
/// notification goes out with the payment's as the stale older one.
pub fn complete_refund_later(state: Arc<SandboxState>, mer_id: String, refund_order_id: String, orig_order_id: String) {
    tokio::spawn(async move {
        tokio::time::sleep(state.options.refund_delay).await;
        let trace_time = trace_time_now();
        let Some(refund) = state.ledger.update(&mer_id, &refund_order_id, |t| {
            t.state = TxnState::Succeeded { trace_time };
        }) else {
            return;
        };
        let older = state
            .ledger
            .get(&mer_id, &orig_order_id)
            .and_then(|o| o.last_notification);
        notify(&state, &refund, older);
    });
}
