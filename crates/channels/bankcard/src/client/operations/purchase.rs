//! Purchase (0200 / 0210, processing code 000000, 60.1 = 22). The card data
//! goes into the message and nowhere else; the journal records the trace
//! number before sending so an unanswered purchase can be reversed.

use super::super::BankcardChannel;
use super::super::codes::{
    APPROVED, BAD_MAC, NET_FINANCIAL, PROC_PURCHASE, SYSTEM_MALFUNCTION, TYPE_PURCHASE, describe, field60,
};
use super::super::exchange::exchange;
use super::super::terminal::Terminal;
use super::{amount_field, currency_field, local_mmdd, now_ms, parse_amount};
use crate::codec::Message;
use crate::journal::{TxnKind, TxnRecord, TxnState};
use juhe_channel::request::CardPresent;
use juhe_channel::{ChannelError, ChannelPaymentState, CreateOutcome, CreatePayment};

/// Field 53 when a PIN block is present: format 2 (ISO 9564 format 0 with
/// the PAN), 6 = double-length triple-DES PIK.
const SECURITY_CONTROL_WITH_PIN: &str = "2600000000000000";
/// Field 26: the PIN pad accepts up to 12 digits.
const PIN_CAPTURE_CODE: &str = "12";
const CONDITION_NORMAL: &str = "00";

/// Puts the terminal's card data into a 0200. Track 2's `=` separator is
/// the BCD nibble `D`.
fn add_card(msg: &mut Message, card: &CardPresent) {
    msg.set(2, card.pan.clone());
    if let Some(expiry) = &card.expiry {
        msg.set(14, expiry.clone());
    }
    msg.set(22, card.entry_mode.clone());
    if let Some(sequence) = &card.sequence {
        msg.set(23, sequence.clone());
    }
    if let Some(track2) = &card.track2 {
        msg.set(35, track2.replace('=', "D"));
    }
    if let Some(pin_block) = &card.pin_block {
        msg.set(26, PIN_CAPTURE_CODE);
        msg.set(52, pin_block.clone());
        msg.set(53, SECURITY_CONTROL_WITH_PIN);
    }
    if let Some(icc) = &card.icc_data {
        msg.set(55, icc.clone());
    }
}

impl BankcardChannel {
    pub(in crate::client) async fn purchase(
        &self,
        terminal: &Terminal,
        req: &CreatePayment,
    ) -> Result<CreateOutcome, ChannelError> {
        let card = req
            .card
            .as_ref()
            .ok_or_else(|| ChannelError::Config("a card payment needs the terminal's card data".into()))?;
        let amount = amount_field(&req.money)?;
        let keys = self.keys(terminal).await?;
        let trace = self.counter.next_trace(&terminal.terminal_id).await?;
        let batch = self.counter.batch(&terminal.terminal_id).await?;
        let mut record = TxnRecord {
            terminal_id: terminal.terminal_id.clone(),
            order_no: req.channel_order_no.clone(),
            kind: TxnKind::Purchase,
            trace,
            batch,
            date_mmdd: local_mmdd(req.created_at_ms),
            amount: req.money.amount,
            entry_mode: card.entry_mode.clone(),
            state: TxnState::Pending,
        };
        self.journal.save(&record).await?;

        let mut msg = Message::new("0200")
            .with(3, PROC_PURCHASE)
            .with(4, amount)
            .with(11, format!("{trace:06}"))
            .with(25, CONDITION_NORMAL)
            .with(41, terminal.terminal_id.clone())
            .with(42, terminal.merchant_no.clone())
            .with(49, currency_field(&req.money))
            .with(60, field60(TYPE_PURCHASE, batch, NET_FINANCIAL));
        add_card(&mut msg, card);
        tracing::info!(card = %card.masked(), trace, order = %req.channel_order_no, "purchase");

        // Unknown (no answer, unreadable answer) leaves the record Pending: reverse it.
        let answer = exchange(terminal, msg, Some(&keys.mak)).await?;
        let code = answer.code().to_string();
        if code == APPROVED {
            let rrn = answer.msg.get(37).filter(|_| answer.mac_ok).map(str::to_string);
            let Some(rrn) = rrn else {
                return Err(ChannelError::Unknown(
                    "approval without a valid MAC or reference number: reverse it".into(),
                ));
            };
            if let Some(date) = answer.msg.get(13) {
                record.date_mmdd = date.to_string();
            }
            record.state = TxnState::Approved {
                rrn: rrn.clone(),
                auth_code: answer.msg.get(38).map(str::to_string),
            };
            self.journal.save(&record).await?;
            return Ok(CreateOutcome {
                state: ChannelPaymentState::Succeeded {
                    channel_trade_no: rrn.clone(),
                    paid_at_ms: now_ms(),
                    amount: parse_amount(answer.msg.get(4)).unwrap_or(req.money.amount),
                },
                action: None,
                channel_trade_no: Some(rrn),
            });
        }
        if code == SYSTEM_MALFUNCTION {
            // The host cannot vouch for the issuer's side: treat as unknown and reverse.
            return Err(ChannelError::Unknown(format!(
                "host answered {code}: {}",
                describe(&code)
            )));
        }
        if code == BAD_MAC {
            self.forget_keys(terminal);
        }
        record.state = TxnState::Declined { code: code.clone() };
        self.journal.save(&record).await?;
        Err(ChannelError::declined(code.clone(), describe(&code)))
    }
}
