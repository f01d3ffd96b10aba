//! What every handler shares.

use crate::apps::AppCache;
use crate::metrics::Metrics;
use crate::rate_limit::RateLimiter;
use juhe_channel::Registry;
use juhe_crypto::MasterKey;
use juhe_service::channels::{ChannelHub, PollPolicy};
use juhe_store::Db;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Allowed distance between a request's timestamp and the server clock.
    pub max_clock_skew_secs: i64,
    /// Sustained requests per second per app, and the burst above it.
    pub rate_per_sec: u32,
    pub rate_burst: u32,
    /// Bearer token of the platform admin API (`/admin/v1`); none disables it.
    pub admin_token: Option<String>,
    /// juhe's base URL as channels reach it (notification URLs).
    pub public_url: String,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        GatewayConfig {
            body_limit: 64 * 1024,
            max_clock_skew_secs: 300,
            rate_per_sec: 2000,
            rate_burst: 4000,
            admin_token: None,
            public_url: "http://127.0.0.1:8080".to_string(),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub keys: MasterKey,
    pub config: Arc<GatewayConfig>,
    pub apps: AppCache,
    pub metrics: Metrics,
    pub limiter: RateLimiter,
    pub hub: ChannelHub,
}

impl AppState {
    /// A gateway with an empty channel registry (wallet payments only).
    pub fn new(db: Db, keys: MasterKey, config: GatewayConfig) -> AppState {
        let hub = ChannelHub::new(
            std::sync::Arc::new(Registry::new()),
            keys.clone(),
            &config.public_url,
            PollPolicy::default(),
        );
        Self::with_hub(db, keys, config, hub)
    }

    pub fn with_hub(db: Db, keys: MasterKey, config: GatewayConfig, hub: ChannelHub) -> AppState {
        let limiter = RateLimiter::new(config.rate_per_sec, config.rate_burst);
        AppState {
            hub,
            db,
            keys,
            config: Arc::new(config),
            apps: AppCache::default(),
            metrics: Metrics::new(),
            limiter,
        }
    }
}
