//! Refund (0220 / 0230, processing code 200000, 60.1 = 25) of an approved
//! purchase, naming the original reference (37) and batch, trace and date
//! (61). ISO 8583 cannot query a refund: an unanswered one stays Unknown
//! and is resolved from the acquirer's settlement file.

use super::super::BankcardChannel;
use super::super::codes::{APPROVED, BAD_MAC, NET_FINANCIAL, PROC_VOID_OR_REFUND, TYPE_REFUND, describe, field60};
use super::super::exchange::exchange;
use super::super::terminal::Terminal;
use super::{amount_field, currency_field, local_mmdd, now_ms};
use crate::codec::Message;
use crate::journal::{TxnKind, TxnRecord, TxnState};
use juhe_channel::outcome::RefundState;
use juhe_channel::{ChannelError, CreateRefund, RefundReport};

/// Entry mode of a refund keyed without the card: manual, no PIN.
const ENTRY_MANUAL_NO_PIN: &str = "012";

fn report(req: &CreateRefund, rrn: &str) -> RefundReport {
    RefundReport {
        channel_refund_no: req.channel_refund_no.clone(),
        channel_refund_id: Some(rrn.to_string()),
        state: RefundState::Succeeded { paid_at_ms: now_ms() },
        amount: req.refund.amount,
    }
}

impl BankcardChannel {
    pub(in crate::client) async fn refund_payment(
        &self,
        terminal: &Terminal,
        req: &CreateRefund,
    ) -> Result<RefundReport, ChannelError> {
        let amount = amount_field(&req.refund)?;
        if let Some(previous) = self.journal.find(&terminal.terminal_id, &req.channel_refund_no).await? {
            return match previous.state {
                TxnState::Approved { rrn, .. } => Ok(report(req, &rrn)),
                TxnState::Declined { code } => Err(ChannelError::declined(code.clone(), describe(&code))),
                _ => Err(ChannelError::Unknown(
                    "an earlier attempt of this refund went unanswered".into(),
                )),
            };
        }
        let original = self
            .journal
            .find(&terminal.terminal_id, &req.payment.channel_order_no)
            .await?
            .ok_or(ChannelError::NotFound)?;
        let TxnState::Approved { rrn: original_rrn, .. } = &original.state else {
            return Err(ChannelError::declined(
                "NOT_APPROVED",
                "only an approved purchase can be refunded",
            ));
        };
        let keys = self.keys(terminal).await?;
        let trace = self.counter.next_trace(&terminal.terminal_id).await?;
        let batch = self.counter.batch(&terminal.terminal_id).await?;
        let mut record = TxnRecord {
            terminal_id: terminal.terminal_id.clone(),
            order_no: req.channel_refund_no.clone(),
            kind: TxnKind::Refund,
            trace,
            batch,
            date_mmdd: local_mmdd(req.created_at_ms),
            amount: req.refund.amount,
            entry_mode: ENTRY_MANUAL_NO_PIN.to_string(),
            state: TxnState::Pending,
        };
        self.journal.save(&record).await?;
        let msg = Message::new("0220")
            .with(3, PROC_VOID_OR_REFUND)
            .with(4, amount)
            .with(11, format!("{trace:06}"))
            .with(22, ENTRY_MANUAL_NO_PIN)
            .with(25, "00")
            .with(37, original_rrn.clone())
            .with(41, terminal.terminal_id.clone())
            .with(42, terminal.merchant_no.clone())
            .with(49, currency_field(&req.refund))
            .with(60, field60(TYPE_REFUND, batch, NET_FINANCIAL))
            .with(
                61,
                format!("{:06}{:06}{}", original.batch, original.trace, original.date_mmdd),
            );
        tracing::info!(trace, refund = %req.channel_refund_no, "refund");
        let answer = exchange(terminal, msg, Some(&keys.mak)).await?;
        let code = answer.code().to_string();
        if code == APPROVED {
            let rrn = answer.msg.get(37).filter(|_| answer.mac_ok).map(str::to_string);
            let Some(rrn) = rrn else {
                return Err(ChannelError::Unknown("refund approval failed MAC verification".into()));
            };
            record.state = TxnState::Approved {
                rrn: rrn.clone(),
                auth_code: None,
            };
            self.journal.save(&record).await?;
            return Ok(report(req, &rrn));
        }
        if code == BAD_MAC {
            self.forget_keys(terminal);
        }
        record.state = TxnState::Declined { code: code.clone() };
        self.journal.save(&record).await?;
        Err(ChannelError::declined(code.clone(), describe(&code)))
    }
}
