//! Refunds: partial or full, never more than was paid in total. A wallet
//! refund completes at once: the merchant's payable (and the platform's
//! share of the fee, in proportion) goes back to the payer's wallet. A
//! refund of a channel payment is recorded here in `processing` with its
//! amount reserved, then sent to the channel by `channels::refunds`.

use crate::caller::Caller;
use crate::channels::settle::complete_refund;
use crate::error::ServiceError;
use crate::events::{Object, emit_about};
use crate::fingerprint::fingerprint;
use juhe_domain::ledger::AccountKind;
use juhe_domain::payment::PaymentStatus;
use juhe_domain::refund::{RefundStatus, check_refundable};
use juhe_domain::way::ChannelCode;
use juhe_domain::webhook::EventType;
use juhe_domain::{Currency, DomainError};
use juhe_store::Tx;
use juhe_store::channel_tasks;
use juhe_store::clock::now_ms;
use juhe_store::ids::new_id;
use juhe_store::ledger::{Owner, ensure_account_id};
use juhe_store::payments::{self, PaymentRow};
use juhe_store::refunds::{self, RefundRow};

/// A channel refund not sent within this long (the process died) is sent
/// by its task.
pub const ORPHAN_REFUND_AFTER_MS: i64 = 30_000;
/// How long juhe keeps asking a channel about a refund in processing
/// (WeChat settles most within minutes, some bank cards take days).
pub const REFUND_RESOLVE_DEADLINE_MS: i64 = 15 * 24 * 60 * 60 * 1000;

#[derive(Debug, Clone)]
pub struct NewRefund {
    pub merchant_refund_no: String,
    pub amount: i64,
    pub reason: Option<String>,
}

pub async fn create(
    tx: Tx<'_>,
    caller: &Caller,
    payment_id: &str,
    r: &NewRefund,
) -> Result<(RefundRow, bool), ServiceError> {
    let print = fingerprint(&[payment_id, &r.amount.to_string(), r.reason.as_deref().unwrap_or("")]);
    if let Some(existing) = refunds::get_by_refund_no_tx(&mut *tx, &caller.app_id, &r.merchant_refund_no).await? {
        if existing.fingerprint == print {
            return Ok((existing, false));
        }
        return Err(ServiceError::NumberConflict {
            what: "merchant_refund_no",
            number: r.merchant_refund_no.clone(),
        });
    }
    let payment = payments::get_tx(&mut *tx, &caller.merchant_id, payment_id)
        .await?
        .ok_or(ServiceError::NotFound("payment"))?;
    if payment.status != PaymentStatus::Succeeded.as_str() {
        let status = PaymentStatus::parse(&payment.status)
            .map(|s| s.as_str())
            .unwrap_or("unknown");
        return Err(DomainError::NotRefundable { status }.into());
    }
    check_refundable(payment.amount, payment.refund_reserved, r.amount)?;
    let now = now_ms();
    if !payments::reserve_refund(&mut *tx, &payment.id, r.amount, now).await? {
        // Another refund took the room between our read and our update.
        return Err(DomainError::RefundExceedsPaid {
            requested: r.amount,
            refundable: payment.amount - payment.refund_reserved,
        }
        .into());
    }
    // The reservation holds the payment row now. Read it again: on
    // PostgreSQL a refund that committed after our first read (while we
    // waited for the row) changed refunded_amount / fee_refunded, and the
    // fee given back below must be computed from those, or two concurrent
    // refunds each return the fee's rounded-up share (more than was taken).
    let payment = payments::get_tx(&mut *tx, &caller.merchant_id, payment_id)
        .await?
        .ok_or(ServiceError::NotFound("payment"))?;
    let mut row = RefundRow {
        id: new_id("ref"),
        merchant_id: caller.merchant_id.clone(),
        app_id: caller.app_id.clone(),
        payment_id: payment.id.clone(),
        merchant_refund_no: r.merchant_refund_no.clone(),
        amount: r.amount,
        currency: payment.currency.clone(),
        reason: r.reason.clone(),
        status: RefundStatus::Processing.as_str().to_string(),
        fee_refund: 0,
        fingerprint: print,
        created_at: now,
        updated_at: now,
        succeeded_at: None,
        channel_refund_id: None,
        failure_code: None,
        failure_message: None,
    };
    refunds::insert(&mut *tx, &row).await?;
    if payment.channel == ChannelCode::Cash.as_str() {
        // Cash goes back from the drawer of the terminal that took it.
        let terminal_id = payment
            .terminal_id
            .as_deref()
            .ok_or_else(|| juhe_store::StoreError::Corrupt(format!("cash payment {} has no terminal", payment.id)))?;
        let drawer = crate::payments::cash_drawer(&mut *tx, terminal_id, Currency::parse(&payment.currency)?).await?;
        complete_refund(&mut *tx, &payment, &mut row, drawer, now).await?;
        emit_about(
            &mut *tx,
            caller,
            EventType::RefundSucceeded,
            Object::Refund(&row, &payment),
            now,
        )
        .await?;
        return Ok((row, true));
    }
    if payment.channel != ChannelCode::Wallet.as_str() {
        // Sent to the channel after this commit; if this process dies first,
        // the task finds the refund and sends (or queries) it.
        let deadline = now + REFUND_RESOLVE_DEADLINE_MS;
        channel_tasks::arm(
            &mut *tx,
            channel_tasks::kind::RESOLVE_REFUND,
            &row.id,
            now + ORPHAN_REFUND_AFTER_MS,
            deadline,
            now,
        )
        .await?;
        return Ok((row, true));
    }
    complete_wallet_refund(&mut *tx, &payment, &mut row, now).await?;
    emit_about(
        &mut *tx,
        caller,
        EventType::RefundSucceeded,
        Object::Refund(&row, &payment),
        now,
    )
    .await?;
    Ok((row, true))
}

/// Gives the refund back to the payer's wallet (see `channels::settle::complete_refund`).
async fn complete_wallet_refund(
    tx: Tx<'_>,
    payment: &PaymentRow,
    row: &mut RefundRow,
    now: i64,
) -> Result<(), ServiceError> {
    let currency = Currency::parse(&payment.currency)?;
    let customer_id = payment
        .payer_customer_id
        .as_deref()
        .ok_or_else(|| juhe_store::StoreError::Corrupt(format!("wallet payment {} has no payer", payment.id)))?;
    let wallet = ensure_account_id(
        &mut *tx,
        Owner::customer(customer_id),
        AccountKind::CustomerWallet,
        currency,
    )
    .await?;
    complete_refund(tx, payment, row, wallet, now).await
}
