//! The service directory: which external channel services are registered,
//! their leases, and their `ExternalChannel` entries in this node's
//! registry.
//!
//! Registrations live in a `ServiceStore` — juhe's database, shared by all
//! nodes of a cluster — so a service registers, heartbeats and deregisters
//! through whichever node it reaches, and every node routes to it: a node
//! that has not seen a code yet puts an entry for it into its registry at
//! its next `sync` (every few seconds). A code, once known, keeps its
//! registry entry for the life of the node: deregistration and lease
//! expiry only make it unavailable (calls fail `NotSent`, so routing and
//! breakers see the channel as down), and a later registration of the same
//! code is used by the same entry. A code that belongs to a built-in
//! channel is refused.

use crate::channel::{ExternalChannel, ServiceTarget};
use crate::registration::{HeartbeatAnswer, RegisterAnswer, RegisterRequest};
use crate::service_store::{ServiceStore, StoreFault, StoredService};
use crate::signing::{self, ServiceSecret};
use crate::wire::PROTOCOL_VERSION;
use juhe_channel::Registry;
use juhe_channel::http::HttpClient;
use std::collections::{BTreeSet, HashMap};
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
    #[error(transparent)]
    Storage(#[from] StoreFault),
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
            DirectoryError::Storage(_) => ("unavailable", 503),
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

pub struct ServiceDirectory {
    registry: Arc<Registry>,
    store: Arc<dyn ServiceStore>,
    config: DirectoryConfig,
    /// Channel code → the entry this node put into the registry for it.
    channels: Mutex<HashMap<String, Arc<ExternalChannel>>>,
    /// Codes that were available at the last sync (to report each expiry once).
    available: Mutex<BTreeSet<String>>,
}

impl std::fmt::Debug for ServiceDirectory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceDirectory")
            .field("registry", &self.registry)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// What a `sync` found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Codes this node had no entry for (registered through another node,
    /// or before this node started), now in its registry.
    pub added: Vec<String>,
    /// Codes available at the previous sync whose lease has run out since
    /// (or that were deregistered).
    pub expired: Vec<String>,
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

fn check(req: &RegisterRequest) -> Result<(), DirectoryError> {
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
    if req.display_name.trim().is_empty() || req.display_name.chars().count() > 64 {
        return Err(DirectoryError::Invalid(
            "display_name must be 1 to 64 characters".into(),
        ));
    }
    req.acks.accepted.check().map_err(DirectoryError::Invalid)?;
    req.acks.rejected.check().map_err(DirectoryError::Invalid)?;
    Ok(())
}

impl ServiceDirectory {
    pub fn new(registry: Arc<Registry>, store: Arc<dyn ServiceStore>, config: DirectoryConfig) -> ServiceDirectory {
        ServiceDirectory {
            registry,
            store,
            config,
            channels: Mutex::new(HashMap::new()),
            available: Mutex::new(BTreeSet::new()),
        }
    }

    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    fn lease_ttl_ms(&self) -> i64 {
        i64::try_from(self.config.lease_ttl.as_millis()).unwrap_or(i64::MAX)
    }

    /// This node's registry entry for `code`, made if there is none yet;
    /// `None` if the code is held by a channel that is not external (a
    /// built-in one). The entry remembers `target` as the latest seen.
    fn entry(&self, code: &str, display_name: &str, target: &ServiceTarget) -> Option<(Arc<ExternalChannel>, bool)> {
        let mut channels = lock(&self.channels);
        if let Some(existing) = channels.get(code) {
            existing.seen(target.clone());
            return Some((existing.clone(), false));
        }
        let channel = Arc::new(ExternalChannel::new(
            code.to_string(),
            display_name.to_string(),
            self.config.http.clone(),
            self.store.clone(),
            target.clone(),
        ));
        self.registry.register_if_absent(channel.clone()).ok()?;
        channels.insert(code.to_string(), channel.clone());
        Some((channel, true))
    }

    /// Registers (or re-registers) a service at `now_ms`.
    pub async fn register(&self, req: RegisterRequest, now_ms: i64) -> Result<RegisterAnswer, DirectoryError> {
        if !signing::constant_time_eq(req.token.as_bytes(), self.config.registration_token.expose().as_bytes()) {
            return Err(DirectoryError::InvalidToken);
        }
        check(&req)?;
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
        // The name a code was first registered with stays (every node shows it).
        let display_name = match self.store.by_code(&req.code).await? {
            Some(earlier) => earlier.display_name,
            None => req.display_name.clone(),
        };
        if self.entry(&req.code, &display_name, &target).is_none() {
            return Err(DirectoryError::CodeTaken(req.code));
        }
        self.store
            .put(&StoredService {
                code: req.code.clone(),
                display_name,
                target,
            })
            .await?;
        lock(&self.available).insert(req.code.clone());
        tracing::info!(code = %req.code, %service_id, "channel service registered");
        Ok(RegisterAnswer {
            protocol: PROTOCOL_VERSION,
            service_id,
            secret: secret.expose().to_string(),
            lease_ttl_ms: ttl,
            heartbeat_interval_ms: ttl / 3,
        })
    }

    /// The secret of a current registration (its lease may have run out),
    /// to verify the service's signed directory calls.
    pub async fn secret_of(&self, service_id: &str) -> Result<Option<ServiceSecret>, DirectoryError> {
        Ok(self.store.by_service_id(service_id).await?.map(|s| s.target.secret))
    }

    /// Renews the lease. A heartbeat after the lease ran out is refused:
    /// the service must register again (and gets a new id and secret).
    pub async fn heartbeat(&self, service_id: &str, now_ms: i64) -> Result<HeartbeatAnswer, DirectoryError> {
        let ttl = self.lease_ttl_ms();
        let until = now_ms.saturating_add(ttl);
        if !self.store.renew(service_id, now_ms, until).await? {
            return Err(DirectoryError::UnknownService);
        }
        Ok(HeartbeatAnswer {
            protocol: PROTOCOL_VERSION,
            lease_until_ms: until,
            lease_ttl_ms: ttl,
        })
    }

    /// Ends the service's lease now; its registry entries stay.
    pub async fn deregister(&self, service_id: &str, now_ms: i64) -> Result<(), DirectoryError> {
        if !self.store.end(service_id, now_ms).await? {
            return Err(DirectoryError::UnknownService);
        }
        tracing::info!(%service_id, "channel service deregistered");
        Ok(())
    }

    /// Brings this node's registry up to date with the stored
    /// registrations: an entry for every code (registered through any
    /// node), each with its latest registration; reports codes added and
    /// leases that ran out since the last sync.
    pub async fn sync(&self, now_ms: i64) -> Result<SyncReport, DirectoryError> {
        let mut report = SyncReport::default();
        let mut live = BTreeSet::new();
        for stored in self.store.all().await? {
            match self.entry(&stored.code, &stored.display_name, &stored.target) {
                Some((_, added)) => {
                    if added {
                        report.added.push(stored.code.clone());
                    }
                    if stored.target.is_live(now_ms) {
                        live.insert(stored.code.clone());
                    }
                }
                None => tracing::warn!(code = %stored.code, "a stored channel service holds a built-in code; ignored"),
            }
        }
        let mut available = lock(&self.available);
        report.expired = available.difference(&live).cloned().collect();
        *available = live;
        Ok(report)
    }

    /// Whether the service registered under `code` is available now (a
    /// fresh look at the store).
    pub async fn is_available(&self, code: &str, now_ms: i64) -> Result<bool, DirectoryError> {
        Ok(self
            .store
            .by_code(code)
            .await?
            .is_some_and(|s| s.target.is_live(now_ms)))
    }

    /// Syncs every `every` until the task is aborted. (Calls read the
    /// store themselves; this brings in codes registered through other
    /// nodes and logs leases that ran out.)
    pub fn spawn_sync(self: &Arc<Self>, every: Duration) -> tokio::task::JoinHandle<()> {
        let dir = Arc::clone(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                match dir.sync(signing::now_ms()).await {
                    Ok(report) => {
                        for code in report.added {
                            tracing::info!(%code, "channel service known from the directory");
                        }
                        for code in report.expired {
                            tracing::warn!(%code, "channel service lease expired");
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "channel service directory sync failed"),
                }
            }
        })
    }
}
