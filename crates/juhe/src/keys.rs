//! The master key: from `JUHE_MASTER_KEY`, else from its file, which is
//! created (mode 0600) with a fresh key on first use. Never from the database.

use juhe_crypto::MasterKey;
use std::io::Write;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("master key file {0}: {1}")]
    Io(String, std::io::Error),
    #[error("master key: {0}")]
    Bad(#[from] juhe_crypto::SealError),
}

pub fn load_or_create(path: &Path) -> Result<MasterKey, KeyError> {
    if let Ok(text) = std::env::var("JUHE_MASTER_KEY") {
        return Ok(MasterKey::parse(&text)?);
    }
    let text = read_or_create(
        path,
        MasterKey::generate_encoded,
        "# juhe master key: seals stored secrets. Back it up; losing it loses them.",
    )?;
    Ok(MasterKey::parse(&text)?)
}

/// The platform admin API token: from `JUHE_ADMIN_TOKEN`, else from its
/// file (created with a fresh random token, mode 0600, on first use).
pub fn admin_token(path: &Path) -> Result<String, KeyError> {
    token(
        path,
        "JUHE_ADMIN_TOKEN",
        "# juhe platform admin token: Authorization: Bearer <token> on /admin/v1.",
    )
}

/// The token external channel services present to register
/// (`JUHE_CHANNEL_TOKEN`, else its file).
pub fn channel_service_token(path: &Path) -> Result<String, KeyError> {
    token(
        path,
        "JUHE_CHANNEL_TOKEN",
        "# juhe channel service registration token (POST /v1/channel-services/register).",
    )
}

fn token(path: &Path, env: &str, comment: &str) -> Result<String, KeyError> {
    if let Ok(text) = std::env::var(env) {
        return Ok(text.trim().to_string());
    }
    let text = read_or_create(path, || juhe_store::ids::random_hex(24), comment)?;
    Ok(text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap_or_default()
        .to_string())
}

/// Reads a secret file, or creates it (mode 0600, synced) with `fresh()`
/// under a comment line. Returns the file's text.
fn read_or_create(path: &Path, fresh: impl FnOnce() -> String, comment: &str) -> Result<String, KeyError> {
    let shown = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let value = fresh();
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let mut f = options.open(path).map_err(|e| KeyError::Io(shown.clone(), e))?;
            let text = format!("{comment}\n{value}\n");
            f.write_all(text.as_bytes())
                .and_then(|_| f.sync_all())
                .map_err(|e| KeyError::Io(shown.clone(), e))?;
            Ok(text)
        }
        Err(e) => Err(KeyError::Io(shown, e)),
    }
}
