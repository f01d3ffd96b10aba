//! The bodies of the directory endpoints (`/v1/channel-services/…`).

use crate::wire::{WireAcks, WireCapabilities};
use serde::{Deserialize, Serialize};

/// `POST /v1/channel-services/register`.
#[derive(Clone, Serialize, Deserialize)]
pub struct RegisterRequest {
    pub protocol: u32,
    pub code: String,
    pub display_name: String,
    pub capabilities: WireCapabilities,
    /// Where juhe sends the operation calls (`{base_url}/create`, …).
    pub base_url: String,
    /// The registration token juhe was configured with.
    pub token: String,
    /// The exact answers the institution expects to its notifications.
    pub acks: WireAcks,
}

impl std::fmt::Debug for RegisterRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegisterRequest")
            .field("code", &self.code)
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

/// The answer to a registration: the service's id, its signing secret and
/// its lease.
#[derive(Clone, Serialize, Deserialize)]
pub struct RegisterAnswer {
    pub protocol: u32,
    pub service_id: String,
    pub secret: String,
    pub lease_ttl_ms: i64,
    /// A third of the TTL: two heartbeats may be lost before the lease runs out.
    pub heartbeat_interval_ms: i64,
}

impl std::fmt::Debug for RegisterAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegisterAnswer")
            .field("service_id", &self.service_id)
            .field("lease_ttl_ms", &self.lease_ttl_ms)
            .finish_non_exhaustive()
    }
}

/// The answer to a heartbeat.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HeartbeatAnswer {
    pub protocol: u32,
    pub lease_until_ms: i64,
    pub lease_ttl_ms: i64,
}

/// The body of heartbeat and deregister calls.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProtocolOnly {
    pub protocol: u32,
}

/// juhe's error body: `{"error":{"code","message"}}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
}
