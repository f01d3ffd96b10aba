//! The route table. Public: /healthz, /metrics, /openapi.json. Everything
//! under /v1 is signed (see `auth`).

pub mod admin;
pub mod channel_payments;
pub mod channels;
pub mod customers;
pub mod notify;
pub mod payments;
pub mod refunds;
pub mod system;
pub mod topups;

use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use juhe_domain::ErrorCode;
use std::time::Instant;
use tower_http::catch_panic::CatchPanicLayer;

pub fn router(state: AppState) -> Router {
    let v1 = Router::new()
        .route("/v1/customers", post(customers::create))
        .route("/v1/customers/{id}", get(customers::fetch))
        .route("/v1/topups", post(topups::create))
        .route("/v1/topups/{id}", get(topups::fetch))
        .route("/v1/payments", post(payments::create).get(payments::list))
        .route("/v1/payments/{id}", get(payments::fetch))
        .route("/v1/payments/{id}/close", post(payments::close))
        .route(
            "/v1/payments/{id}/refunds",
            post(refunds::create).get(refunds::list_for_payment),
        )
        .route("/v1/refunds/{id}", get(refunds::fetch))
        .route("/v1/channels", get(channels::list))
        .route_layer(middleware::from_fn_with_state(state.clone(), crate::auth::authenticate));
    let admin = Router::new()
        .route(
            "/admin/v1/merchants/{merchant_id}/channel-configs",
            post(admin::create).get(admin::list),
        )
        .route(
            "/admin/v1/merchants/{merchant_id}/channel-configs/{id}",
            axum::routing::put(admin::update),
        )
        .route(
            "/admin/v1/merchants/{merchant_id}/channel-configs/{id}/secrets/{name}/versions",
            post(admin::rotate),
        )
        .route(
            "/admin/v1/merchants/{merchant_id}/channel-configs/{id}/secrets/{name}/versions/{version}",
            axum::routing::delete(admin::retire),
        )
        .route(
            "/admin/v1/apps/{app_id}/public-key",
            axum::routing::put(admin::set_public_key),
        )
        .route_layer(middleware::from_fn_with_state(state.clone(), admin::authenticate));
    Router::new()
        .route("/healthz", get(system::healthz))
        .route("/metrics", get(system::metrics))
        .route("/openapi.json", get(system::openapi))
        .route("/v1/notify/{channel}/{config_id}", post(notify::receive))
        .merge(v1)
        .merge(admin)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::new(ErrorCode::InternalError, "an unexpected error occurred").into_response()
        }))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(ErrorCode::MethodNotAllowed, "this method is not allowed on this path")
}

/// Counts and times every request by its route pattern (never the raw path,
/// which would carry ids into metric labels).
async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let method = request.method().as_str().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    state
        .metrics
        .requests
        .with_label_values(&[&route, &method, &status])
        .inc();
    state
        .metrics
        .latency
        .with_label_values(&[&route])
        .observe(started.elapsed().as_secs_f64());
    response
}

/// Pagination bounds of list endpoints.
pub const DEFAULT_PAGE: i64 = 20;
pub const MAX_PAGE: i64 = 100;
