//! Merchants' channel configurations: created and updated by the platform
//! (admin API, CLI; the console later), validated by the channel itself,
//! secrets sealed one by one under the master key and never returned.
//! Secrets rotate without downtime: `rotate` adds a version that signs from
//! then on while the previous one keeps verifying and decrypting, `retire`
//! ends an old version (see `secrets`).

use super::ChannelHub;
use super::secrets::{StoredSecrets, VersionStatus};
use crate::error::ServiceError;
use juhe_channel::ChannelConfig;
use juhe_store::Tx;
use juhe_store::channel_configs::{self, ChannelConfigRow};
use juhe_store::clock::{now_ms, rfc3339};
use juhe_store::ids::new_id;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// What an admin sends to create or change a configuration.
#[derive(Debug, Clone)]
pub struct ConfigInput {
    pub channel: String,
    pub name: String,
    pub enabled: bool,
    pub params: serde_json::Map<String, serde_json::Value>,
    /// New secret values; on update, names not given keep their old value.
    pub secrets: BTreeMap<String, String>,
    pub fee_bps: i64,
    pub single_limit: Option<i64>,
    pub daily_limit: Option<i64>,
    pub priority: i64,
}

/// A configuration as shown to admins: secrets by name only.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChannelConfigView {
    pub id: String,
    pub object: &'static str,
    pub merchant_id: String,
    pub channel: String,
    pub name: String,
    pub enabled: bool,
    #[schema(value_type = Object)]
    pub params: serde_json::Value,
    /// Names of the secrets set (values are write-only).
    pub secrets: Vec<String>,
    /// Each secret's versions, oldest first: the `active` one signs, the
    /// `verify_only` ones still verify and decrypt, `retired` ones are gone.
    pub secret_versions: BTreeMap<String, Vec<SecretVersionView>>,
    pub fee_bps: i64,
    pub single_limit: Option<i64>,
    pub daily_limit: Option<i64>,
    pub priority: i64,
    /// Where the channel must send notifications for this configuration.
    pub notify_url: String,
    pub created_at: String,
    pub updated_at: String,
}

/// One version of a secret, as shown (never its value).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SecretVersionView {
    pub version: u32,
    /// `active`, `verify_only` or `retired`.
    pub status: &'static str,
    pub added_at: Option<String>,
}

fn status_name(s: VersionStatus) -> &'static str {
    match s {
        VersionStatus::Active => "active",
        VersionStatus::VerifyOnly => "verify_only",
        VersionStatus::Retired => "retired",
    }
}

fn corrupt(row: &ChannelConfigRow, what: &str) -> ServiceError {
    juhe_store::StoreError::Corrupt(format!("channel config {}: {what}", row.id)).into()
}

fn stored_secrets(row: &ChannelConfigRow) -> Result<StoredSecrets, ServiceError> {
    StoredSecrets::parse(&row.secrets_sealed).map_err(|_| corrupt(row, "secrets"))
}

pub fn notify_url(public_url: &str, channel: &str, config_id: &str) -> String {
    format!("{}/v1/notify/{channel}/{config_id}", public_url.trim_end_matches('/'))
}

impl ChannelConfigView {
    pub fn new(row: &ChannelConfigRow, public_url: &str) -> ChannelConfigView {
        let params = serde_json::from_str(&row.params).unwrap_or(serde_json::Value::Null);
        let secrets = StoredSecrets::parse(&row.secrets_sealed).unwrap_or_default();
        let secret_versions = secrets
            .versions()
            .iter()
            .map(|(name, versions)| {
                let shown = versions
                    .iter()
                    .map(|v| SecretVersionView {
                        version: v.version,
                        status: status_name(v.status),
                        added_at: v.added_at.map(rfc3339),
                    })
                    .collect();
                (name.clone(), shown)
            })
            .collect();
        ChannelConfigView {
            id: row.id.clone(),
            object: "channel_config",
            merchant_id: row.merchant_id.clone(),
            channel: row.channel.clone(),
            name: row.name.clone(),
            enabled: row.enabled != 0,
            params,
            secrets: secrets.names().map(str::to_string).collect(),
            secret_versions,
            fee_bps: row.fee_bps,
            single_limit: row.single_limit,
            daily_limit: row.daily_limit,
            priority: row.priority,
            notify_url: notify_url(public_url, &row.channel, &row.id),
            created_at: rfc3339(row.created_at),
            updated_at: rfc3339(row.updated_at),
        }
    }
}

fn check_numbers(input: &ConfigInput) -> Result<(), ServiceError> {
    if !(0..=10_000).contains(&input.fee_bps) {
        return Err(ServiceError::InvalidRequest("fee_bps must be within 0..=10000".into()));
    }
    for (name, limit) in [("single_limit", input.single_limit), ("daily_limit", input.daily_limit)] {
        if limit.is_some_and(|l| l <= 0 || l > juhe_domain::money::MAX_AMOUNT) {
            return Err(ServiceError::InvalidRequest(format!(
                "{name} must be a positive amount in minor units"
            )));
        }
    }
    if input.name.trim().is_empty() || input.name.chars().count() > 64 {
        return Err(ServiceError::InvalidRequest("name must be 1 to 64 characters".into()));
    }
    if input.params.values().any(|v| !v.is_string()) {
        return Err(ServiceError::InvalidRequest("params values must be strings".into()));
    }
    Ok(())
}

/// Opens a stored configuration for a channel call.
pub fn open(hub: &ChannelHub, row: &ChannelConfigRow) -> Result<ChannelConfig, ServiceError> {
    let params: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&row.params).map_err(|_| corrupt(row, "params"))?;
    let secrets = stored_secrets(row)?
        .open(&hub.keys, &row.id)
        .map_err(|e| corrupt(row, &e))?;
    Ok(ChannelConfig {
        id: row.id.clone(),
        merchant_id: row.merchant_id.clone(),
        channel: row.channel.clone(),
        params,
        secrets,
        notify_url: notify_url(&hub.public_url, &row.channel, &row.id),
    })
}

/// The registered channel of a stored configuration, and the configuration
/// opened for a call to it.
pub fn open_channel(
    hub: &ChannelHub,
    row: &ChannelConfigRow,
) -> Result<(std::sync::Arc<dyn juhe_channel::Channel>, ChannelConfig), ServiceError> {
    let channel = hub
        .registry
        .get(&row.channel)
        .ok_or_else(|| ServiceError::ChannelUnavailable(format!("channel {} is not registered", row.channel)))?;
    Ok((channel, open(hub, row)?))
}

/// Builds the row (sealing secrets) and has the channel validate it.
fn build_row(
    hub: &ChannelHub,
    id: &str,
    merchant_id: &str,
    input: &ConfigInput,
    mut secrets: StoredSecrets,
    created_at: i64,
    now: i64,
) -> Result<ChannelConfigRow, ServiceError> {
    check_numbers(input)?;
    for (name, value) in &input.secrets {
        secrets.replace(&hub.keys, id, name, value, now)?;
    }
    let row = ChannelConfigRow {
        id: id.to_string(),
        merchant_id: merchant_id.to_string(),
        channel: input.channel.clone(),
        name: input.name.trim().to_string(),
        enabled: i64::from(input.enabled),
        params: serde_json::Value::Object(input.params.clone()).to_string(),
        secrets_sealed: secrets.to_json()?,
        fee_bps: input.fee_bps,
        single_limit: input.single_limit,
        daily_limit: input.daily_limit,
        priority: input.priority,
        created_at,
        updated_at: now,
    };
    validate(hub, &row)?;
    Ok(row)
}

/// The channel checks the configuration as it would be opened for a call.
fn validate(hub: &ChannelHub, row: &ChannelConfigRow) -> Result<(), ServiceError> {
    let channel = hub
        .registry
        .get(&row.channel)
        .ok_or_else(|| ServiceError::InvalidRequest(format!("unknown channel {:?}", row.channel)))?;
    let opened = open(hub, row)?;
    channel
        .validate_config(&opened)
        .map_err(|e| ServiceError::InvalidRequest(format!("{} configuration: {e}", row.channel)))
}

pub async fn create(
    tx: Tx<'_>,
    hub: &ChannelHub,
    merchant_id: &str,
    input: &ConfigInput,
) -> Result<ChannelConfigRow, ServiceError> {
    juhe_store::merchants::get_merchant_tx(&mut *tx, merchant_id)
        .await?
        .ok_or(ServiceError::NotFound("merchant"))?;
    let now = now_ms();
    let id = new_id("chc");
    let row = build_row(hub, &id, merchant_id, input, StoredSecrets::default(), now, now)?;
    channel_configs::insert(tx, &row).await?;
    Ok(row)
}

/// Replaces the configuration; secrets not named keep their sealed value.
pub async fn update(
    tx: Tx<'_>,
    hub: &ChannelHub,
    merchant_id: &str,
    id: &str,
    input: &ConfigInput,
) -> Result<ChannelConfigRow, ServiceError> {
    let old = owned(&mut *tx, merchant_id, id).await?;
    if old.channel != input.channel {
        return Err(ServiceError::InvalidRequest(
            "a configuration's channel cannot change; create a new one".into(),
        ));
    }
    let kept = stored_secrets(&old)?;
    // updated_at is the optimistic lock; keep it strictly increasing.
    let now = now_ms().max(old.updated_at + 1);
    let row = build_row(hub, id, merchant_id, input, kept, old.created_at, now)?;
    save(tx, &row, &old).await
}

async fn save(tx: Tx<'_>, row: &ChannelConfigRow, old: &ChannelConfigRow) -> Result<ChannelConfigRow, ServiceError> {
    if !channel_configs::update(tx, row, old.updated_at).await? {
        return Err(ServiceError::InvalidRequest(
            "the configuration changed meanwhile; read it again".into(),
        ));
    }
    Ok(row.clone())
}

async fn owned(tx: Tx<'_>, merchant_id: &str, id: &str) -> Result<ChannelConfigRow, ServiceError> {
    channel_configs::get_tx(tx, id)
        .await?
        .filter(|c| c.merchant_id == merchant_id)
        .ok_or(ServiceError::NotFound("channel config"))
}

/// A key rotation: `value` becomes the new signing version of secret
/// `name` and the previous version keeps verifying and decrypting until
/// retired; `params` (a new certificate serial that goes with a new key, …)
/// change in the same write. The channel checks the result before it is saved.
pub async fn rotate(
    tx: Tx<'_>,
    hub: &ChannelHub,
    merchant_id: &str,
    id: &str,
    rotation: &Rotation,
) -> Result<ChannelConfigRow, ServiceError> {
    let old = owned(&mut *tx, merchant_id, id).await?;
    if rotation.params.values().any(|v| !v.is_string()) {
        return Err(ServiceError::InvalidRequest("params values must be strings".into()));
    }
    let mut secrets = stored_secrets(&old)?;
    let now = now_ms().max(old.updated_at + 1);
    secrets.rotate(&hub.keys, id, &rotation.secret, &rotation.value, now)?;
    let mut params: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&old.params).map_err(|_| corrupt(&old, "params"))?;
    params.extend(rotation.params.clone());
    let row = ChannelConfigRow {
        params: serde_json::Value::Object(params).to_string(),
        secrets_sealed: secrets.to_json()?,
        updated_at: now,
        ..old.clone()
    };
    validate(hub, &row)?;
    save(tx, &row, &old).await
}

/// What a rotation changes.
#[derive(Debug, Clone)]
pub struct Rotation {
    pub secret: String,
    pub value: String,
    pub params: serde_json::Map<String, serde_json::Value>,
}

/// Retires an older version of a secret: what was signed or encrypted with
/// it is no longer accepted, and its sealed value is deleted.
pub async fn retire(
    tx: Tx<'_>,
    merchant_id: &str,
    id: &str,
    secret: &str,
    version: u32,
) -> Result<ChannelConfigRow, ServiceError> {
    let old = owned(&mut *tx, merchant_id, id).await?;
    let mut secrets = stored_secrets(&old)?;
    secrets.retire(secret, version)?;
    let row = ChannelConfigRow {
        secrets_sealed: secrets.to_json()?,
        updated_at: now_ms().max(old.updated_at + 1),
        ..old.clone()
    };
    save(tx, &row, &old).await
}
