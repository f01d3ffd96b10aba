//! The worker that resolves open attempts and refunds: it claims due tasks
//! with a lease (so several nodes, or a restarted one, never lose or
//! double-run one), asks the channel, applies the answer, and at the
//! deadline reverses or closes at the channel. Everything it does is also
//! safe to do twice.

use super::ChannelHub;
use super::apply::{self, Applied};
use super::configs;
use super::refunds as channel_refunds;
use crate::error::ServiceError;
use juhe_channel::capability::Operation;
use juhe_channel::{ChannelError, ChannelPaymentState, PaymentRef};
use juhe_domain::Currency;
use juhe_domain::Money;
use juhe_store::Db;
use juhe_store::attempts::{AttemptRow, status};
use juhe_store::channel_configs;
use juhe_store::channel_tasks::{self, TaskRow, kind};
use juhe_store::clock::now_ms;
use juhe_store::payments::PaymentRow;
use std::time::Duration;

const BATCH: i64 = 32;

/// Runs due tasks until `shutdown` resolves.
pub async fn run(db: Db, hub: ChannelHub, tick: Duration, shutdown: impl std::future::Future<Output = ()>) {
    tokio::pin!(shutdown);
    loop {
        match run_due(&db, &hub).await {
            Ok(n) if n > 0 => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "channel task round failed"),
        }
        tokio::select! {
            _ = &mut shutdown => return,
            _ = tokio::time::sleep(tick) => {}
        }
    }
}

/// Claims and runs one batch of due tasks; the number run.
pub async fn run_due(db: &Db, hub: &ChannelHub) -> Result<usize, ServiceError> {
    let now = now_ms();
    let lease_until = now + hub.poll.lease_ms;
    let claimed = db
        .write(move |tx| {
            Box::pin(async move { Ok::<_, ServiceError>(channel_tasks::claim_due(tx, now, lease_until, BATCH).await?) })
        })
        .await?;
    let n = claimed.len();
    for task in claimed {
        let result = match task.kind.as_str() {
            kind::RESOLVE_PAYMENT => resolve_payment(db, hub, &task).await,
            kind::CLOSE_PAYMENT => close_payment(db, hub, &task).await,
            kind::RESOLVE_REFUND => channel_refunds::resolve(db, hub, &task).await,
            other => Err(ServiceError::InvalidRequest(format!(
                "unknown channel task kind {other}"
            ))),
        };
        if let Err(e) = result {
            tracing::warn!(task = %task.id, error = %e, "channel task failed; will retry");
            let due = now_ms() + hub.poll.backoff_at_least(task.tries, e.retry_after_ms());
            let message = e.to_string();
            let id = task.id.clone();
            db.write(move |tx| {
                let (id, message) = (id.clone(), message.clone());
                Box::pin(async move {
                    Ok::<_, ServiceError>(channel_tasks::reschedule(tx, &id, due, Some(&message), now_ms()).await?)
                })
            })
            .await?;
        }
    }
    Ok(n)
}

/// The attempt, its payment and its configuration, read fresh.
async fn load(
    db: &Db,
    attempt_id: &str,
) -> Result<(AttemptRow, PaymentRow, channel_configs::ChannelConfigRow), ServiceError> {
    let id = attempt_id.to_string();
    let (attempt, payment) = db
        .write(move |tx| {
            let id = id.clone();
            Box::pin(async move { apply::load(tx, &id).await })
        })
        .await?;
    let config = channel_configs::get(db.reader(), &attempt.config_id)
        .await?
        .ok_or(ServiceError::NotFound("channel config"))?;
    Ok((attempt, payment, config))
}

pub fn payment_ref(attempt: &AttemptRow, payment: &PaymentRow) -> Result<PaymentRef, ServiceError> {
    Ok(PaymentRef {
        channel_order_no: attempt.channel_order_no.clone(),
        channel_trade_no: attempt.channel_trade_no.clone(),
        money: Money::new(payment.amount, Currency::parse(&payment.currency)?),
        created_at_ms: attempt.created_at,
    })
}

/// The task a state is applied for: its id (rescheduled or finished) and
/// how many tries it has had (for the backoff).
#[derive(Debug, Clone)]
struct TaskRef {
    id: String,
    tries: i64,
}

impl From<&TaskRow> for TaskRef {
    fn from(t: &TaskRow) -> TaskRef {
        TaskRef {
            id: t.id.clone(),
            tries: t.tries,
        }
    }
}

/// Applies a state (ending the payment if the state is final) and either
/// finishes the task or schedules the next query.
async fn settle_state(
    db: &Db,
    hub: &ChannelHub,
    task: TaskRef,
    attempt_id: &str,
    state: ChannelPaymentState,
) -> Result<(), ServiceError> {
    let (attempt_id, poll) = (attempt_id.to_string(), hub.poll);
    let state = std::sync::Arc::new(state);
    db.write(move |tx| {
        let (task, attempt_id, state) = (task.clone(), attempt_id.clone(), state.clone());
        Box::pin(async move {
            let now = now_ms();
            let (mut attempt, mut payment) = apply::load(&mut *tx, &attempt_id).await?;
            let applied = apply::apply_state(&mut *tx, &mut attempt, &mut payment, &state, true, now).await?;
            if status::is_open(&attempt.status) && applied != Applied::Discrepancy {
                channel_tasks::reschedule(&mut *tx, &task.id, now + poll.backoff(task.tries), None, now).await?;
            } else if applied == Applied::Discrepancy {
                channel_tasks::reschedule(&mut *tx, &task.id, now + poll.max_ms, Some("discrepancy"), now).await?;
            } else {
                channel_tasks::finish(&mut *tx, &task.id, now).await?;
            }
            Ok::<_, ServiceError>(())
        })
    })
    .await
}

async fn finish(db: &Db, task: &TaskRow) -> Result<(), ServiceError> {
    let id = task.id.clone();
    db.write(move |tx| {
        let id = id.clone();
        Box::pin(async move { Ok::<_, ServiceError>(channel_tasks::finish(tx, &id, now_ms()).await?) })
    })
    .await
}

/// Query; past the deadline, query once more and then reverse (payment
/// code, card, unknown outcome) or close (QR waiting for its payer).
async fn resolve_payment(db: &Db, hub: &ChannelHub, task: &TaskRow) -> Result<(), ServiceError> {
    let (attempt, payment, config_row) = load(db, &task.subject_id).await?;
    if !status::is_open(&attempt.status) {
        // Normally the payment has moved on (another attempt, or ended). If
        // not — the process died between a declined attempt and the next
        // one — nothing can have taken money: end it as failed.
        end_if_stranded(db, &payment.id, &attempt).await?;
        return finish(db, task).await;
    }
    let (channel, config) = configs::open_channel(hub, &config_row)?;
    let reference = payment_ref(&attempt, &payment)?;
    let past_deadline = now_ms() >= task.deadline_at;
    match channel.query(&config, &reference).await {
        Ok(state) if state.is_final() => return settle_state(db, hub, task.into(), &attempt.id, state).await,
        Ok(state) if !past_deadline => return settle_state(db, hub, task.into(), &attempt.id, state).await,
        Ok(_) => {}
        Err(ChannelError::NotFound)
            if (attempt.status == status::SENDING || attempt.status == status::UNKNOWN)
                && now_ms() - attempt.created_at >= hub.poll.max_call_ms =>
        {
            // The channel never saw the order, and the call that would have
            // brought it there is over: nothing was taken.
            let state = ChannelPaymentState::Failed {
                code: "channel_not_reached".into(),
                message: "the channel has no record of the order".into(),
            };
            return settle_state(db, hub, task.into(), &attempt.id, state).await;
        }
        Err(ChannelError::Unsupported(Operation::Query)) => {}
        Err(ChannelError::NotFound) if !past_deadline => {
            return Err(ServiceError::ChannelUnavailable(
                "the channel does not know the order yet; the create may still be in flight".into(),
            ));
        }
        Err(e) if !past_deadline => return Err(ServiceError::from_channel(&e)),
        Err(_) => {}
    }
    // Past the deadline (or the channel cannot be queried): end it at the
    // channel. A payer still confirming, or an unknown outcome, is reversed
    // (money taken meanwhile goes back); an order only shown is closed.
    let reverse_first = attempt.status != status::AWAITING_PAYER;
    let ended = if reverse_first {
        match channel.reverse(&config, &reference).await {
            Err(ChannelError::Unsupported(_)) => channel.close(&config, &reference).await,
            other => other,
        }
    } else {
        match channel.close(&config, &reference).await {
            Err(ChannelError::Unsupported(_)) => channel.reverse(&config, &reference).await,
            other => other,
        }
    };
    match ended {
        Ok(()) => settle_state(db, hub, task.into(), &attempt.id, ChannelPaymentState::Closed).await,
        Err(ChannelError::Declined { code, message }) => {
            // The channel refuses to close: most often because it was paid
            // in the meantime. Query decides.
            tracing::info!(attempt = %attempt.id, %code, %message, "close/reverse refused; querying");
            match channel.query(&config, &reference).await {
                Ok(state) if state.is_final() => settle_state(db, hub, task.into(), &attempt.id, state).await,
                _ => Err(ServiceError::ChannelUnavailable(format!(
                    "close refused: {code}: {message}"
                ))),
            }
        }
        Err(e) => Err(ServiceError::from_channel(&e)),
    }
}

/// The merchant closed a payment that is at a channel: close it there first.
async fn close_payment(db: &Db, hub: &ChannelHub, task: &TaskRow) -> Result<(), ServiceError> {
    close_at_channel(db, hub, &task.subject_id).await?;
    finish(db, task).await
}

/// Closes (or, if the channel cannot close, reverses) the payment's open
/// attempt at its channel and closes the payment. If the channel refuses
/// because the payer paid meanwhile, the payment succeeds instead.
pub async fn close_at_channel(db: &Db, hub: &ChannelHub, payment_id: &str) -> Result<(), ServiceError> {
    let attempts = {
        let id = payment_id.to_string();
        db.write(move |tx| {
            let id = id.clone();
            Box::pin(async move { Ok::<_, ServiceError>(juhe_store::attempts::of_payment_tx(tx, &id).await?) })
        })
        .await?
    };
    let Some(open) = attempts.iter().rev().find(|a| status::is_open(&a.status)).cloned() else {
        // No attempt can take money any more: close the payment here.
        if let Some(last) = attempts.last() {
            end_stranded(db, payment_id, last, true).await?;
        }
        return Ok(());
    };
    let (attempt, payment, config_row) = load(db, &open.id).await?;
    let (channel, config) = configs::open_channel(hub, &config_row)?;
    let reference = payment_ref(&attempt, &payment)?;
    let closed = match channel.close(&config, &reference).await {
        Err(ChannelError::Unsupported(_)) => channel.reverse(&config, &reference).await,
        other => other,
    };
    // The attempt's resolve task is the one the outcome finishes.
    let task = TaskRef {
        id: channel_tasks::task_id(kind::RESOLVE_PAYMENT, &attempt.id),
        tries: 1,
    };
    match closed {
        Ok(()) => settle_state(db, hub, task.clone(), &attempt.id, ChannelPaymentState::Closed).await,
        Err(ChannelError::Declined { code, message }) => match channel.query(&config, &reference).await {
            Ok(state) if state.is_final() => settle_state(db, hub, task.clone(), &attempt.id, state).await,
            _ => Err(ServiceError::ChannelUnavailable(format!(
                "close refused: {code}: {message}"
            ))),
        },
        Err(e) => Err(ServiceError::from_channel(&e)),
    }
}

/// Ends a payment still `processing` whose attempts are all over without
/// money (none open, none succeeded): `closed` when the merchant asked,
/// else `failed` with the last attempt's reason. Checked and done in one
/// write, so a concurrent new attempt or success wins.
async fn end_stranded(db: &Db, payment_id: &str, last: &AttemptRow, closed: bool) -> Result<(), ServiceError> {
    let (payment_id, last) = (payment_id.to_string(), last.clone());
    db.write(move |tx| {
        let (payment_id, last) = (payment_id.clone(), last.clone());
        Box::pin(async move {
            let now = now_ms();
            // Lock the payment's row before reading its attempts, so a new
            // attempt being recorded (which updates that row first) is either
            // seen here or refused there.
            if !juhe_store::payments::lock_processing(&mut *tx, &payment_id).await? {
                return Ok::<_, ServiceError>(());
            }
            let Some(mut payment) = juhe_store::payments::get_any_tx(&mut *tx, &payment_id).await? else {
                return Ok(());
            };
            let attempts = juhe_store::attempts::of_payment_tx(&mut *tx, &payment_id).await?;
            let live = attempts
                .iter()
                .any(|a| status::is_open(&a.status) || a.status == status::SUCCEEDED);
            if live || payment.status != "processing" {
                return Ok(());
            }
            let code = last.error_code.clone().unwrap_or_else(|| "channel_error".into());
            let message = last
                .error_message
                .clone()
                .unwrap_or_else(|| "no channel took the payment".into());
            let failure = (!closed).then_some((code.as_str(), message.as_str()));
            apply::end_without_money(&mut *tx, &mut payment, closed, failure, now).await?;
            Ok(())
        })
    })
    .await
}

async fn end_if_stranded(db: &Db, payment_id: &str, attempt: &AttemptRow) -> Result<(), ServiceError> {
    end_stranded(db, payment_id, attempt, false).await
}
