//! The HTTP edge of juhe: the merchant API v1, its authentication and
//! replay protection, idempotent writes, errors, OpenAPI, health and metrics.

pub mod apps;
pub mod auth;
pub mod error;
pub mod idempotency;
pub mod json;
pub mod metrics;
pub mod openapi;
pub mod path;
pub mod rate_limit;
pub mod routes;
pub mod state;
pub mod validate;

pub use routes::router;
pub use state::{AppState, GatewayConfig};
