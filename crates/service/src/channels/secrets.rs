//! A configuration's secrets as stored: each name has versions, so a key
//! can be rotated without downtime (`juhe_crypto::keyring`): a new version
//! signs and encrypts at once, the previous one keeps verifying and
//! decrypting what is still in flight (WeChat notifications encrypted under
//! the old APIv3 key, UnionPay answers signed with the old secure key, …)
//! until it is retired, which also drops its sealed value.
//!
//! `secrets_sealed` is a JSON object of name → versions
//! `[{"version","status","sealed","added_at"}]`. A bare string is the form
//! written before versions existed: version 1, active. Each version is
//! sealed under the master key bound to the configuration, the name and the
//! version (version 1 keeps the original binding, so old rows still open).

use crate::error::ServiceError;
use juhe_channel::Secrets;
use juhe_crypto::MasterKey;
use juhe_crypto::keyring::{KeyRing, KeyStatus};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One stored version of a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredVersion {
    pub version: u32,
    pub status: VersionStatus,
    /// Absent once retired: the key material is gone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added_at: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionStatus {
    /// Signs and encrypts (and verifies, decrypts). One per secret.
    Active,
    /// Still verifies and decrypts; no longer signs.
    VerifyOnly,
    Retired,
}

impl From<VersionStatus> for KeyStatus {
    fn from(s: VersionStatus) -> KeyStatus {
        match s {
            VersionStatus::Active => KeyStatus::Active,
            VersionStatus::VerifyOnly => KeyStatus::VerifyOnly,
            VersionStatus::Retired => KeyStatus::Retired,
        }
    }
}

impl From<KeyStatus> for VersionStatus {
    fn from(s: KeyStatus) -> VersionStatus {
        match s {
            KeyStatus::Active => VersionStatus::Active,
            KeyStatus::VerifyOnly => VersionStatus::VerifyOnly,
            KeyStatus::Retired => VersionStatus::Retired,
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Stored {
    /// Written before secrets had versions.
    Single(String),
    Versions(Vec<StoredVersion>),
}

/// Every secret of one configuration, as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredSecrets(BTreeMap<String, Vec<StoredVersion>>);

/// The sealing context of a version: bound to the row, name and version.
fn context(config_id: &str, name: &str, version: u32) -> String {
    if version == 1 {
        format!("channel_configs/{config_id}/{name}")
    } else {
        format!("channel_configs/{config_id}/{name}/v{version}")
    }
}

fn invalid(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::InvalidRequest(e.to_string())
}

impl StoredSecrets {
    pub fn parse(json: &str) -> Result<StoredSecrets, serde_json::Error> {
        let raw: BTreeMap<String, Stored> = serde_json::from_str(json)?;
        Ok(StoredSecrets(
            raw.into_iter()
                .map(|(name, stored)| {
                    let versions = match stored {
                        Stored::Single(sealed) => vec![StoredVersion {
                            version: 1,
                            status: VersionStatus::Active,
                            sealed: Some(sealed),
                            added_at: None,
                        }],
                        Stored::Versions(v) => v,
                    };
                    (name, versions)
                })
                .collect(),
        ))
    }

    pub fn to_json(&self) -> Result<String, ServiceError> {
        serde_json::to_string(&self.0).map_err(|e| invalid(format!("secrets: {e}")))
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// Versions of each secret, oldest first (for views).
    pub fn versions(&self) -> &BTreeMap<String, Vec<StoredVersion>> {
        &self.0
    }

    fn next_version(&self, name: &str) -> u32 {
        self.0
            .get(name)
            .and_then(|v| v.iter().map(|s| s.version).max())
            .map_or(1, |m| m.saturating_add(1))
    }

    /// `value` sealed as the next version of `name`, and that version.
    fn seal_next(
        &self,
        keys: &MasterKey,
        config_id: &str,
        name: &str,
        value: &str,
    ) -> Result<(u32, String), ServiceError> {
        let version = self.next_version(name);
        let sealed = keys
            .seal(value.as_bytes(), &context(config_id, name, version))
            .map_err(invalid)?;
        Ok((version, sealed))
    }

    /// Sets `name` to `value` alone: earlier versions are dropped at once
    /// (a replacement, not a rotation: nothing made with them is honoured).
    pub fn replace(
        &mut self,
        keys: &MasterKey,
        config_id: &str,
        name: &str,
        value: &str,
        now: i64,
    ) -> Result<(), ServiceError> {
        let (version, sealed) = self.seal_next(keys, config_id, name, value)?;
        self.0.insert(
            name.to_string(),
            vec![StoredVersion {
                version,
                status: VersionStatus::Active,
                sealed: Some(sealed),
                added_at: Some(now),
            }],
        );
        Ok(())
    }

    fn ring(&self, name: &str) -> Result<KeyRing<Option<String>>, ServiceError> {
        let versions = self
            .0
            .get(name)
            .ok_or(ServiceError::NotFound("secret of the configuration"))?;
        KeyRing::from_versions(versions.iter().map(|v| (v.version, v.sealed.clone(), v.status.into()))).map_err(invalid)
    }

    fn store_ring(&mut self, name: &str, ring: &KeyRing<Option<String>>, added: Option<(u32, i64)>) {
        let old: BTreeMap<u32, Option<i64>> = self
            .0
            .get(name)
            .map(|v| v.iter().map(|s| (s.version, s.added_at)).collect())
            .unwrap_or_default();
        let versions = ring
            .versions()
            .map(|(version, status)| StoredVersion {
                version,
                status: status.into(),
                sealed: ring.for_verifying(version).cloned().flatten(),
                added_at: match added {
                    Some((v, at)) if v == version => Some(at),
                    _ => old.get(&version).copied().flatten(),
                },
            })
            .collect();
        self.0.insert(name.to_string(), versions);
    }

    /// Adds a new version of an existing secret: it signs from now on, the
    /// previous active one keeps verifying and decrypting. Its number.
    pub fn rotate(
        &mut self,
        keys: &MasterKey,
        config_id: &str,
        name: &str,
        value: &str,
        now: i64,
    ) -> Result<u32, ServiceError> {
        let mut ring = self.ring(name)?;
        let (version, sealed) = self.seal_next(keys, config_id, name, value)?;
        ring.add(version, Some(sealed)).map_err(invalid)?;
        self.store_ring(name, &ring, Some((version, now)));
        Ok(version)
    }

    /// Retires a version that no longer signs; its sealed value is dropped.
    pub fn retire(&mut self, name: &str, version: u32) -> Result<(), ServiceError> {
        let mut ring = self.ring(name)?;
        ring.retire(version).map_err(invalid)?;
        self.store_ring(name, &ring, None);
        Ok(())
    }

    /// The secrets opened for a channel call: per name the active version
    /// first, then the verify-only ones, newest first.
    pub fn open(&self, keys: &MasterKey, config_id: &str) -> Result<Secrets, String> {
        let mut secrets = Secrets::new();
        for name in self.0.keys() {
            let ring = self.ring(name).map_err(|e| format!("secret {name}: {e}"))?;
            let mut values = Vec::new();
            for (version, sealed) in ring.verifying() {
                let sealed = sealed
                    .as_deref()
                    .ok_or_else(|| format!("secret {name} v{version}: no value"))?;
                let clear = keys
                    .open(sealed, &context(config_id, name, version))
                    .map_err(|e| format!("secret {name} v{version}: {e}"))?;
                values.push(String::from_utf8_lossy(&clear).into_owned());
            }
            secrets.insert_versions(name.clone(), values);
        }
        Ok(secrets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> MasterKey {
        MasterKey::parse(&MasterKey::generate_encoded()).unwrap()
    }

    #[test]
    fn rows_written_before_versions_open_as_version_one() {
        let k = keys();
        let legacy = serde_json::json!({"apiv3_key": k.seal(b"old-key", "channel_configs/chc_1/apiv3_key").unwrap()});
        let stored = StoredSecrets::parse(&legacy.to_string()).unwrap();
        let opened = stored.open(&k, "chc_1").unwrap();
        assert_eq!(opened.get("apiv3_key"), Some("old-key"));
        assert_eq!(stored.versions()["apiv3_key"][0].version, 1);
        // Bound to its row: another configuration's id does not open it.
        assert!(stored.open(&k, "chc_2").is_err());
    }

    #[test]
    fn rotate_then_retire() {
        let k = keys();
        let mut s = StoredSecrets::default();
        s.replace(&k, "chc_1", "des_key", "v1-key", 10).unwrap();
        assert_eq!(s.rotate(&k, "chc_1", "des_key", "v2-key", 20).unwrap(), 2);
        let opened = s.open(&k, "chc_1").unwrap();
        assert_eq!(opened.get("des_key"), Some("v2-key"));
        assert_eq!(opened.versions("des_key").collect::<Vec<_>>(), ["v2-key", "v1-key"]);
        // Survives storage.
        let again = StoredSecrets::parse(&s.to_json().unwrap()).unwrap();
        assert_eq!(again, s);
        // The active version cannot be retired; the older one can, and its value goes.
        assert!(s.retire("des_key", 2).is_err());
        s.retire("des_key", 1).unwrap();
        let v1 = &s.versions()["des_key"][0];
        assert_eq!(
            (v1.status, v1.sealed.as_deref(), v1.added_at),
            (VersionStatus::Retired, None, Some(10))
        );
        let opened = s.open(&k, "chc_1").unwrap();
        assert_eq!(opened.versions("des_key").collect::<Vec<_>>(), ["v2-key"]);
        // Numbers never repeat, even after a replacement.
        s.replace(&k, "chc_1", "des_key", "v3-key", 30).unwrap();
        assert_eq!(s.versions()["des_key"].len(), 1);
        assert_eq!(s.versions()["des_key"][0].version, 3);
        assert!(s.rotate(&k, "chc_1", "unknown", "x", 40).is_err());
        assert!(s.retire("des_key", 9).is_err());
    }

    #[test]
    fn a_version_sealed_for_another_number_does_not_open() {
        let k = keys();
        let mut s = StoredSecrets::default();
        s.replace(&k, "chc_1", "key", "one", 1).unwrap();
        s.rotate(&k, "chc_1", "key", "two", 2).unwrap();
        // Swap the two sealed values: each is bound to its own version.
        let v = s.0.get_mut("key").unwrap();
        let (a, b) = (v[0].sealed.clone(), v[1].sealed.clone());
        v[0].sealed = b;
        v[1].sealed = a;
        assert!(s.open(&k, "chc_1").is_err());
    }
}
