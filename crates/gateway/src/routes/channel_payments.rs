//! Payments through channels at the HTTP edge. The first write (payment,
//! attempt, follow-up task) runs through the idempotent write path like any
//! POST; the channel is called after it commits; the answer is the payment
//! as it stands then. A repeat (same order number, or same
//! Idempotency-Key) answers with the payment's current state — for an
//! object that keeps moving after creation, that is what a retrying client
//! needs (the QR code, the final status), and it never calls the channel twice.

use crate::error::ApiError;
use crate::idempotency::{self, WriteRequest};
use crate::state::AppState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use juhe_channel::request::CardPresent;
use juhe_domain::ErrorCode;
use juhe_service::Caller;
use juhe_service::channels::create::{Prepared, drive, prepare};
use juhe_service::channels::routing::candidates;
use juhe_service::payments::{NewPayment, existing_order};
use juhe_service::views::{PaymentView, RefundView};
use juhe_store::channel_configs::ChannelConfigRow;
use juhe_store::clock::now_ms;
use std::sync::{Arc, Mutex};

pub async fn create(
    state: AppState,
    caller: Caller,
    write: WriteRequest,
    input: NewPayment,
    card: Option<CardPresent>,
) -> Result<Response, ApiError> {
    // Routing is decided before the write, but only used inside it after
    // the order number is checked: a repeated number gets its payment (or a
    // conflict) whatever the channels' health or configuration is now, and
    // every answer goes through the idempotent write (nonce, key replay).
    let routed: Result<Vec<ChannelConfigRow>, ApiError> = candidates(
        state.db.reader(),
        &state.hub,
        &caller.merchant_id,
        input.way,
        input.money,
        input.channel.auth_code.as_deref(),
        now_ms(),
    )
    .await
    .map_err(ApiError::from);
    let configs = routed.clone().unwrap_or_default();
    let first = routed.and_then(|c| {
        c.first()
            .cloned()
            .ok_or_else(|| ApiError::new(ErrorCode::UnsupportedWay, "no channel serves this way"))
    });
    let input = Arc::new(input);
    let caller = Arc::new(caller);
    // The prepared attempt leaves the transaction through this slot, once committed.
    let slot: Arc<Mutex<Option<Prepared>>> = Arc::new(Mutex::new(None));
    let poll = state.hub.poll;
    let op = {
        let (input, caller, slot) = (input.clone(), caller.clone(), slot.clone());
        idempotency::operation(move |tx| {
            let (input, caller, slot, first) = (input.clone(), caller.clone(), slot.clone(), first.clone());
            Box::pin(async move {
                if let Some(existing) = existing_order(&mut *tx, &caller, &input).await? {
                    return Ok((StatusCode::OK, idempotency::to_json(&PaymentView::from(&existing))?));
                }
                let first = first.clone()?;
                let prepared = prepare(&mut *tx, &caller, &input, &first, poll).await?;
                let status = if prepared.attempt.is_some() {
                    StatusCode::CREATED
                } else {
                    StatusCode::OK
                };
                let row = prepared.payment.clone();
                if let Ok(mut s) = slot.lock() {
                    *s = Some(prepared);
                }
                Ok((status, idempotency::to_json(&PaymentView::from(&row))?))
            })
        })
    };
    let response = idempotency::run(&state, write, op).await;
    if !response.status().is_success() {
        return Ok(response);
    }
    let status = response.status();
    let prepared = slot.lock().ok().and_then(|mut s| s.take());
    let row = match prepared {
        Some(Prepared {
            payment,
            attempt: Some(attempt),
        }) => drive(&state.db, &state.hub, &input, payment, attempt, &configs, card).await?,
        // An existing order, or a replay of a stored response: the payment now.
        _ => current_payment(&state, &caller, response).await?,
    };
    Ok((status, axum::Json(PaymentView::from(&row))).into_response())
}

/// The payment named by a successful create response, read now.
async fn current_payment(
    state: &AppState,
    caller: &Caller,
    response: Response,
) -> Result<juhe_store::payments::PaymentRow, ApiError> {
    let id = response_id(response).await?;
    juhe_store::payments::get(state.db.reader(), &caller.merchant_id, &id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such payment"))
}

async fn response_id(response: Response) -> Result<String, ApiError> {
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .map_err(|e| ApiError::new(ErrorCode::InternalError, e.to_string()))?;
    serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(str::to_string))
        .ok_or_else(|| ApiError::new(ErrorCode::InternalError, "stored response has no id"))
}

/// After a refund's first write: a refund of a channel payment still in
/// `processing` is sent to the channel now; the answer is the refund as it
/// stands afterwards (a replay answers its current state too).
pub async fn finish_refund(state: &AppState, caller: &Caller, response: Response) -> Result<Response, ApiError> {
    if !response.status().is_success() {
        return Ok(response);
    }
    let status = response.status();
    let id = response_id(response).await?;
    let row = juhe_store::refunds::get(state.db.reader(), &caller.merchant_id, &id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such refund"))?;
    let row = if row.status == "processing" && status == StatusCode::CREATED {
        juhe_service::channels::refunds::drive(&state.db, &state.hub, &row.id).await?
    } else {
        row
    };
    Ok((status, axum::Json(RefundView::from(&row))).into_response())
}
