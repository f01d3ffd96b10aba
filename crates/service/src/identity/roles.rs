//! Custom roles: a name and a list of permissions, owned by the platform
//! (for platform users) or by a merchant (for its merchant and site users).

use crate::audit::{self, Change};
use crate::error::ServiceError;
use crate::identity::actor::Actor;
use juhe_domain::access::{self, Permission, PermissionSet, ScopeKind};
use juhe_store::Tx;
use juhe_store::clock::now_ms;
use juhe_store::ids::new_id;
use juhe_store::roles::{self, RoleRow};

/// Who owns a role: the platform, or one merchant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleOwner {
    Platform,
    Merchant(String),
}

impl RoleOwner {
    pub fn key(&self) -> &str {
        match self {
            RoleOwner::Platform => "platform",
            RoleOwner::Merchant(m) => m,
        }
    }

    pub fn merchant_id(&self) -> Option<&str> {
        match self {
            RoleOwner::Platform => None,
            RoleOwner::Merchant(m) => Some(m),
        }
    }

    fn scope(&self) -> ScopeKind {
        match self {
            RoleOwner::Platform => ScopeKind::Platform,
            RoleOwner::Merchant(_) => ScopeKind::Merchant,
        }
    }
}

fn check_owner(actor: &Actor, owner: &RoleOwner) -> Result<(), ServiceError> {
    match owner {
        RoleOwner::Platform => {
            if !actor.is_platform() {
                return Err(ServiceError::NotFound("role"));
            }
            actor.require(Permission::PlatformUsersManage)
        }
        RoleOwner::Merchant(m) => actor.require_in(Permission::UsersManage, m),
    }
}

fn check_fields(
    actor: &Actor,
    owner: &RoleOwner,
    name: &str,
    permissions: &PermissionSet,
) -> Result<String, ServiceError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(ServiceError::InvalidRequest(
            "a role name has 1 to 64 characters".into(),
        ));
    }
    if permissions.iter().next().is_none() {
        return Err(ServiceError::InvalidRequest(
            "a role needs at least one permission".into(),
        ));
    }
    access::check_delegation(&actor.permissions, owner.scope(), permissions)
        .map_err(|e| ServiceError::Forbidden(e.to_string()))?;
    Ok(name.to_string())
}

fn snapshot(r: &RoleRow) -> serde_json::Value {
    serde_json::json!({ "name": r.name, "permissions": r.permissions })
}

pub async fn create(
    tx: Tx<'_>,
    actor: &Actor,
    owner: &RoleOwner,
    name: &str,
    permissions: &PermissionSet,
) -> Result<RoleRow, ServiceError> {
    check_owner(actor, owner)?;
    let name = check_fields(actor, owner, name, permissions)?;
    if roles::by_name_tx(&mut *tx, owner.key(), &name).await?.is_some() {
        return Err(ServiceError::AlreadyExists { what: "role", name });
    }
    let now = now_ms();
    let row = RoleRow {
        id: new_id("role"),
        owner: owner.key().to_string(),
        name,
        scope: owner.scope().code().to_string(),
        builtin: 0,
        permissions: permissions.to_codes(),
        created_at: now,
        updated_at: now,
    };
    roles::insert(&mut *tx, &row).await?;
    audit::record(
        &mut *tx,
        actor,
        Change::new("role.create", "role", &row.id)
            .merchant(owner.merchant_id())
            .after(snapshot(&row)),
    )
    .await?;
    Ok(row)
}

/// A custom role of `owner` (built-in roles cannot be changed).
async fn custom(tx: Tx<'_>, actor: &Actor, owner: &RoleOwner, id: &str) -> Result<RoleRow, ServiceError> {
    check_owner(actor, owner)?;
    let role = roles::get_tx(&mut *tx, id)
        .await?
        .ok_or(ServiceError::NotFound("role"))?;
    if role.owner != owner.key() {
        return Err(ServiceError::NotFound("role"));
    }
    if role.builtin == 1 {
        return Err(ServiceError::InvalidRequest("built-in roles cannot be changed".into()));
    }
    Ok(role)
}

pub async fn update(
    tx: Tx<'_>,
    actor: &Actor,
    owner: &RoleOwner,
    id: &str,
    name: &str,
    permissions: &PermissionSet,
) -> Result<RoleRow, ServiceError> {
    let role = custom(&mut *tx, actor, owner, id).await?;
    let name = check_fields(actor, owner, name, permissions)?;
    if let Some(other) = roles::by_name_tx(&mut *tx, owner.key(), &name).await?
        && other.id != role.id
    {
        return Err(ServiceError::AlreadyExists { what: "role", name });
    }
    roles::update(&mut *tx, &role.id, &name, &permissions.to_codes(), now_ms()).await?;
    let updated = roles::get_tx(&mut *tx, &role.id)
        .await?
        .ok_or(ServiceError::NotFound("role"))?;
    audit::record(
        &mut *tx,
        actor,
        Change::new("role.update", "role", &role.id)
            .merchant(owner.merchant_id())
            .before(snapshot(&role))
            .after(snapshot(&updated)),
    )
    .await?;
    Ok(updated)
}

pub async fn delete(tx: Tx<'_>, actor: &Actor, owner: &RoleOwner, id: &str) -> Result<(), ServiceError> {
    let role = custom(&mut *tx, actor, owner, id).await?;
    let holders = juhe_store::users::holders_of_role_tx(&mut *tx, &role.id).await?;
    if holders > 0 {
        return Err(ServiceError::IllegalState(format!(
            "{holders} user(s) still hold this role"
        )));
    }
    roles::delete(&mut *tx, &role.id).await?;
    audit::record(
        &mut *tx,
        actor,
        Change::new("role.delete", "role", &role.id)
            .merchant(owner.merchant_id())
            .before(snapshot(&role)),
    )
    .await
}
