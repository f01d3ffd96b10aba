//! Settings of `juhe serve` and the commands that open the database:
//! command-line flags, then environment variables, then a TOML config file,
//! then defaults.

use clap::Args;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// Where the embedded database, master key and demo credentials live.
    #[arg(long, env = "JUHE_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// `postgres://…` switches to PostgreSQL; default: SQLite in the data dir.
    #[arg(long, env = "JUHE_DATABASE_URL")]
    pub database_url: Option<String>,
    /// A TOML file with any of: listen, data_dir, database_url, master_key_file,
    /// webhook_retry_scale, sweep_interval_secs, rate_per_sec, rate_burst.
    #[arg(long, env = "JUHE_CONFIG")]
    pub config: Option<PathBuf>,
    /// File holding the master key that seals stored secrets (default: <data-dir>/master.key).
    #[arg(long, env = "JUHE_MASTER_KEY_FILE")]
    pub master_key_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub master_key_file: Option<PathBuf>,
    pub webhook_retry_scale: Option<u32>,
    pub sweep_interval_secs: Option<u64>,
    pub rate_per_sec: Option<u32>,
    pub rate_burst: Option<u32>,
    /// juhe's base URL as channels reach it (their notification URLs);
    /// default: http://<listen address>.
    pub public_url: Option<String>,
    /// Divides the channel follow-up schedule (tests and demos run it fast).
    pub channel_poll_scale: Option<i64>,
    /// Mark console cookies `Secure` (default: when public_url is https).
    pub console_secure_cookies: Option<bool>,
}

/// The settings every database command shares, resolved.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub data_dir: PathBuf,
    pub database_url: String,
    pub master_key_file: PathBuf,
    pub file: FileConfig,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {0}: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("config file {0}: {1}")]
    Parse(PathBuf, toml::de::Error),
    #[error("cannot create data dir {0}: {1}")]
    DataDir(PathBuf, std::io::Error),
}

impl DbArgs {
    pub fn resolve(&self) -> Result<Resolved, ConfigError> {
        let file = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read(path.clone(), e))?;
                toml::from_str(&text).map_err(|e| ConfigError::Parse(path.clone(), e))?
            }
            None => FileConfig::default(),
        };
        let data_dir = self
            .data_dir
            .clone()
            .or_else(|| file.data_dir.clone())
            .unwrap_or_else(|| PathBuf::from("juhe-data"));
        std::fs::create_dir_all(&data_dir).map_err(|e| ConfigError::DataDir(data_dir.clone(), e))?;
        let database_url = self
            .database_url
            .clone()
            .or_else(|| file.database_url.clone())
            .unwrap_or_else(|| sqlite_url(&data_dir.join("juhe.db")));
        let master_key_file = self
            .master_key_file
            .clone()
            .or_else(|| file.master_key_file.clone())
            .unwrap_or_else(|| data_dir.join("master.key"));
        Ok(Resolved {
            data_dir,
            database_url,
            master_key_file,
            file,
        })
    }
}

pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}
