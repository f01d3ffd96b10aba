//! The channels this binary knows: the built-in ones are registered at
//! start; external channel services (such as JD Pay) register themselves
//! at run time through the service directory, which lives in the database
//! so that every node on it routes to them.

use crate::bankcard_state::DbCardState;
use juhe_channel::http::HttpClient;
use juhe_channel::{ChannelError, Registry};
use juhe_channel_external::{DirectoryConfig, ServiceDirectory, ServiceSecret};
use juhe_crypto::MasterKey;
use juhe_service::channels::services::DbServiceStore;
use juhe_service::channels::{ChannelHub, PollPolicy};
use juhe_store::Db;
use std::sync::Arc;
use std::time::Duration;

/// How long an external channel service stays routable without a heartbeat.
pub const SERVICE_LEASE: Duration = Duration::from_secs(30);
/// How often a node looks in the shared directory for channel services
/// registered through other nodes (calls to known ones always read it).
pub const SERVICE_SYNC: Duration = Duration::from_secs(2);

/// A registry with every built-in channel.
pub fn registry(db: &Db) -> Result<Registry, ChannelError> {
    let registry = Registry::new();
    registry.register(Arc::new(juhe_channel_wechatpay::WechatPayChannel::new()?));
    registry.register(Arc::new(juhe_channel_alipay::AlipayChannel::new()?));
    registry.register(Arc::new(juhe_channel_unionpay::UnionPayChannel::new()?));
    let card_state = Arc::new(DbCardState::new(db.clone()));
    registry.register(Arc::new(juhe_channel_bankcard::BankcardChannel::new(
        card_state.clone(),
        card_state,
    )));
    Ok(registry)
}

pub struct Channels {
    pub hub: ChannelHub,
    pub directory: Arc<ServiceDirectory>,
}

pub fn build(
    db: &Db,
    keys: &MasterKey,
    public_url: &str,
    poll: PollPolicy,
    service_token: &str,
) -> Result<Channels, ChannelError> {
    let registry = Arc::new(registry(db)?);
    let directory = Arc::new(ServiceDirectory::new(
        registry.clone(),
        Arc::new(DbServiceStore::new(db.clone(), keys.clone())),
        DirectoryConfig {
            registration_token: ServiceSecret::new(service_token),
            lease_ttl: SERVICE_LEASE,
            http: HttpClient::new()?,
        },
    ));
    let hub = ChannelHub::new(registry, keys.clone(), public_url, poll);
    Ok(Channels { hub, directory })
}
