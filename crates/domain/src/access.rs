//! Who may do what in the consoles: permissions, the built-in roles, the
//! scope a user belongs to, and how a user's effective permissions are
//! worked out from roles and single grants and denials.
//!
//! The rules, all pure:
//! - a user belongs to the platform, to one merchant, or to one site of a
//!   merchant ([`UserScope`]); what they can *see* follows from that scope,
//!   what they can *do* from their permissions;
//! - effective permissions = the union of their roles' permissions, plus
//!   single grants, minus single denials (a denial always wins), minus
//!   anything their scope cannot hold (platform permissions are for
//!   platform users only, whatever a role says);
//! - nobody hands out more than they hold: a role or grant someone creates
//!   or assigns must be a subset of their own effective permissions.

use std::collections::BTreeSet;

/// One thing a console user may do. The string form is stored in the
/// database (roles, grants) and never renamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Permission {
    // Platform operations (platform users only).
    PlatformMerchantsView,
    PlatformMerchantsManage,
    PlatformChannelsView,
    PlatformChannelsManage,
    PlatformOperationsView,
    PlatformWebhooksResend,
    PlatformAnnouncementsManage,
    PlatformUsersManage,
    // Inside a merchant (merchant and site users, and platform users acting
    // for a merchant).
    DashboardView,
    PaymentsView,
    RefundsCreate,
    CustomersView,
    SitesView,
    SitesManage,
    TerminalsManage,
    UsersView,
    UsersManage,
    ExportsDownload,
    WebhooksResend,
    ChannelsView,
    AuditView,
}

impl Permission {
    pub const ALL: &'static [Permission] = &[
        Permission::PlatformMerchantsView,
        Permission::PlatformMerchantsManage,
        Permission::PlatformChannelsView,
        Permission::PlatformChannelsManage,
        Permission::PlatformOperationsView,
        Permission::PlatformWebhooksResend,
        Permission::PlatformAnnouncementsManage,
        Permission::PlatformUsersManage,
        Permission::DashboardView,
        Permission::PaymentsView,
        Permission::RefundsCreate,
        Permission::CustomersView,
        Permission::SitesView,
        Permission::SitesManage,
        Permission::TerminalsManage,
        Permission::UsersView,
        Permission::UsersManage,
        Permission::ExportsDownload,
        Permission::WebhooksResend,
        Permission::ChannelsView,
        Permission::AuditView,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Permission::PlatformMerchantsView => "platform.merchants.view",
            Permission::PlatformMerchantsManage => "platform.merchants.manage",
            Permission::PlatformChannelsView => "platform.channels.view",
            Permission::PlatformChannelsManage => "platform.channels.manage",
            Permission::PlatformOperationsView => "platform.operations.view",
            Permission::PlatformWebhooksResend => "platform.webhooks.resend",
            Permission::PlatformAnnouncementsManage => "platform.announcements.manage",
            Permission::PlatformUsersManage => "platform.users.manage",
            Permission::DashboardView => "dashboard.view",
            Permission::PaymentsView => "payments.view",
            Permission::RefundsCreate => "refunds.create",
            Permission::CustomersView => "customers.view",
            Permission::SitesView => "sites.view",
            Permission::SitesManage => "sites.manage",
            Permission::TerminalsManage => "terminals.manage",
            Permission::UsersView => "users.view",
            Permission::UsersManage => "users.manage",
            Permission::ExportsDownload => "exports.download",
            Permission::WebhooksResend => "webhooks.resend",
            Permission::ChannelsView => "channels.view",
            Permission::AuditView => "audit.view",
        }
    }

    pub fn parse(code: &str) -> Option<Permission> {
        Permission::ALL.iter().copied().find(|p| p.code() == code)
    }

    /// Only platform users can hold this permission.
    pub fn is_platform_only(self) -> bool {
        self.code().starts_with("platform.")
    }
}

/// Where a user belongs. A site user is also inside the site's merchant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserScope {
    Platform,
    Merchant { merchant_id: String },
    Site { merchant_id: String, site_id: String },
}

impl UserScope {
    pub fn kind(&self) -> ScopeKind {
        match self {
            UserScope::Platform => ScopeKind::Platform,
            UserScope::Merchant { .. } => ScopeKind::Merchant,
            UserScope::Site { .. } => ScopeKind::Site,
        }
    }

    pub fn merchant_id(&self) -> Option<&str> {
        match self {
            UserScope::Platform => None,
            UserScope::Merchant { merchant_id } | UserScope::Site { merchant_id, .. } => Some(merchant_id),
        }
    }

    pub fn site_id(&self) -> Option<&str> {
        match self {
            UserScope::Site { site_id, .. } => Some(site_id),
            _ => None,
        }
    }

    /// Can this user see data of `merchant_id` at all? (Platform users see
    /// every merchant; permissions then decide what they do there.)
    pub fn sees_merchant(&self, merchant_id: &str) -> bool {
        match self {
            UserScope::Platform => true,
            _ => self.merchant_id() == Some(merchant_id),
        }
    }

    /// Can this user see an object of `merchant_id` taken at `site_id`?
    /// A site user sees only objects of their own site; objects without a
    /// site (API payments) are the merchant's, not any one site's.
    pub fn sees(&self, merchant_id: &str, site_id: Option<&str>) -> bool {
        match self {
            UserScope::Site { site_id: own, .. } => self.sees_merchant(merchant_id) && site_id == Some(own.as_str()),
            _ => self.sees_merchant(merchant_id),
        }
    }

    /// Can a user of this scope manage (create, edit) a user of `other`?
    /// Platform users manage anyone; merchant users their merchant's
    /// merchant and site users; site users nobody.
    pub fn encloses(&self, other: &UserScope) -> bool {
        match self {
            UserScope::Platform => true,
            UserScope::Merchant { merchant_id } => other.merchant_id() == Some(merchant_id.as_str()),
            UserScope::Site { .. } => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ScopeKind {
    Platform,
    Merchant,
    Site,
}

impl ScopeKind {
    pub fn code(self) -> &'static str {
        match self {
            ScopeKind::Platform => "platform",
            ScopeKind::Merchant => "merchant",
            ScopeKind::Site => "site",
        }
    }

    pub fn parse(code: &str) -> Option<ScopeKind> {
        [ScopeKind::Platform, ScopeKind::Merchant, ScopeKind::Site]
            .into_iter()
            .find(|k| k.code() == code)
    }
}

/// The roles juhe ships. Their permission lists live here, in code, so an
/// upgrade that adds a permission reaches every user of the role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BuiltinRole {
    PlatformAdmin,
    PlatformOperations,
    MerchantAdmin,
    MerchantFinance,
    SiteManager,
    Cashier,
}

impl BuiltinRole {
    pub const ALL: &'static [BuiltinRole] = &[
        BuiltinRole::PlatformAdmin,
        BuiltinRole::PlatformOperations,
        BuiltinRole::MerchantAdmin,
        BuiltinRole::MerchantFinance,
        BuiltinRole::SiteManager,
        BuiltinRole::Cashier,
    ];

    /// The role's id in the `roles` table (stable).
    pub fn id(self) -> &'static str {
        match self {
            BuiltinRole::PlatformAdmin => "role_platform_admin",
            BuiltinRole::PlatformOperations => "role_platform_operations",
            BuiltinRole::MerchantAdmin => "role_merchant_admin",
            BuiltinRole::MerchantFinance => "role_merchant_finance",
            BuiltinRole::SiteManager => "role_site_manager",
            BuiltinRole::Cashier => "role_cashier",
        }
    }

    pub fn from_id(id: &str) -> Option<BuiltinRole> {
        BuiltinRole::ALL.iter().copied().find(|r| r.id() == id)
    }

    /// The scopes whose users may hold this role.
    pub fn scopes(self) -> &'static [ScopeKind] {
        match self {
            BuiltinRole::PlatformAdmin | BuiltinRole::PlatformOperations => &[ScopeKind::Platform],
            BuiltinRole::MerchantAdmin | BuiltinRole::MerchantFinance => &[ScopeKind::Merchant],
            BuiltinRole::SiteManager | BuiltinRole::Cashier => &[ScopeKind::Site],
        }
    }

    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            BuiltinRole::PlatformAdmin => Permission::ALL,
            BuiltinRole::PlatformOperations => &[
                PlatformMerchantsView,
                PlatformChannelsView,
                PlatformChannelsManage,
                PlatformOperationsView,
                PlatformWebhooksResend,
                PlatformAnnouncementsManage,
                DashboardView,
                PaymentsView,
                CustomersView,
                SitesView,
                ChannelsView,
                WebhooksResend,
                AuditView,
            ],
            BuiltinRole::MerchantAdmin => &[
                DashboardView,
                PaymentsView,
                RefundsCreate,
                CustomersView,
                SitesView,
                SitesManage,
                TerminalsManage,
                UsersView,
                UsersManage,
                ExportsDownload,
                WebhooksResend,
                ChannelsView,
                AuditView,
            ],
            BuiltinRole::MerchantFinance => &[
                DashboardView,
                PaymentsView,
                RefundsCreate,
                CustomersView,
                SitesView,
                ExportsDownload,
                ChannelsView,
            ],
            BuiltinRole::SiteManager => &[DashboardView, PaymentsView, SitesView, TerminalsManage, UsersView],
            BuiltinRole::Cashier => &[PaymentsView],
        }
    }
}

/// A set of permissions (ordered, so it prints and stores the same way).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PermissionSet(BTreeSet<Permission>);

impl PermissionSet {
    pub fn new() -> PermissionSet {
        PermissionSet::default()
    }

    pub fn has(&self, p: Permission) -> bool {
        self.0.contains(&p)
    }

    pub fn insert(&mut self, p: Permission) {
        self.0.insert(p);
    }

    pub fn remove(&mut self, p: Permission) {
        self.0.remove(&p);
    }

    pub fn iter(&self) -> impl Iterator<Item = Permission> + '_ {
        self.0.iter().copied()
    }

    pub fn is_subset(&self, other: &PermissionSet) -> bool {
        self.0.is_subset(&other.0)
    }

    /// Space-separated codes, the form kept in the database.
    pub fn to_codes(&self) -> String {
        self.iter().map(Permission::code).collect::<Vec<_>>().join(" ")
    }

    /// Reads stored codes; codes this build does not know are skipped (a
    /// newer node may have written them) rather than failing a login.
    pub fn from_codes(codes: &str) -> PermissionSet {
        codes.split_whitespace().filter_map(Permission::parse).collect()
    }
}

impl FromIterator<Permission> for PermissionSet {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> PermissionSet {
        PermissionSet(iter.into_iter().collect())
    }
}

/// A single permission granted to or denied from one user, on top of roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Override {
    Grant(Permission),
    Deny(Permission),
}

/// What `scope` can hold at all.
pub fn holdable(scope: ScopeKind, p: Permission) -> bool {
    scope == ScopeKind::Platform || !p.is_platform_only()
}

/// The effective permissions of a user: roles ∪ grants − denials, limited
/// to what the scope can hold.
pub fn effective(scope: ScopeKind, roles: &[PermissionSet], overrides: &[Override]) -> PermissionSet {
    let mut set: PermissionSet = roles.iter().flat_map(PermissionSet::iter).collect();
    for o in overrides {
        if let Override::Grant(p) = o {
            set.insert(*p);
        }
    }
    for o in overrides {
        if let Override::Deny(p) = o {
            set.remove(*p);
        }
    }
    set.iter().filter(|p| holdable(scope, *p)).collect()
}

/// Why a change to roles or grants is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    #[error("you cannot hand out {0}, which you do not hold yourself")]
    Escalation(&'static str),
    #[error("{0} is for platform users only")]
    PlatformOnly(&'static str),
    #[error("this role is for {0} users")]
    WrongScope(&'static str),
}

/// May someone holding `actor` create or assign something that carries
/// `wanted` for a user of `target` scope?
pub fn check_delegation(actor: &PermissionSet, target: ScopeKind, wanted: &PermissionSet) -> Result<(), AccessError> {
    for p in wanted.iter() {
        if !holdable(target, p) {
            return Err(AccessError::PlatformOnly(p.code()));
        }
        if !actor.has(p) {
            return Err(AccessError::Escalation(p.code()));
        }
    }
    Ok(())
}

/// A built-in role may only go to users of the scopes it is made for.
pub fn check_builtin_scope(role: BuiltinRole, target: ScopeKind) -> Result<(), AccessError> {
    if role.scopes().contains(&target) {
        Ok(())
    } else {
        Err(AccessError::WrongScope(
            role.scopes().first().map(|s| s.code()).unwrap_or("other"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn set(ps: &[Permission]) -> PermissionSet {
        ps.iter().copied().collect()
    }

    #[test]
    fn codes_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.code()), Some(*p));
            assert!(seen.insert(p.code()), "duplicate code {}", p.code());
        }
        assert_eq!(Permission::parse("payments.delete"), None);
    }

    #[test]
    fn stored_codes_round_trip_and_unknown_codes_are_skipped() {
        let s = set(&[Permission::PaymentsView, Permission::RefundsCreate]);
        assert_eq!(PermissionSet::from_codes(&s.to_codes()), s);
        assert_eq!(
            PermissionSet::from_codes("payments.view  from.the.future"),
            set(&[Permission::PaymentsView])
        );
    }

    #[test]
    fn built_in_roles_only_carry_what_their_scopes_can_hold() {
        for role in BuiltinRole::ALL {
            for scope in role.scopes() {
                for p in role.permissions() {
                    assert!(holdable(*scope, *p), "{role:?} carries {p:?} its scope cannot hold");
                }
            }
            assert_eq!(BuiltinRole::from_id(role.id()), Some(*role));
        }
    }

    #[test]
    fn a_cashier_holds_no_finance_permission() {
        let cashier = set(BuiltinRole::Cashier.permissions());
        assert!(cashier.has(Permission::PaymentsView));
        for p in [
            Permission::RefundsCreate,
            Permission::ExportsDownload,
            Permission::DashboardView,
        ] {
            assert!(!cashier.has(p));
        }
    }

    #[test]
    fn a_denial_wins_over_a_role_and_a_grant() {
        let roles = [set(BuiltinRole::MerchantFinance.permissions())];
        let eff = effective(
            ScopeKind::Merchant,
            &roles,
            &[
                Override::Grant(Permission::RefundsCreate),
                Override::Deny(Permission::RefundsCreate),
            ],
        );
        assert!(!eff.has(Permission::RefundsCreate));
        assert!(eff.has(Permission::PaymentsView));
    }

    #[test]
    fn merchant_users_never_hold_platform_permissions() {
        let roles = [set(BuiltinRole::PlatformAdmin.permissions())];
        let eff = effective(
            ScopeKind::Merchant,
            &roles,
            &[Override::Grant(Permission::PlatformUsersManage)],
        );
        assert!(eff.iter().all(|p| !p.is_platform_only()));
        assert!(eff.has(Permission::PaymentsView));
    }

    #[test]
    fn delegation_refuses_escalation_and_platform_permissions_for_merchants() {
        let admin = set(BuiltinRole::MerchantAdmin.permissions());
        assert_eq!(
            check_delegation(&admin, ScopeKind::Site, &set(&[Permission::PaymentsView])),
            Ok(())
        );
        assert_eq!(
            check_delegation(&admin, ScopeKind::Merchant, &set(&[Permission::PlatformMerchantsView])),
            Err(AccessError::PlatformOnly("platform.merchants.view"))
        );
        let finance = set(BuiltinRole::MerchantFinance.permissions());
        assert_eq!(
            check_delegation(&finance, ScopeKind::Merchant, &set(&[Permission::UsersManage])),
            Err(AccessError::Escalation("users.manage"))
        );
    }

    #[test]
    fn built_in_roles_go_to_their_own_scopes_only() {
        assert!(check_builtin_scope(BuiltinRole::Cashier, ScopeKind::Site).is_ok());
        assert!(check_builtin_scope(BuiltinRole::PlatformAdmin, ScopeKind::Merchant).is_err());
        assert!(check_builtin_scope(BuiltinRole::MerchantAdmin, ScopeKind::Platform).is_err());
    }

    #[test]
    fn scopes_see_what_they_should() {
        let platform = UserScope::Platform;
        let merchant = UserScope::Merchant {
            merchant_id: "m1".into(),
        };
        let site = UserScope::Site {
            merchant_id: "m1".into(),
            site_id: "s1".into(),
        };
        assert!(platform.sees("m2", None));
        assert!(merchant.sees("m1", Some("s2")) && merchant.sees("m1", None));
        assert!(!merchant.sees("m2", None));
        assert!(site.sees("m1", Some("s1")));
        assert!(!site.sees("m1", Some("s2")) && !site.sees("m1", None) && !site.sees("m2", Some("s1")));
        assert!(platform.encloses(&site) && merchant.encloses(&site));
        assert!(!merchant.encloses(&UserScope::Platform));
        assert!(!merchant.encloses(&UserScope::Merchant {
            merchant_id: "m2".into()
        }));
        assert!(!site.encloses(&site));
    }

    fn any_permission() -> impl Strategy<Value = Permission> {
        proptest::sample::select(Permission::ALL.to_vec())
    }

    fn any_override() -> impl Strategy<Value = Override> {
        (any_permission(), any::<bool>()).prop_map(|(p, g)| if g { Override::Grant(p) } else { Override::Deny(p) })
    }

    fn any_scope() -> impl Strategy<Value = ScopeKind> {
        proptest::sample::select(vec![ScopeKind::Platform, ScopeKind::Merchant, ScopeKind::Site])
    }

    proptest! {
        #[test]
        fn effective_permissions_obey_every_rule(
            scope in any_scope(),
            roles in proptest::collection::vec(proptest::collection::vec(any_permission(), 0..8), 0..4),
            overrides in proptest::collection::vec(any_override(), 0..10),
        ) {
            let roles: Vec<PermissionSet> = roles.iter().map(|r| set(r)).collect();
            let eff = effective(scope, &roles, &overrides);
            for p in eff.iter() {
                // Nothing denied survives, nothing unholdable appears, and
                // everything comes from a role or a grant.
                prop_assert!(!overrides.contains(&Override::Deny(p)));
                prop_assert!(holdable(scope, p));
                prop_assert!(roles.iter().any(|r| r.has(p)) || overrides.contains(&Override::Grant(p)));
            }
            // Everything a role or grant gives, not denied and holdable, is there.
            for p in Permission::ALL {
                let given = roles.iter().any(|r| r.has(*p)) || overrides.contains(&Override::Grant(*p));
                if given && !overrides.contains(&Override::Deny(*p)) && holdable(scope, *p) {
                    prop_assert!(eff.has(*p));
                }
            }
        }

        #[test]
        fn delegation_never_hands_out_more_than_the_actor_holds(
            actor in proptest::collection::vec(any_permission(), 0..12),
            wanted in proptest::collection::vec(any_permission(), 0..6),
            target in any_scope(),
        ) {
            let (actor, wanted) = (set(&actor), set(&wanted));
            if check_delegation(&actor, target, &wanted).is_ok() {
                prop_assert!(wanted.is_subset(&actor));
                prop_assert!(wanted.iter().all(|p| holdable(target, p)));
            }
        }
    }
}
