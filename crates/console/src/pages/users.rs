//! Users and roles, for the platform (its own users) and for a merchant
//! (its merchant and site users): lists, creating and editing users
//! (roles, single grants and denials, disable, unlock, password reset) and
//! custom roles. The rules are the service's; this is the forms.

use crate::auth::{Posted, Signed};
use crate::error::{ConsoleError, Result, form_problem};
use crate::format;
use crate::forms::{checked, opt};
use crate::i18n::{L, Lang};
use crate::layout::{Page, Section, badge, csrf_field, empty, field, form_error};
use crate::notices::{self, Done};
use crate::pages::account::hash_off_thread;
use crate::state::ConsoleState;
use axum::response::{IntoResponse, Redirect, Response};
use juhe_domain::access::{Override, Permission, PermissionSet, ScopeKind, UserScope, holdable};
use juhe_service::identity::permissions::{of_role, overrides_of, scope_of};
use juhe_service::identity::roles::{self as role_service, RoleOwner};
use juhe_service::identity::users::{self as user_service, NewUser, UserUpdate};
use juhe_store::roles::RoleRow;
use juhe_store::users::UserRow;
use maud::html;
use serde::Deserialize;
use zeroize::Zeroizing;

/// Whose users a page is about.
#[derive(Debug, Clone)]
pub enum Realm {
    Platform,
    Merchant { id: String, name: String },
}

impl Realm {
    pub fn base(&self) -> String {
        match self {
            Realm::Platform => "/console/platform/users".into(),
            Realm::Merchant { id, .. } => format!("/console/m/{id}/users"),
        }
    }

    fn owner(&self) -> RoleOwner {
        match self {
            Realm::Platform => RoleOwner::Platform,
            Realm::Merchant { id, .. } => RoleOwner::Merchant(id.clone()),
        }
    }

    fn merchant_id(&self) -> Option<&str> {
        match self {
            Realm::Platform => None,
            Realm::Merchant { id, .. } => Some(id),
        }
    }

    fn page<'a>(&'a self, signed: &'a Signed, title: String) -> Page<'a> {
        match self {
            Realm::Platform => Page::new(signed, title, Section::PlatformUsers),
            Realm::Merchant { id, name } => Page::new(signed, title, Section::MerchantUsers).merchant(id, name),
        }
    }

    /// The permissions that govern viewing and changing this realm's users.
    fn manage_permission(&self) -> Permission {
        match self {
            Realm::Platform => Permission::PlatformUsersManage,
            Realm::Merchant { .. } => Permission::UsersManage,
        }
    }

    fn check_view(&self, signed: &Signed) -> Result<()> {
        let actor = signed.actor();
        match self {
            Realm::Platform => {
                if !actor.is_platform() {
                    return Err(ConsoleError::NotFound);
                }
                actor.require(Permission::PlatformUsersManage)?;
            }
            Realm::Merchant { id, .. } => actor.require_in(Permission::UsersView, id)?,
        }
        Ok(())
    }

    fn scope_kinds(&self) -> &'static [ScopeKind] {
        match self {
            Realm::Platform => &[ScopeKind::Platform],
            Realm::Merchant { .. } => &[ScopeKind::Merchant, ScopeKind::Site],
        }
    }
}

pub fn perm_label(lang: Lang, p: Permission) -> &'static str {
    use Permission::*;
    lang.t(match p {
        PlatformMerchantsView => L::PermPlatformMerchantsView,
        PlatformMerchantsManage => L::PermPlatformMerchantsManage,
        PlatformChannelsView => L::PermPlatformChannelsView,
        PlatformChannelsManage => L::PermPlatformChannelsManage,
        PlatformOperationsView => L::PermPlatformOperationsView,
        PlatformWebhooksResend => L::PermPlatformWebhooksResend,
        PlatformAnnouncementsManage => L::PermPlatformAnnouncementsManage,
        PlatformUsersManage => L::PermPlatformUsersManage,
        DashboardView => L::PermDashboardView,
        PaymentsView => L::PermPaymentsView,
        RefundsCreate => L::PermRefundsCreate,
        CustomersView => L::PermCustomersView,
        SitesView => L::PermSitesView,
        SitesManage => L::PermSitesManage,
        TerminalsManage => L::PermTerminalsManage,
        UsersView => L::PermUsersView,
        UsersManage => L::PermUsersManage,
        ExportsDownload => L::PermExportsDownload,
        WebhooksResend => L::PermWebhooksResend,
        ChannelsView => L::PermChannelsView,
        AuditView => L::PermAuditView,
    })
}

pub fn role_label(lang: Lang, role: &RoleRow) -> String {
    use juhe_domain::access::BuiltinRole::*;
    match juhe_domain::access::BuiltinRole::from_id(&role.id) {
        Some(b) if role.builtin == 1 => lang
            .t(match b {
                PlatformAdmin => L::RolePlatformAdmin,
                PlatformOperations => L::RolePlatformOperations,
                MerchantAdmin => L::RoleMerchantAdmin,
                MerchantFinance => L::RoleMerchantFinance,
                SiteManager => L::RoleSiteManager,
                Cashier => L::RoleCashier,
            })
            .to_string(),
        _ => role.name.clone(),
    }
}

fn scope_label(lang: Lang, kind: ScopeKind) -> &'static str {
    lang.t(match kind {
        ScopeKind::Platform => L::ScopePlatform,
        ScopeKind::Merchant => L::ScopeMerchant,
        ScopeKind::Site => L::ScopeSite,
    })
}

/// Roles a user of this realm may be given: built-in ones for its scopes and the realm's own.
async fn roles_of_realm(state: &ConsoleState, realm: &Realm) -> Result<Vec<RoleRow>> {
    let owner = realm.owner();
    let kinds = realm.scope_kinds();
    Ok(juhe_store::roles::visible_to(state.db.reader(), owner.key())
        .await?
        .into_iter()
        .filter(|r| {
            if r.builtin == 1 {
                ScopeKind::parse(&r.scope).is_some_and(|k| kinds.contains(&k))
            } else {
                r.owner == owner.key()
            }
        })
        .collect())
}

pub async fn list(state: &ConsoleState, signed: &Signed, realm: &Realm, done: &Done) -> Result<Response> {
    realm.check_view(signed)?;
    let lang = signed.lang;
    let t = |l| lang.t(l);
    let users = juhe_store::users::list(state.db.reader(), realm.merchant_id()).await?;
    let roles = roles_of_realm(state, realm).await?;
    let can_manage = signed.actor().can(realm.manage_permission());
    let base = realm.base();
    let now = juhe_store::clock::now_ms();
    let mut user_roles = Vec::with_capacity(users.len());
    for u in &users {
        let ids = juhe_store::users::role_ids(state.db.reader(), &u.id).await?;
        let names: Vec<String> = roles
            .iter()
            .filter(|r| ids.contains(&r.id))
            .map(|r| role_label(lang, r))
            .collect();
        user_roles.push(names.join(", "));
    }
    let body = html! {
        section.card {
            div.card-head {
                h2 { (t(L::Users)) }
                @if can_manage { a.button.primary href={(base) "/new"} { (t(L::NewUser)) } }
            }
            @if users.is_empty() { (empty(lang)) } @else {
                table {
                    thead { tr { th { (t(L::Username)) } th { (t(L::DisplayName)) } th { (t(L::Scope)) } th { (t(L::Roles)) } th { (t(L::Status)) } th {} } }
                    tbody {
                        @for (u, r) in users.iter().zip(&user_roles) {
                            tr {
                                td { code { (u.username) } }
                                td { (u.display_name) }
                                td { (ScopeKind::parse(&u.scope).map(|k| scope_label(lang, k)).unwrap_or("?")) @if let Some(s) = &u.site_id { " · " code { (s) } } }
                                td { (r) }
                                td {
                                    (badge(lang, &u.status))
                                    @if u.locked_until > now { " " span.badge.bad { (t(L::Locked)) } }
                                }
                                td { @if can_manage { a href={(base) "/" (u.id)} { (t(L::Edit)) } } }
                            }
                        }
                    }
                }
            }
        }
        section.card {
            div.card-head {
                h2 { (t(L::Roles)) }
                @if can_manage { a.button.secondary href={(base) "/roles/new"} { (t(L::NewRole)) } }
            }
            table {
                thead { tr { th { (t(L::Name)) } th { (t(L::Kind)) } th { (t(L::Permissions)) } th {} } }
                tbody {
                    @for r in &roles {
                        tr {
                            td { (role_label(lang, r)) }
                            td { @if r.builtin == 1 { (t(L::BuiltIn)) } @else { (t(L::Custom)) } }
                            td.perms { @for p in of_role(r).iter() { span.perm title=(p.code()) { (perm_label(lang, p)) } " " } }
                            td { @if can_manage && r.builtin == 0 { a href={(base) "/roles/" (r.id)} { (t(L::Edit)) } } }
                        }
                    }
                }
            }
        }
    };
    Ok(realm
        .page(signed, t(L::UsersAndRoles).into())
        .notice(done.notice())
        .render(body))
}

#[derive(Debug, Default, Deserialize)]
pub struct UserForm {
    username: Option<String>,
    display_name: Option<String>,
    locale: Option<String>,
    scope: Option<String>,
    site_id: Option<String>,
    password: Option<String>,
    active: Option<String>,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    grant: Vec<String>,
    #[serde(default)]
    deny: Vec<String>,
}

impl UserForm {
    fn overrides(&self) -> Result<Vec<Override>> {
        let mut out = Vec::new();
        for (codes, grant) in [(&self.grant, true), (&self.deny, false)] {
            for c in codes {
                let p =
                    Permission::parse(c).ok_or_else(|| ConsoleError::BadForm(format!("unknown permission {c:?}")))?;
                out.push(if grant { Override::Grant(p) } else { Override::Deny(p) });
            }
        }
        Ok(out)
    }
}

/// The form for a new user (`user` None) or an existing one.
async fn user_form(
    state: &ConsoleState,
    signed: &Signed,
    realm: &Realm,
    user: Option<&UserRow>,
    filled: &UserForm,
    error: Option<String>,
) -> Result<Response> {
    let lang = signed.lang;
    let t = |l| lang.t(l);
    let roles = roles_of_realm(state, realm).await?;
    let sites = match realm.merchant_id() {
        Some(m) => juhe_store::sites::sites_of(state.db.reader(), m).await?,
        None => Vec::new(),
    };
    let (held_roles, overrides) = match user {
        Some(u) => (
            juhe_store::users::role_ids(state.db.reader(), &u.id).await?,
            overrides_of(&juhe_store::users::overrides(state.db.reader(), &u.id).await?),
        ),
        None => (filled.roles.clone(), filled.overrides().unwrap_or_default()),
    };
    let target_kind = user
        .and_then(|u| ScopeKind::parse(&u.scope))
        .or_else(|| filled.scope.as_deref().and_then(ScopeKind::parse))
        .unwrap_or(realm.scope_kinds()[0]);
    let base = realm.base();
    let action = match user {
        Some(u) => format!("{base}/{}", u.id),
        None => format!("{base}/new"),
    };
    let now = juhe_store::clock::now_ms();
    let body = html! {
        (form_error(error.as_deref()))
        form.card method="post" action=(action) {
            (csrf_field(signed))
            div.grid2 {
                div {
                    @if let Some(u) = user {
                        (field(t(L::Username), html! { input type="text" value=(u.username) disabled; }))
                    } @else {
                        (field(t(L::Username), html! { input type="text" name="username" value=(filled.username.as_deref().unwrap_or("")) required pattern="[a-zA-Z0-9._@-]{3,64}" autocomplete="off"; }))
                    }
                    (field(t(L::DisplayName), html! { input type="text" name="display_name" value=(user.map(|u| u.display_name.as_str()).or(filled.display_name.as_deref()).unwrap_or("")) required maxlength="64"; }))
                    (field(t(L::Language), html! {
                        @let current = user.map(|u| u.locale.as_str()).or(filled.locale.as_deref()).unwrap_or("zh-CN");
                        select name="locale" {
                            option value="zh-CN" selected[current == "zh-CN"] { "中文" }
                            option value="en" selected[current == "en"] { "English" }
                        }
                    }))
                    @if user.is_none() {
                        @if realm.scope_kinds().len() > 1 {
                            (field(t(L::Scope), html! {
                                select name="scope" {
                                    @for k in realm.scope_kinds() {
                                        option value=(k.code()) selected[*k == target_kind] { (scope_label(lang, *k)) }
                                    }
                                }
                            }))
                            (field(t(L::SiteForSiteUsers), html! {
                                select name="site_id" {
                                    option value="" { "—" }
                                    @for s in &sites {
                                        option value=(s.id) selected[filled.site_id.as_deref() == Some(s.id.as_str())] { (s.name) }
                                    }
                                }
                            }))
                        } @else {
                            input type="hidden" name="scope" value=(target_kind.code());
                        }
                        (field(t(L::InitialPassword), html! { input type="password" name="password" required minlength="10" autocomplete="new-password"; }))
                        p.hint { (t(L::PasswordRules)) }
                    } @else if let Some(u) = user {
                        label.check { input type="checkbox" name="active" checked[u.status == "active"]; (t(L::Active)) }
                        @if u.locked_until > now { p { span.badge.bad { (t(L::Locked)) } } }
                    }
                }
                div {
                    fieldset {
                        legend { (t(L::Roles)) }
                        @for r in &roles {
                            label.check {
                                input type="checkbox" name="roles" value=(r.id) checked[held_roles.contains(&r.id)];
                                (role_label(lang, r))
                                @if r.builtin == 1 { " " span.muted { "(" (scope_label(lang, ScopeKind::parse(&r.scope).unwrap_or(ScopeKind::Merchant))) ")" } }
                            }
                        }
                    }
                }
            }
            details.overrides open[!overrides.is_empty()] {
                summary { (t(L::SinglePermissions)) }
                p.hint { (t(L::SinglePermissionsHint)) }
                table {
                    thead { tr { th { (t(L::Permission)) } th { (t(L::Grant)) } th { (t(L::Deny)) } } }
                    tbody {
                        @for p in Permission::ALL.iter().filter(|p| holdable(target_kind, **p)) {
                            tr {
                                td { (perm_label(lang, *p)) " " code.muted { (p.code()) } }
                                td { input type="checkbox" name="grant" value=(p.code()) checked[overrides.contains(&Override::Grant(*p))]; }
                                td { input type="checkbox" name="deny" value=(p.code()) checked[overrides.contains(&Override::Deny(*p))]; }
                            }
                        }
                    }
                }
            }
            div.actions {
                button.primary type="submit" { (t(L::Save)) }
                a.button.secondary href=(base) { (t(L::Cancel)) }
            }
        }
        @if let Some(u) = user {
            div.grid2 {
                form.card method="post" action={(base) "/" (u.id) "/password"} {
                    h2 { (t(L::ResetPassword)) }
                    (csrf_field(signed))
                    (field(t(L::NewPassword), html! { input type="password" name="password" required minlength="10" autocomplete="new-password"; }))
                    p.hint { (t(L::ResetPasswordHint)) }
                    button type="submit" { (t(L::ResetPassword)) }
                }
                @if u.locked_until > now {
                    form.card method="post" action={(base) "/" (u.id) "/unlock"} {
                        h2 { (t(L::Unlock)) }
                        (csrf_field(signed))
                        p { (t(L::LockedUntil)) " " (format::time(u.locked_until, state.offset_ms())) }
                        button type="submit" { (t(L::Unlock)) }
                    }
                }
            }
        }
    };
    let title = match user {
        Some(u) => format!("{} · {}", t(L::EditUser), u.username),
        None => t(L::NewUser).to_string(),
    };
    let mut response = realm.page(signed, title).render(body);
    if error.is_some() {
        *response.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    Ok(response)
}

pub async fn new_form(state: &ConsoleState, signed: &Signed, realm: &Realm) -> Result<Response> {
    realm.check_view(signed)?;
    signed.actor().require(realm.manage_permission())?;
    user_form(state, signed, realm, None, &UserForm::default(), None).await
}

pub async fn create(state: &ConsoleState, posted: Posted<UserForm>, realm: &Realm) -> Result<Response> {
    let Posted { signed, form } = posted;
    realm.check_view(&signed)?;
    match create_user(state, &signed, realm, &form).await {
        Ok(_) => Ok(Redirect::to(&notices::with(&realm.base(), "created")).into_response()),
        Err(e) => match form_problem(signed.lang, &e) {
            Some(problem) => user_form(state, &signed, realm, None, &form, Some(problem)).await,
            None => Err(e),
        },
    }
}

async fn create_user(state: &ConsoleState, signed: &Signed, realm: &Realm, form: &UserForm) -> Result<UserRow> {
    let kind = form
        .scope
        .as_deref()
        .and_then(ScopeKind::parse)
        .filter(|k| realm.scope_kinds().contains(k))
        .ok_or_else(|| ConsoleError::BadForm("choose the user's scope".into()))?;
    let scope = match (kind, realm.merchant_id()) {
        (ScopeKind::Platform, _) => UserScope::Platform,
        (ScopeKind::Merchant, Some(m)) => UserScope::Merchant { merchant_id: m.into() },
        (ScopeKind::Site, Some(m)) => UserScope::Site {
            merchant_id: m.into(),
            site_id: opt(&form.site_id).ok_or_else(|| ConsoleError::BadForm("a site user needs a site".into()))?,
        },
        _ => return Err(ConsoleError::BadForm("choose the user's scope".into())),
    };
    let username = opt(&form.username).unwrap_or_default();
    let password = Zeroizing::new(form.password.clone().unwrap_or_default());
    juhe_domain::login::check_password(&username, &password).map_err(|e| ConsoleError::BadForm(e.to_string()))?;
    let new = NewUser {
        username,
        display_name: opt(&form.display_name).unwrap_or_default(),
        scope,
        password_hash: hash_off_thread(password).await?,
        locale: opt(&form.locale).unwrap_or_else(|| "zh-CN".into()),
        role_ids: form.roles.clone(),
        overrides: form.overrides()?,
    };
    let actor = signed.actor().clone();
    let new = std::sync::Arc::new(new);
    Ok(state
        .db
        .write(move |tx| {
            let (actor, new) = (actor.clone(), new.clone());
            Box::pin(async move { user_service::create(tx, &actor, &new).await })
        })
        .await?)
}

/// A user of this realm (another realm's users are not found).
async fn user_of_realm(state: &ConsoleState, realm: &Realm, id: &str) -> Result<UserRow> {
    let user = juhe_store::users::get(state.db.reader(), id)
        .await?
        .ok_or(ConsoleError::NotFound)?;
    if user.merchant_id.as_deref() != realm.merchant_id() {
        return Err(ConsoleError::NotFound);
    }
    Ok(user)
}

pub async fn edit_form(state: &ConsoleState, signed: &Signed, realm: &Realm, id: &str) -> Result<Response> {
    realm.check_view(signed)?;
    signed.actor().require(realm.manage_permission())?;
    let user = user_of_realm(state, realm, id).await?;
    let scope = scope_of(&user)?;
    if !signed.actor().scope.encloses(&scope) {
        return Err(ConsoleError::NotFound);
    }
    user_form(state, signed, realm, Some(&user), &UserForm::default(), None).await
}

pub async fn update(state: &ConsoleState, posted: Posted<UserForm>, realm: &Realm, id: &str) -> Result<Response> {
    let Posted { signed, form } = posted;
    realm.check_view(&signed)?;
    let user = user_of_realm(state, realm, id).await?;
    let result = async {
        let up = UserUpdate {
            display_name: opt(&form.display_name).unwrap_or_default(),
            locale: opt(&form.locale).unwrap_or_else(|| "zh-CN".into()),
            active: checked(&form.active),
            role_ids: form.roles.clone(),
            overrides: form.overrides()?,
        };
        let (actor, id, up) = (signed.actor().clone(), user.id.clone(), std::sync::Arc::new(up));
        state
            .db
            .write(move |tx| {
                let (actor, id, up) = (actor.clone(), id.clone(), up.clone());
                Box::pin(async move { user_service::update(tx, &actor, &id, &up).await })
            })
            .await
            .map_err(ConsoleError::from)
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&notices::with(&realm.base(), "saved")).into_response()),
        Err(e) => match form_problem(signed.lang, &e) {
            Some(problem) => user_form(state, &signed, realm, Some(&user), &form, Some(problem)).await,
            None => Err(e),
        },
    }
}

#[derive(Debug, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
}

pub async fn reset_password(
    state: &ConsoleState,
    posted: Posted<ResetForm>,
    realm: &Realm,
    id: &str,
) -> Result<Response> {
    let Posted { signed, form } = posted;
    realm.check_view(&signed)?;
    let user = user_of_realm(state, realm, id).await?;
    let password = Zeroizing::new(form.password);
    if let Err(e) = juhe_domain::login::check_password(&user.username, &password) {
        let problem = format!("{} ({e})", signed.lang.t(L::ErrPasswordRules));
        return user_form(state, &signed, realm, Some(&user), &UserForm::default(), Some(problem)).await;
    }
    let hash = hash_off_thread(password).await?;
    let (actor, uid) = (signed.actor().clone(), user.id.clone());
    state
        .db
        .write(move |tx| {
            let (actor, uid, hash) = (actor.clone(), uid.clone(), hash.clone());
            Box::pin(async move { user_service::reset_password(tx, &actor, &uid, &hash).await })
        })
        .await?;
    Ok(Redirect::to(&notices::with(&realm.base(), "saved")).into_response())
}

pub async fn unlock(state: &ConsoleState, signed: &Signed, realm: &Realm, id: &str) -> Result<Response> {
    realm.check_view(signed)?;
    let user = user_of_realm(state, realm, id).await?;
    let (actor, uid) = (signed.actor().clone(), user.id.clone());
    state
        .db
        .write(move |tx| {
            let (actor, uid) = (actor.clone(), uid.clone());
            Box::pin(async move { user_service::unlock(tx, &actor, &uid).await })
        })
        .await?;
    Ok(Redirect::to(&notices::with(&realm.base(), "unlocked")).into_response())
}

// --- roles ---------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
pub struct RoleForm {
    name: Option<String>,
    #[serde(default)]
    permissions: Vec<String>,
    delete: Option<String>,
}

fn role_form(
    signed: &Signed,
    realm: &Realm,
    role: Option<&RoleRow>,
    filled: &RoleForm,
    error: Option<String>,
) -> Response {
    let lang = signed.lang;
    let t = |l| lang.t(l);
    let base = realm.base();
    let kind = realm.scope_kinds()[0];
    let chosen: PermissionSet = match role {
        Some(r) if filled.name.is_none() => of_role(r),
        _ => filled.permissions.iter().filter_map(|c| Permission::parse(c)).collect(),
    };
    let action = match role {
        Some(r) => format!("{base}/roles/{}", r.id),
        None => format!("{base}/roles/new"),
    };
    let body = html! {
        (form_error(error.as_deref()))
        form.card method="post" action=(action) {
            (csrf_field(signed))
            (field(t(L::Name), html! { input type="text" name="name" required maxlength="64" value=(filled.name.as_deref().or(role.map(|r| r.name.as_str())).unwrap_or("")); }))
            fieldset {
                legend { (t(L::Permissions)) }
                p.hint { (t(L::RolePermissionsHint)) }
                div.checks {
                    @for p in Permission::ALL.iter().filter(|p| holdable(kind, **p) && signed.actor().can(**p)) {
                        label.check {
                            input type="checkbox" name="permissions" value=(p.code()) checked[chosen.has(*p)];
                            (perm_label(lang, *p))
                        }
                    }
                }
            }
            div.actions {
                button.primary type="submit" { (t(L::Save)) }
                a.button.secondary href=(base) { (t(L::Cancel)) }
            }
        }
        @if let Some(r) = role {
            form.card method="post" action={(base) "/roles/" (r.id)} data-confirm=(t(L::ConfirmDelete)) {
                (csrf_field(signed))
                input type="hidden" name="delete" value="1";
                button.danger type="submit" { (t(L::DeleteRole)) }
            }
        }
    };
    let title = match role {
        Some(r) => format!("{} · {}", t(L::EditRole), r.name),
        None => t(L::NewRole).to_string(),
    };
    let mut response = realm.page(signed, title).render(body);
    if error.is_some() {
        *response.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    response
}

pub async fn new_role_form(signed: &Signed, realm: &Realm) -> Result<Response> {
    realm.check_view(signed)?;
    signed.actor().require(realm.manage_permission())?;
    Ok(role_form(signed, realm, None, &RoleForm::default(), None))
}

fn permissions_of(form: &RoleForm) -> Result<PermissionSet> {
    form.permissions
        .iter()
        .map(|c| Permission::parse(c).ok_or_else(|| ConsoleError::BadForm(format!("unknown permission {c:?}"))))
        .collect()
}

pub async fn create_role(state: &ConsoleState, posted: Posted<RoleForm>, realm: &Realm) -> Result<Response> {
    let Posted { signed, form } = posted;
    realm.check_view(&signed)?;
    let result = async {
        let perms = permissions_of(&form)?;
        let (actor, owner, name) = (
            signed.actor().clone(),
            realm.owner(),
            opt(&form.name).unwrap_or_default(),
        );
        state
            .db
            .write(move |tx| {
                let (actor, owner, name, perms) = (actor.clone(), owner.clone(), name.clone(), perms.clone());
                Box::pin(async move { role_service::create(tx, &actor, &owner, &name, &perms).await })
            })
            .await
            .map_err(ConsoleError::from)
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&notices::with(&realm.base(), "created")).into_response()),
        Err(e) => match form_problem(signed.lang, &e) {
            Some(problem) => Ok(role_form(&signed, realm, None, &form, Some(problem))),
            None => Err(e),
        },
    }
}

async fn role_of_realm(state: &ConsoleState, realm: &Realm, id: &str) -> Result<RoleRow> {
    let role = juhe_store::roles::get(state.db.reader(), id)
        .await?
        .ok_or(ConsoleError::NotFound)?;
    if role.owner != realm.owner().key() || role.builtin == 1 {
        return Err(ConsoleError::NotFound);
    }
    Ok(role)
}

pub async fn edit_role_form(state: &ConsoleState, signed: &Signed, realm: &Realm, id: &str) -> Result<Response> {
    realm.check_view(signed)?;
    signed.actor().require(realm.manage_permission())?;
    let role = role_of_realm(state, realm, id).await?;
    Ok(role_form(signed, realm, Some(&role), &RoleForm::default(), None))
}

pub async fn update_role(state: &ConsoleState, posted: Posted<RoleForm>, realm: &Realm, id: &str) -> Result<Response> {
    let Posted { signed, form } = posted;
    realm.check_view(&signed)?;
    let role = role_of_realm(state, realm, id).await?;
    let deleting = checked(&form.delete);
    let result = async {
        let perms = permissions_of(&form)?;
        let (actor, owner, rid, name) = (
            signed.actor().clone(),
            realm.owner(),
            role.id.clone(),
            opt(&form.name).unwrap_or_default(),
        );
        state
            .db
            .write(move |tx| {
                let (actor, owner, rid, name, perms) =
                    (actor.clone(), owner.clone(), rid.clone(), name.clone(), perms.clone());
                Box::pin(async move {
                    if deleting {
                        role_service::delete(tx, &actor, &owner, &rid).await
                    } else {
                        role_service::update(tx, &actor, &owner, &rid, &name, &perms)
                            .await
                            .map(|_| ())
                    }
                })
            })
            .await
            .map_err(ConsoleError::from)
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&notices::with(
            &realm.base(),
            if deleting { "deleted" } else { "saved" },
        ))
        .into_response()),
        Err(e) => match form_problem(signed.lang, &e) {
            Some(problem) => Ok(role_form(&signed, realm, Some(&role), &form, Some(problem))),
            None => Err(e),
        },
    }
}
