//! The one mapping from errors to HTTP: `{"error":{"code","message"}}` with
//! the status fixed per code. A client's mistake is always 4xx.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use juhe_domain::ErrorCode;
use juhe_service::ServiceError;
use juhe_store::StoreError;
use juhe_store::db::WriteError;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// Whether re-running the transaction could succeed (storage contention).
    retryable: bool,
    /// Seconds a client should wait, for 429.
    pub retry_after: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code (see docs/errors.md).
    #[schema(example = "insufficient_funds")]
    pub code: String,
    /// For humans; may change between versions.
    pub message: String,
}

/// The HTTP status of each code. Part of the API contract.
pub fn status_for(code: ErrorCode) -> StatusCode {
    use ErrorCode::*;
    match code {
        InvalidRequest | MalformedJson | InvalidAmount | UnsupportedCurrency | CurrencyMismatch | UnsupportedWay => {
            StatusCode::BAD_REQUEST
        }
        Unauthorized | BadSignature | StaleTimestamp | ReusedNonce => StatusCode::UNAUTHORIZED,
        InsufficientFunds => StatusCode::PAYMENT_REQUIRED,
        Forbidden => StatusCode::FORBIDDEN,
        NotFound => StatusCode::NOT_FOUND,
        MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        OrderNoConflict
        | AlreadyExists
        | IdempotencyKeyReused
        | IdempotencyKeyInUse
        | IllegalStateTransition
        | PaymentNotRefundable => StatusCode::CONFLICT,
        PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        RefundExceedsPaid | HoldExceeded | LimitExceeded => StatusCode::UNPROCESSABLE_ENTITY,
        RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ServiceUnavailable | ChannelUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        InternalError => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
            retryable: false,
            retry_after: None,
        }
    }

    pub fn status(&self) -> StatusCode {
        status_for(self.code)
    }

    /// A 4xx outcome of running the operation (insufficient funds, a refund
    /// too large): stored with an Idempotency-Key so a retry sees the same.
    pub fn is_outcome(&self) -> bool {
        self.status().is_client_error()
    }

    pub fn body(&self) -> String {
        serde_json::json!({"error": {"code": self.code.as_str(), "message": self.message}}).to_string()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status().is_server_error() {
            tracing::warn!(code = %self.code, message = %self.message, "request failed on the server side");
        }
        let mut response = (
            self.status(),
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            self.body(),
        )
            .into_response();
        if let Some(secs) = self.retry_after
            && let Ok(v) = axum::http::HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
        }
        response
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Store(s) => ApiError::from(s),
            other => ApiError::new(other.code(), other.to_string()),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        // Details of storage failures stay in the log, not in responses.
        tracing::error!(error = %e, "storage error");
        let retryable = e.is_retryable();
        ApiError {
            code: ErrorCode::ServiceUnavailable,
            message: "juhe could not commit this request; retry it with the same Idempotency-Key".into(),
            retryable,
            retry_after: Some(1),
        }
    }
}

impl WriteError for ApiError {
    fn is_retryable(&self) -> bool {
        self.retryable
    }
}
