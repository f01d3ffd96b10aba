//! The payer's phone page: find an order by the QR `code_url` it was
//! given (or pick one of the open orders of every sandbox) and pay it.
//! Server-rendered HTML plus a few lines of vanilla JS; nothing external.
//!
//! - `GET /` the page;
//! - `GET /api/endpoints` where every sandbox listens ([`Endpoints`]);
//! - `GET /api/orders` every order of every HTTP sandbox, newest state;
//! - `GET /api/lookup?code=…` the order a `code_url` (or order number) names;
//! - `POST /api/pay` `{"channel","out_trade_no"}` or `{"code"}`: pays it at
//!   its sandbox (`POST /_sandbox/orders/{no}/pay`) and answers its state;
//! - `POST /api/decline` (same body): the payer declines it at its sandbox
//!   (`POST /_sandbox/orders/{no}/decline`), each channel's own decline.

mod html;
mod orders;

use crate::Endpoints;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use orders::{Order, PayerAction, PayerPage};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

pub fn router(endpoints: Endpoints) -> Router {
    let page = Arc::new(PayerPage::new(endpoints));
    Router::new()
        .route("/", get(index))
        .route("/api/orders", get(list))
        .route("/api/endpoints", get(describe_endpoints))
        .route("/api/lookup", get(lookup))
        .route("/api/pay", post(pay))
        .route("/api/decline", post(decline))
        .with_state(page)
}

async fn index(State(page): State<Arc<PayerPage>>) -> Html<String> {
    Html(html::render(&page.orders().await))
}

async fn describe_endpoints(State(page): State<Arc<PayerPage>>) -> Json<Endpoints> {
    Json(page.endpoints().clone())
}

async fn list(State(page): State<Arc<PayerPage>>) -> Json<Vec<Order>> {
    Json(page.orders().await)
}

#[derive(Deserialize)]
struct LookupQuery {
    code: String,
}

async fn lookup(State(page): State<Arc<PayerPage>>, Query(q): Query<LookupQuery>) -> Response {
    match page.find(None, &q.code).await {
        Some(order) => Json(order).into_response(),
        None => not_found(),
    }
}

#[derive(Deserialize)]
struct PayRequest {
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    out_trade_no: Option<String>,
    #[serde(default)]
    code: Option<String>,
}

async fn pay(State(page): State<Arc<PayerPage>>, Json(req): Json<PayRequest>) -> Response {
    act(&page, req, PayerAction::Pay).await
}

async fn decline(State(page): State<Arc<PayerPage>>, Json(req): Json<PayRequest>) -> Response {
    act(&page, req, PayerAction::Decline).await
}

async fn act(page: &PayerPage, req: PayRequest, action: PayerAction) -> Response {
    let wanted = req.out_trade_no.as_deref().or(req.code.as_deref()).unwrap_or_default();
    let Some(order) = page.find(req.channel.as_deref(), wanted).await else {
        return not_found();
    };
    match page.act(&order, action).await {
        Ok(after) => Json(after).into_response(),
        Err(message) => (StatusCode::CONFLICT, Json(json!({"error": message, "order": order}))).into_response(),
    }
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"error": "no open order with this code"})),
    )
        .into_response()
}
