//! Emitting events into the outbox, inside the transaction of the change.

use crate::caller::Caller;
use crate::error::ServiceError;
use juhe_domain::webhook::EventType;
use juhe_store::Tx;
use juhe_store::clock::rfc3339;
use juhe_store::events::{EventRow, enqueue};
use juhe_store::ids::new_id;
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
