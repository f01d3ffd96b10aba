//! The sandbox's own control routes (besides the kit's script routes):
//! registering merchants, paying an order as the payer page will, and
//! rotating the sandbox's own certificate.

use super::payer::{PayerError, payer_declines, payer_pays};
use super::state::{FIXTURE_ALIPAY_NEXT_CERT, FIXTURE_ALIPAY_NEXT_PRIVATE_KEY, Identity, Merchant, SandboxState};
use crate::protocol::{cert, content};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use juhe_crypto::{Certificate, RsaPublic};
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
    /// Optional when `app_cert` is given (the key is the certificate's).
    #[serde(default)]
    pub public_key: Option<String>,
    /// Certificate mode: the app's public-key certificate (PEM).
    #[serde(default)]
    pub app_cert: Option<String>,
    /// Content encryption: the app's AES key (base64 of 16 bytes).
    #[serde(default)]
    pub encrypt_key: Option<String>,
}

fn refused(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"error": message}))).into_response()
}

pub async fn add_merchant(State(state): State<Arc<SandboxState>>, Json(m): Json<NewMerchant>) -> Response {
    if m.app_id.is_empty() {
        return refused("app_id is empty");
    }
    let certificate = match m.app_cert.as_deref().map(Certificate::parse).transpose() {
        Ok(c) => c,
        Err(_) => return refused("app_cert is not a certificate"),
    };
    let public_key = match (&m.public_key, &certificate) {
        (Some(text), _) => RsaPublic::parse(text).ok(),
        (None, Some(cert)) => cert.rsa_public().ok(),
        (None, None) => None,
    };
    let Some(public_key) = public_key else {
        return refused("public_key (or app_cert) is not an RSA public key");
    };
    let encrypt_key = match m.encrypt_key.as_deref().map(content::parse_key).transpose() {
        Ok(k) => k,
        Err(_) => return refused("encrypt_key must be base64 of 16 bytes"),
    };
    let pid = m
        .pid
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| format!("2088{:012}", state.next_seq()));
    state.add_merchant(Merchant {
        app_cert_sn: certificate.as_ref().map(cert::cert_sn),
        encrypt_key,
        ..Merchant::new(&m.app_id, &pid, public_key)
    });
    StatusCode::NO_CONTENT.into_response()
}

/// Alipay rotates its public-key certificate: the sandbox signs with the
/// committed second identity from now on (once; again is a no-op).
/// Answers the certificate that signs now and its SN.
pub async fn rotate_certificate(State(state): State<Arc<SandboxState>>) -> Response {
    let next = match Identity::with_certificate(FIXTURE_ALIPAY_NEXT_PRIVATE_KEY, FIXTURE_ALIPAY_NEXT_CERT) {
        Ok(next) => next,
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    };
    if state.identity().cert_sn != next.cert_sn {
        state.rotate_identity(next);
    }
    Json(json!({
        "alipay_cert_sn": state.identity().cert_sn,
        "alipay_cert": FIXTURE_ALIPAY_NEXT_CERT,
    }))
    .into_response()
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
        Err(e) => refusal(&e),
    }
}

/// The payer declines: the trade stays open (see `payer_declines`).
pub async fn decline_order(
    State(state): State<Arc<SandboxState>>,
    Path(out_trade_no): Path<String>,
    Query(q): Query<PayQuery>,
) -> Response {
    match payer_declines(&state, q.app_id.as_deref(), &out_trade_no) {
        Ok(trade) => Json(json!({
            "out_trade_no": trade.out_trade_no,
            "trade_status": trade.status.as_str(),
            "declined_by_payer": trade.declined_by_payer,
        }))
        .into_response(),
        Err(e) => refusal(&e),
    }
}

/// Why the payer page could not act, as an answer (404 unknown, 409 not open).
fn refusal(e: &PayerError) -> Response {
    let status = match e {
        PayerError::NotFound => StatusCode::NOT_FOUND,
        PayerError::NotPayable(_) | PayerError::InsufficientFunds => StatusCode::CONFLICT,
    };
    (status, Json(json!({"error": e.to_string()}))).into_response()
}
