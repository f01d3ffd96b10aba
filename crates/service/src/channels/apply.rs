//! Applies what a channel says about an attempt to the attempt and its
//! payment, in one write transaction. Every path here is idempotent: a
//! state already applied (a duplicate notification, a query answering what
//! a notification already said) changes nothing; transitions are guarded.

use super::settle::{clearing_account, post_collection};
use crate::error::ServiceError;
use crate::events::{Object, emit_for};
use juhe_channel::ChannelPaymentState;
use juhe_domain::Currency;
use juhe_domain::payment::{PaymentAction, PaymentMachine, PaymentStatus};
use juhe_domain::state::transition;
use juhe_domain::webhook::EventType;
use juhe_store::Tx;
use juhe_store::attempts::{self, AttemptChange, AttemptRow, status};
use juhe_store::channel_configs;
use juhe_store::channel_tasks::{self, kind};
use juhe_store::payments::{self, PaymentRow, StatusChange};

/// What applying did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The attempt (and maybe the payment) changed.
    Changed,
    /// Nothing new: already known, or the attempt is already final.
    Unchanged,
    /// The channel reported something juhe cannot accept (money taken on
    /// an attempt juhe considers final, an amount that differs): logged and
    /// left for reconciliation, never silently applied.
    Discrepancy,
}

pub async fn load(tx: Tx<'_>, attempt_id: &str) -> Result<(AttemptRow, PaymentRow), ServiceError> {
    let attempt = attempts::get_tx(&mut *tx, attempt_id)
        .await?
        .ok_or(ServiceError::NotFound("attempt"))?;
    let payment = payments::get_any_tx(&mut *tx, &attempt.payment_id)
        .await?
        .ok_or(ServiceError::NotFound("payment"))?;
    Ok((attempt, payment))
}

async fn move_attempt(
    tx: Tx<'_>,
    attempt: &mut AttemptRow,
    to: &'static str,
    trade_no: Option<&str>,
    error: Option<(&str, &str)>,
    now: i64,
) -> Result<bool, ServiceError> {
    let changed = attempts::change(
        tx,
        AttemptChange {
            id: &attempt.id,
            from: &attempt.status,
            to,
            channel_trade_no: trade_no,
            error_code: error.map(|e| e.0),
            error_message: error.map(|e| e.1),
            now,
        },
    )
    .await?;
    if changed {
        attempt.status = to.to_string();
        if let Some(t) = trade_no {
            attempt.channel_trade_no = Some(t.to_string());
        }
    }
    Ok(changed)
}

/// Moves the payment along its state table (guarded on its current status).
pub async fn advance_payment(
    tx: Tx<'_>,
    payment: &mut PaymentRow,
    action: PaymentAction,
    now: i64,
) -> Result<bool, ServiceError> {
    let from = PaymentStatus::parse(&payment.status)
        .ok_or_else(|| juhe_store::StoreError::Corrupt(format!("payment status {}", payment.status)))?;
    let to = transition::<PaymentMachine>(from, action)?;
    let changed = payments::change_status(
        tx,
        StatusChange {
            id: &payment.id,
            from: from.as_str(),
            to: to.as_str(),
            now,
        },
    )
    .await?;
    if changed {
        payment.status = to.as_str().to_string();
        payment.updated_at = now;
        match to {
            PaymentStatus::Succeeded => payment.succeeded_at = Some(now),
            PaymentStatus::Closed => payment.closed_at = Some(now),
            _ => {}
        }
    }
    Ok(changed)
}

/// Succeeds the payment: attempt, status, ledger (Dr channel clearing, Cr
/// merchant payable, fee), the configuration's daily usage, the webhook.
async fn succeed(
    tx: Tx<'_>,
    attempt: &mut AttemptRow,
    payment: &mut PaymentRow,
    trade_no: &str,
    now: i64,
) -> Result<Applied, ServiceError> {
    if !move_attempt(&mut *tx, attempt, status::SUCCEEDED, Some(trade_no), None, now).await? {
        return Ok(Applied::Unchanged);
    }
    if payment.status != PaymentStatus::Processing.as_str() {
        // Money was taken on an attempt of a payment juhe already settled
        // otherwise (closed, failed, or paid through another attempt).
        tracing::error!(payment = %payment.id, attempt = %attempt.id, status = %payment.status,
            "channel reports money taken for a payment that is no longer processing; left for reconciliation");
        return Ok(Applied::Discrepancy);
    }
    payments::place_at_channel(
        &mut *tx,
        payments::ChannelPlacement {
            id: &payment.id,
            channel: &attempt.channel,
            config_id: &attempt.config_id,
            channel_trade_no: Some(trade_no),
            pay_action: None,
            fee: payment.fee,
            now,
        },
    )
    .await?;
    payment.channel_trade_no = Some(trade_no.to_string());
    advance_payment(&mut *tx, payment, PaymentAction::Succeed, now).await?;
    let clearing = clearing_account(&mut *tx, &attempt.channel, Currency::parse(&payment.currency)?).await?;
    post_collection(&mut *tx, payment, clearing).await?;
    channel_configs::add_usage(
        &mut *tx,
        &attempt.config_id,
        &super::routing::business_day(now),
        payment.amount,
    )
    .await?;
    channel_tasks::finish_for(&mut *tx, kind::RESOLVE_PAYMENT, &attempt.id, now).await?;
    emit_for(tx, EventType::PaymentSucceeded, Object::Payment(payment), now).await?;
    Ok(Applied::Changed)
}

/// Ends the payment without money taken: `failed` (the channel refused) or
/// `closed` (closed / reversed there).
pub async fn end_without_money(
    tx: Tx<'_>,
    payment: &mut PaymentRow,
    closed: bool,
    failure: Option<(&str, &str)>,
    now: i64,
) -> Result<Applied, ServiceError> {
    let (action, kind) = if closed {
        (PaymentAction::ConfirmedClose, EventType::PaymentClosed)
    } else {
        (PaymentAction::Fail, EventType::PaymentFailed)
    };
    if payment.status != PaymentStatus::Processing.as_str() {
        return Ok(Applied::Unchanged);
    }
    if !advance_payment(&mut *tx, payment, action, now).await? {
        return Ok(Applied::Unchanged);
    }
    if let Some((code, message)) = failure {
        payments::set_failure(&mut *tx, &payment.id, code, message).await?;
        payment.failure_code = Some(code.to_string());
        payment.failure_message = Some(message.to_string());
    }
    emit_for(tx, kind, Object::Payment(payment), now).await?;
    Ok(Applied::Changed)
}

/// Applies a channel state to an attempt. When the attempt ends without
/// money and `end_payment` is true, the payment ends too (failed / closed);
/// the creation path passes false so that it can fail over instead.
pub async fn apply_state(
    tx: Tx<'_>,
    attempt: &mut AttemptRow,
    payment: &mut PaymentRow,
    state: &ChannelPaymentState,
    end_payment: bool,
    now: i64,
) -> Result<Applied, ServiceError> {
    if !status::is_open(&attempt.status) {
        if let ChannelPaymentState::Succeeded { .. } = state
            && attempt.status != status::SUCCEEDED
        {
            tracing::error!(attempt = %attempt.id, status = %attempt.status,
                "channel reports success for an attempt juhe ended; left for reconciliation");
            return Ok(Applied::Discrepancy);
        }
        return Ok(Applied::Unchanged);
    }
    match state {
        ChannelPaymentState::AwaitingPayer => {
            if attempt.status == status::SENDING {
                move_attempt(tx, attempt, status::AWAITING_PAYER, None, None, now).await?;
                return Ok(Applied::Changed);
            }
            Ok(Applied::Unchanged)
        }
        ChannelPaymentState::Paying => {
            if attempt.status == status::PAYING {
                return Ok(Applied::Unchanged);
            }
            move_attempt(tx, attempt, status::PAYING, None, None, now).await?;
            Ok(Applied::Changed)
        }
        ChannelPaymentState::Succeeded {
            channel_trade_no,
            amount,
            ..
        } => {
            if *amount != payment.amount {
                tracing::error!(payment = %payment.id, reported = amount, expected = payment.amount,
                    "channel reports a different amount; not settled, left for reconciliation");
                let message = format!("channel reports amount {amount}, payment is {}", payment.amount);
                move_attempt(
                    tx,
                    attempt,
                    status::UNKNOWN,
                    None,
                    Some(("amount_mismatch", &message)),
                    now,
                )
                .await?;
                return Ok(Applied::Discrepancy);
            }
            succeed(tx, attempt, payment, channel_trade_no, now).await
        }
        ChannelPaymentState::Failed { code, message } => {
            move_attempt(&mut *tx, attempt, status::FAILED, None, Some((code, message)), now).await?;
            if end_payment {
                channel_tasks::finish_for(&mut *tx, kind::RESOLVE_PAYMENT, &attempt.id, now).await?;
                end_without_money(tx, payment, false, Some((code, message)), now).await?;
            }
            Ok(Applied::Changed)
        }
        ChannelPaymentState::Closed => {
            move_attempt(&mut *tx, attempt, status::CLOSED, None, None, now).await?;
            if end_payment {
                channel_tasks::finish_for(&mut *tx, kind::RESOLVE_PAYMENT, &attempt.id, now).await?;
                end_without_money(tx, payment, true, None, now).await?;
            }
            Ok(Applied::Changed)
        }
    }
}

/// Records an attempt whose outcome is unknown (resolved later by its task).
pub async fn mark_unknown(tx: Tx<'_>, attempt: &mut AttemptRow, reason: &str, now: i64) -> Result<(), ServiceError> {
    if status::is_open(&attempt.status) && attempt.status != status::UNKNOWN {
        move_attempt(tx, attempt, status::UNKNOWN, None, Some(("unknown", reason)), now).await?;
    }
    Ok(())
}

/// Records an attempt that certainly took no money (declined, not sent).
pub async fn mark_failed(
    tx: Tx<'_>,
    attempt: &mut AttemptRow,
    code: &str,
    message: &str,
    now: i64,
) -> Result<(), ServiceError> {
    if status::is_open(&attempt.status) {
        move_attempt(tx, attempt, status::FAILED, None, Some((code, message)), now).await?;
    }
    Ok(())
}
