//! Why a bench run could not produce a report. Failed requests while measuring are not errors:
//! they are counted in the report.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("cannot read credentials {path}: {source}")]
    ReadCredentials { path: PathBuf, source: std::io::Error },
    #[error("credentials {path} are not the expected JSON object: {source}")]
    ParseCredentials { path: PathBuf, source: serde_json::Error },
    #[error("no base URL: pass --base-url or put base_url in the credentials file")]
    MissingBaseUrl,
    #[error("invalid base URL {url:?}: {reason}")]
    InvalidBaseUrl { url: String, reason: String },
    #[error("invalid arguments: {0}")]
    InvalidArgs(String),
    #[error("setup step {step}: {source}")]
    Transport {
        step: &'static str,
        source: crate::client::TransportError,
    },
    #[error("setup step {step} failed: HTTP {status}: {body}")]
    Setup {
        step: &'static str,
        status: u16,
        body: String,
    },
    #[error("SQLite baseline: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error("a bench task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}
