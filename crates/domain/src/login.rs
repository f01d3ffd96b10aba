//! Console sign-in rules: what a password must be, when repeated failures
//! lock an account and for how long, and how long a session lives.

/// Repeated failures lock the account; the lock lifts by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failed attempts in a row that lock the account.
    pub max_failures: i64,
    /// How long the lock lasts, in milliseconds.
    pub lock_ms: i64,
}

impl Default for LockoutPolicy {
    fn default() -> LockoutPolicy {
        LockoutPolicy {
            max_failures: 5,
            lock_ms: 15 * 60 * 1000,
        }
    }
}

/// The account's sign-in counters after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AfterFailure {
    pub failures: i64,
    /// 0 when not locked.
    pub locked_until: i64,
    /// This failure is the one that locked the account.
    pub just_locked: bool,
}

impl LockoutPolicy {
    pub fn is_locked(&self, locked_until: i64, now: i64) -> bool {
        locked_until > now
    }

    /// Counts one more failure. Reaching the limit locks the account and
    /// starts counting afresh, so the next lock needs as many failures again.
    pub fn after_failure(&self, failures: i64, now: i64) -> AfterFailure {
        let failures = failures.saturating_add(1);
        if failures >= self.max_failures {
            AfterFailure {
                failures: 0,
                locked_until: now.saturating_add(self.lock_ms),
                just_locked: true,
            }
        } else {
            AfterFailure {
                failures,
                locked_until: 0,
                just_locked: false,
            }
        }
    }
}

/// How long a console session lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Ended after this long without a request (ms).
    pub idle_ms: i64,
    /// Ended this long after sign-in, whatever happens (ms).
    pub absolute_ms: i64,
    /// The last-seen time is written at most this often (ms): a page view
    /// costs no write most of the time.
    pub touch_every_ms: i64,
}

impl Default for SessionPolicy {
    fn default() -> SessionPolicy {
        SessionPolicy {
            idle_ms: 30 * 60 * 1000,
            absolute_ms: 12 * 60 * 60 * 1000,
            touch_every_ms: 60 * 1000,
        }
    }
}

impl SessionPolicy {
    /// Is a session signed in at `created_at`, last seen at `last_seen`, still alive at `now`?
    pub fn alive(&self, created_at: i64, last_seen: i64, now: i64) -> bool {
        now < created_at.saturating_add(self.absolute_ms) && now < last_seen.saturating_add(self.idle_ms)
    }

    pub fn needs_touch(&self, last_seen: i64, now: i64) -> bool {
        now.saturating_sub(last_seen) >= self.touch_every_ms
    }
}

pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("a password needs at least {MIN_PASSWORD_CHARS} characters")]
    TooShort,
    #[error("a password may have at most {MAX_PASSWORD_CHARS} characters")]
    TooLong,
    #[error("a password must not contain the user name")]
    ContainsUsername,
    #[error("a password needs letters and at least one digit or symbol")]
    TooSimple,
}

/// The password rules: length, not the user name, not all one kind of character.
pub fn check_password(username: &str, password: &str) -> Result<(), PasswordError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(PasswordError::TooShort);
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(PasswordError::TooLong);
    }
    if !username.is_empty() && password.to_lowercase().contains(&username.to_lowercase()) {
        return Err(PasswordError::ContainsUsername);
    }
    let letters = password.chars().any(char::is_alphabetic);
    let others = password.chars().any(|c| !c.is_alphabetic());
    if !(letters && others) {
        return Err(PasswordError::TooSimple);
    }
    Ok(())
}

/// User names: 3–64 of lowercase ASCII letters, digits, `.`, `_`, `-`, `@`.
pub fn normalize_username(name: &str) -> Option<String> {
    let name = name.trim().to_ascii_lowercase();
    let ok = (3..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-' | '@'));
    ok.then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fifth_failure_locks_for_the_policy_time_and_the_lock_lifts() {
        let p = LockoutPolicy::default();
        let mut failures = 0;
        for i in 1..=4 {
            let a = p.after_failure(failures, 1_000);
            assert_eq!((a.failures, a.locked_until, a.just_locked), (i, 0, false));
            failures = a.failures;
        }
        let a = p.after_failure(failures, 1_000);
        assert!(a.just_locked);
        assert_eq!(a.locked_until, 1_000 + p.lock_ms);
        assert!(p.is_locked(a.locked_until, 1_000 + p.lock_ms - 1));
        assert!(!p.is_locked(a.locked_until, 1_000 + p.lock_ms));
        assert_eq!(p.after_failure(i64::MAX, i64::MAX).locked_until, i64::MAX);
    }

    #[test]
    fn sessions_end_when_idle_or_too_old() {
        let p = SessionPolicy::default();
        assert!(p.alive(0, 0, p.idle_ms - 1));
        assert!(!p.alive(0, 0, p.idle_ms));
        assert!(!p.alive(0, p.absolute_ms, p.absolute_ms));
        assert!(p.alive(0, p.absolute_ms - 1, p.absolute_ms - 1));
        assert!(!p.needs_touch(0, p.touch_every_ms - 1));
        assert!(p.needs_touch(0, p.touch_every_ms));
    }

    #[test]
    fn password_rules() {
        assert_eq!(check_password("ann", "short1"), Err(PasswordError::TooShort));
        assert_eq!(check_password("ann", &"a1".repeat(65)), Err(PasswordError::TooLong));
        assert_eq!(
            check_password("annlee", "xxANNLEE-2024"),
            Err(PasswordError::ContainsUsername)
        );
        assert_eq!(check_password("ann", "onlyletters"), Err(PasswordError::TooSimple));
        assert_eq!(check_password("ann", "1234567890"), Err(PasswordError::TooSimple));
        assert_eq!(check_password("ann", "correct horse 9"), Ok(()));
        assert_eq!(check_password("ann", "密码很长很长很长的1号"), Ok(()));
    }

    #[test]
    fn user_names_are_normalised_or_refused() {
        assert_eq!(normalize_username("  Ann.Lee@Example "), Some("ann.lee@example".into()));
        assert_eq!(normalize_username("ab"), None);
        assert_eq!(normalize_username("ann lee"), None);
        assert_eq!(normalize_username("安"), None);
    }
}
