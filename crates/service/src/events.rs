//! Emitting events into the outbox, inside the transaction of the change.

use crate::caller::Caller;
use crate::error::ServiceError;
use juhe_domain::webhook::EventType;
use juhe_store::Tx;
use juhe_store::clock::rfc3339;
use juhe_store::events::{EventRow, enqueue};
use juhe_store::ids::new_id;
use juhe_store::payments::PaymentRow;
use juhe_store::refunds::RefundRow;
use serde::Serialize;

/// Writes `{"id","type","created_at","data":{…}}` for the merchant, to be
/// delivered to `url` (the object's notify URL) or else the app's default.
pub async fn emit<T: Serialize>(
    tx: Tx<'_>,
    caller: &Caller,
    event_type: EventType,
    object_id: &str,
    data: &T,
    url: Option<&str>,
    now: i64,
) -> Result<String, ServiceError> {
    let id = new_id("evt");
    let payload = serde_json::json!({
        "id": id,
        "type": event_type.as_str(),
        "created_at": rfc3339(now),
        "data": data,
    });
    let row = EventRow {
        id: id.clone(),
        merchant_id: caller.merchant_id.clone(),
        app_id: caller.app_id.clone(),
        event_type: event_type.as_str().to_string(),
        object_id: object_id.to_string(),
        payload: payload.to_string(),
        created_at: now,
    };
    let url = url.or(caller.notify_url.as_deref());
    enqueue(tx, &row, url).await?;
    Ok(id)
}

/// What a payment or refund event reports: the object's view is its
/// `data`, and the payment's own notify URL (if any) is where it goes.
#[derive(Debug, Clone, Copy)]
pub enum Object<'a> {
    Payment(&'a PaymentRow),
    Refund(&'a RefundRow, &'a PaymentRow),
}

impl Object<'_> {
    fn owner(&self) -> (&str, &str) {
        match self {
            Object::Payment(p) => (&p.merchant_id, &p.app_id),
            Object::Refund(r, _) => (&r.merchant_id, &r.app_id),
        }
    }
}

/// Emits `kind` about `object` to the caller of the request that changed it.
pub async fn emit_about(
    tx: Tx<'_>,
    caller: &Caller,
    kind: EventType,
    object: Object<'_>,
    now: i64,
) -> Result<String, ServiceError> {
    match object {
        Object::Payment(p) => {
            let view = crate::views::PaymentView::from(p);
            emit(tx, caller, kind, &p.id, &view, p.notify_url.as_deref(), now).await
        }
        Object::Refund(r, p) => {
            let view = crate::views::RefundView::from(r);
            emit(tx, caller, kind, &r.id, &view, p.notify_url.as_deref(), now).await
        }
    }
}

/// Emits `kind` about `object` on behalf of a background actor (a channel's
/// answer, a notification, a task): to the app that owns the object, whose
/// default notify URL is read in this transaction.
pub async fn emit_for(tx: Tx<'_>, kind: EventType, object: Object<'_>, now: i64) -> Result<String, ServiceError> {
    let (merchant_id, app_id) = object.owner();
    let caller = Caller::of_app(&mut *tx, merchant_id, app_id).await?;
    emit_about(tx, &caller, kind, object, now).await
}
