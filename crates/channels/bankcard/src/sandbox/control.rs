//! The sandbox's HTTP control API: the shared script / faults routes plus
//! `POST /_sandbox/merchants` to register a terminal and its TMK.

use super::state::HostState;
use crate::keys::DesKey;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use std::sync::Arc;

#[derive(Deserialize)]
struct NewTerminal {
    terminal_id: String,
    merchant_no: String,
    /// Hex TMK.
    tmk: String,
}

pub fn router(state: Arc<HostState>) -> Router {
    Router::new()
        .route("/_sandbox/merchants", post(add_terminal))
        .with_state(Arc::clone(&state))
        .merge(juhe_sandbox_kit::control_router(Arc::clone(&state.script)))
}

async fn add_terminal(State(state): State<Arc<HostState>>, Json(t): Json<NewTerminal>) -> StatusCode {
    match DesKey::from_hex(&t.tmk) {
        Ok(tmk) if t.terminal_id.len() == 8 && t.merchant_no.len() == 15 => {
            state.add_terminal(&t.terminal_id, &t.merchant_no, tmk);
            StatusCode::NO_CONTENT
        }
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}
