//! /v1/payments/{id}/refunds and /v1/refunds

use crate::error::{ApiError, ErrorBody};
use crate::idempotency;
use crate::json::JsonBody;
use crate::path::Path;
use crate::state::AppState;
use crate::validate;
use axum::extract::State;
use axum::response::Response;
use axum::{Extension, Json};
use juhe_domain::ErrorCode;
use juhe_service::Caller;
use juhe_service::refunds::NewRefund;
use juhe_service::views::RefundView;
use serde::Deserialize;
use std::sync::Arc;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRefund {
    /// Unique per app.
    pub merchant_refund_no: String,
    /// Minor units; partial refunds allowed, their sum never exceeds the amount paid.
    #[schema(value_type = i64, example = 500)]
    pub amount: serde_json::Value,
    pub reason: Option<String>,
}

#[utoipa::path(post, path = "/v1/payments/{id}/refunds", tag = "refunds", request_body = CreateRefund,
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = RefundView), (status = 200, body = RefundView, description = "Existing refund with this number"),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "refund_exceeds_paid")),
    security(("juhe_hmac" = [])))]
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    write: idempotency::WriteRequest,
    Path(payment_id): Path<String>,
    JsonBody(body): JsonBody<CreateRefund>,
) -> Result<Response, ApiError> {
    validate::merchant_no("merchant_refund_no", &body.merchant_refund_no)?;
    // The refund's currency is the payment's; the amount is checked for shape here.
    let money = validate::amount(&body.amount, juhe_domain::Currency::CNY)?;
    if let Some(r) = &body.reason {
        validate::text("reason", r, 128)?;
    }
    let input = Arc::new((
        payment_id,
        NewRefund {
            merchant_refund_no: body.merchant_refund_no,
            amount: money.amount,
            reason: body.reason,
        },
    ));
    let caller_for_channel = caller.clone();
    let caller = Arc::new(caller);
    let op = idempotency::operation(move |tx| {
        let (caller, input) = (caller.clone(), input.clone());
        Box::pin(async move {
            let (row, created) = juhe_service::refunds::create(&mut *tx, &caller, &input.0, &input.1).await?;
            Ok((
                idempotency::created_or_ok(created),
                idempotency::to_json(&RefundView::from(&row))?,
            ))
        })
    });
    let response = idempotency::run(&state, write, op).await;
    super::channel_payments::finish_refund(&state, &caller_for_channel, response).await
}

#[utoipa::path(get, path = "/v1/refunds/{id}", tag = "refunds", params(("id" = String, Path)),
    responses((status = 200, body = RefundView), (status = 404, body = ErrorBody)), security(("juhe_hmac" = [])))]
pub async fn fetch(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<RefundView>, ApiError> {
    let row = juhe_store::refunds::get(state.db.reader(), &caller.merchant_id, &id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such refund"))?;
    Ok(Json(RefundView::from(&row)))
}

#[utoipa::path(get, path = "/v1/payments/{id}/refunds", tag = "refunds", params(("id" = String, Path)),
    responses((status = 200, body = [RefundView]), (status = 404, body = ErrorBody)), security(("juhe_hmac" = [])))]
pub async fn list_for_payment(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(payment_id): Path<String>,
) -> Result<Json<Vec<RefundView>>, ApiError> {
    // Scope first: another merchant's payment is not found.
    juhe_store::payments::get(state.db.reader(), &caller.merchant_id, &payment_id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such payment"))?;
    let rows = juhe_store::refunds::list_for_payment(state.db.reader(), &payment_id).await?;
    Ok(Json(rows.iter().map(RefundView::from).collect()))
}
