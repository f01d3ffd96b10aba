//! Managing console users: create, edit, roles and single overrides,
//! disable, unlock, reset and change passwords. Every change is checked
//! against the actor (scope, permission, no escalation) and audited.

use crate::audit::{self, Change};
use crate::error::ServiceError;
use crate::identity::actor::Actor;
use crate::identity::permissions::{self, of_role, scope_of};
use juhe_domain::access::{self, BuiltinRole, Override, Permission, PermissionSet, ScopeKind, UserScope};
use juhe_domain::login;
use juhe_store::Tx;
use juhe_store::clock::now_ms;
use juhe_store::ids::new_id;
use juhe_store::roles::RoleRow;
use juhe_store::users::{self, UserEdit, UserRow};
use serde::Serialize;

/// The languages the consoles speak.
pub const LOCALES: &[&str] = &["zh-CN", "en"];

pub fn check_locale(locale: &str) -> Result<(), ServiceError> {
    if LOCALES.contains(&locale) {
        Ok(())
    } else {
        Err(ServiceError::InvalidRequest(format!("unknown language {locale:?}")))
    }
}

/// What an administrator fills in for a new user. The password arrives
/// already hashed: hashing is slow and must not run inside a write.
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub scope: UserScope,
    pub password_hash: String,
    pub locale: String,
    pub role_ids: Vec<String>,
    pub overrides: Vec<Override>,
}

/// What an administrator may change of an existing user.
pub struct UserUpdate {
    pub display_name: String,
    pub locale: String,
    pub active: bool,
    pub role_ids: Vec<String>,
    pub overrides: Vec<Override>,
}

/// A user as the audit log records it: never the password hash.
#[derive(Debug, Clone, Serialize)]
pub struct UserSnapshot {
    pub username: String,
    pub display_name: String,
    pub scope: String,
    pub merchant_id: Option<String>,
    pub site_id: Option<String>,
    pub locale: String,
    pub status: String,
    pub roles: Vec<String>,
    pub overrides: Vec<(String, String)>,
}

async fn snapshot(tx: Tx<'_>, u: &UserRow) -> Result<UserSnapshot, ServiceError> {
    Ok(UserSnapshot {
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        scope: u.scope.clone(),
        merchant_id: u.merchant_id.clone(),
        site_id: u.site_id.clone(),
        locale: u.locale.clone(),
        status: u.status.clone(),
        roles: users::role_ids_tx(&mut *tx, &u.id).await?,
        overrides: users::overrides_tx(&mut *tx, &u.id).await?,
    })
}

/// The permission that manages users of `target`'s kind.
fn manage_permission(target: &UserScope) -> Permission {
    match target {
        UserScope::Platform => Permission::PlatformUsersManage,
        _ => Permission::UsersManage,
    }
}

/// May the actor manage users of `target` scope at all?
fn check_may_manage(actor: &Actor, target: &UserScope) -> Result<(), ServiceError> {
    if let Some(m) = target.merchant_id()
        && !actor.scope.sees_merchant(m)
    {
        return Err(ServiceError::NotFound("user"));
    }
    if !actor.scope.encloses(target) {
        return Err(ServiceError::Forbidden("you cannot manage users of this scope".into()));
    }
    actor.require(manage_permission(target))
}

/// The owner of roles a user of `scope` can hold: the platform's for
/// platform users, the merchant's for merchant and site users.
pub fn role_owner(scope: &UserScope) -> &str {
    scope.merchant_id().unwrap_or("platform")
}

/// Checks the roles and overrides wanted for a user of `target`, and that
/// the actor holds everything they would give.
async fn check_grants(
    tx: Tx<'_>,
    actor: &Actor,
    target: &UserScope,
    role_ids: &[String],
    overrides: &[Override],
) -> Result<Vec<RoleRow>, ServiceError> {
    let mut roles = Vec::with_capacity(role_ids.len());
    let mut wanted = PermissionSet::new();
    for id in role_ids {
        let role = juhe_store::roles::get_tx(&mut *tx, id)
            .await?
            .ok_or(ServiceError::NotFound("role"))?;
        match BuiltinRole::from_id(&role.id) {
            Some(b) if role.builtin == 1 => access::check_builtin_scope(b, target.kind())
                .map_err(|e| ServiceError::InvalidRequest(format!("{}: {e}", role.name)))?,
            _ => {
                if role.owner != role_owner(target) {
                    return Err(ServiceError::NotFound("role"));
                }
            }
        }
        wanted = wanted.iter().chain(of_role(&role).iter()).collect();
        roles.push(role);
    }
    for o in overrides {
        if let Override::Grant(p) = o {
            wanted.insert(*p);
        }
    }
    access::check_delegation(&actor.permissions, target.kind(), &wanted)
        .map_err(|e| ServiceError::Forbidden(e.to_string()))?;
    Ok(roles)
}

fn override_rows(overrides: &[Override]) -> Vec<(String, String)> {
    overrides
        .iter()
        .map(|o| match o {
            Override::Grant(p) => (p.code().to_string(), "grant".to_string()),
            Override::Deny(p) => (p.code().to_string(), "deny".to_string()),
        })
        .collect()
}

pub async fn create(tx: Tx<'_>, actor: &Actor, new: &NewUser) -> Result<UserRow, ServiceError> {
    check_may_manage(actor, &new.scope)?;
    let username = login::normalize_username(&new.username).ok_or_else(|| {
        ServiceError::InvalidRequest("a user name has 3 to 64 of a-z, 0-9, '.', '_', '-', '@'".into())
    })?;
    let display_name = new.display_name.trim();
    if display_name.is_empty() || display_name.chars().count() > 64 {
        return Err(ServiceError::InvalidRequest(
            "a display name has 1 to 64 characters".into(),
        ));
    }
    check_locale(&new.locale)?;
    if let UserScope::Site { merchant_id, site_id } = &new.scope
        && juhe_store::sites::get_site_tx(&mut *tx, merchant_id, site_id)
            .await?
            .is_none()
    {
        return Err(ServiceError::NotFound("site"));
    }
    if let Some(m) = new.scope.merchant_id()
        && juhe_store::merchants::get_merchant_tx(&mut *tx, m).await?.is_none()
    {
        return Err(ServiceError::NotFound("merchant"));
    }
    check_grants(&mut *tx, actor, &new.scope, &new.role_ids, &new.overrides).await?;
    if users::by_username_tx(&mut *tx, &username).await?.is_some() {
        return Err(ServiceError::AlreadyExists {
            what: "user",
            name: username,
        });
    }
    let now = now_ms();
    let row = UserRow {
        id: new_id("usr"),
        username,
        display_name: display_name.to_string(),
        scope: new.scope.kind().code().to_string(),
        merchant_id: new.scope.merchant_id().map(str::to_string),
        site_id: new.scope.site_id().map(str::to_string),
        password_hash: new.password_hash.clone(),
        locale: new.locale.clone(),
        status: "active".into(),
        failed_logins: 0,
        locked_until: 0,
        password_changed_at: now,
        created_at: now,
        updated_at: now,
    };
    users::insert(&mut *tx, &row).await?;
    users::set_roles(&mut *tx, &row.id, &new.role_ids).await?;
    users::set_overrides(&mut *tx, &row.id, &override_rows(&new.overrides)).await?;
    let after = snapshot(&mut *tx, &row).await?;
    audit::record(
        &mut *tx,
        actor,
        Change::new("user.create", "user", &row.id)
            .merchant(row.merchant_id.as_deref())
            .after(serde_json::to_value(&after).unwrap_or_default()),
    )
    .await?;
    Ok(row)
}

/// Loads a user the actor may manage.
async fn managed(tx: Tx<'_>, actor: &Actor, user_id: &str) -> Result<(UserRow, UserScope), ServiceError> {
    let user = users::get_tx(&mut *tx, user_id)
        .await?
        .ok_or(ServiceError::NotFound("user"))?;
    let scope = scope_of(&user)?;
    check_may_manage(actor, &scope)?;
    Ok((user, scope))
}

pub async fn update(tx: Tx<'_>, actor: &Actor, user_id: &str, up: &UserUpdate) -> Result<UserRow, ServiceError> {
    let (user, scope) = managed(&mut *tx, actor, user_id).await?;
    if user.id == actor.user_id && !up.active {
        return Err(ServiceError::InvalidRequest("you cannot disable yourself".into()));
    }
    let display_name = up.display_name.trim();
    if display_name.is_empty() || display_name.chars().count() > 64 {
        return Err(ServiceError::InvalidRequest(
            "a display name has 1 to 64 characters".into(),
        ));
    }
    check_locale(&up.locale)?;
    // Only what changes must be within the actor's own permissions: an
    // administrator may edit a user who holds something they do not, as
    // long as they neither add it nor are asked to hand it out again.
    let current_roles = users::role_ids_tx(&mut *tx, &user.id).await?;
    let added_roles: Vec<String> = up
        .role_ids
        .iter()
        .filter(|r| !current_roles.contains(r))
        .cloned()
        .collect();
    let current_overrides = permissions::overrides_of(&users::overrides_tx(&mut *tx, &user.id).await?);
    let added_overrides: Vec<Override> = up
        .overrides
        .iter()
        .filter(|o| !current_overrides.contains(o))
        .copied()
        .collect();
    check_grants(&mut *tx, actor, &scope, &added_roles, &added_overrides).await?;
    for id in &up.role_ids {
        // Kept roles must still exist and fit the scope.
        let role = juhe_store::roles::get_tx(&mut *tx, id)
            .await?
            .ok_or(ServiceError::NotFound("role"))?;
        if let Some(b) = BuiltinRole::from_id(&role.id) {
            access::check_builtin_scope(b, scope.kind()).map_err(|e| ServiceError::InvalidRequest(e.to_string()))?;
        }
    }
    let before = snapshot(&mut *tx, &user).await?;
    let now = now_ms();
    let status = if up.active { "active" } else { "disabled" };
    users::update(
        &mut *tx,
        &user.id,
        &UserEdit {
            display_name,
            locale: &up.locale,
            status,
        },
        now,
    )
    .await?;
    users::set_roles(&mut *tx, &user.id, &up.role_ids).await?;
    users::set_overrides(&mut *tx, &user.id, &override_rows(&up.overrides)).await?;
    if status == "disabled" {
        juhe_store::sessions::end_all_of_user(&mut *tx, &user.id, None, now).await?;
    }
    let updated = users::get_tx(&mut *tx, &user.id)
        .await?
        .ok_or(ServiceError::NotFound("user"))?;
    let after = snapshot(&mut *tx, &updated).await?;
    audit::record(
        &mut *tx,
        actor,
        Change::new("user.update", "user", &user.id)
            .merchant(user.merchant_id.as_deref())
            .between(&before, &after),
    )
    .await?;
    Ok(updated)
}

/// An administrator lifts a lock after repeated failed sign-ins.
pub async fn unlock(tx: Tx<'_>, actor: &Actor, user_id: &str) -> Result<(), ServiceError> {
    let (user, _) = managed(&mut *tx, actor, user_id).await?;
    users::unlock(&mut *tx, &user.id, now_ms()).await?;
    audit::record(
        &mut *tx,
        actor,
        Change::new("user.unlock", "user", &user.id)
            .merchant(user.merchant_id.as_deref())
            .before(serde_json::json!({ "failed_logins": user.failed_logins, "locked_until": user.locked_until })),
    )
    .await
}

/// An administrator sets a new password (hashed by the caller) and signs
/// the user out everywhere.
pub async fn reset_password(tx: Tx<'_>, actor: &Actor, user_id: &str, password_hash: &str) -> Result<(), ServiceError> {
    let (user, _) = managed(&mut *tx, actor, user_id).await?;
    let now = now_ms();
    users::set_password(&mut *tx, &user.id, password_hash, now).await?;
    juhe_store::sessions::end_all_of_user(&mut *tx, &user.id, None, now).await?;
    audit::record(
        &mut *tx,
        actor,
        Change::new("user.reset_password", "user", &user.id).merchant(user.merchant_id.as_deref()),
    )
    .await
}

/// The user changes their own password; every other session ends. The
/// caller has verified the current password and hashed the new one.
pub async fn change_own_password(
    tx: Tx<'_>,
    actor: &Actor,
    keep_session: &str,
    password_hash: &str,
) -> Result<u64, ServiceError> {
    let now = now_ms();
    users::set_password(&mut *tx, &actor.user_id, password_hash, now).await?;
    let ended = juhe_store::sessions::end_all_of_user(&mut *tx, &actor.user_id, Some(keep_session), now).await?;
    audit::record(
        &mut *tx,
        actor,
        Change::new("user.change_password", "user", &actor.user_id)
            .merchant(actor.scope.merchant_id())
            .after(serde_json::json!({ "other_sessions_ended": ended })),
    )
    .await?;
    Ok(ended)
}

/// The user picks their console language.
pub async fn set_own_locale(tx: Tx<'_>, actor: &Actor, locale: &str) -> Result<(), ServiceError> {
    check_locale(locale)?;
    users::set_locale(&mut *tx, &actor.user_id, locale, now_ms()).await?;
    Ok(())
}

/// The first platform administrator, from the command line or the demo:
/// no actor to check against yet.
pub async fn bootstrap_platform_admin(
    tx: Tx<'_>,
    username: &str,
    display_name: &str,
    password_hash: &str,
    locale: &str,
) -> Result<UserRow, ServiceError> {
    let system = Actor::system("bootstrap");
    create(
        tx,
        &system,
        &NewUser {
            username: username.to_string(),
            display_name: display_name.to_string(),
            scope: UserScope::Platform,
            password_hash: password_hash.to_string(),
            locale: locale.to_string(),
            role_ids: vec![BuiltinRole::PlatformAdmin.id().to_string()],
            overrides: Vec::new(),
        },
    )
    .await
}

/// Which scope kinds an actor may create users in (for forms).
pub fn creatable_scopes(actor: &Actor) -> Vec<ScopeKind> {
    let mut out = Vec::new();
    if actor.is_platform() && actor.can(Permission::PlatformUsersManage) {
        out.push(ScopeKind::Platform);
    }
    if actor.can(Permission::UsersManage) && !matches!(actor.scope, UserScope::Site { .. }) {
        out.push(ScopeKind::Merchant);
        out.push(ScopeKind::Site);
    }
    out
}
