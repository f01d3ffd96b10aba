//! The JD Pay sandbox: JD's side of the merchant API, in memory. Every
//! request is decrypted with the merchant's 3DES key and its signature
//! checked with the merchant's public key, as JD does; every answer and
//! notification is sealed with the sandbox's own key. Payer behaviour and
//! faults are scripted with `juhe_sandbox_kit`.
mod call;
mod cashier;
mod listing;
mod state;
mod trades;

pub use state::{SandboxMerchant, SandboxState};

use crate::protocol::form;
use crate::protocol::messages;
use axum::Router;
use axum::routing::{get, post};
use juhe_sandbox_kit::control_router;
use std::sync::Arc;

pub fn router(state: Arc<SandboxState>) -> Router {
    Router::new()
        .route(messages::PATH_UNIORDER, post(trades::uniorder))
        .route(messages::PATH_FKM_PAY, post(trades::fkm_pay))
        .route(messages::PATH_QUERY, post(trades::query))
        .route(messages::PATH_REFUND, post(trades::refund))
        .route(messages::PATH_REVOKE, post(trades::revoke))
        .route(form::PATH_SAVE_ORDER, post(cashier::save_order))
        .route("/_sandbox/merchants", post(cashier::add_merchant))
        .route("/_sandbox/orders", get(listing::list))
        .route("/_sandbox/orders/{trade_num}/pay", post(cashier::pay_order))
        .route("/_sandbox/orders/{trade_num}/decline", post(cashier::decline_order))
        .with_state(state.clone())
        .merge(control_router(state.script.clone()))
}
