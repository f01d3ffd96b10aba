//! The external channel service directory in juhe's database, shared by
//! every node on it (`juhe_channel_external::ServiceStore`): registrations
//! and heartbeats through any node are seen by all, and a lease runs out
//! for all of them when its stored time passes. The service's signing
//! secret is sealed under the master key like every stored secret.

use crate::error::ServiceError;
use async_trait::async_trait;
use juhe_channel_external::{ServiceSecret, ServiceStore, ServiceTarget, StoreFault, StoredService};
use juhe_crypto::MasterKey;
use juhe_store::Db;
use juhe_store::channel_services::{self, ChannelServiceRow};
use juhe_store::clock::now_ms;

/// The directory's storage over juhe's database.
#[derive(Clone)]
pub struct DbServiceStore {
    db: Db,
    keys: MasterKey,
}

impl std::fmt::Debug for DbServiceStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbServiceStore").finish_non_exhaustive()
    }
}

fn secret_context(code: &str, service_id: &str) -> String {
    format!("channel_services/{code}/{service_id}")
}

fn fault(e: impl std::fmt::Display) -> StoreFault {
    StoreFault(e.to_string())
}

impl DbServiceStore {
    pub fn new(db: Db, keys: MasterKey) -> DbServiceStore {
        DbServiceStore { db, keys }
    }

    fn row(&self, s: &StoredService) -> Result<ChannelServiceRow, StoreFault> {
        let t = &s.target;
        let now = now_ms();
        Ok(ChannelServiceRow {
            code: s.code.clone(),
            display_name: s.display_name.clone(),
            service_id: t.service_id.clone(),
            base_url: t.base_url.clone(),
            secret_sealed: self
                .keys
                .seal(t.secret.expose().as_bytes(), &secret_context(&s.code, &t.service_id))
                .map_err(fault)?,
            capabilities: serde_json::to_string(&t.capabilities).map_err(fault)?,
            acks: serde_json::to_string(&t.acks).map_err(fault)?,
            lease_until: t.lease_until_ms,
            registered_at: now,
            updated_at: now,
        })
    }

    fn service(&self, r: ChannelServiceRow) -> Result<StoredService, StoreFault> {
        let corrupt =
            |what: &str, e: &dyn std::fmt::Display| StoreFault(format!("channel service {}: {what}: {e}", r.code));
        let secret = self
            .keys
            .open(&r.secret_sealed, &secret_context(&r.code, &r.service_id))
            .map_err(|e| corrupt("secret", &e))?;
        let secret = String::from_utf8(secret.to_vec()).map_err(|e| corrupt("secret", &e))?;
        Ok(StoredService {
            target: ServiceTarget {
                service_id: r.service_id.clone(),
                base_url: r.base_url.clone(),
                secret: ServiceSecret::new(secret),
                capabilities: serde_json::from_str(&r.capabilities).map_err(|e| corrupt("capabilities", &e))?,
                acks: serde_json::from_str(&r.acks).map_err(|e| corrupt("acks", &e))?,
                lease_until_ms: r.lease_until,
            },
            code: r.code,
            display_name: r.display_name,
        })
    }

    fn opened(&self, rows: Option<ChannelServiceRow>) -> Result<Option<StoredService>, StoreFault> {
        rows.map(|r| self.service(r)).transpose()
    }
}

#[async_trait]
impl ServiceStore for DbServiceStore {
    async fn put(&self, service: &StoredService) -> Result<(), StoreFault> {
        let row = self.row(service)?;
        self.db
            .write(move |tx| {
                let row = row.clone();
                Box::pin(async move { Ok::<_, ServiceError>(channel_services::put(tx, &row).await?) })
            })
            .await
            .map_err(fault)
    }

    async fn by_code(&self, code: &str) -> Result<Option<StoredService>, StoreFault> {
        let row = channel_services::by_code(self.db.reader(), code).await.map_err(fault)?;
        self.opened(row)
    }

    async fn by_service_id(&self, service_id: &str) -> Result<Option<StoredService>, StoreFault> {
        let row = channel_services::by_service_id(self.db.reader(), service_id)
            .await
            .map_err(fault)?;
        self.opened(row)
    }

    async fn renew(&self, service_id: &str, now_ms: i64, until_ms: i64) -> Result<bool, StoreFault> {
        let id = service_id.to_string();
        self.db
            .write(move |tx| {
                let id = id.clone();
                Box::pin(
                    async move { Ok::<_, ServiceError>(channel_services::renew(tx, &id, now_ms, until_ms).await?) },
                )
            })
            .await
            .map_err(fault)
    }

    async fn end(&self, service_id: &str, now_ms: i64) -> Result<bool, StoreFault> {
        let id = service_id.to_string();
        self.db
            .write(move |tx| {
                let id = id.clone();
                Box::pin(async move { Ok::<_, ServiceError>(channel_services::end(tx, &id, now_ms).await?) })
            })
            .await
            .map_err(fault)
    }

    async fn all(&self) -> Result<Vec<StoredService>, StoreFault> {
        channel_services::all(self.db.reader())
            .await
            .map_err(fault)?
            .into_iter()
            .map(|r| self.service(r))
            .collect()
    }
}
