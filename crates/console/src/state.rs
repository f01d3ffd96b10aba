//! What every console handler shares.

use juhe_crypto::MasterKey;
use juhe_service::channels::ChannelHub;
use juhe_service::identity::sign_in::SignInPolicy;
use juhe_store::Db;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct ConsoleConfig {
    /// Set the `Secure` attribute on cookies (the console is served over
    /// HTTPS, directly or behind a proxy). Off only for plain-HTTP local use.
    pub secure_cookies: bool,
    /// The business day's offset from UTC, in minutes (480: UTC+8).
    pub utc_offset_minutes: i32,
    pub sign_in: SignInPolicy,
    /// Largest form body accepted, in bytes.
    pub form_limit: usize,
}

impl Default for ConsoleConfig {
    fn default() -> ConsoleConfig {
        ConsoleConfig {
            secure_cookies: true,
            utc_offset_minutes: 480,
            sign_in: SignInPolicy::default(),
            form_limit: 64 * 1024,
        }
    }
}

#[derive(Clone)]
pub struct ConsoleState {
    pub db: Db,
    pub keys: MasterKey,
    pub hub: ChannelHub,
    pub config: Arc<ConsoleConfig>,
}

impl ConsoleState {
    pub fn new(db: Db, keys: MasterKey, hub: ChannelHub, config: ConsoleConfig) -> ConsoleState {
        ConsoleState {
            db,
            keys,
            hub,
            config: Arc::new(config),
        }
    }

    pub fn offset_ms(&self) -> i64 {
        i64::from(self.config.utc_offset_minutes) * 60_000
    }
}
