//! /v1/customers

use crate::error::{ApiError, ErrorBody};
use crate::idempotency;
use crate::json::JsonBody;
use crate::path::Path;
use crate::state::AppState;
use crate::validate;
use axum::extract::State;
use axum::response::Response;
use axum::{Extension, Json};
use juhe_service::Caller;
use juhe_service::customers::NewCustomer;
use juhe_service::views::CustomerView;
use juhe_store::ledger::{Owner, accounts_of};
use serde::Deserialize;
use std::sync::Arc;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCustomer {
    #[schema(example = "张三")]
    pub name: String,
    pub phone: Option<String>,
    /// The merchant's own id for this person; makes the create idempotent.
    pub external_id: Option<String>,
}

#[utoipa::path(post, path = "/v1/customers", tag = "customers", request_body = CreateCustomer,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for the same request")),
    responses((status = 201, body = CustomerView), (status = 200, body = CustomerView, description = "Existing customer with this external_id"),
        (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("juhe_hmac" = [])))]
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    write: idempotency::WriteRequest,
    JsonBody(body): JsonBody<CreateCustomer>,
) -> Result<Response, ApiError> {
    validate::text("name", &body.name, 64)?;
    if let Some(p) = &body.phone {
        validate::text("phone", p, 32)?;
    }
    if let Some(e) = &body.external_id {
        validate::merchant_no("external_id", e)?;
    }
    let input = Arc::new(NewCustomer {
        name: body.name,
        phone: body.phone,
        external_id: body.external_id,
    });
    let caller = Arc::new(caller);
    let op = idempotency::operation(move |tx| {
        let (caller, input) = (caller.clone(), input.clone());
        Box::pin(async move {
            let (row, created) = juhe_service::customers::create(&mut *tx, &caller, &input).await?;
            let view = CustomerView::new(&row, &[]);
            Ok((idempotency::created_or_ok(created), idempotency::to_json(&view)?))
        })
    });
    Ok(idempotency::run(&state, write, op).await)
}

#[utoipa::path(get, path = "/v1/customers/{id}", tag = "customers", params(("id" = String, Path)),
    responses((status = 200, body = CustomerView), (status = 404, body = ErrorBody)), security(("juhe_hmac" = [])))]
pub async fn fetch(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<CustomerView>, ApiError> {
    let row = juhe_store::customers::get(state.db.reader(), &caller.merchant_id, &id)
        .await?
        .ok_or_else(|| ApiError::new(juhe_domain::ErrorCode::NotFound, "no such customer"))?;
    let wallets = accounts_of(state.db.reader(), Owner::customer(&row.id)).await?;
    Ok(Json(CustomerView::new(&row, &wallets)))
}
