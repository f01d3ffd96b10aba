//! Creating a payment through a channel: record the intent, call the
//! channel outside any transaction, apply the answer; on a definite "no
//! money taken" fail over to the next configuration; on anything uncertain
//! stop and let the task resolve it by querying the same channel.

use super::apply::{self, Applied};
use super::configs;
use super::{ChannelHub, PollPolicy};
use crate::caller::Caller;
use crate::error::ServiceError;
use crate::payments::{NewPayment, existing_order, insert_new};
use juhe_channel::routing::{AfterAttempt, after_attempt};
use juhe_channel::{ChannelError, ChannelPaymentState, CreateOutcome, CreatePayment, request::CardPresent};
use juhe_domain::fee::fee_for;
use juhe_domain::payment::{PaymentAction, PaymentMachine, PaymentStatus};
use juhe_domain::state::transition;
use juhe_store::attempts::{self, AttemptRow, status};
use juhe_store::channel_configs::ChannelConfigRow;
use juhe_store::channel_tasks::{self, kind};
use juhe_store::clock::now_ms;
use juhe_store::ids::new_id;
use juhe_store::payments::{self, PaymentRow};
use juhe_store::{Db, Tx};

/// What the first write produced: a new payment (in `processing`) with its
/// first attempt (in `sending`), or — `attempt` empty — the app's existing
/// payment with this order number and fields, with nothing to send.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub payment: PaymentRow,
    pub attempt: Option<AttemptRow>,
}

fn new_attempt(payment_id: &str, seq: i64, config: &ChannelConfigRow, now: i64) -> AttemptRow {
    let id = new_id("att");
    AttemptRow {
        channel_order_no: id.clone(),
        id,
        payment_id: payment_id.to_string(),
        seq,
        config_id: config.id.clone(),
        channel: config.channel.clone(),
        status: status::SENDING.to_string(),
        channel_trade_no: None,
        error_code: None,
        error_message: None,
        created_at: now,
        updated_at: now,
    }
}

/// First write: the payment (in `processing`), its first attempt and the
/// task that resolves it should this process die before the answer.
pub async fn prepare(
    tx: Tx<'_>,
    caller: &Caller,
    p: &NewPayment,
    first: &ChannelConfigRow,
    poll: PollPolicy,
) -> Result<Prepared, ServiceError> {
    if let Some(existing) = existing_order(&mut *tx, caller, p).await? {
        return Ok(Prepared {
            payment: existing,
            attempt: None,
        });
    }
    let now = now_ms();
    let status = transition::<PaymentMachine>(PaymentStatus::Created, PaymentAction::Submit)?;
    let payment = PaymentRow {
        channel_config_id: Some(first.id.clone()),
        ..p.row(
            caller,
            &first.channel,
            status,
            fee_for(p.money.amount, first.fee_bps)?,
            now,
        )
    };
    if let Some(existing) = insert_new(&mut *tx, caller, p, &payment).await? {
        // Lost a race with an identical request: answer with its payment.
        return Ok(Prepared {
            payment: existing,
            attempt: None,
        });
    }
    let attempt = new_attempt(&payment.id, 1, first, now);
    attempts::insert(&mut *tx, &attempt).await?;
    channel_tasks::arm(
        tx,
        kind::RESOLVE_PAYMENT,
        &attempt.id,
        now + poll.orphan_after_ms,
        payment.expire_at,
        now,
    )
    .await?;
    Ok(Prepared {
        payment,
        attempt: Some(attempt),
    })
}

/// The channel request for an attempt.
pub fn request_for(
    payment: &PaymentRow,
    attempt: &AttemptRow,
    p: &NewPayment,
    card: Option<CardPresent>,
) -> CreatePayment {
    CreatePayment {
        payment_id: payment.id.clone(),
        channel_order_no: attempt.channel_order_no.clone(),
        money: p.money,
        subject: p.subject.clone(),
        way: p.way,
        auth_code: p.channel.auth_code.clone(),
        payer_id: p.channel.payer_id.clone(),
        payer_ip: p.channel.payer_ip.clone(),
        return_url: p.channel.return_url.clone(),
        card,
        terminal_id: p.channel.terminal_id.clone(),
        site_id: p.channel.site_id.clone(),
        expire_at_ms: payment.expire_at,
        created_at_ms: attempt.created_at,
    }
}

/// Calls the channel of `config` for the attempt, through its breaker.
async fn call_create(
    hub: &ChannelHub,
    config: &ChannelConfigRow,
    request: &CreatePayment,
) -> Result<CreateOutcome, ChannelError> {
    let Some(channel) = hub.registry.get(&config.channel) else {
        return Err(ChannelError::NotSent(format!(
            "channel {} is not registered",
            config.channel
        )));
    };
    // Opened before the breaker is asked, so a configuration that does not
    // open never takes (and strands) the half-open probe.
    let opened = configs::open(hub, config).map_err(|e| ChannelError::Config(e.to_string()))?;
    if !hub.breakers.try_acquire(&config.id, now_ms()) {
        return Err(ChannelError::NotSent("circuit open".into()));
    }
    let result = channel.create(&opened, request).await;
    hub.breakers.observe(&config.id, &result, now_ms());
    result
}

/// A stable code and message for an error that took no money.
pub fn failure_of(e: &ChannelError) -> (String, String) {
    match e {
        ChannelError::Declined { code, message } => (code.clone(), message.clone()),
        ChannelError::NotSent(m) => ("channel_not_reached".into(), m.clone()),
        ChannelError::RateLimited { code, message, .. } => {
            ("channel_rate_limited".into(), format!("{code}: {message}"))
        }
        ChannelError::Config(m) => ("channel_config".into(), m.clone()),
        other => ("channel_error".into(), other.to_string()),
    }
}

/// Sends the prepared payment to its channels (first attempt already
/// recorded) and returns the payment as it stands afterwards.
pub async fn drive(
    db: &Db,
    hub: &ChannelHub,
    p: &NewPayment,
    mut payment: PaymentRow,
    first_attempt: AttemptRow,
    candidates: &[ChannelConfigRow],
    card: Option<CardPresent>,
) -> Result<PaymentRow, ServiceError> {
    let mut attempt = first_attempt;
    let mut last_failure = ("channel_error".to_string(), "no channel attempted".to_string());
    for (index, config) in candidates.iter().enumerate() {
        if index > 0 {
            match next_attempt(db, hub, &payment, config, index as i64 + 1).await? {
                Some(next) => attempt = next,
                None => return reread(db, &payment.id).await,
            }
        }
        let request = request_for(&payment, &attempt, p, card.clone());
        let result = call_create(hub, config, &request).await;
        let step: Result<(), ChannelError> = match &result {
            Ok(outcome) => match outcome.state {
                ChannelPaymentState::Failed { ref code, ref message } => Err(ChannelError::declined(code, message)),
                ChannelPaymentState::Closed => Err(ChannelError::declined("closed", "the channel closed the order")),
                _ => Ok(()),
            },
            Err(e) => Err(e.clone()),
        };
        let (after, updated) = record_answer(db, hub, &attempt, &payment, config, result).await?;
        payment = updated;
        if after_attempt(&step) == AfterAttempt::Stop {
            return Ok(payment);
        }
        if let Err(e) = &step {
            last_failure = failure_of(e);
        }
        debug_assert!(after == AfterAttempt::TryNext);
    }
    fail_payment(db, &payment.id, &last_failure).await
}

/// Records attempt `seq` at `config` and moves the payment onto it; `None`
/// if the payment is no longer processing.
async fn next_attempt(
    db: &Db,
    hub: &ChannelHub,
    payment: &PaymentRow,
    config: &ChannelConfigRow,
    seq: i64,
) -> Result<Option<AttemptRow>, ServiceError> {
    let (payment, config, poll) = (payment.clone(), config.clone(), hub.poll);
    db.write(move |tx| {
        let (payment, config) = (payment.clone(), config.clone());
        Box::pin(async move {
            let now = now_ms();
            // The payment's row first: if its fate was decided meanwhile (a
            // task found it stranded), no new attempt is made.
            let moved = payments::move_to_channel(
                &mut *tx,
                &payment.id,
                &config.channel,
                &config.id,
                fee_for(payment.amount, config.fee_bps)?,
                now,
            )
            .await?;
            if !moved {
                return Ok::<_, ServiceError>(None);
            }
            let attempt = new_attempt(&payment.id, seq, &config, now);
            attempts::insert(&mut *tx, &attempt).await?;
            channel_tasks::arm(
                tx,
                kind::RESOLVE_PAYMENT,
                &attempt.id,
                now + poll.orphan_after_ms,
                payment.expire_at,
                now,
            )
            .await?;
            Ok(Some(attempt))
        })
    })
    .await
}

/// Second write: applies the channel's answer to the attempt and payment.
async fn record_answer(
    db: &Db,
    hub: &ChannelHub,
    attempt: &AttemptRow,
    payment: &PaymentRow,
    config: &ChannelConfigRow,
    result: Result<CreateOutcome, ChannelError>,
) -> Result<(AfterAttempt, PaymentRow), ServiceError> {
    let (attempt_id, poll, config) = (attempt.id.clone(), hub.poll, config.clone());
    let expire_at = payment.expire_at;
    let result = std::sync::Arc::new(result);
    db.write(move |tx| {
        let (attempt_id, config, result) = (attempt_id.clone(), config.clone(), result.clone());
        Box::pin(async move {
            let now = now_ms();
            let (mut attempt, mut payment) = apply::load(&mut *tx, &attempt_id).await?;
            let after = match result.as_ref() {
                Ok(outcome) => {
                    let action = outcome.action.as_ref().and_then(|a| serde_json::to_string(a).ok());
                    payments::place_at_channel(
                        &mut *tx,
                        payments::ChannelPlacement {
                            id: &payment.id,
                            channel: &config.channel,
                            config_id: &config.id,
                            channel_trade_no: outcome.channel_trade_no.as_deref(),
                            pay_action: action.as_deref(),
                            fee: payment.fee,
                            now,
                        },
                    )
                    .await?;
                    payment.pay_action = action.or(payment.pay_action.take());
                    if let Some(t) = &outcome.channel_trade_no {
                        payment.channel_trade_no = Some(t.clone());
                    }
                    let applied =
                        apply::apply_state(&mut *tx, &mut attempt, &mut payment, &outcome.state, false, now).await?;
                    match &outcome.state {
                        ChannelPaymentState::AwaitingPayer => {
                            arm(&mut *tx, &attempt.id, now + poll.awaiting_first_ms, expire_at, now).await?;
                            AfterAttempt::Stop
                        }
                        ChannelPaymentState::Paying => {
                            let deadline = (now + poll.paying_deadline_ms).min(expire_at);
                            arm(&mut *tx, &attempt.id, now + poll.first_ms, deadline, now).await?;
                            AfterAttempt::Stop
                        }
                        ChannelPaymentState::Succeeded { .. } => {
                            if applied == Applied::Discrepancy {
                                arm(&mut *tx, &attempt.id, now + poll.first_ms, expire_at, now).await?;
                            }
                            AfterAttempt::Stop
                        }
                        ChannelPaymentState::Failed { .. } | ChannelPaymentState::Closed => {
                            // The task stays armed: should this process die before
                            // the next attempt (or the final `failed`) is written,
                            // it finds the payment with no open attempt and ends it.
                            arm(&mut *tx, &attempt.id, now + poll.orphan_after_ms, expire_at, now).await?;
                            AfterAttempt::TryNext
                        }
                    }
                }
                Err(e) if e.took_no_money() => {
                    let (code, message) = failure_of(e);
                    apply::mark_failed(&mut *tx, &mut attempt, &code, &message, now).await?;
                    arm(&mut *tx, &attempt.id, now + poll.orphan_after_ms, expire_at, now).await?;
                    AfterAttempt::TryNext
                }
                Err(e) => {
                    apply::mark_unknown(&mut *tx, &mut attempt, &e.to_string(), now).await?;
                    let deadline = (now + poll.paying_deadline_ms).min(expire_at);
                    arm(&mut *tx, &attempt.id, now + poll.first_ms, deadline, now).await?;
                    AfterAttempt::Stop
                }
            };
            Ok::<_, ServiceError>((after, payment))
        })
    })
    .await
}

async fn arm(tx: Tx<'_>, attempt_id: &str, due: i64, deadline: i64, now: i64) -> Result<(), ServiceError> {
    channel_tasks::arm(tx, kind::RESOLVE_PAYMENT, attempt_id, due, deadline, now).await?;
    Ok(())
}

async fn reread(db: &Db, payment_id: &str) -> Result<PaymentRow, ServiceError> {
    let id = payment_id.to_string();
    db.write(move |tx| {
        let id = id.clone();
        Box::pin(async move {
            payments::get_any_tx(tx, &id)
                .await?
                .ok_or(ServiceError::NotFound("payment"))
        })
    })
    .await
}

/// Every configuration refused: the payment fails (no money was taken).
async fn fail_payment(db: &Db, payment_id: &str, failure: &(String, String)) -> Result<PaymentRow, ServiceError> {
    let (payment_id, failure) = (payment_id.to_string(), failure.clone());
    db.write(move |tx| {
        let (payment_id, failure) = (payment_id.clone(), failure.clone());
        Box::pin(async move {
            let now = now_ms();
            let mut payment = payments::get_any_tx(&mut *tx, &payment_id)
                .await?
                .ok_or(ServiceError::NotFound("payment"))?;
            apply::end_without_money(&mut *tx, &mut payment, false, Some((&failure.0, &failure.1)), now).await?;
            Ok::<_, ServiceError>(payment)
        })
    })
    .await
}
