//! The ledger side of collecting and refunding money, shared by the wallet
//! and by every channel: only the account the money comes from (or goes
//! back to) differs — the payer's wallet, or the channel's clearing account.

use crate::error::ServiceError;
use juhe_domain::fee::fee_refund;
use juhe_domain::ledger::{AccountKind, JournalEntry, Posting};
use juhe_domain::refund::{RefundAction, RefundMachine, RefundStatus};
use juhe_domain::state::transition;
use juhe_domain::{Currency, DomainError};
use juhe_store::Tx;
use juhe_store::ledger::{EntryRef, Owner, ensure_account_id, post};
use juhe_store::payments::{self, PaymentRow};
use juhe_store::refunds::{self, RefundRow};

/// The clearing account of a channel in a currency (opened on first use).
pub async fn clearing_account(tx: Tx<'_>, channel: &str, currency: Currency) -> Result<String, ServiceError> {
    Ok(ensure_account_id(tx, Owner::channel(channel), AccountKind::ChannelClearing, currency).await?)
}

/// One balanced entry for a collected payment: Dr `source` amount; Cr the
/// merchant's payable amount; Dr payable fee; Cr platform fee revenue fee.
pub async fn post_collection(tx: Tx<'_>, payment: &PaymentRow, source: String) -> Result<(), ServiceError> {
    let currency = Currency::parse(&payment.currency)?;
    let payable = ensure_account_id(
        &mut *tx,
        Owner::merchant(&payment.merchant_id),
        AccountKind::MerchantPayable,
        currency,
    )
    .await?;
    let mut postings = vec![
        Posting::debit(source, currency, payment.amount),
        Posting::credit(payable.clone(), currency, payment.amount),
    ];
    if payment.fee > 0 {
        let revenue = ensure_account_id(&mut *tx, Owner::platform(), AccountKind::FeeRevenue, currency).await?;
        postings.push(Posting::debit(payable, currency, payment.fee));
        postings.push(Posting::credit(revenue, currency, payment.fee));
    }
    let entry = JournalEntry::new(postings)?;
    post(
        tx,
        EntryRef {
            kind: "payment",
            ref_type: "payment",
            ref_id: &payment.id,
        },
        &entry,
    )
    .await?;
    Ok(())
}

/// Posts a refund and marks it succeeded: Dr merchant payable (amount − fee
/// back); Dr fee revenue (fee back, pro rata); Cr `destination` amount.
/// `payment` must be read after the refund's reservation (see refunds.rs).
pub async fn complete_refund(
    tx: Tx<'_>,
    payment: &PaymentRow,
    row: &mut RefundRow,
    destination: String,
    now: i64,
) -> Result<(), ServiceError> {
    let currency = Currency::parse(&payment.currency)?;
    let fee_back = fee_refund(
        payment.amount,
        payment.fee,
        payment.refunded_amount,
        payment.fee_refunded,
        row.amount,
    )?;
    let payable = ensure_account_id(
        &mut *tx,
        Owner::merchant(&payment.merchant_id),
        AccountKind::MerchantPayable,
        currency,
    )
    .await?;
    let mut postings = vec![Posting::credit(destination, currency, row.amount)];
    if row.amount - fee_back > 0 {
        postings.push(Posting::debit(payable, currency, row.amount - fee_back));
    }
    if fee_back > 0 {
        let revenue = ensure_account_id(&mut *tx, Owner::platform(), AccountKind::FeeRevenue, currency).await?;
        postings.push(Posting::debit(revenue, currency, fee_back));
    }
    let entry = JournalEntry::new(postings)?;
    post(
        &mut *tx,
        EntryRef {
            kind: "refund",
            ref_type: "refund",
            ref_id: &row.id,
        },
        &entry,
    )
    .await?;
    let from = RefundStatus::Processing;
    let to = transition::<RefundMachine>(from, RefundAction::Succeed)?;
    if !refunds::change_status(&mut *tx, &row.id, from.as_str(), to.as_str(), fee_back, now).await? {
        return Err(DomainError::IllegalTransition {
            kind: "refund",
            from: "changed concurrently",
            action: "succeed",
        }
        .into());
    }
    payments::record_refunded(tx, &payment.id, row.amount, fee_back, now).await?;
    row.status = to.as_str().to_string();
    row.fee_refund = fee_back;
    row.succeeded_at = Some(now);
    row.updated_at = now;
    Ok(())
}
