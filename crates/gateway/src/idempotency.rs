//! Idempotent writes. A POST runs its operation inside one write
//! transaction together with the check and the record of its
//! `Idempotency-Key`: the same key and the same request replay the stored
//! response; the same key with a different request is refused with 409.
//! A 4xx outcome of the operation (say, insufficient funds) is stored too,
//! after rolling back whatever the operation did.

use crate::auth::{Nonce, RawBody};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use futures::future::BoxFuture;
use juhe_domain::ErrorCode;
use juhe_service::Caller;
use juhe_store::clock::now_ms;
use juhe_store::db::execute as exec;
use juhe_store::{Tx, idempotency};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// What an operation produced: a status and a JSON body.
pub type Outcome = (StatusCode, String);

pub type Operation = Arc<dyn for<'c> Fn(Tx<'c>) -> BoxFuture<'c, Result<Outcome, ApiError>> + Send + Sync>;

/// The hash a key is bound to: method, path and exact body.
pub fn request_hash(method: &str, path: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(method.as_bytes());
    h.update(b"\n");
    h.update(path.as_bytes());
    h.update(b"\n");
    h.update(body);
    hex::encode(h.finalize())
}

/// Reads and checks the `Idempotency-Key` header (1–255 visible ASCII).
pub fn key_from(headers: &axum::http::HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = v
        .to_str()
        .map_err(|_| ApiError::new(ErrorCode::InvalidRequest, "Idempotency-Key must be ASCII"))?;
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            "Idempotency-Key must be 1 to 255 visible ASCII characters",
        ));
    }
    Ok(Some(key.to_string()))
}

/// What a signed POST brings to its write: who, the idempotency key, the
/// request hash the key is bound to, and the nonce to record.
#[derive(Debug, Clone)]
pub struct WriteRequest {
    pub app_id: String,
    pub key: Option<String>,
    pub hash: String,
    pub nonce: Option<Nonce>,
}

impl<S: Send + Sync> FromRequestParts<S> for WriteRequest {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let caller = parts
            .extensions
            .get::<Caller>()
            .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized, "the request is not signed"))?;
        let body = parts
            .extensions
            .get::<RawBody>()
            .map(|b| b.0.clone())
            .unwrap_or_default();
        Ok(WriteRequest {
            app_id: caller.app_id.clone(),
            key: key_from(&parts.headers)?,
            hash: request_hash(parts.method.as_str(), parts.uri.path(), &body),
            nonce: parts.extensions.get::<Nonce>().cloned(),
        })
    }
}

/// Runs `op` in one durable transaction with the request's nonce and its
/// idempotency record: the response of the first run is replayed.
pub async fn run(state: &AppState, w: WriteRequest, op: Operation) -> Response {
    let w = Arc::new(w);
    let result = state
        .db
        .write(move |tx| {
            let (op, w) = (op.clone(), w.clone());
            Box::pin(async move {
                if let Some(nonce) = &w.nonce {
                    nonce.consume(&mut *tx).await?;
                }
                if let Some(key) = &w.key
                    && let Some(stored) = idempotency::find(&mut *tx, &w.app_id, key).await?
                {
                    if stored.request_hash != w.hash {
                        return Err(ApiError::new(
                            ErrorCode::IdempotencyKeyReused,
                            "this Idempotency-Key was used with a different request",
                        ));
                    }
                    let status = u16::try_from(stored.status_code)
                        .ok()
                        .and_then(|s| StatusCode::from_u16(s).ok())
                        .unwrap_or(StatusCode::OK);
                    return Ok(Ok((status, stored.response_body)));
                }
                // The operation runs in a savepoint: a 4xx outcome undoes its
                // effects but keeps the nonce and the idempotency record.
                exec(&mut *tx, "SAVEPOINT idempotent_op").await?;
                let outcome = match op(&mut *tx).await {
                    Ok(outcome) => {
                        exec(&mut *tx, "RELEASE idempotent_op").await?;
                        Ok(outcome)
                    }
                    Err(e) if e.is_outcome() => {
                        exec(&mut *tx, "ROLLBACK TO idempotent_op").await?;
                        exec(&mut *tx, "RELEASE idempotent_op").await?;
                        Err(e)
                    }
                    Err(e) => return Err(e),
                };
                if let Some(key) = &w.key {
                    let (status, body) = match &outcome {
                        Ok((s, b)) => (*s, b.clone()),
                        Err(e) => (e.status(), e.body()),
                    };
                    idempotency::store(&mut *tx, &w.app_id, key, &w.hash, status.as_u16(), &body, now_ms()).await?;
                }
                Ok(outcome)
            })
        })
        .await;
    match result {
        Ok(Ok((status, body))) => {
            (status, [(axum::http::header::CONTENT_TYPE, "application/json")], body).into_response()
        }
        Ok(Err(e)) | Err(e) => e.into_response(),
    }
}

/// Wraps a closure as an [`Operation`], giving it the higher-ranked
/// signature the write path needs.
pub fn operation<F>(f: F) -> Operation
where
    F: for<'c> Fn(Tx<'c>) -> BoxFuture<'c, Result<Outcome, ApiError>> + Send + Sync + 'static,
{
    Arc::new(f)
}

/// The status of a create: 201 when this call made the object, 200 when it
/// returned one that existed (same merchant number, same fields).
pub fn created_or_ok(created: bool) -> StatusCode {
    if created { StatusCode::CREATED } else { StatusCode::OK }
}

/// Serialises a view for an idempotent response.
pub fn to_json<T: serde::Serialize>(view: &T) -> Result<String, ApiError> {
    serde_json::to_string(view).map_err(|e| ApiError::new(juhe_domain::ErrorCode::InternalError, e.to_string()))
}
