//! The merchant credentials the bench signs with, read from the server's `demo.json`.

use std::fmt;
use std::path::Path;

use serde::Deserialize;

use crate::error::BenchError;

/// The fields of `demo.json` the bench knows; unknown fields are ignored.
#[derive(Clone, Deserialize)]
pub struct Credentials {
    #[serde(default)]
    pub base_url: Option<String>,
    #[serde(default)]
    pub merchant_id: Option<String>,
    pub app_id: String,
    pub app_secret: String,
    #[serde(default)]
    pub webhook_secret: Option<String>,
    #[serde(default)]
    pub customer_id: Option<String>,
}

impl Credentials {
    pub fn load(path: &Path) -> Result<Credentials, BenchError> {
        let text = std::fs::read(path).map_err(|source| BenchError::ReadCredentials {
            path: path.to_owned(),
            source,
        })?;
        serde_json::from_slice(&text).map_err(|source| BenchError::ParseCredentials {
            path: path.to_owned(),
            source,
        })
    }
}

/// Secrets are never printed.
impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("base_url", &self.base_url)
            .field("merchant_id", &self.merchant_id)
            .field("app_id", &self.app_id)
            .field("app_secret", &"<redacted>")
            .field("webhook_secret", &self.webhook_secret.as_ref().map(|_| "<redacted>"))
            .field("customer_id", &self.customer_id)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_demo_json_and_redacts_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("demo.json");
        std::fs::write(
            &path,
            r#"{"base_url":"http://127.0.0.1:8080","merchant_id":"m","app_id":"a","app_secret":"topsecret",
               "webhook_secret":"whsec","customer_id":"c","extra":1}"#,
        )
        .unwrap();
        let c = Credentials::load(&path).unwrap();
        assert_eq!(c.app_id, "a");
        assert_eq!(c.base_url.as_deref(), Some("http://127.0.0.1:8080"));
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("topsecret") && !dbg.contains("whsec"), "{dbg}");
    }

    #[test]
    fn missing_file_and_bad_json_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("demo.json");
        assert!(matches!(
            Credentials::load(&path),
            Err(BenchError::ReadCredentials { .. })
        ));
        std::fs::write(&path, r#"{"app_id":"a"}"#).unwrap();
        assert!(matches!(
            Credentials::load(&path),
            Err(BenchError::ParseCredentials { .. })
        ));
    }
}
