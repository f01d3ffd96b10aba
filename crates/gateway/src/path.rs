//! Path parameters with our error shape: axum's own `Path` answers a
//! parameter it cannot decode (say `/v1/payments/%FF`, not UTF-8) with a
//! plain-text 400, outside the `{"error":{…}}` contract.

use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use juhe_domain::ErrorCode;
use serde::de::DeserializeOwned;

pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(e) if e.status().is_server_error() => Err(ApiError::new(ErrorCode::InternalError, e.body_text())),
            Err(e) => Err(ApiError::new(ErrorCode::InvalidRequest, e.body_text())),
        }
    }
}
