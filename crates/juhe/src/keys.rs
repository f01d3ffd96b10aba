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
    let shown = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(MasterKey::parse(&text)?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let encoded = MasterKey::generate_encoded();
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let mut f = options.open(path).map_err(|e| KeyError::Io(shown.clone(), e))?;
            f.write_all(
                format!("# juhe master key: seals stored secrets. Back it up; losing it loses them.\n{encoded}\n")
                    .as_bytes(),
            )
            .and_then(|_| f.sync_all())
            .map_err(|e| KeyError::Io(shown.clone(), e))?;
            Ok(MasterKey::parse(&encoded)?)
        }
        Err(e) => Err(KeyError::Io(shown, e)),
    }
}
