//! A user's effective permissions, from their roles and single overrides
//! as stored.

use crate::error::ServiceError;
use juhe_domain::access::{self, BuiltinRole, Override, Permission, PermissionSet, ScopeKind, UserScope};
use juhe_store::Tx;
use juhe_store::roles::RoleRow;
use juhe_store::users::UserRow;
use sqlx::AnyPool;

/// The permissions a role row carries: built-in roles from code, custom
/// roles from their stored codes.
pub fn of_role(role: &RoleRow) -> PermissionSet {
    match BuiltinRole::from_id(&role.id) {
        Some(b) if role.builtin == 1 => b.permissions().iter().copied().collect(),
        _ => PermissionSet::from_codes(&role.permissions),
    }
}

/// Stored (permission, effect) pairs as overrides; unknown codes are skipped.
pub fn overrides_of(rows: &[(String, String)]) -> Vec<Override> {
    rows.iter()
        .filter_map(|(code, effect)| {
            let p = Permission::parse(code)?;
            match effect.as_str() {
                "grant" => Some(Override::Grant(p)),
                "deny" => Some(Override::Deny(p)),
                _ => None,
            }
        })
        .collect()
}

/// The user's scope as the domain sees it; a row that does not make sense
/// (a site user without a site) is corrupt, not a user.
pub fn scope_of(user: &UserRow) -> Result<UserScope, ServiceError> {
    let corrupt = || {
        ServiceError::Store(juhe_store::StoreError::Corrupt(format!(
            "user {} has a broken scope",
            user.id
        )))
    };
    match ScopeKind::parse(&user.scope).ok_or_else(corrupt)? {
        ScopeKind::Platform => Ok(UserScope::Platform),
        ScopeKind::Merchant => Ok(UserScope::Merchant {
            merchant_id: user.merchant_id.clone().ok_or_else(corrupt)?,
        }),
        ScopeKind::Site => Ok(UserScope::Site {
            merchant_id: user.merchant_id.clone().ok_or_else(corrupt)?,
            site_id: user.site_id.clone().ok_or_else(corrupt)?,
        }),
    }
}

pub async fn effective(pool: &AnyPool, user: &UserRow) -> Result<PermissionSet, ServiceError> {
    let role_ids = juhe_store::users::role_ids(pool, &user.id).await?;
    let roles = juhe_store::roles::many(pool, &role_ids).await?;
    let overrides = juhe_store::users::overrides(pool, &user.id).await?;
    combine(user, &roles, &overrides)
}

pub async fn effective_tx(tx: Tx<'_>, user: &UserRow) -> Result<PermissionSet, ServiceError> {
    let role_ids = juhe_store::users::role_ids_tx(&mut *tx, &user.id).await?;
    let roles = juhe_store::roles::many_tx(&mut *tx, &role_ids).await?;
    let overrides = juhe_store::users::overrides_tx(&mut *tx, &user.id).await?;
    combine(user, &roles, &overrides)
}

fn combine(user: &UserRow, roles: &[RoleRow], overrides: &[(String, String)]) -> Result<PermissionSet, ServiceError> {
    let scope = scope_of(user)?.kind();
    let sets: Vec<PermissionSet> = roles.iter().map(of_role).collect();
    Ok(access::effective(scope, &sets, &overrides_of(overrides)))
}
