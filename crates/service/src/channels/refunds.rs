//! Refunds of channel payments: the refund is recorded (in `processing`,
//! amount reserved) by `crate::refunds::create`; here it is sent to the
//! channel of the attempt that took the money, and the channel's answer —
//! now, by notification, or by a later query — completes or fails it.

use super::settle::{clearing_account, complete_refund};
use super::tasks::payment_ref;
use super::{ChannelHub, configs};
use crate::error::ServiceError;
use crate::events::{Object, emit_for};
use juhe_channel::{ChannelError, CreateRefund, RefundRef, RefundReport, RefundState};
use juhe_domain::refund::{RefundAction, RefundMachine, RefundStatus};
use juhe_domain::state::transition;
use juhe_domain::webhook::EventType;
use juhe_domain::{Currency, Money};
use juhe_store::attempts::{self, AttemptRow, status};
use juhe_store::channel_configs::{self, ChannelConfigRow};
use juhe_store::channel_tasks::{self, TaskRow, kind};
use juhe_store::clock::now_ms;
use juhe_store::payments::{self, PaymentRow};
use juhe_store::refunds::{self, RefundRow};
use juhe_store::{Db, Tx};

/// The refund, its payment, the attempt that took the money and its configuration.
struct Context {
    refund: RefundRow,
    payment: PaymentRow,
    attempt: AttemptRow,
    config: ChannelConfigRow,
}

async fn load(db: &Db, refund_id: &str) -> Result<Context, ServiceError> {
    let id = refund_id.to_string();
    let (refund, payment, attempt) = db
        .write(move |tx| {
            let id = id.clone();
            Box::pin(async move {
                let refund = refunds::get_any_tx(&mut *tx, &id)
                    .await?
                    .ok_or(ServiceError::NotFound("refund"))?;
                let payment = payments::get_any_tx(&mut *tx, &refund.payment_id)
                    .await?
                    .ok_or(ServiceError::NotFound("payment"))?;
                let attempt = attempts::of_payment_tx(&mut *tx, &payment.id)
                    .await?
                    .into_iter()
                    .find(|a| a.status == status::SUCCEEDED)
                    .ok_or(ServiceError::NotFound("succeeded attempt"))?;
                Ok::<_, ServiceError>((refund, payment, attempt))
            })
        })
        .await?;
    let config = channel_configs::get(db.reader(), &attempt.config_id)
        .await?
        .ok_or(ServiceError::NotFound("channel config"))?;
    Ok(Context {
        refund,
        payment,
        attempt,
        config,
    })
}

fn refund_money(ctx: &Context) -> Result<Money, ServiceError> {
    Ok(Money::new(ctx.refund.amount, Currency::parse(&ctx.refund.currency)?))
}

/// Sends the refund to the channel and applies the answer. Returns the
/// refund as it stands afterwards.
pub async fn drive(db: &Db, hub: &ChannelHub, refund_id: &str) -> Result<RefundRow, ServiceError> {
    let ctx = load(db, refund_id).await?;
    if ctx.refund.status != RefundStatus::Processing.as_str() {
        return Ok(ctx.refund);
    }
    let result = send(hub, &ctx).await;
    Ok(apply_result(db, hub, &ctx.refund.id, result, None).await?.0)
}

async fn send(hub: &ChannelHub, ctx: &Context) -> Result<RefundReport, ChannelError> {
    let (channel, config) = configs::open_channel(hub, &ctx.config).map_err(|e| match e {
        ServiceError::ChannelUnavailable(m) => ChannelError::NotSent(m),
        other => ChannelError::Config(other.to_string()),
    })?;
    let payment = payment_ref(&ctx.attempt, &ctx.payment).map_err(|e| ChannelError::Config(e.to_string()))?;
    let refund = refund_money(ctx).map_err(|e| ChannelError::Config(e.to_string()))?;
    channel
        .refund(
            &config,
            &CreateRefund {
                refund_id: ctx.refund.id.clone(),
                channel_refund_no: ctx.refund.id.clone(),
                payment,
                refund,
                reason: ctx.refund.reason.clone(),
                created_at_ms: ctx.refund.created_at,
            },
        )
        .await
}

/// The task: query the refund at the channel (sending it if the channel
/// never got it), apply the answer.
pub async fn resolve(db: &Db, hub: &ChannelHub, task: &TaskRow) -> Result<(), ServiceError> {
    let ctx = load(db, &task.subject_id).await?;
    if ctx.refund.status != RefundStatus::Processing.as_str() {
        let id = task.id.clone();
        return db
            .write(move |tx| {
                let id = id.clone();
                Box::pin(async move { Ok::<_, ServiceError>(channel_tasks::finish(tx, &id, now_ms()).await?) })
            })
            .await;
    }
    let (channel, config) = configs::open_channel(hub, &ctx.config)?;
    let reference = RefundRef {
        channel_refund_no: ctx.refund.id.clone(),
        channel_refund_id: ctx.refund.channel_refund_id.clone(),
        payment: payment_ref(&ctx.attempt, &ctx.payment)?,
        refund: refund_money(&ctx)?,
        created_at_ms: ctx.refund.created_at,
    };
    let result = match channel.query_refund(&config, &reference).await {
        // Never reached the channel (or the channel cannot be asked): send
        // it. Refund requests are idempotent by the refund number.
        Err(ChannelError::NotFound) | Err(ChannelError::Unsupported(_)) => send(hub, &ctx).await,
        other => other,
    };
    apply_result(db, hub, &ctx.refund.id, result, Some(task))
        .await
        .map(|_| ())
}

/// Applies a channel answer about a refund (from the call, a query or a
/// notification). Idempotent: a refund no longer processing is left alone.
pub async fn apply_result(
    db: &Db,
    hub: &ChannelHub,
    refund_id: &str,
    result: Result<RefundReport, ChannelError>,
    task: Option<&TaskRow>,
) -> Result<(RefundRow, bool), ServiceError> {
    let refund_id = refund_id.to_string();
    let tries = task.map(|t| t.tries).unwrap_or(0);
    let poll = hub.poll;
    let result = std::sync::Arc::new(result);
    db.write(move |tx| {
        let (refund_id, result) = (refund_id.clone(), result.clone());
        Box::pin(async move {
            let now = now_ms();
            let mut refund = refunds::get_any_tx(&mut *tx, &refund_id)
                .await?
                .ok_or(ServiceError::NotFound("refund"))?;
            if refund.status != RefundStatus::Processing.as_str() {
                channel_tasks::finish_for(&mut *tx, kind::RESOLVE_REFUND, &refund.id, now).await?;
                return Ok((refund, false));
            }
            match result.as_ref() {
                Ok(report) => apply_report(&mut *tx, &mut refund, report, tries, poll, now).await?,
                Err(ChannelError::Declined { code, message }) => {
                    fail(&mut *tx, &mut refund, code, message, now).await?
                }
                // The channel cannot refund this at all: certainly nothing moved.
                Err(ChannelError::Unsupported(_)) => {
                    let message = "the channel cannot refund this payment";
                    fail(&mut *tx, &mut refund, "refund_unsupported", message, now).await?
                }
                Err(ChannelError::Config(m)) => fail(&mut *tx, &mut refund, "channel_config", m, now).await?,
                Err(e) => {
                    // Not sent, or unknown: ask again later.
                    let due = now + poll.backoff_at_least(tries.max(1), e.retry_after_ms());
                    channel_tasks::reschedule(&mut *tx, &task_id(&refund.id), due, Some(&e.to_string()), now).await?;
                }
            }
            let changed = refund.status != RefundStatus::Processing.as_str();
            Ok::<_, ServiceError>((refund, changed))
        })
    })
    .await
}

/// The configuration a refund was (or will be) sent through: that of the
/// attempt that took the payment's money.
pub async fn config_of(db: &Db, refund_id: &str) -> Result<String, ServiceError> {
    Ok(load(db, refund_id).await?.config.id)
}

fn task_id(refund_id: &str) -> String {
    channel_tasks::task_id(kind::RESOLVE_REFUND, refund_id)
}

async fn apply_report(
    tx: Tx<'_>,
    refund: &mut RefundRow,
    report: &RefundReport,
    tries: i64,
    poll: super::PollPolicy,
    now: i64,
) -> Result<(), ServiceError> {
    refunds::set_channel_result(&mut *tx, &refund.id, report.channel_refund_id.as_deref(), None).await?;
    refund.channel_refund_id = report.channel_refund_id.clone().or(refund.channel_refund_id.take());
    match &report.state {
        RefundState::Processing => {
            let due = now + poll.backoff(tries.max(1));
            channel_tasks::reschedule(tx, &task_id(&refund.id), due, None, now).await?;
        }
        RefundState::Succeeded { .. } => {
            if report.amount != refund.amount {
                tracing::error!(refund = %refund.id, reported = report.amount, expected = refund.amount,
                    "channel reports a different refund amount; left for reconciliation");
                channel_tasks::reschedule(
                    tx,
                    &task_id(&refund.id),
                    now + poll.max_ms,
                    Some("amount mismatch"),
                    now,
                )
                .await?;
                return Ok(());
            }
            let payment = payments::get_any_tx(&mut *tx, &refund.payment_id)
                .await?
                .ok_or(ServiceError::NotFound("payment"))?;
            let clearing = clearing_account(&mut *tx, &payment.channel, Currency::parse(&payment.currency)?).await?;
            complete_refund(&mut *tx, &payment, refund, clearing, now).await?;
            channel_tasks::finish_for(&mut *tx, kind::RESOLVE_REFUND, &refund.id, now).await?;
            emit_for(tx, EventType::RefundSucceeded, Object::Refund(refund, &payment), now).await?;
        }
        RefundState::Failed { code, message } => fail(tx, refund, code, message, now).await?,
    }
    Ok(())
}

async fn fail(tx: Tx<'_>, refund: &mut RefundRow, code: &str, message: &str, now: i64) -> Result<(), ServiceError> {
    let from = RefundStatus::Processing;
    let to = transition::<RefundMachine>(from, RefundAction::Fail)?;
    if !refunds::change_status(&mut *tx, &refund.id, from.as_str(), to.as_str(), 0, now).await? {
        return Ok(());
    }
    refunds::set_channel_result(&mut *tx, &refund.id, None, Some((code, message))).await?;
    payments::release_refund(&mut *tx, &refund.payment_id, refund.amount, now).await?;
    refund.status = to.as_str().to_string();
    refund.failure_code = Some(code.to_string());
    refund.failure_message = Some(message.to_string());
    channel_tasks::finish_for(&mut *tx, kind::RESOLVE_REFUND, &refund.id, now).await?;
    let payment = payments::get_any_tx(&mut *tx, &refund.payment_id)
        .await?
        .ok_or(ServiceError::NotFound("payment"))?;
    emit_for(tx, EventType::RefundFailed, Object::Refund(refund, &payment), now).await?;
    Ok(())
}
