//! The channel registry (DESIGN §1.4's service registry): built-in channels
//! are registered at start; external channel services register, heartbeat
//! and deregister at run time. Replacing or removing one entry never touches
//! the others.

use crate::channel::Channel;
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

#[derive(Default)]
pub struct Registry {
    channels: RwLock<BTreeMap<String, Arc<dyn Channel>>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.codes()).finish()
    }
}

impl Registry {
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Adds or replaces the channel under its code.
    pub fn register(&self, channel: Arc<dyn Channel>) {
        let code = channel.code().to_string();
        match self.channels.write() {
            Ok(mut map) => {
                map.insert(code, channel);
            }
            Err(poisoned) => {
                poisoned.into_inner().insert(code, channel);
            }
        }
    }

    /// Adds the channel unless its code is taken, in one step: of callers
    /// racing for a code exactly one wins. A taken code answers the entry
    /// that holds it, untouched.
    pub fn register_if_absent(&self, channel: Arc<dyn Channel>) -> Result<(), Arc<dyn Channel>> {
        let insert = |map: &mut BTreeMap<String, Arc<dyn Channel>>| match map.entry(channel.code().to_string()) {
            std::collections::btree_map::Entry::Occupied(held) => Err(held.get().clone()),
            std::collections::btree_map::Entry::Vacant(free) => {
                free.insert(channel.clone());
                Ok(())
            }
        };
        match self.channels.write() {
            Ok(mut map) => insert(&mut map),
            Err(poisoned) => insert(&mut poisoned.into_inner()),
        }
    }

    pub fn deregister(&self, code: &str) -> bool {
        match self.channels.write() {
            Ok(mut map) => map.remove(code).is_some(),
            Err(poisoned) => poisoned.into_inner().remove(code).is_some(),
        }
    }

    pub fn get(&self, code: &str) -> Option<Arc<dyn Channel>> {
        match self.channels.read() {
            Ok(map) => map.get(code).cloned(),
            Err(poisoned) => poisoned.into_inner().get(code).cloned(),
        }
    }

    pub fn codes(&self) -> Vec<String> {
        match self.channels.read() {
            Ok(map) => map.keys().cloned().collect(),
            Err(poisoned) => poisoned.into_inner().keys().cloned().collect(),
        }
    }

    pub fn all(&self) -> Vec<Arc<dyn Channel>> {
        match self.channels.read() {
            Ok(map) => map.values().cloned().collect(),
            Err(poisoned) => poisoned.into_inner().values().cloned().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capability::{Capabilities, Operation};
    use crate::config::ChannelConfig;
    use crate::error::ChannelError;
    use crate::outcome::{ChannelPaymentState, CreateOutcome};
    use crate::request::{CreatePayment, PaymentRef};

    struct Named(&'static str, &'static str);

    #[async_trait::async_trait]
    impl Channel for Named {
        fn code(&self) -> &str {
            self.0
        }
        fn display_name(&self) -> &str {
            self.1
        }
        fn capabilities(&self) -> Capabilities {
            Capabilities {
                ways: Vec::new(),
                operations: vec![Operation::Create],
                currencies: vec!["CNY"],
            }
        }
        fn validate_config(&self, _: &ChannelConfig) -> Result<(), ChannelError> {
            Ok(())
        }
        async fn create(&self, _: &ChannelConfig, _: &CreatePayment) -> Result<CreateOutcome, ChannelError> {
            Err(ChannelError::NotSent("test".into()))
        }
        async fn query(&self, _: &ChannelConfig, _: &PaymentRef) -> Result<ChannelPaymentState, ChannelError> {
            Err(ChannelError::NotFound)
        }
    }

    #[test]
    fn register_if_absent_never_replaces_and_one_racer_wins() {
        let registry = Registry::new();
        assert!(registry.register_if_absent(Arc::new(Named("x", "first"))).is_ok());
        let held = registry.register_if_absent(Arc::new(Named("x", "second"))).unwrap_err();
        assert_eq!(held.display_name(), "first");
        assert_eq!(
            registry.get("x").map(|c| c.display_name().to_string()).as_deref(),
            Some("first")
        );

        let registry = Arc::new(Registry::new());
        let wins: usize = std::thread::scope(|s| {
            let racers: Vec<_> = (0..8)
                .map(|_| {
                    let r = registry.clone();
                    s.spawn(move || r.register_if_absent(Arc::new(Named("y", "racer"))).is_ok())
                })
                .collect();
            racers.into_iter().map(|h| usize::from(h.join().unwrap_or(false))).sum()
        });
        assert_eq!(wins, 1);
    }
}
