//! juhe's side of the directory endpoints:
//! `POST /v1/channel-services/register`,
//! `POST /v1/channel-services/{id}/heartbeat`,
//! `POST /v1/channel-services/{id}/deregister`.
//! Heartbeat and deregister are signed with the service's secret, and so
//! are their answers.

use crate::directory::{DirectoryError, ServiceDirectory};
use crate::registration::{ErrorBody, ErrorDetail, ProtocolOnly, RegisterRequest};
use crate::signing::{self, ServiceSecret, SignedHeaders};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use std::sync::Arc;

pub fn directory_router(dir: Arc<ServiceDirectory>) -> Router {
    Router::new()
        .route("/v1/channel-services/register", post(register))
        .route("/v1/channel-services/{id}/heartbeat", post(heartbeat))
        .route("/v1/channel-services/{id}/deregister", post(deregister))
        .with_state(dir)
}

fn error(status: u16, code: &str, message: String) -> Response {
    let body = ErrorBody {
        error: ErrorDetail {
            code: code.to_string(),
            message,
        },
    };
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    (status, axum::Json(body)).into_response()
}

fn directory_error(e: &DirectoryError) -> Response {
    let (code, status) = e.code_and_status();
    error(status, code, e.to_string())
}

async fn register(State(dir): State<Arc<ServiceDirectory>>, body: Bytes) -> Response {
    let req: RegisterRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return error(400, "invalid_request", format!("registration body: {e}")),
    };
    match dir.register(req, signing::now_ms()).await {
        Ok(answer) => (StatusCode::CREATED, axum::Json(answer)).into_response(),
        Err(e) => directory_error(&e),
    }
}

/// Verifies a signed directory call from service `id`; returns its secret.
async fn authenticate(
    dir: &ServiceDirectory,
    id: &str,
    headers: &HeaderMap,
    path: &str,
    body: &[u8],
) -> Result<ServiceSecret, Box<Response>> {
    let refuse = |status: u16, code: &str, message: String| Box::new(error(status, code, message));
    let signed = SignedHeaders::read(|name| headers.get(name).and_then(|v| v.to_str().ok()))
        .map_err(|e| refuse(401, "invalid_signature", e.to_string()))?;
    if signed.service_id != id {
        return Err(refuse(
            401,
            "invalid_signature",
            "service id header does not match the path".into(),
        ));
    }
    let secret = dir
        .secret_of(id)
        .await
        .map_err(|e| Box::new(directory_error(&e)))?
        .ok_or_else(|| Box::new(directory_error(&DirectoryError::UnknownService)))?;
    signing::verify(&secret, &signed, "POST", path, body, signing::now_s())
        .map_err(|e| refuse(401, "invalid_signature", e.to_string()))?;
    let _: ProtocolOnly =
        serde_json::from_slice(body).map_err(|e| refuse(400, "invalid_request", format!("body: {e}")))?;
    Ok(secret)
}

/// A JSON answer signed with the service's secret over the call's path.
fn signed_json(secret: &ServiceSecret, id: &str, path: &str, value: &impl serde::Serialize) -> Response {
    let body = match serde_json::to_vec(value) {
        Ok(b) => b,
        Err(e) => return error(500, "internal", format!("encoding the answer: {e}")),
    };
    let signed = signing::sign(secret, id, "POST", path, &body);
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    for (name, value) in signed.pairs() {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
    response
}

async fn heartbeat(
    State(dir): State<Arc<ServiceDirectory>>,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let secret = match authenticate(&dir, &id, &headers, uri.path(), &body).await {
        Ok(s) => s,
        Err(r) => return *r,
    };
    match dir.heartbeat(&id, signing::now_ms()).await {
        Ok(answer) => signed_json(&secret, &id, uri.path(), &answer),
        Err(e) => directory_error(&e),
    }
}

async fn deregister(
    State(dir): State<Arc<ServiceDirectory>>,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let secret = match authenticate(&dir, &id, &headers, uri.path(), &body).await {
        Ok(s) => s,
        Err(r) => return *r,
    };
    match dir.deregister(&id, signing::now_ms()).await {
        Ok(()) => signed_json(
            &secret,
            &id,
            uri.path(),
            &serde_json::json!({"protocol": crate::wire::PROTOCOL_VERSION, "deregistered": true}),
        ),
        Err(e) => directory_error(&e),
    }
}
