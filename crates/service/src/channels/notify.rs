//! Inbound notifications from channels. Each is verified and decrypted by
//! its channel, logged, and applied through the same transitions as query
//! answers — so duplicates and out-of-order arrivals change nothing twice.
//! The answer is exactly what the channel expects; a failure to record it
//! answers "fail" so the channel sends it again.

use super::apply;
use super::{ChannelHub, configs, refunds as channel_refunds};
use crate::error::ServiceError;
use juhe_channel::{Ack, InboundRequest, Notification};
use juhe_store::Db;
use juhe_store::attempts;
use juhe_store::channel_configs;
use juhe_store::channel_notifications::{self, NotificationRow};
use juhe_store::clock::now_ms;
use juhe_store::ids::new_id;
use sha2::{Digest, Sha256};

/// Handles one notification for configuration `config_id` of `channel`.
pub async fn handle(db: &Db, hub: &ChannelHub, channel_code: &str, config_id: &str, req: InboundRequest) -> Ack {
    let Some(channel) = hub.registry.get(channel_code) else {
        return Ack::text(404, "unknown channel");
    };
    let digest = hex::encode(Sha256::digest(&req.body));
    let config_row = match channel_configs::get(db.reader(), config_id).await {
        Ok(Some(row)) if row.channel == channel_code => row,
        Ok(_) => return channel.ack(false),
        Err(e) => {
            tracing::warn!(error = %e, "notification: configuration lookup failed");
            return channel.ack(false);
        }
    };
    let config = match configs::open(hub, &config_row) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, config = %config_id, "notification: configuration does not open");
            return channel.ack(false);
        }
    };
    let log = |subject: Option<String>, outcome: &str, detail: Option<String>| NotificationRow {
        id: new_id("ntf"),
        config_id: config_row.id.clone(),
        channel: channel_code.to_string(),
        subject,
        digest: digest.clone(),
        outcome: outcome.to_string(),
        detail,
        received_at: now_ms(),
    };
    let notification = match channel.parse_notification(&config, &req).await {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!(channel = %channel_code, error = %e, "notification rejected");
            let _ = record(db, log(None, "rejected", Some(e.to_string()))).await;
            return channel.ack(false);
        }
    };
    let result = match notification {
        Notification::Payment {
            channel_order_no,
            state,
        } => apply_payment(db, &config_row.id, channel_code, &channel_order_no, state, log).await,
        Notification::Refund { report, .. } => {
            let refund_id = report.channel_refund_no.clone();
            match channel_refunds::config_of(db, &refund_id).await {
                Ok(owner) if owner == config_row.id => {
                    match channel_refunds::apply_result(db, hub, &refund_id, Ok(report), None).await {
                        Ok((_, changed)) => {
                            let outcome = if changed { "applied" } else { "duplicate" };
                            record(db, log(Some(refund_id), outcome, None)).await
                        }
                        Err(e) => Err(e),
                    }
                }
                // Verified, but about a refund of another configuration (or none).
                Ok(_) | Err(ServiceError::NotFound(_)) => record(db, log(Some(refund_id), "unknown_object", None))
                    .await
                    .and(Err(ServiceError::NotFound("refund"))),
                Err(e) => Err(e),
            }
        }
        Notification::Ignored { reason } => record(db, log(None, "ignored", Some(reason))).await,
    };
    match result {
        Ok(()) => channel.ack(true),
        Err(ServiceError::NotFound(what)) => {
            // Verified but about nothing of ours: acknowledge so the channel
            // stops, and keep it in the log for reconciliation.
            tracing::warn!(channel = %channel_code, what, "notification about an unknown object");
            channel.ack(true)
        }
        Err(e) => {
            tracing::warn!(channel = %channel_code, error = %e, "notification not recorded; the channel will resend");
            channel.ack(false)
        }
    }
}

async fn record(db: &Db, row: NotificationRow) -> Result<(), ServiceError> {
    db.write(move |tx| {
        let row = row.clone();
        Box::pin(async move { Ok::<_, ServiceError>(channel_notifications::insert(tx, &row).await?) })
    })
    .await
}

async fn apply_payment(
    db: &Db,
    config_id: &str,
    channel_code: &str,
    order_no: &str,
    state: juhe_channel::ChannelPaymentState,
    log: impl Fn(Option<String>, &str, Option<String>) -> NotificationRow,
) -> Result<(), ServiceError> {
    let (config_id, channel_code, order_no) = (config_id.to_string(), channel_code.to_string(), order_no.to_string());
    let state = std::sync::Arc::new(state);
    let base = log(Some(order_no.clone()), "", None);
    db.write(move |tx| {
        let (config_id, channel_code, order_no, state, base) = (
            config_id.clone(),
            channel_code.clone(),
            order_no.clone(),
            state.clone(),
            base.clone(),
        );
        Box::pin(async move {
            let now = now_ms();
            let attempt = attempts::by_order_no_tx(&mut *tx, &channel_code, &order_no)
                .await?
                .filter(|a| a.config_id == config_id)
                .ok_or(ServiceError::NotFound("attempt"))?;
            let (mut attempt, mut payment) = apply::load(&mut *tx, &attempt.id).await?;
            let applied = apply::apply_state(&mut *tx, &mut attempt, &mut payment, &state, true, now).await?;
            let outcome = match applied {
                apply::Applied::Changed => "applied",
                apply::Applied::Unchanged => "duplicate",
                apply::Applied::Discrepancy => "discrepancy",
            };
            let row = NotificationRow {
                subject: Some(payment.id.clone()),
                outcome: outcome.to_string(),
                ..base
            };
            channel_notifications::insert(tx, &row).await?;
            Ok::<_, ServiceError>(())
        })
    })
    .await
}
