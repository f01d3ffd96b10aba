//! Console passwords: argon2id in the PHC string format, with the
//! parameters the argon2 crate recommends (OWASP's m = 19 MiB, t = 2, p = 1).
//! The string records its own parameters, so raising them later keeps old
//! hashes verifiable; `needs_rehash` tells a successful sign-in to upgrade.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

#[derive(Debug, thiserror::Error)]
pub enum PasswordHashError {
    #[error("password hashing failed: {0}")]
    Hash(String),
}

fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::default())
}

/// Hashes a password with a fresh random salt. CPU-heavy (tens of ms):
/// call it off the async threads.
pub fn hash_password(password: &str) -> Result<String, PasswordHashError> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordHashError::Hash(e.to_string()))
}

/// Checks a password against a stored PHC string (in constant time, by
/// the argon2 crate). A string that does not parse never verifies.
pub fn verify_password(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => hasher().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// Was `stored` made with weaker parameters (or another algorithm) than
/// today's? Then a sign-in that verified it should store a new hash.
pub fn needs_rehash(stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return true;
    };
    let want = Params::default();
    let Ok(have) = Params::try_from(&parsed) else {
        return true;
    };
    parsed.algorithm.as_str() != "argon2id"
        || have.m_cost() < want.m_cost()
        || have.t_cost() < want.t_cost()
        || have.p_cost() < want.p_cost()
}

/// A real hash to verify against when a user name does not exist, so an
/// unknown name costs as long as a wrong password (no probing of user
/// names by timing). Its verdict is never used.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("juhe decoy password").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_own_hash_only() {
        let h = hash_password("correct horse 9").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("correct horse 9", &h));
        assert!(!verify_password("correct horse 8", &h));
        assert!(!verify_password("correct horse 9", "not a hash"));
        // Same password, fresh salt: another string.
        assert_ne!(h, hash_password("correct horse 9").unwrap());
        assert!(!needs_rehash(&h));
    }

    #[test]
    fn weaker_hashes_ask_for_a_rehash() {
        let weak = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(8, 1, 1, None).unwrap())
            .hash_password(b"pw", &SaltString::generate(&mut OsRng))
            .unwrap()
            .to_string();
        assert!(verify_password("pw", &weak));
        assert!(needs_rehash(&weak));
        assert!(needs_rehash("garbage"));
    }

    #[test]
    fn the_decoy_is_a_real_hash() {
        assert!(PasswordHash::new(decoy_hash()).is_ok());
        assert!(!verify_password("", decoy_hash()));
    }
}
