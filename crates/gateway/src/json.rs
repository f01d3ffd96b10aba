//! JSON request bodies with our error codes: a body that is not JSON is
//! `malformed_json`; JSON of the wrong shape is `invalid_request` naming the field.

use crate::error::ApiError;
use axum::extract::FromRequest;
use axum::http::Request;
use juhe_domain::ErrorCode;
use serde::de::DeserializeOwned;

pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request<axum::body::Body>, _state: &S) -> Result<Self, ApiError> {
        let bytes = match req.extensions().get::<crate::auth::RawBody>() {
            Some(raw) => raw.0.clone(),
            None => axum::body::to_bytes(req.into_body(), 1024 * 1024)
                .await
                .map_err(|_| ApiError::new(ErrorCode::PayloadTooLarge, "the body is too large"))?,
        };
        parse(&bytes).map(JsonBody)
    }
}

pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        use serde_json::error::Category;
        match e.classify() {
            Category::Data => ApiError::new(ErrorCode::InvalidRequest, e.to_string()),
            Category::Syntax | Category::Eof | Category::Io => {
                ApiError::new(ErrorCode::MalformedJson, format!("the body is not valid JSON: {e}"))
            }
        }
    })
}
