//! juhe's web consoles, served by the same binary as the API: the platform
//! console (merchants, apps, channels, webhooks, announcements, users and
//! roles, audit log) and the merchant console (dashboard, payments and
//! refunds, customers and wallets, sites and terminals, users and roles,
//! exports). Pages are rendered on the server (maud), charts are SVG drawn
//! on the server, and the only assets are one stylesheet and one small
//! script served from here — nothing comes from a CDN, so the consoles
//! work on a closed network and render before any script runs.

pub mod assets;
pub mod auth;
pub mod charts;
pub mod error;
pub mod export;
pub mod format;
pub mod forms;
pub mod i18n;
pub mod layout;
pub mod notices;
pub mod pages;
pub mod state;

pub use state::{ConsoleConfig, ConsoleState};

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};

/// Every console route, under `/console`.
pub fn router(state: ConsoleState) -> Router {
    use pages::*;
    Router::new()
        .route("/console", get(login::home))
        .route("/console/", get(login::home))
        .route("/console/login", get(login::form).post(login::submit))
        .route("/console/logout", post(login::logout))
        .route("/console/assets/{file}", get(assets::serve))
        .route("/console/account", get(account::page))
        .route("/console/account/password", post(account::change_password))
        .route("/console/account/language", post(account::set_language))
        .route("/console/account/logout-everywhere", post(account::logout_everywhere))
        .merge(platform::routes())
        .merge(merchant::routes())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            pages::error_page::render_errors,
        ))
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

/// Headers on every console response: no framing, no sniffing, scripts and
/// styles only from here, no referrer to other sites.
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    response
}
