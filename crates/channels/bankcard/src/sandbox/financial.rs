//! Purchases, voids, refunds and reversals as the host sees them.

use super::state::{HostState, HostTxn, HostTxnKind, HostTxnState, Inner};
use crate::client::codes::{APPROVED, INSUFFICIENT_FUNDS, NO_ORIGINAL, TYPE_VOID};
use crate::codec::Message;
use juhe_sandbox_kit::Behaviour;

const FORMAT_ERROR: &str = "30";
const DO_NOT_HONOUR: &str = "05";
const DUPLICATE: &str = "94";
const INVALID_TRANSACTION: &str = "12";
const AMOUNT_MISMATCH: &str = "64";

struct Common {
    amount: i64,
    trace: u32,
    batch: u32,
}

fn common(msg: &Message) -> Option<Common> {
    Some(Common {
        amount: msg.get(4)?.parse().ok()?,
        trace: msg.get(11)?.parse().ok()?,
        batch: msg.get(60)?.get(2..8)?.parse().ok()?,
    })
}

/// Field 61: original batch and trace.
fn original_of(msg: &Message) -> Option<(u32, u32)> {
    let f61 = msg.get(61)?;
    Some((f61.get(0..6)?.parse().ok()?, f61.get(6..12)?.parse().ok()?))
}

fn new_rrn(state: &HostState) -> String {
    format!("{:012}", state.next_sequence())
}

fn is_duplicate(inner: &Inner, terminal_id: &str, kind: HostTxnKind, trace: u32) -> bool {
    inner
        .txns
        .iter()
        .any(|t| t.terminal_id == terminal_id && t.kind == kind && t.trace == trace && !t.settled)
}

fn record(state: &HostState, terminal_id: &str, kind: HostTxnKind, c: &Common, date: &str) -> HostTxn {
    HostTxn {
        terminal_id: terminal_id.to_string(),
        kind,
        trace: c.trace,
        batch: c.batch,
        amount: c.amount,
        rrn: new_rrn(state),
        date_mmdd: date.to_string(),
        state: HostTxnState::Approved,
        original_rrn: None,
        refunded: 0,
        settled: false,
    }
}

/// Returns false when the script says the host stays silent.
pub fn purchase(state: &HostState, terminal_id: &str, msg: &Message, reply: &mut Message) -> bool {
    let Some(c) = common(msg) else {
        reply.set(39, FORMAT_ERROR);
        return true;
    };
    if is_duplicate(&state.lock(), terminal_id, HostTxnKind::Purchase, c.trace) {
        reply.set(39, DUPLICATE);
        return true;
    }
    let order = format!("{terminal_id}/{:06}", c.trace);
    let behaviour = state
        .script
        .behaviour_for(c.amount, None, &order, Behaviour::Pay { after_ms: 0 });
    let date = reply.get(13).unwrap_or("0101").to_string();
    let mut txn = record(state, terminal_id, HostTxnKind::Purchase, &c, &date);
    let (code, answer) = match behaviour {
        Behaviour::Pay { .. } | Behaviour::Wait => (APPROVED.to_string(), true),
        Behaviour::Decline { code, .. } if code.len() == 2 && code.is_ascii() && code != APPROVED => (code, true),
        Behaviour::Decline { .. } => (DO_NOT_HONOUR.to_string(), true),
        Behaviour::InsufficientFunds => (INSUFFICIENT_FUNDS.to_string(), true),
        // The issuer approved, but the answer never reaches the terminal:
        // money is taken until the terminal reverses.
        Behaviour::StayPaying | Behaviour::NeverAnswer => (APPROVED.to_string(), false),
    };
    if code != APPROVED {
        txn.state = HostTxnState::Declined(code.clone());
    } else {
        reply.set(37, txn.rrn.clone());
        reply.set(38, format!("{:06}", state.next_sequence() % 1_000_000));
    }
    reply.set(39, code);
    state.lock().txns.push(txn);
    answer
}

pub fn void(state: &HostState, terminal_id: &str, msg: &Message, reply: &mut Message) -> bool {
    let (Some(c), Some((batch, trace))) = (common(msg), original_of(msg)) else {
        reply.set(39, FORMAT_ERROR);
        return true;
    };
    let mut inner = state.lock();
    let original = inner.txns.iter_mut().find(|t| {
        t.terminal_id == terminal_id && t.kind == HostTxnKind::Purchase && t.batch == batch && t.trace == trace
    });
    let code = match original {
        None => NO_ORIGINAL,
        Some(o) if Some(o.rrn.as_str()) != msg.get(37) => NO_ORIGINAL,
        Some(o) if o.state != HostTxnState::Approved || o.settled || o.refunded > 0 => INVALID_TRANSACTION,
        Some(o) if o.amount != c.amount => AMOUNT_MISMATCH,
        Some(o) => {
            o.state = HostTxnState::Voided;
            let original_rrn = o.rrn.clone();
            let date = reply.get(13).unwrap_or("0101").to_string();
            let mut txn = record(state, terminal_id, HostTxnKind::Void, &c, &date);
            txn.original_rrn = Some(original_rrn);
            reply.set(37, txn.rrn.clone());
            inner.txns.push(txn);
            APPROVED
        }
    };
    reply.set(39, code);
    true
}

pub fn refund(state: &HostState, terminal_id: &str, msg: &Message, reply: &mut Message) -> bool {
    let (Some(c), Some(original_rrn)) = (common(msg), msg.get(37)) else {
        reply.set(39, FORMAT_ERROR);
        return true;
    };
    let mut inner = state.lock();
    if is_duplicate(&inner, terminal_id, HostTxnKind::Refund, c.trace) {
        reply.set(39, DUPLICATE);
        return true;
    }
    let original = inner
        .txns
        .iter_mut()
        .find(|t| t.terminal_id == terminal_id && t.kind == HostTxnKind::Purchase && t.rrn == original_rrn);
    let code = match original {
        None => NO_ORIGINAL,
        Some(o) if o.state != HostTxnState::Approved => INVALID_TRANSACTION,
        Some(o) if c.amount > o.amount - o.refunded => AMOUNT_MISMATCH,
        Some(o) => {
            o.refunded += c.amount;
            let date = reply.get(13).unwrap_or("0101").to_string();
            let mut txn = record(state, terminal_id, HostTxnKind::Refund, &c, &date);
            txn.original_rrn = Some(original_rrn.to_string());
            reply.set(37, txn.rrn.clone());
            inner.txns.push(txn);
            APPROVED
        }
    };
    reply.set(39, code);
    true
}

/// 0400: undoes the purchase (or void, for 60.1 = 23) with this trace.
pub fn reversal(state: &HostState, terminal_id: &str, msg: &Message, reply: &mut Message) -> bool {
    let Some(c) = common(msg) else {
        reply.set(39, FORMAT_ERROR);
        return true;
    };
    let kind = if msg.get(60).and_then(|f| f.get(0..2)) == Some(TYPE_VOID) {
        HostTxnKind::Void
    } else {
        HostTxnKind::Purchase
    };
    let mut inner = state.lock();
    let found = inner
        .txns
        .iter_mut()
        .find(|t| t.terminal_id == terminal_id && t.kind == kind && t.trace == c.trace && !t.settled);
    let code = match found {
        None => NO_ORIGINAL,
        Some(t) if t.amount != c.amount => AMOUNT_MISMATCH,
        Some(t) => {
            let was_approved = t.state == HostTxnState::Approved;
            if was_approved {
                t.state = HostTxnState::Reversed;
            }
            let restore = t
                .original_rrn
                .clone()
                .filter(|_| kind == HostTxnKind::Void && was_approved);
            if let Some(rrn) = restore
                && let Some(purchase) = inner
                    .txns
                    .iter_mut()
                    .find(|p| p.terminal_id == terminal_id && p.kind == HostTxnKind::Purchase && p.rrn == rrn)
            {
                purchase.state = HostTxnState::Approved;
            }
            APPROVED
        }
    };
    reply.set(39, code);
    true
}
