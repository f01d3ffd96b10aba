//! The person (or platform tool) a console change is made by, with what
//! they may see and do. Every console use case takes one, checks it, and
//! writes it into the audit log.

use crate::error::ServiceError;
use juhe_domain::access::{Permission, PermissionSet, UserScope};

#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: String,
    /// The user name (what the audit log shows).
    pub name: String,
    pub scope: UserScope,
    pub permissions: PermissionSet,
    /// Where the request came from, for the audit log.
    pub ip: Option<String>,
}

impl Actor {
    /// A platform tool acting with every permission: the admin API's
    /// bearer token, the command line. Named in the audit log as such.
    pub fn system(name: &str) -> Actor {
        Actor {
            user_id: format!("system:{name}"),
            name: name.to_string(),
            scope: UserScope::Platform,
            permissions: Permission::ALL.iter().copied().collect(),
            ip: None,
        }
    }

    pub fn can(&self, p: Permission) -> bool {
        self.permissions.has(p)
    }

    pub fn require(&self, p: Permission) -> Result<(), ServiceError> {
        if self.can(p) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden(format!(
                "this needs the permission {}",
                p.code()
            )))
        }
    }

    /// May this actor do `p` to data of `merchant_id`? Data the actor
    /// cannot see at all is *not found* (its existence is not revealed);
    /// visible data without the permission is *forbidden*.
    pub fn require_in(&self, p: Permission, merchant_id: &str) -> Result<(), ServiceError> {
        if !self.scope.sees_merchant(merchant_id) {
            return Err(ServiceError::NotFound("merchant"));
        }
        self.require(p)
    }

    /// As `require_in`, for an object taken at a site (site users see only their own).
    pub fn require_on(
        &self,
        p: Permission,
        what: &'static str,
        merchant_id: &str,
        site_id: Option<&str>,
    ) -> Result<(), ServiceError> {
        if !self.scope.sees(merchant_id, site_id) {
            return Err(ServiceError::NotFound(what));
        }
        self.require(p)
    }

    pub fn is_platform(&self) -> bool {
        matches!(self.scope, UserScope::Platform)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use juhe_domain::access::BuiltinRole;

    fn site_cashier() -> Actor {
        Actor {
            user_id: "usr_1".into(),
            name: "cashier".into(),
            scope: UserScope::Site {
                merchant_id: "m1".into(),
                site_id: "s1".into(),
            },
            permissions: BuiltinRole::Cashier.permissions().iter().copied().collect(),
            ip: None,
        }
    }

    #[test]
    fn invisible_is_not_found_and_visible_without_permission_is_forbidden() {
        let a = site_cashier();
        assert!(
            a.require_on(Permission::PaymentsView, "payment", "m1", Some("s1"))
                .is_ok()
        );
        assert!(matches!(
            a.require_on(Permission::PaymentsView, "payment", "m1", Some("s2")),
            Err(ServiceError::NotFound("payment"))
        ));
        assert!(matches!(
            a.require_in(Permission::PaymentsView, "m2"),
            Err(ServiceError::NotFound(_))
        ));
        assert!(matches!(
            a.require_on(Permission::RefundsCreate, "payment", "m1", Some("s1")),
            Err(ServiceError::Forbidden(_))
        ));
    }

    #[test]
    fn system_actors_hold_everything_on_the_platform() {
        let a = Actor::system("admin-api");
        assert!(a.is_platform());
        assert!(Permission::ALL.iter().all(|p| a.can(*p)));
        assert!(a.require_in(Permission::RefundsCreate, "any").is_ok());
    }
}
