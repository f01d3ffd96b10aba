//! Batch settlement (0500 / 0510): the terminal's totals of the open batch
//! from the journal, the host's verdict (balanced or not), and the next
//! batch opened either way. Unbalanced batches would be followed by a batch
//! upload (0320), which juhe does not send: reconciliation resolves them
//! from the acquirer's settlement file.

use super::BankcardChannel;
use super::codes::{APPROVED, JOURNAL_CURRENCY, NET_SETTLEMENT, OPERATOR, TYPE_MANAGEMENT, describe, field60};
use super::exchange::exchange;
use super::terminal::Terminal;
use crate::codec::Message;
use crate::journal::{TxnKind, TxnRecord, TxnState};
use crate::totals::{SettleCode, field48, parse_field48};
use juhe_channel::{ChannelConfig, ChannelError};

pub use crate::totals::Totals;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    /// The batch that was settled.
    pub batch: u32,
    pub totals: Totals,
    /// The host's totals agreed with ours.
    pub balanced: bool,
    /// The batch now open.
    pub next_batch: u32,
}

/// The batch totals from the journal's records.
pub fn batch_totals(records: &[TxnRecord]) -> Totals {
    let mut totals = Totals::default();
    for record in records {
        if !matches!(record.state, TxnState::Approved { .. }) {
            continue;
        }
        match record.kind {
            TxnKind::Purchase => {
                totals.debit_count += 1;
                totals.debit_amount += record.amount;
            }
            TxnKind::Refund => {
                totals.credit_count += 1;
                totals.credit_amount += record.amount;
            }
        }
    }
    totals
}

impl BankcardChannel {
    /// Settles the terminal's open batch with the host.
    pub async fn settle(&self, cfg: &ChannelConfig) -> Result<Settlement, ChannelError> {
        let terminal = Terminal::from_config(cfg)?;
        let _turn = self.exclusive(&terminal).await;
        let keys = self.keys(&terminal).await?;
        let batch = self.counter.batch(&terminal.terminal_id).await?;
        let totals = batch_totals(&self.journal.in_batch(&terminal.terminal_id, batch).await?);
        let f48 = field48(&totals, SettleCode::Request)
            .ok_or_else(|| ChannelError::Config("batch totals exceed field 48".into()))?;
        let trace = self.counter.next_trace(&terminal.terminal_id).await?;
        let msg = Message::new("0500")
            .with(11, format!("{trace:06}"))
            .with(41, terminal.terminal_id.clone())
            .with(42, terminal.merchant_no.clone())
            .with(48, f48)
            .with(49, JOURNAL_CURRENCY.numeric_code())
            .with(60, field60(TYPE_MANAGEMENT, batch, NET_SETTLEMENT))
            .with(63, OPERATOR);
        let answer = exchange(&terminal, msg, Some(&keys.mak)).await?;
        if answer.code() != APPROVED {
            return Err(ChannelError::declined(answer.code(), describe(answer.code())));
        }
        if !answer.mac_ok {
            return Err(ChannelError::Unknown(
                "settlement answer failed MAC verification".into(),
            ));
        }
        let (_, code) = answer
            .msg
            .get(48)
            .and_then(parse_field48)
            .ok_or_else(|| ChannelError::Unknown("settlement answer has no readable field 48".into()))?;
        let next_batch = self.counter.next_batch(&terminal.terminal_id).await?;
        Ok(Settlement {
            batch,
            totals,
            balanced: code == SettleCode::Balanced,
            next_batch,
        })
    }
}
