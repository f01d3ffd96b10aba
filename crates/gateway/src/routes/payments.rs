//! /v1/payments

use super::{DEFAULT_PAGE, MAX_PAGE};
use crate::error::{ApiError, ErrorBody};
use crate::idempotency;
use crate::json::JsonBody;
use crate::path::Path;
use crate::state::AppState;
use crate::validate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use juhe_domain::ErrorCode;
use juhe_domain::payment::PaymentStatus;
use juhe_domain::way::Way;
use juhe_service::Caller;
use juhe_service::payments::{DEFAULT_EXPIRE_SECONDS, MAX_EXPIRE_SECONDS, NewPayment};
use juhe_service::views::PaymentView;
use juhe_store::clock::parse_rfc3339;
use juhe_store::payments::ListFilter;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePayment {
    /// Unique per app. Repeating it with identical fields returns the existing payment.
    #[schema(example = "ORDER-20261122-0001")]
    pub merchant_order_no: String,
    /// Minor units (fen), 1 ..= 10^15.
    #[schema(value_type = i64, example = 1999)]
    pub amount: serde_json::Value,
    #[schema(example = "CNY")]
    pub currency: Option<String>,
    #[schema(example = "92# 汽油 20 L")]
    pub subject: String,
    /// wallet (served now); qr, barcode, jsapi, h5, app, card, plate, cash arrive with channels.
    #[schema(example = "wallet")]
    pub way: String,
    #[serde(default, deserialize_with = "crate::json::object")]
    pub payer: Option<PayerInput>,
    /// Where this payment's webhooks go; defaults to the app's URL.
    pub notify_url: Option<String>,
    /// Seconds the payment may stay unpaid (60 ..= 604800, default 7200).
    pub expire_seconds: Option<i64>,
    /// Up to 50 keys, 4 KiB; returned as given.
    #[schema(value_type = Object)]
    pub metadata: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayerInput {
    pub customer_id: Option<String>,
}

#[utoipa::path(post, path = "/v1/payments", tag = "payments", request_body = CreatePayment,
    params(("Idempotency-Key" = Option<String>, Header)),
    responses(
        (status = 201, body = PaymentView, description = "Created; a wallet payment is already succeeded"),
        (status = 200, body = PaymentView, description = "Existing payment with this order number and identical fields"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 402, body = ErrorBody, description = "insufficient_funds"),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 429, body = ErrorBody)),
    security(("juhe_hmac" = [])))]
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    write: idempotency::WriteRequest,
    JsonBody(body): JsonBody<CreatePayment>,
) -> Result<Response, ApiError> {
    validate::merchant_no("merchant_order_no", &body.merchant_order_no)?;
    let currency = validate::currency(body.currency.as_deref())?;
    let money = validate::amount(&body.amount, currency)?;
    validate::text("subject", &body.subject, 128)?;
    let way = Way::parse(&body.way)
        .ok_or_else(|| ApiError::new(ErrorCode::UnsupportedWay, format!("unknown way {:?}", body.way)))?;
    if let Some(url) = &body.notify_url {
        validate::notify_url(url)?;
    }
    let expire_seconds = body.expire_seconds.unwrap_or(DEFAULT_EXPIRE_SECONDS);
    if !(60..=MAX_EXPIRE_SECONDS).contains(&expire_seconds) {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            format!("expire_seconds must be within 60..={MAX_EXPIRE_SECONDS}"),
        ));
    }
    let metadata = body.metadata.as_ref().map(validate::metadata).transpose()?;
    let input = Arc::new(NewPayment {
        merchant_order_no: body.merchant_order_no,
        money,
        subject: body.subject,
        way,
        payer_customer_id: body.payer.and_then(|p| p.customer_id),
        notify_url: body.notify_url,
        metadata,
        expire_seconds,
    });
    let caller = Arc::new(caller);
    let op = idempotency::operation(move |tx| {
        let (caller, input) = (caller.clone(), input.clone());
        Box::pin(async move {
            let (row, created) = juhe_service::payments::create(&mut *tx, &caller, &input).await?;
            Ok((
                idempotency::created_or_ok(created),
                idempotency::to_json(&PaymentView::from(&row))?,
            ))
        })
    });
    Ok(idempotency::run(&state, write, op).await)
}

#[utoipa::path(get, path = "/v1/payments/{id}", tag = "payments", params(("id" = String, Path)),
    responses((status = 200, body = PaymentView), (status = 404, body = ErrorBody)), security(("juhe_hmac" = [])))]
pub async fn fetch(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<PaymentView>, ApiError> {
    let row = juhe_store::payments::get(state.db.reader(), &caller.merchant_id, &id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such payment"))?;
    Ok(Json(PaymentView::from(&row)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Look one payment up by the calling app's order number (answers the payment itself, or 404).
    pub merchant_order_no: Option<String>,
    /// created, processing, succeeded, failed or closed.
    pub status: Option<String>,
    /// RFC 3339; payments created at or after.
    pub created_from: Option<String>,
    /// RFC 3339; payments created before.
    pub created_to: Option<String>,
    /// 1 ..= 100, default 20.
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentPage {
    pub object: &'static str,
    pub data: Vec<PaymentView>,
    pub has_more: bool,
    /// Pass as `cursor` to get the next (older) page.
    pub next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/v1/payments", tag = "payments", params(ListQuery),
    responses((status = 200, body = PaymentPage, description = "Newest first; or a PaymentView when merchant_order_no is given"),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("juhe_hmac" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::new(ErrorCode::InvalidRequest, e.body_text()))?;
    if let Some(no) = q.merchant_order_no {
        let row = juhe_store::payments::get_by_order_no(state.db.reader(), &caller.app_id, &no)
            .await?
            .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no payment with this merchant_order_no"))?;
        return Ok(Json(PaymentView::from(&row)).into_response());
    }
    if let Some(s) = &q.status
        && PaymentStatus::parse(s).is_none()
    {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            format!("unknown status {s:?}"),
        ));
    }
    let time = |field: &str, v: &Option<String>| -> Result<Option<i64>, ApiError> {
        v.as_deref()
            .map(|s| {
                parse_rfc3339(s)
                    .ok_or_else(|| ApiError::new(ErrorCode::InvalidRequest, format!("{field} must be RFC 3339")))
            })
            .transpose()
    };
    let limit = q.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            format!("limit must be within 1..={MAX_PAGE}"),
        ));
    }
    let filter = ListFilter {
        status: q.status,
        created_from: time("created_from", &q.created_from)?,
        created_to: time("created_to", &q.created_to)?,
        before_id: q.cursor,
        limit: limit + 1,
    };
    let mut rows = juhe_store::payments::list(state.db.reader(), &caller.merchant_id, &filter).await?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if has_more {
        rows.last().map(|r| r.id.clone())
    } else {
        None
    };
    let page = PaymentPage {
        object: "list",
        data: rows.iter().map(PaymentView::from).collect(),
        has_more,
        next_cursor,
    };
    Ok(Json(page).into_response())
}

#[utoipa::path(post, path = "/v1/payments/{id}/close", tag = "payments", params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = PaymentView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "illegal_state_transition")),
    security(("juhe_hmac" = [])))]
pub async fn close(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    write: idempotency::WriteRequest,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let caller = Arc::new(caller);
    let id = Arc::new(id);
    let op = idempotency::operation(move |tx| {
        let (caller, id) = (caller.clone(), id.clone());
        Box::pin(async move {
            let row = juhe_service::payments::close(&mut *tx, &caller, &id).await?;
            Ok((
                axum::http::StatusCode::OK,
                idempotency::to_json(&PaymentView::from(&row))?,
            ))
        })
    });
    Ok(idempotency::run(&state, write, op).await)
}
