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
