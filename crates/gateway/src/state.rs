//! What every handler shares.

use crate::apps::AppCache;
use crate::metrics::Metrics;
use crate::rate_limit::RateLimiter;
use juhe_crypto::MasterKey;
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
}

impl Default for GatewayConfig {
    fn default() -> Self {
        GatewayConfig {
            body_limit: 64 * 1024,
            max_clock_skew_secs: 300,
            rate_per_sec: 2000,
            rate_burst: 4000,
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
}

impl AppState {
    pub fn new(db: Db, keys: MasterKey, config: GatewayConfig) -> AppState {
        let limiter = RateLimiter::new(config.rate_per_sec, config.rate_burst);
        AppState {
            db,
            keys,
            config: Arc::new(config),
            apps: AppCache::default(),
            metrics: Metrics::new(),
            limiter,
        }
    }
}
