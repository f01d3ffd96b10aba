//! Channel configurations changed by a person or the admin API: the same
//! create / update as `configs`, checked against the actor and audited
//! with the configuration before and after (secrets by name only).

use super::ChannelHub;
use super::configs::{self, ChannelConfigView, ConfigInput};
use crate::audit::{self, Change};
use crate::error::ServiceError;
use crate::identity::Actor;
use juhe_domain::access::Permission;
use juhe_store::Tx;
use juhe_store::channel_configs::{self, ChannelConfigRow};

pub async fn create(
    tx: Tx<'_>,
    actor: &Actor,
    hub: &ChannelHub,
    merchant_id: &str,
    input: &ConfigInput,
) -> Result<ChannelConfigRow, ServiceError> {
    actor.require_in(Permission::PlatformChannelsManage, merchant_id)?;
    let row = configs::create(&mut *tx, hub, merchant_id, input).await?;
    let after = ChannelConfigView::new(&row, &hub.public_url);
    audit::record(
        &mut *tx,
        actor,
        Change::new("channel_config.create", "channel_config", &row.id)
            .merchant(Some(merchant_id))
            .after(serde_json::to_value(&after).unwrap_or_default()),
    )
    .await?;
    Ok(row)
}

pub async fn update(
    tx: Tx<'_>,
    actor: &Actor,
    hub: &ChannelHub,
    merchant_id: &str,
    id: &str,
    input: &ConfigInput,
) -> Result<ChannelConfigRow, ServiceError> {
    actor.require_in(Permission::PlatformChannelsManage, merchant_id)?;
    let before_view = owned_view(&mut *tx, hub, merchant_id, id).await?;
    let row = configs::update(&mut *tx, hub, merchant_id, id, input).await?;
    let mut after_view = serde_json::to_value(ChannelConfigView::new(&row, &hub.public_url)).unwrap_or_default();
    // Which secrets were replaced is part of the change (their values never are).
    if let Some(obj) = after_view.as_object_mut() {
        obj.insert(
            "secrets_replaced".into(),
            serde_json::json!(input.secrets.keys().collect::<Vec<_>>()),
        );
    }
    audit::record(
        &mut *tx,
        actor,
        Change::new("channel_config.update", "channel_config", &row.id)
            .merchant(Some(merchant_id))
            .before(before_view)
            .after(after_view),
    )
    .await?;
    Ok(row)
}

/// Rotates one secret of a configuration (a new signing version; the
/// previous keeps verifying), audited by the secret's name and versions,
/// never its value.
pub async fn rotate(
    tx: Tx<'_>,
    actor: &Actor,
    hub: &ChannelHub,
    merchant_id: &str,
    id: &str,
    rotation: &super::configs::Rotation,
) -> Result<ChannelConfigRow, ServiceError> {
    actor.require_in(Permission::PlatformChannelsManage, merchant_id)?;
    let before = owned_view(&mut *tx, hub, merchant_id, id).await?;
    let row = configs::rotate(&mut *tx, hub, merchant_id, id, rotation).await?;
    audit::record(
        &mut *tx,
        actor,
        Change::new("channel_config.rotate_secret", "channel_config", id)
            .merchant(Some(merchant_id))
            .before(before)
            .after(serde_json::json!({
                "config": ChannelConfigView::new(&row, &hub.public_url),
                "secret": rotation.secret,
                "params_changed": rotation.params.keys().collect::<Vec<_>>(),
            })),
    )
    .await?;
    Ok(row)
}

/// Retires an older version of a secret, audited.
pub async fn retire(
    tx: Tx<'_>,
    actor: &Actor,
    hub: &ChannelHub,
    merchant_id: &str,
    id: &str,
    secret: &str,
    version: u32,
) -> Result<ChannelConfigRow, ServiceError> {
    actor.require_in(Permission::PlatformChannelsManage, merchant_id)?;
    let before = owned_view(&mut *tx, hub, merchant_id, id).await?;
    let row = configs::retire(&mut *tx, merchant_id, id, secret, version).await?;
    audit::record(
        &mut *tx,
        actor,
        Change::new("channel_config.retire_secret", "channel_config", id)
            .merchant(Some(merchant_id))
            .before(before)
            .after(serde_json::json!({
                "config": ChannelConfigView::new(&row, &hub.public_url),
                "secret": secret,
                "retired_version": version,
            })),
    )
    .await?;
    Ok(row)
}

async fn owned_view(
    tx: Tx<'_>,
    hub: &ChannelHub,
    merchant_id: &str,
    id: &str,
) -> Result<serde_json::Value, ServiceError> {
    let row = channel_configs::get_tx(tx, id)
        .await?
        .filter(|c| c.merchant_id == merchant_id)
        .ok_or(ServiceError::NotFound("channel config"))?;
    Ok(serde_json::to_value(ChannelConfigView::new(&row, &hub.public_url)).unwrap_or_default())
}
