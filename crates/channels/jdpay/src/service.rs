//! JD Pay as an external channel service: serves the operation calls of
//! the channel protocol with `JdPayChannel` and keeps itself registered
//! with juhe.

use crate::client::JdPayChannel;
use juhe_channel::http::HttpClient;
use juhe_channel_external::{
    ServiceClient, ServiceClientConfig, ServiceClientError, ServiceRegistration, ServiceSecret, ServiceSession,
    serve_channel,
};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone)]
pub struct ServiceConfig {
    /// juhe's base URL, where `/v1/channel-services/…` lives.
    pub juhe_url: String,
    pub registration_token: ServiceSecret,
    /// Where this service listens (port 0 picks one).
    pub listen: SocketAddr,
    /// How juhe reaches this service; `http://{bound address}` if unset.
    pub public_base_url: Option<String>,
    /// The client JD Pay calls go through (its timeouts bound each call).
    pub http: HttpClient,
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
}

impl std::fmt::Debug for ServiceConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceConfig")
            .field("juhe_url", &self.juhe_url)
            .field("listen", &self.listen)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("cannot listen on {addr}: {reason}")]
    Bind { addr: SocketAddr, reason: String },
    #[error(transparent)]
    Client(#[from] ServiceClientError),
    #[error("server stopped: {0}")]
    Serve(String),
}

/// Runs the service until the process is stopped (or the task aborted).
pub async fn run_service(config: ServiceConfig) -> Result<(), ServiceError> {
    run_service_until(config, std::future::pending()).await
}

/// Runs the service until `shutdown` completes, then deregisters.
pub async fn run_service_until(config: ServiceConfig, shutdown: impl Future<Output = ()>) -> Result<(), ServiceError> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| ServiceError::Bind {
            addr: config.listen,
            reason: e.to_string(),
        })?;
    let bound = listener.local_addr().map_err(|e| ServiceError::Bind {
        addr: config.listen,
        reason: e.to_string(),
    })?;
    let base_url = config
        .public_base_url
        .clone()
        .unwrap_or_else(|| format!("http://{bound}"));
    let channel = JdPayChannel::new(config.http.clone());
    let registration = ServiceRegistration::of(&channel, base_url);
    let session = Arc::new(ServiceSession::new());
    let client = ServiceClient::new(
        ServiceClientConfig {
            juhe_url: config.juhe_url.clone(),
            registration_token: config.registration_token.clone(),
            registration,
            backoff_initial: config.backoff_initial,
            backoff_max: config.backoff_max,
        },
        session.clone(),
    )?;
    let app = serve_channel(Arc::new(channel), session);
    // One task: aborting it stops both the server and the heartbeats, as a
    // crashed process would.
    tokio::select! {
        served = axum::serve(listener, app) => served.map_err(|e| ServiceError::Serve(e.to_string())),
        () = client.run(shutdown) => Ok(()),
    }
}
