//! Versioned keys, so a key can be rotated without downtime: the new version
//! signs at once while the previous one keeps verifying (and decrypting)
//! whatever is still in flight, until it is retired.
//!
//! Life cycle of a version: `Active` (signs and verifies; at most one) →
//! `VerifyOnly` (when a newer version is added) → `Retired` (neither). A
//! retired version never comes back. Pure data: persisting versions is the
//! store's job.

/// What a key version may still be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStatus {
    /// Signs (and verifies). At most one version is active.
    Active,
    /// Still verifies signatures / decrypts, no longer signs.
    VerifyOnly,
    /// Used for nothing; kept only as a record.
    Retired,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyRingError {
    #[error("key version {new} is not newer than the latest version {latest}")]
    VersionNotNewer { new: u32, latest: u32 },
    #[error("no key version {0}")]
    UnknownVersion(u32),
    #[error("key version {0} is active; add a newer version before retiring it")]
    RetiringActive(u32),
    #[error("more than one active key version")]
    SeveralActive,
}

#[derive(Clone)]
struct Entry<K> {
    version: u32,
    key: K,
    status: KeyStatus,
}

/// Key versions in ascending version order.
#[derive(Clone)]
pub struct KeyRing<K> {
    entries: Vec<Entry<K>>,
}

impl<K> std::fmt::Debug for KeyRing<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Versions and statuses only: K is usually secret.
        let list: Vec<(u32, KeyStatus)> = self.entries.iter().map(|e| (e.version, e.status)).collect();
        write!(f, "KeyRing({list:?})")
    }
}

impl<K> Default for KeyRing<K> {
    fn default() -> Self {
        KeyRing { entries: Vec::new() }
    }
}

impl<K> KeyRing<K> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Rebuilds a ring from persisted `(version, key, status)` rows.
    pub fn from_versions(rows: impl IntoIterator<Item = (u32, K, KeyStatus)>) -> Result<Self, KeyRingError> {
        let mut entries: Vec<Entry<K>> = rows
            .into_iter()
            .map(|(version, key, status)| Entry { version, key, status })
            .collect();
        entries.sort_by_key(|e| e.version);
        if let Some(pair) = entries.windows(2).find(|w| w[0].version == w[1].version) {
            return Err(KeyRingError::VersionNotNewer {
                new: pair[1].version,
                latest: pair[0].version,
            });
        }
        if entries.iter().filter(|e| e.status == KeyStatus::Active).count() > 1 {
            return Err(KeyRingError::SeveralActive);
        }
        Ok(KeyRing { entries })
    }

    /// Adds `version` as the active key; the previously active one becomes
    /// verify-only. Versions only grow, so an old key cannot be re-activated
    /// by mistake.
    pub fn add(&mut self, version: u32, key: K) -> Result<(), KeyRingError> {
        if let Some(latest) = self.entries.last().map(|e| e.version)
            && version <= latest
        {
            return Err(KeyRingError::VersionNotNewer { new: version, latest });
        }
        for entry in self.entries.iter_mut().filter(|e| e.status == KeyStatus::Active) {
            entry.status = KeyStatus::VerifyOnly;
        }
        self.entries.push(Entry {
            version,
            key,
            status: KeyStatus::Active,
        });
        Ok(())
    }

    /// Retires a verify-only version. The active one cannot be retired
    /// directly: that would leave nothing to sign with.
    pub fn retire(&mut self, version: u32) -> Result<(), KeyRingError> {
        let entry = self
            .entries
            .iter_mut()
            .find(|e| e.version == version)
            .ok_or(KeyRingError::UnknownVersion(version))?;
        if entry.status == KeyStatus::Active {
            return Err(KeyRingError::RetiringActive(version));
        }
        entry.status = KeyStatus::Retired;
        Ok(())
    }

    /// The key to sign (or encrypt) with, and its version.
    pub fn signing(&self) -> Option<(u32, &K)> {
        self.entries
            .iter()
            .find(|e| e.status == KeyStatus::Active)
            .map(|e| (e.version, &e.key))
    }

    /// Keys that may verify, newest first (the active one, then verify-only).
    pub fn verifying(&self) -> impl Iterator<Item = (u32, &K)> {
        self.entries
            .iter()
            .rev()
            .filter(|e| e.status != KeyStatus::Retired)
            .map(|e| (e.version, &e.key))
    }

    /// The key of `version` if it may still verify / decrypt (for messages
    /// that name their key version).
    pub fn for_verifying(&self, version: u32) -> Option<&K> {
        self.entries
            .iter()
            .find(|e| e.version == version && e.status != KeyStatus::Retired)
            .map(|e| &e.key)
    }

    pub fn status(&self, version: u32) -> Option<KeyStatus> {
        self.entries.iter().find(|e| e.version == version).map(|e| e.status)
    }

    /// All `(version, status)` pairs, oldest first, for persisting.
    pub fn versions(&self) -> impl Iterator<Item = (u32, KeyStatus)> + '_ {
        self.entries.iter().map(|e| (e.version, e.status))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verifying_versions(ring: &KeyRing<&str>) -> Vec<u32> {
        ring.verifying().map(|(v, _)| v).collect()
    }

    #[test]
    fn empty_ring_signs_nothing() {
        let ring: KeyRing<&str> = KeyRing::new();
        assert_eq!(ring.signing(), None);
        assert_eq!(ring.verifying().count(), 0);
    }

    #[test]
    fn rotation_life_cycle() {
        let mut ring = KeyRing::new();
        ring.add(1, "k1").unwrap();
        assert_eq!(ring.signing(), Some((1, &"k1")));
        assert_eq!(verifying_versions(&ring), vec![1]);

        // Rotate: v2 signs at once, v1 still verifies in-flight signatures.
        ring.add(2, "k2").unwrap();
        assert_eq!(ring.signing(), Some((2, &"k2")));
        assert_eq!(ring.status(1), Some(KeyStatus::VerifyOnly));
        assert_eq!(verifying_versions(&ring), vec![2, 1]);
        assert_eq!(ring.for_verifying(1), Some(&"k1"));

        // Retire v1 once nothing signed with it can still arrive.
        ring.retire(1).unwrap();
        assert_eq!(ring.status(1), Some(KeyStatus::Retired));
        assert_eq!(verifying_versions(&ring), vec![2]);
        assert_eq!(ring.for_verifying(1), None);

        ring.add(3, "k3").unwrap();
        assert_eq!(
            ring.versions().collect::<Vec<_>>(),
            vec![
                (1, KeyStatus::Retired),
                (2, KeyStatus::VerifyOnly),
                (3, KeyStatus::Active)
            ]
        );
    }

    #[test]
    fn mistakes_are_refused() {
        let mut ring = KeyRing::new();
        ring.add(5, "k5").unwrap();
        assert_eq!(
            ring.add(5, "again"),
            Err(KeyRingError::VersionNotNewer { new: 5, latest: 5 })
        );
        assert_eq!(
            ring.add(4, "older"),
            Err(KeyRingError::VersionNotNewer { new: 4, latest: 5 })
        );
        assert_eq!(ring.retire(5), Err(KeyRingError::RetiringActive(5)));
        assert_eq!(ring.retire(9), Err(KeyRingError::UnknownVersion(9)));
        assert_eq!(ring.signing(), Some((5, &"k5")));
    }

    #[test]
    fn rebuilt_from_rows() {
        let ring = KeyRing::from_versions([
            (2, "k2", KeyStatus::Active),
            (1, "k1", KeyStatus::VerifyOnly),
            (0, "k0", KeyStatus::Retired),
        ])
        .unwrap();
        assert_eq!(ring.signing(), Some((2, &"k2")));
        assert_eq!(verifying_versions(&ring), vec![2, 1]);
        assert_eq!(
            KeyRing::from_versions([(1, "a", KeyStatus::Active), (2, "b", KeyStatus::Active)]).unwrap_err(),
            KeyRingError::SeveralActive
        );
        assert!(KeyRing::from_versions([(1, "a", KeyStatus::Active), (1, "b", KeyStatus::Retired)]).is_err());
    }

    #[test]
    fn debug_hides_keys() {
        let mut ring = KeyRing::new();
        ring.add(1, "secret-material").unwrap();
        let shown = format!("{ring:?}");
        assert!(!shown.contains("secret-material"));
        assert!(shown.contains("Active"));
    }
}
