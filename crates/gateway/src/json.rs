//! JSON request bodies with our error codes: a body that is not JSON is
//! `malformed_json`; JSON of the wrong shape is `invalid_request` naming the field.

use crate::error::ApiError;
use axum::extract::FromRequest;
use axum::http::Request;
use juhe_domain::ErrorCode;
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};

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
    // Syntax first: deserializing straight into T stops at the first field
    // of the wrong shape, so `{} x` or `[1` would be called invalid_request.
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes)
        .map_err(|e| ApiError::new(ErrorCode::MalformedJson, format!("the body is not valid JSON: {e}")))?;
    // serde also builds a struct from a positional array; request bodies are objects.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            "the body must be a JSON object",
        ));
    }
    serde_json::from_slice(bytes).map_err(|e| ApiError::new(ErrorCode::InvalidRequest, e.to_string()))
}

/// `deserialize_with` for an optional nested object of a request body:
/// serde would also build the struct from a positional array.
pub fn object<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
    match Option::<serde_json::Map<String, serde_json::Value>>::deserialize(d)? {
        None => Ok(None),
        Some(map) => T::deserialize(serde_json::Value::Object(map))
            .map(Some)
            .map_err(D::Error::custom),
    }
}
