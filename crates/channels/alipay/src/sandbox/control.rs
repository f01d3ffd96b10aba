//! The sandbox's own control routes (besides the kit's script routes):
//! registering merchants and paying an order as the payer page will.

use super::payer::{PayerError, payer_pays};
use super::state::{Merchant, SandboxState};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use juhe_crypto::RsaPublic;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

#[derive(Debug, Deserialize)]
pub struct NewMerchant {
    pub app_id: String,
    /// The seller's Alipay user id (2088…); one is made up when absent.
    #[serde(default)]
    pub pid: Option<String>,
    /// The app public key (PEM or bare base64), as uploaded to Alipay.
    pub public_key: String,
}

pub async fn add_merchant(State(state): State<Arc<SandboxState>>, Json(m): Json<NewMerchant>) -> Response {
    let Ok(public_key) = RsaPublic::parse(&m.public_key) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "public_key is not an RSA public key"})),
        )
            .into_response();
    };
    if m.app_id.is_empty() {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "app_id is empty"}))).into_response();
    }
    let pid = m
        .pid
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| format!("2088{:012}", state.next_seq()));
    state.add_merchant(Merchant {
        app_id: m.app_id,
        pid,
        public_key,
    });
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Debug, Deserialize)]
pub struct PayQuery {
    #[serde(default)]
    pub app_id: Option<String>,
}

pub async fn pay_order(
    State(state): State<Arc<SandboxState>>,
    Path(out_trade_no): Path<String>,
    Query(q): Query<PayQuery>,
) -> Response {
    match payer_pays(&state, q.app_id.as_deref(), &out_trade_no) {
        Ok(trade) => Json(json!({
            "out_trade_no": trade.out_trade_no,
            "trade_no": trade.trade_no,
            "trade_status": trade.status.as_str(),
        }))
        .into_response(),
        Err(e) => {
            let status = match e {
                PayerError::NotFound => StatusCode::NOT_FOUND,
                PayerError::NotPayable(_) | PayerError::InsufficientFunds => StatusCode::CONFLICT,
            };
            (status, Json(json!({"error": e.to_string()}))).into_response()
        }
    }
}
