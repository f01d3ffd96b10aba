//! Signing in and out of the consoles, and finding the session behind a
//! cookie.
//!
//! A session cookie carries 32 random bytes (hex); the database keeps only
//! their SHA-256, so a copy of the table signs nobody in. Each session has
//! its own CSRF token, which every form posts back.

use crate::audit::{self, Change};
use crate::error::ServiceError;
use crate::identity::actor::Actor;
use crate::identity::permissions;
use juhe_domain::login::{LockoutPolicy, SessionPolicy};
use juhe_store::Db;
use juhe_store::clock::now_ms;
use juhe_store::ids::random_hex;
use juhe_store::sessions::{self, SessionRow};
use juhe_store::users::{self, UserRow};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use zeroize::Zeroizing;

/// How the consoles' sign-in behaves.
#[derive(Debug, Clone, Copy, Default)]
pub struct SignInPolicy {
    pub lockout: LockoutPolicy,
    pub session: SessionPolicy,
}

pub struct SignInRequest {
    pub username: String,
    pub password: Zeroizing<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Why a sign-in was refused. Deliberately coarse: a wrong name and a
/// wrong password are the same answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignInError {
    #[error("wrong user name or password")]
    BadCredentials,
    /// Too many failures in a row; the lock lifts at `until` (Unix ms).
    #[error("this account is locked after too many failed sign-ins")]
    Locked { until: i64 },
    #[error("this account is disabled")]
    Disabled,
    #[error("{0}")]
    Unavailable(String),
}

impl From<ServiceError> for SignInError {
    fn from(e: ServiceError) -> SignInError {
        SignInError::Unavailable(e.to_string())
    }
}

impl From<juhe_store::StoreError> for SignInError {
    fn from(e: juhe_store::StoreError) -> SignInError {
        SignInError::Unavailable(e.to_string())
    }
}

/// A new session: the cookie value (shown to the browser once) and its CSRF token.
pub struct NewSession {
    pub token: Zeroizing<String>,
    pub csrf_token: String,
    pub user: UserRow,
}

/// The session row's id for a cookie token.
pub fn session_id(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

enum Verdict {
    Refused(SignInError),
    Opened(Box<UserRow>),
}

pub async fn sign_in(db: &Db, policy: SignInPolicy, req: SignInRequest) -> Result<NewSession, SignInError> {
    let username = juhe_domain::login::normalize_username(&req.username).unwrap_or_default();
    let user = if username.is_empty() {
        None
    } else {
        users::by_username(db.reader(), &username).await?
    };
    let now = now_ms();
    if let Some(u) = &user
        && policy.lockout.is_locked(u.locked_until, now)
    {
        return Err(SignInError::Locked { until: u.locked_until });
    }
    // Verify on a blocking thread (argon2 takes tens of ms); an unknown
    // name is checked against a decoy so it takes as long.
    let stored = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| juhe_crypto::password::decoy_hash().to_string());
    let password = req.password.clone();
    let verified = tokio::task::spawn_blocking(move || juhe_crypto::password::verify_password(&password, &stored))
        .await
        .map_err(|e| SignInError::Unavailable(e.to_string()))?;
    let Some(user) = user else {
        return Err(SignInError::BadCredentials);
    };
    let rehash = if verified && juhe_crypto::password::needs_rehash(&user.password_hash) {
        let password = req.password.clone();
        tokio::task::spawn_blocking(move || juhe_crypto::password::hash_password(&password).ok())
            .await
            .ok()
            .flatten()
    } else {
        None
    };

    let token = Zeroizing::new(random_hex(32));
    let csrf_token = random_hex(32);
    let session = SessionRow {
        id: session_id(&token),
        user_id: user.id.clone(),
        csrf_token: csrf_token.clone(),
        created_at: now,
        last_seen_at: now,
        ip: req.ip.clone(),
        user_agent: req.user_agent.as_deref().map(|ua| ua.chars().take(256).collect()),
        ended_at: None,
    };
    let input = Arc::new((user.id.clone(), session, verified, rehash, req.ip.clone()));
    let verdict = db
        .write(move |tx| {
            let input = input.clone();
            Box::pin(async move {
                let (user_id, session, verified, rehash, ip) = &*input;
                // Decide on the row as it is now: concurrent sign-ins count
                // their failures one after another.
                let Some(user) = users::get_tx(&mut *tx, user_id).await? else {
                    return Ok::<_, ServiceError>(Verdict::Refused(SignInError::BadCredentials));
                };
                let now = session.created_at;
                if policy.lockout.is_locked(user.locked_until, now) {
                    return Ok(Verdict::Refused(SignInError::Locked {
                        until: user.locked_until,
                    }));
                }
                let actor = Actor {
                    user_id: user.id.clone(),
                    name: user.username.clone(),
                    scope: permissions::scope_of(&user)?,
                    permissions: Default::default(),
                    ip: ip.clone(),
                };
                if !verified {
                    let after = policy.lockout.after_failure(user.failed_logins, now);
                    users::set_login_counters(&mut *tx, &user.id, after.failures, after.locked_until, now).await?;
                    if after.just_locked {
                        audit::record(
                            &mut *tx,
                            &actor,
                            Change::new("user.locked", "user", &user.id)
                                .merchant(user.merchant_id.as_deref())
                                .after(serde_json::json!({ "locked_until": after.locked_until })),
                        )
                        .await?;
                        return Ok(Verdict::Refused(SignInError::Locked {
                            until: after.locked_until,
                        }));
                    }
                    return Ok(Verdict::Refused(SignInError::BadCredentials));
                }
                if user.status != "active" {
                    return Ok(Verdict::Refused(SignInError::Disabled));
                }
                users::set_login_counters(&mut *tx, &user.id, 0, 0, now).await?;
                if let Some(hash) = rehash {
                    users::set_password(&mut *tx, &user.id, hash, user.password_changed_at).await?;
                }
                sessions::insert(&mut *tx, session).await?;
                audit::record(
                    &mut *tx,
                    &actor,
                    Change::new("session.sign_in", "user", &user.id).merchant(user.merchant_id.as_deref()),
                )
                .await?;
                Ok(Verdict::Opened(Box::new(user)))
            })
        })
        .await?;
    match verdict {
        Verdict::Refused(e) => Err(e),
        Verdict::Opened(user) => Ok(NewSession {
            token,
            csrf_token,
            user: *user,
        }),
    }
}

/// A signed-in session as a request sees it.
pub struct LiveSession {
    pub session: SessionRow,
    pub user: UserRow,
    pub actor: Actor,
}

/// The live session behind a cookie token, if any: not ended, not idle
/// or too old, its user active. Refreshes the last-seen time now and then.
pub async fn session_of(
    db: &Db,
    policy: SessionPolicy,
    token: &str,
    ip: Option<String>,
) -> Result<Option<LiveSession>, ServiceError> {
    let id = session_id(token);
    let Some(session) = sessions::get_live(db.reader(), &id).await? else {
        return Ok(None);
    };
    let now = now_ms();
    if !policy.alive(session.created_at, session.last_seen_at, now) {
        end_session(db, &session.id).await?;
        return Ok(None);
    }
    let Some(user) = users::get(db.reader(), &session.user_id).await? else {
        return Ok(None);
    };
    if user.status != "active" {
        return Ok(None);
    }
    if policy.needs_touch(session.last_seen_at, now) {
        let id = session.id.clone();
        db.write(move |tx| {
            let id = id.clone();
            Box::pin(async move { sessions::touch(tx, &id, now).await })
        })
        .await?;
    }
    let actor = Actor {
        user_id: user.id.clone(),
        name: user.username.clone(),
        scope: permissions::scope_of(&user)?,
        permissions: permissions::effective(db.reader(), &user).await?,
        ip,
    };
    Ok(Some(LiveSession { session, user, actor }))
}

async fn end_session(db: &Db, id: &str) -> Result<(), ServiceError> {
    let id = id.to_string();
    db.write(move |tx| {
        let id = id.clone();
        Box::pin(async move { sessions::end(tx, &id, now_ms()).await })
    })
    .await?;
    Ok(())
}

/// Signs this session out.
pub async fn sign_out(db: &Db, actor: &Actor, session_id: &str) -> Result<(), ServiceError> {
    let (actor, id) = (actor.clone(), session_id.to_string());
    db.write(move |tx| {
        let (actor, id) = (actor.clone(), id.clone());
        Box::pin(async move {
            sessions::end(&mut *tx, &id, now_ms()).await?;
            audit::record(
                &mut *tx,
                &actor,
                Change::new("session.sign_out", "user", &actor.user_id).merchant(actor.scope.merchant_id()),
            )
            .await
        })
    })
    .await
}

/// Signs the user out of every session, this one included; how many ended.
pub async fn sign_out_everywhere(db: &Db, actor: &Actor) -> Result<u64, ServiceError> {
    let actor = actor.clone();
    db.write(move |tx| {
        let actor = actor.clone();
        Box::pin(async move {
            let n = sessions::end_all_of_user(&mut *tx, &actor.user_id, None, now_ms()).await?;
            audit::record(
                &mut *tx,
                &actor,
                Change::new("session.sign_out_everywhere", "user", &actor.user_id)
                    .merchant(actor.scope.merchant_id())
                    .after(serde_json::json!({ "sessions_ended": n })),
            )
            .await?;
            Ok(n)
        })
    })
    .await
}
