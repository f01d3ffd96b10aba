//! The script control API every sandbox mounts under `/_sandbox`.

use crate::behaviour::{Faults, Rule, Script};
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{post, put};
use std::sync::Arc;

pub fn control_router(script: Arc<Script>) -> Router {
    Router::new()
        .route("/_sandbox/script", post(add_rule).delete(clear))
        .route("/_sandbox/faults", put(set_faults).get(get_faults))
        .with_state(script)
}

async fn add_rule(State(script): State<Arc<Script>>, Json(rule): Json<Rule>) -> StatusCode {
    script.add(rule);
    StatusCode::NO_CONTENT
}

async fn clear(State(script): State<Arc<Script>>) -> StatusCode {
    script.clear();
    StatusCode::NO_CONTENT
}

async fn set_faults(State(script): State<Arc<Script>>, Json(faults): Json<Faults>) -> StatusCode {
    script.set_faults(faults);
    StatusCode::NO_CONTENT
}

async fn get_faults(State(script): State<Arc<Script>>) -> Json<Faults> {
    Json(script.faults())
}
