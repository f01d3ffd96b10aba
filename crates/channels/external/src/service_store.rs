//! Where the directory keeps its registrations. In a cluster every juhe
//! node on one database shares them (juhe's database implementation lives
//! with the payment service), so a service registers once, with any node,
//! and every node routes to it; its lease is one value all nodes read, so
//! it runs out for all of them at the same moment (of their clocks).
//! `MemoryServiceStore` keeps them in this process, for a node of its own
//! and for tests.
//!
//! One registration per channel code: registering a code again replaces
//! the earlier registration, whose service id stops working at once.

use crate::channel::ServiceTarget;
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// A code's current registration.
#[derive(Debug, Clone)]
pub struct StoredService {
    pub code: String,
    /// The first registration's: every node shows the same name.
    pub display_name: String,
    pub target: ServiceTarget,
}

/// The store could not be read or written (the directory then answers
/// 503 and calls to external channels fail `NotSent`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("service directory storage: {0}")]
pub struct StoreFault(pub String);

#[async_trait]
pub trait ServiceStore: Send + Sync {
    /// Records `service` as its code's registration, replacing an earlier
    /// one; a code keeps the display name it was first registered with.
    async fn put(&self, service: &StoredService) -> Result<(), StoreFault>;

    async fn by_code(&self, code: &str) -> Result<Option<StoredService>, StoreFault>;

    /// The registration whose current service id this is (its lease may
    /// have run out).
    async fn by_service_id(&self, service_id: &str) -> Result<Option<StoredService>, StoreFault>;

    /// Moves the lease of `service_id` to `until_ms` if it is its code's
    /// registration and the lease has not run out at `now_ms`.
    async fn renew(&self, service_id: &str, now_ms: i64, until_ms: i64) -> Result<bool, StoreFault>;

    /// Ends the lease of `service_id` at `now_ms` (deregistration); false
    /// if it is no code's registration.
    async fn end(&self, service_id: &str, now_ms: i64) -> Result<bool, StoreFault>;

    async fn all(&self) -> Result<Vec<StoredService>, StoreFault>;
}

/// Registrations in this process's memory.
#[derive(Debug, Default)]
pub struct MemoryServiceStore {
    by_code: Mutex<BTreeMap<String, StoredService>>,
}

impl MemoryServiceStore {
    pub fn new() -> MemoryServiceStore {
        MemoryServiceStore::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut BTreeMap<String, StoredService>) -> T) -> T {
        match self.by_code.lock() {
            Ok(mut map) => f(&mut map),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }
}

#[async_trait]
impl ServiceStore for MemoryServiceStore {
    async fn put(&self, service: &StoredService) -> Result<(), StoreFault> {
        self.with(|map| {
            let display_name = map
                .get(&service.code)
                .map_or_else(|| service.display_name.clone(), |old| old.display_name.clone());
            map.insert(
                service.code.clone(),
                StoredService {
                    display_name,
                    ..service.clone()
                },
            );
        });
        Ok(())
    }

    async fn by_code(&self, code: &str) -> Result<Option<StoredService>, StoreFault> {
        Ok(self.with(|map| map.get(code).cloned()))
    }

    async fn by_service_id(&self, service_id: &str) -> Result<Option<StoredService>, StoreFault> {
        Ok(self.with(|map| map.values().find(|s| s.target.service_id == service_id).cloned()))
    }

    async fn renew(&self, service_id: &str, now_ms: i64, until_ms: i64) -> Result<bool, StoreFault> {
        Ok(self.with(|map| {
            match map
                .values_mut()
                .find(|s| s.target.service_id == service_id && s.target.lease_until_ms > now_ms)
            {
                Some(s) => {
                    s.target.lease_until_ms = until_ms;
                    true
                }
                None => false,
            }
        }))
    }

    async fn end(&self, service_id: &str, now_ms: i64) -> Result<bool, StoreFault> {
        Ok(self.with(
            |map| match map.values_mut().find(|s| s.target.service_id == service_id) {
                Some(s) => {
                    s.target.lease_until_ms = s.target.lease_until_ms.min(now_ms);
                    true
                }
                None => false,
            },
        ))
    }

    async fn all(&self) -> Result<Vec<StoredService>, StoreFault> {
        Ok(self.with(|map| map.values().cloned().collect()))
    }
}
