//! The channels this binary knows: every built-in channel is registered at
//! start; external channel services add themselves at run time.

use juhe_channel::Registry;
use juhe_channel::breaker::{BreakerPolicy, Breakers};
use juhe_crypto::MasterKey;
use juhe_service::channels::{ChannelHub, PollPolicy};
use std::sync::Arc;

/// A registry with the built-in channels.
pub fn registry() -> Registry {
    Registry::new()
}

pub fn hub(keys: &MasterKey, public_url: &str, poll: PollPolicy) -> ChannelHub {
    ChannelHub {
        registry: Arc::new(registry()),
        breakers: Arc::new(Breakers::new(BreakerPolicy::default())),
        keys: keys.clone(),
        public_url: public_url.to_string(),
        poll,
    }
}
