//! `--demo`: a merchant with an API app and a customer with a funded wallet,
//! created idempotently, and their credentials in `<data-dir>/demo.json`.

use juhe_crypto::MasterKey;
use juhe_domain::way::ChannelCode;
use juhe_domain::{Currency, Money};
use juhe_service::customers::NewCustomer;
use juhe_service::provision::{create_app, create_merchant, open_secrets};
use juhe_service::topups::NewTopup;
use juhe_service::{Caller, ServiceError};
use juhe_store::{Db, merchants};
use serde::Serialize;
use std::path::{Path, PathBuf};

pub const MERCHANT_ID: &str = "mch_demo";
pub const APP_ID: &str = "app_demo";
const CUSTOMER_EXTERNAL_ID: &str = "demo-customer";
/// 1,000.00 CNY, once.
const INITIAL_TOPUP: i64 = 100_000;

#[derive(Debug, Serialize, serde::Deserialize)]
pub struct DemoCredentials {
    pub base_url: String,
    pub merchant_id: String,
    pub app_id: String,
    pub app_secret: String,
    pub webhook_secret: String,
    pub customer_id: String,
    /// The payer's phone page of the channel sandboxes the demo merchant's
    /// channel configurations point at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox_url: Option<String>,
    /// The web consoles, and one user per built-in role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub console_url: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub console_users: Vec<crate::demo_console::DemoUser>,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error(transparent)]
    Store(#[from] juhe_store::StoreError),
    #[error("demo app secret: {0}")]
    Seal(#[from] juhe_crypto::SealError),
    #[error("writing {0}: {1}")]
    Write(PathBuf, std::io::Error),
    #[error(transparent)]
    Sandbox(#[from] juhe_sandbox::SandboxError),
    #[error("the sandbox at {0} did not describe itself: {1}")]
    SandboxUrl(String, String),
    #[error(transparent)]
    Channel(#[from] juhe_channel::ChannelError),
    #[error("demo password: {0}")]
    Password(String),
}

pub async fn seed(db: &Db, keys: &MasterKey, data_dir: &Path, base_url: &str) -> Result<DemoCredentials, DemoError> {
    let keys_for_write = keys.clone();
    db.write(move |tx| {
        let keys = keys_for_write.clone();
        Box::pin(async move {
            if merchants::get_app_tx(&mut *tx, APP_ID).await?.is_some() {
                return Ok::<_, ServiceError>(());
            }
            create_merchant(&mut *tx, MERCHANT_ID, "Demo Fuel & Toll Co.", 60).await?;
            create_app(&mut *tx, &keys, APP_ID, MERCHANT_ID, "demo app", None).await?;
            Ok(())
        })
    })
    .await?;
    let app = merchants::get_app(db.reader(), APP_ID)
        .await?
        .ok_or(juhe_store::StoreError::Corrupt("demo app missing after seeding".into()))?;
    let secrets = open_secrets(keys, &app)?;
    let caller = Caller {
        merchant_id: MERCHANT_ID.into(),
        app_id: APP_ID.into(),
        notify_url: None,
        wallet_fee_bps: 60,
    };
    let customer_id = db
        .write(move |tx| {
            let caller = caller.clone();
            Box::pin(async move {
                let (customer, _) = juhe_service::customers::create(
                    &mut *tx,
                    &caller,
                    &NewCustomer {
                        name: "Demo Driver".into(),
                        phone: None,
                        external_id: Some(CUSTOMER_EXTERNAL_ID.into()),
                    },
                )
                .await?;
                let topup = NewTopup {
                    customer_id: customer.id.clone(),
                    money: Money::new(INITIAL_TOPUP, Currency::CNY),
                    channel: ChannelCode::Cash,
                    merchant_topup_no: "demo-initial-topup".into(),
                };
                juhe_service::topups::create(&mut *tx, &caller, &topup).await?;
                Ok::<_, ServiceError>(customer.id)
            })
        })
        .await?;
    let creds = DemoCredentials {
        base_url: base_url.to_string(),
        merchant_id: MERCHANT_ID.into(),
        app_id: APP_ID.into(),
        app_secret: secrets.app_secret.to_string(),
        webhook_secret: secrets.webhook_secret.to_string(),
        customer_id,
        sandbox_url: None,
        console_url: None,
        console_users: Vec::new(),
    };
    write_private(
        &data_dir.join("demo.json"),
        &serde_json::to_vec_pretty(&creds).unwrap_or_default(),
    )?;
    Ok(creds)
}

/// Rewrites `<data-dir>/demo.json` (after the sandbox URL is known).
pub fn write_credentials(data_dir: &Path, creds: &DemoCredentials) -> Result<(), DemoError> {
    write_private(
        &data_dir.join("demo.json"),
        &serde_json::to_vec_pretty(creds).unwrap_or_default(),
    )
}

/// Writes a file only its owner can read (it holds secrets).
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), DemoError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    use std::io::Write;
    options
        .open(path)
        .and_then(|mut f| f.write_all(bytes).and_then(|_| f.sync_all()))
        .map_err(|e| DemoError::Write(path.to_path_buf(), e))
}
