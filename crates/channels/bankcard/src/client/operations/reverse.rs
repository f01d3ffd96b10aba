//! `reverse`: undoes a purchase so no money stays taken.
//!
//! - no answer ever came (journal `Pending`): reversal 0400 for the original
//!   trace number, reason 98; the caller retries until the host's 0410;
//! - approved in the open batch: void 0200 (processing code 200000, 60.1 =
//!   23) naming the original reference (37) and batch + trace (61); a void
//!   that goes unanswered is itself reversed before voiding again;
//! - declined, reversed or voided already: nothing to do.

use super::super::BankcardChannel;
use super::super::codes::{
    APPROVED, BAD_MAC, JOURNAL_CURRENCY, NET_FINANCIAL, NO_ORIGINAL, PROC_PURCHASE, PROC_VOID_OR_REFUND,
    REVERSAL_NO_ANSWER, SYSTEM_MALFUNCTION, TYPE_PURCHASE, TYPE_VOID, describe, field60,
};
use super::super::exchange::exchange;
use super::super::terminal::Terminal;
use crate::codec::Message;
use crate::journal::{TxnRecord, TxnState};
use crate::keys::WorkingKeys;
use juhe_channel::{ChannelError, PaymentRef};

/// 0410 codes after which nothing stays taken: reversed, or the host never
/// had the original.
fn reversal_done(code: &str) -> bool {
    code == APPROVED || code == NO_ORIGINAL
}

impl BankcardChannel {
    pub(in crate::client) async fn reverse_payment(
        &self,
        terminal: &Terminal,
        payment: &PaymentRef,
    ) -> Result<(), ChannelError> {
        let mut record = self
            .journal
            .find(&terminal.terminal_id, &payment.channel_order_no)
            .await?
            .ok_or(ChannelError::NotFound)?;
        let keys = self.keys(terminal).await?;
        // At most: reverse a pending void, then void.
        for _ in 0..2 {
            match record.state.clone() {
                TxnState::Pending => {
                    self.send_reversal(
                        terminal,
                        &keys,
                        &record,
                        PROC_PURCHASE,
                        TYPE_PURCHASE,
                        record.trace,
                        None,
                    )
                    .await?;
                    record.state = TxnState::Reversed;
                    self.journal.save(&record).await?;
                    return Ok(());
                }
                TxnState::VoidPending { rrn, void_trace } => {
                    let original = Some((rrn.as_str(), record.batch, record.trace));
                    self.send_reversal(
                        terminal,
                        &keys,
                        &record,
                        PROC_VOID_OR_REFUND,
                        TYPE_VOID,
                        void_trace,
                        original,
                    )
                    .await?;
                    record.state = TxnState::Approved { rrn, auth_code: None };
                    self.journal.save(&record).await?;
                }
                TxnState::Approved { rrn, auth_code } => {
                    return self.void(terminal, &keys, &mut record, rrn, auth_code).await;
                }
                TxnState::Declined { .. } | TxnState::Reversed | TxnState::Voided => return Ok(()),
            }
        }
        Err(ChannelError::Unknown("void still pending".into()))
    }

    /// 0400 for `trace`; `original` (reference, batch, trace) for a void's reversal.
    #[allow(clippy::too_many_arguments)]
    async fn send_reversal(
        &self,
        terminal: &Terminal,
        keys: &WorkingKeys,
        record: &TxnRecord,
        processing_code: &str,
        type_code: &str,
        trace: u32,
        original: Option<(&str, u32, u32)>,
    ) -> Result<(), ChannelError> {
        let mut msg = Message::new("0400")
            .with(3, processing_code)
            .with(4, format!("{:012}", record.amount))
            .with(11, format!("{trace:06}"))
            .with(22, record.entry_mode.clone())
            .with(25, "00")
            .with(39, REVERSAL_NO_ANSWER)
            .with(41, terminal.terminal_id.clone())
            .with(42, terminal.merchant_no.clone())
            .with(49, JOURNAL_CURRENCY.numeric_code())
            .with(60, field60(type_code, record.batch, NET_FINANCIAL));
        if let Some((rrn, batch, original_trace)) = original {
            msg.set(37, rrn);
            msg.set(61, format!("{batch:06}{original_trace:06}"));
        }
        tracing::info!(trace, order = %record.order_no, "reversal");
        let answer = exchange(terminal, msg, Some(&keys.mak)).await?;
        let code = answer.code();
        if code == BAD_MAC {
            self.forget_keys(terminal);
        }
        if answer.msg.mti == "0410" && answer.mac_ok && reversal_done(code) {
            Ok(())
        } else {
            // Until the host confirms, the money may still be taken: retry later.
            Err(ChannelError::Unknown(format!(
                "reversal not confirmed ({}: {})",
                code,
                describe(code)
            )))
        }
    }

    async fn void(
        &self,
        terminal: &Terminal,
        keys: &WorkingKeys,
        record: &mut TxnRecord,
        rrn: String,
        auth_code: Option<String>,
    ) -> Result<(), ChannelError> {
        let open_batch = self.counter.batch(&terminal.terminal_id).await?;
        if record.batch != open_batch {
            return Err(ChannelError::declined(
                "SETTLED",
                "the purchase's batch is settled: refund it instead",
            ));
        }
        let void_trace = self.counter.next_trace(&terminal.terminal_id).await?;
        record.state = TxnState::VoidPending {
            rrn: rrn.clone(),
            void_trace,
        };
        self.journal.save(record).await?;
        let mut msg = Message::new("0200")
            .with(3, PROC_VOID_OR_REFUND)
            .with(4, format!("{:012}", record.amount))
            .with(11, format!("{void_trace:06}"))
            .with(22, record.entry_mode.clone())
            .with(25, "00")
            .with(37, rrn.clone())
            .with(41, terminal.terminal_id.clone())
            .with(42, terminal.merchant_no.clone())
            .with(49, JOURNAL_CURRENCY.numeric_code())
            .with(60, field60(TYPE_VOID, record.batch, NET_FINANCIAL))
            .with(61, format!("{:06}{:06}", record.batch, record.trace));
        if let Some(auth_code) = auth_code.clone() {
            msg.set(38, auth_code);
        }
        tracing::info!(trace = void_trace, order = %record.order_no, "void");
        let answer = exchange(terminal, msg, Some(&keys.mak)).await?;
        let code = answer.code().to_string();
        if code == APPROVED && answer.mac_ok {
            record.state = TxnState::Voided;
            self.journal.save(record).await?;
            return Ok(());
        }
        if code == APPROVED || code == SYSTEM_MALFUNCTION {
            // In doubt: stays VoidPending, so the next call reverses the void first.
            return Err(ChannelError::Unknown(format!(
                "void not confirmed ({code}: {})",
                describe(&code)
            )));
        }
        if code == BAD_MAC {
            self.forget_keys(terminal);
        }
        // A refused void leaves the purchase as it was.
        record.state = TxnState::Approved { rrn, auth_code };
        self.journal.save(record).await?;
        Err(ChannelError::declined(code.clone(), describe(&code)))
    }
}
