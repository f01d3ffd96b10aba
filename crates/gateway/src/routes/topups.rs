//! /v1/topups

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
use juhe_domain::way::ChannelCode;
use juhe_service::Caller;
use juhe_service::topups::NewTopup;
use juhe_service::views::TopupView;
use serde::Deserialize;
use std::sync::Arc;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTopup {
    pub customer_id: String,
    /// Minor units (fen), 1 ..= 10^15.
    #[schema(value_type = i64, example = 10000)]
    pub amount: serde_json::Value,
    #[schema(example = "CNY")]
    pub currency: Option<String>,
    /// How the money came in; `cash` (taken by staff) in this version.
    #[schema(example = "cash")]
    pub channel: String,
    /// Unique per app; repeating it with the same fields returns the same top-up.
    pub merchant_topup_no: String,
}

#[utoipa::path(post, path = "/v1/topups", tag = "wallets", request_body = CreateTopup,
    params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = TopupView), (status = 200, body = TopupView, description = "Existing top-up with this number"),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("juhe_hmac" = [])))]
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    write: idempotency::WriteRequest,
    JsonBody(body): JsonBody<CreateTopup>,
) -> Result<Response, ApiError> {
    let currency = validate::currency(body.currency.as_deref())?;
    let money = validate::amount(&body.amount, currency)?;
    validate::merchant_no("merchant_topup_no", &body.merchant_topup_no)?;
    let channel = ChannelCode::parse(&body.channel)
        .ok_or_else(|| ApiError::new(ErrorCode::UnsupportedWay, format!("unknown channel {:?}", body.channel)))?;
    let input = Arc::new(NewTopup {
        customer_id: body.customer_id,
        money,
        channel,
        merchant_topup_no: body.merchant_topup_no,
    });
    let caller = Arc::new(caller);
    let op = idempotency::operation(move |tx| {
        let (caller, input) = (caller.clone(), input.clone());
        Box::pin(async move {
            let (row, created) = juhe_service::topups::create(&mut *tx, &caller, &input).await?;
            Ok((
                idempotency::created_or_ok(created),
                idempotency::to_json(&TopupView::from(&row))?,
            ))
        })
    });
    Ok(idempotency::run(&state, write, op).await)
}

#[utoipa::path(get, path = "/v1/topups/{id}", tag = "wallets", params(("id" = String, Path)),
    responses((status = 200, body = TopupView), (status = 404, body = ErrorBody)), security(("juhe_hmac" = [])))]
pub async fn fetch(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<TopupView>, ApiError> {
    let row = juhe_store::topups::get(state.db.reader(), &caller.merchant_id, &id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such top-up"))?;
    Ok(Json(TopupView::from(&row)))
}
