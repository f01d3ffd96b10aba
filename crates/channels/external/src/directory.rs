//! The service directory: which external channel services are registered,
//! their leases, and their `ExternalChannel` entries in juhe's registry.
//!
//! A code, once registered by a service, keeps its registry entry for the
//! life of the process: deregistration and lease expiry only mark it
//! unavailable (calls fail `NotSent`, so routing and breakers see the
//! channel as down), and a later registration of the same code re-attaches
//! the same entry. A code that belongs to a built-in channel is refused.

use crate::channel::{ExternalChannel, ServiceTarget};
use crate::registration::{HeartbeatAnswer, RegisterAnswer, RegisterRequest};
use crate::signing::{self, ServiceSecret};
use crate::wire::PROTOCOL_VERSION;
use juhe_channel::Registry;
use juhe_channel::http::HttpClient;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DirectoryError {
    #[error("registration token does not match")]
    InvalidToken,
    #[error("protocol version {0} is not supported (this juhe speaks 1)")]
    UnsupportedProtocol(u32),
    #[error("invalid registration: {0}")]
    Invalid(String),
    #[error("channel code {0:?} belongs to a built-in channel")]
    CodeTaken(String),
    #[error("unknown service id (never registered, deregistered, or its lease expired)")]
    UnknownService,
}

impl DirectoryError {
    /// The `{"error":{"code"}}` word and HTTP status the router answers.
    pub fn code_and_status(&self) -> (&'static str, u16) {
        match self {
            DirectoryError::InvalidToken => ("invalid_token", 401),
            DirectoryError::UnsupportedProtocol(_) => ("unsupported_protocol", 400),
            DirectoryError::Invalid(_) => ("invalid_request", 400),
            DirectoryError::CodeTaken(_) => ("code_taken", 409),
            DirectoryError::UnknownService => ("unknown_service", 404),
        }
    }
}

/// How juhe runs its directory.
#[derive(Clone)]
pub struct DirectoryConfig {
    /// The token every service must present to register.
    pub registration_token: ServiceSecret,
    /// How long a registration or heartbeat keeps a service available.
    pub lease_ttl: Duration,
    /// Outbound client for the operation calls (its timeouts are the
    /// operation timeouts: no answer in time = `unknown`).
    pub http: HttpClient,
}

impl std::fmt::Debug for DirectoryConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectoryConfig")
            .field("lease_ttl", &self.lease_ttl)
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
pub struct ServiceDirectory {
    registry: Arc<Registry>,
    config: DirectoryConfig,
    /// Channel code → its entry (also in the registry).
    channels: Mutex<HashMap<String, Arc<ExternalChannel>>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

fn valid_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 32
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

impl ServiceDirectory {
    pub fn new(registry: Arc<Registry>, config: DirectoryConfig) -> ServiceDirectory {
        ServiceDirectory {
            registry,
            config,
            channels: Mutex::new(HashMap::new()),
        }
    }

    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    fn lease_ttl_ms(&self) -> i64 {
        i64::try_from(self.config.lease_ttl.as_millis()).unwrap_or(i64::MAX)
    }

    /// Registers (or re-registers) a service at `now_ms`.
    pub fn register(&self, req: RegisterRequest, now_ms: i64) -> Result<RegisterAnswer, DirectoryError> {
        if !signing::constant_time_eq(req.token.as_bytes(), self.config.registration_token.expose().as_bytes()) {
            return Err(DirectoryError::InvalidToken);
        }
        if req.protocol != PROTOCOL_VERSION {
            return Err(DirectoryError::UnsupportedProtocol(req.protocol));
        }
        if !valid_code(&req.code) {
            return Err(DirectoryError::Invalid(
                "code must be 1-32 of a-z, 0-9, '_' or '-'".into(),
            ));
        }
        if !(req.base_url.starts_with("http://") || req.base_url.starts_with("https://")) {
            return Err(DirectoryError::Invalid("base_url must be an http(s) URL".into()));
        }
        if req.capabilities.operations.is_empty() {
            return Err(DirectoryError::Invalid("capabilities.operations is empty".into()));
        }
        let service_id = format!("svc_{}", ulid::Ulid::new().to_string().to_lowercase());
        let secret = ServiceSecret::generate();
        let ttl = self.lease_ttl_ms();
        let target = ServiceTarget {
            service_id: service_id.clone(),
            base_url: req.base_url.trim_end_matches('/').to_string(),
            secret: secret.clone(),
            capabilities: req.capabilities.clone(),
            acks: req.acks.clone(),
            lease_until_ms: now_ms.saturating_add(ttl),
        };
        let mut channels = lock(&self.channels);
        match channels.get(&req.code) {
            Some(existing) => existing.attach(target),
            None => {
                if self.registry.get(&req.code).is_some() {
                    return Err(DirectoryError::CodeTaken(req.code));
                }
                let channel = Arc::new(ExternalChannel::new(
                    req.code.clone(),
                    req.display_name.clone(),
                    self.config.http.clone(),
                    target,
                ));
                self.registry.register(channel.clone());
                channels.insert(req.code.clone(), channel);
            }
        }
        tracing::info!(code = %req.code, %service_id, "channel service registered");
        Ok(RegisterAnswer {
            protocol: PROTOCOL_VERSION,
            service_id,
            secret: secret.expose().to_string(),
            lease_ttl_ms: ttl,
            heartbeat_interval_ms: ttl / 3,
        })
    }

    /// The channel a live service id is attached to.
    fn channel_of(&self, service_id: &str) -> Option<Arc<ExternalChannel>> {
        lock(&self.channels)
            .values()
            .find(|c| c.service_id() == service_id)
            .cloned()
    }

    /// The secret of a registered service id, to verify its signed calls.
    pub fn secret_of(&self, service_id: &str) -> Option<ServiceSecret> {
        self.channel_of(service_id).map(|c| c.secret())
    }

    /// Renews the lease. A heartbeat after the lease ran out is refused:
    /// the service must register again (and gets a new id and secret).
    pub fn heartbeat(&self, service_id: &str, now_ms: i64) -> Result<HeartbeatAnswer, DirectoryError> {
        let channel = self.channel_of(service_id).ok_or(DirectoryError::UnknownService)?;
        if !channel.is_available(now_ms) {
            channel.detach();
            return Err(DirectoryError::UnknownService);
        }
        let ttl = self.lease_ttl_ms();
        let until = now_ms.saturating_add(ttl);
        if !channel.renew(service_id, until) {
            return Err(DirectoryError::UnknownService);
        }
        Ok(HeartbeatAnswer {
            protocol: PROTOCOL_VERSION,
            lease_until_ms: until,
            lease_ttl_ms: ttl,
        })
    }

    /// Marks the service unavailable; its registry entry stays.
    pub fn deregister(&self, service_id: &str) -> Result<(), DirectoryError> {
        let channel = self.channel_of(service_id).ok_or(DirectoryError::UnknownService)?;
        channel.detach();
        tracing::info!(code = %channel_code(&channel), %service_id, "channel service deregistered");
        Ok(())
    }

    /// Marks every service whose lease ran out unavailable; returns their codes.
    pub fn expire(&self, now_ms: i64) -> Vec<String> {
        let channels = lock(&self.channels);
        let mut expired = Vec::new();
        for (code, channel) in channels.iter() {
            if channel.is_attached() && channel.lease_until_ms() <= now_ms {
                channel.detach();
                expired.push(code.clone());
            }
        }
        expired.sort();
        expired
    }

    /// Whether the service registered under `code` is available now.
    pub fn is_available(&self, code: &str, now_ms: i64) -> bool {
        lock(&self.channels).get(code).is_some_and(|c| c.is_available(now_ms))
    }

    /// Expires leases every `every` until the task is dropped or aborted.
    /// (Calls already refuse an expired lease by themselves; this makes
    /// expiry visible in logs and in `is_available` promptly.)
    pub fn spawn_reaper(self: &Arc<Self>, every: Duration) -> tokio::task::JoinHandle<()> {
        let dir = Arc::clone(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                for code in dir.expire(signing::now_ms()) {
                    tracing::warn!(%code, "channel service lease expired");
                }
            }
        })
    }
}

fn channel_code(c: &ExternalChannel) -> String {
    use juhe_channel::Channel;
    c.code().to_string()
}
