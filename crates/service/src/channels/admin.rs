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
    let before = channel_configs::get_tx(&mut *tx, id)
        .await?
        .filter(|c| c.merchant_id == merchant_id)
        .ok_or(ServiceError::NotFound("channel config"))?;
    let row = configs::update(&mut *tx, hub, merchant_id, id, input).await?;
    let before_view = serde_json::to_value(ChannelConfigView::new(&before, &hub.public_url)).unwrap_or_default();
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
