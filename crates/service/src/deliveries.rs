//! Sending a webhook delivery again on an operator's or merchant's request.

use crate::audit::{self, Change};
use crate::error::ServiceError;
use crate::identity::Actor;
use juhe_domain::access::Permission;
use juhe_domain::state::transition;
use juhe_domain::webhook::{DeliveryAction, DeliveryMachine, DeliveryStatus};
use juhe_store::Tx;
use juhe_store::clock::now_ms;
use juhe_store::events;

/// Queues one more attempt of an ended (delivered or exhausted) delivery,
/// now. Platform operators need `platform.webhooks.resend`; a merchant's
/// users `webhooks.resend` on their own merchant's deliveries.
pub async fn resend(tx: Tx<'_>, actor: &Actor, delivery_id: &str) -> Result<(), ServiceError> {
    let d = events::get_delivery_tx(&mut *tx, delivery_id)
        .await?
        .ok_or(ServiceError::NotFound("delivery"))?;
    if !actor.scope.sees_merchant(&d.merchant_id) {
        return Err(ServiceError::NotFound("delivery"));
    }
    if !(actor.can(Permission::WebhooksResend) || actor.can(Permission::PlatformWebhooksResend)) {
        return Err(ServiceError::Forbidden(
            "this needs the permission webhooks.resend".into(),
        ));
    }
    let status = DeliveryStatus::parse(&d.status)
        .ok_or_else(|| ServiceError::Store(juhe_store::StoreError::Corrupt(format!("delivery {} status", d.id))))?;
    transition::<DeliveryMachine>(status, DeliveryAction::Resend)
        .map_err(|_| ServiceError::IllegalState("this delivery is still being sent".into()))?;
    if !events::resend(&mut *tx, &d.id, now_ms()).await? {
        return Err(ServiceError::IllegalState("this delivery is still being sent".into()));
    }
    audit::record(
        &mut *tx,
        actor,
        Change::new("delivery.resend", "delivery", &d.id)
            .merchant(Some(&d.merchant_id))
            .before(serde_json::json!({ "status": d.status, "attempts": d.attempts, "event_id": d.event_id })),
    )
    .await
}
