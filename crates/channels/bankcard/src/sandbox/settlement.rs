//! Batch settlement: the host's totals for the batch against the
//! terminal's (field 48), then the batch is closed.

use super::state::{HostState, HostTxnKind, HostTxnState};
use crate::client::codes::APPROVED;
use crate::codec::Message;
use crate::totals::{SettleCode, Totals, field48, parse_field48};

pub fn settle(state: &HostState, terminal_id: &str, msg: &Message, reply: &mut Message) -> bool {
    let batch: Option<u32> = msg.get(60).and_then(|f| f.get(2..8)).and_then(|b| b.parse().ok());
    let (Some(batch), Some((theirs, _))) = (batch, msg.get(48).and_then(parse_field48)) else {
        reply.set(39, "30");
        return true;
    };
    let mut inner = state.lock();
    let mut ours = Totals::default();
    for txn in inner
        .txns
        .iter_mut()
        .filter(|t| t.terminal_id == terminal_id && t.batch == batch && !t.settled)
    {
        txn.settled = true;
        if txn.state != HostTxnState::Approved {
            continue;
        }
        match txn.kind {
            HostTxnKind::Purchase => {
                ours.debit_count += 1;
                ours.debit_amount += txn.amount;
            }
            HostTxnKind::Refund => {
                ours.credit_count += 1;
                ours.credit_amount += txn.amount;
            }
            HostTxnKind::Void => {}
        }
    }
    let code = if ours == theirs {
        SettleCode::Balanced
    } else {
        SettleCode::NotBalanced
    };
    let Some(f48) = field48(&ours, code) else {
        reply.set(39, "30");
        return true;
    };
    if let Some(date) = reply.get(13).map(str::to_string) {
        reply.set(15, date);
    }
    reply.set(48, f48);
    reply.set(39, APPROVED);
    true
}
