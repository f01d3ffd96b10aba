//! The merchant console: one merchant's money, places and people. Platform
//! users reach it from the merchant's page and act with their own
//! permissions; site users see only their site.

pub mod announcements;
pub mod channels;
pub mod customers;
pub mod dashboard;
pub mod payments;
pub mod refund_flow;
pub mod refunds;
pub mod sites;

use crate::auth::{Posted, Signed};
use crate::error::{ConsoleError, Result};
use crate::notices::Done;
use crate::pages::audit::{self, AuditQuery};
use crate::pages::users::{self, Realm, ResetForm, RoleForm, UserForm};
use crate::state::ConsoleState;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use juhe_domain::access::Permission;
use juhe_store::merchants::MerchantRow;

pub fn routes() -> Router<ConsoleState> {
    Router::new()
        .route("/console/m/{mid}", get(dashboard::page))
        .route("/console/m/{mid}/payments", get(payments::list))
        .route("/console/m/{mid}/payments/export", get(payments::export))
        .route("/console/m/{mid}/payments/{id}", get(payments::detail))
        .route(
            "/console/m/{mid}/payments/{id}/refund",
            get(refund_flow::form).post(refund_flow::submit),
        )
        .route("/console/m/{mid}/deliveries/{id}/resend", post(payments::resend))
        .route("/console/m/{mid}/refunds", get(refunds::list))
        .route("/console/m/{mid}/refunds/export", get(refunds::export))
        .route("/console/m/{mid}/refunds/{id}", get(refunds::detail))
        .route("/console/m/{mid}/customers", get(customers::list))
        .route("/console/m/{mid}/customers/{id}", get(customers::detail))
        .route("/console/m/{mid}/sites", get(sites::list))
        .route(
            "/console/m/{mid}/sites/new",
            get(sites::new_site).post(sites::create_site),
        )
        .route(
            "/console/m/{mid}/sites/{id}",
            get(sites::edit_site).post(sites::update_site),
        )
        .route(
            "/console/m/{mid}/terminals/new",
            get(sites::new_terminal).post(sites::create_terminal),
        )
        .route(
            "/console/m/{mid}/terminals/{id}",
            get(sites::edit_terminal).post(sites::update_terminal),
        )
        .route("/console/m/{mid}/channels", get(channels::list))
        .route("/console/m/{mid}/announcements", get(announcements::list))
        .route("/console/m/{mid}/audit", get(audit_page))
        .route("/console/m/{mid}/users", get(users_list))
        .route("/console/m/{mid}/users/new", get(user_new).post(user_create))
        .route("/console/m/{mid}/users/{id}", get(user_edit).post(user_update))
        .route("/console/m/{mid}/users/{id}/password", post(user_password))
        .route("/console/m/{mid}/users/{id}/unlock", post(user_unlock))
        .route("/console/m/{mid}/users/roles/new", get(role_new).post(role_create))
        .route("/console/m/{mid}/users/roles/{id}", get(role_edit).post(role_update))
}

/// The merchant of a merchant-console page, if the user may see it and
/// holds `permission` there. A merchant the user cannot see is not found.
pub async fn load(
    state: &ConsoleState,
    signed: &Signed,
    merchant_id: &str,
    permission: Permission,
) -> Result<MerchantRow> {
    signed.actor().require_in(permission, merchant_id)?;
    juhe_store::merchants::get_merchant(state.db.reader(), merchant_id)
        .await?
        .ok_or(ConsoleError::NotFound)
}

/// The site a user is confined to (site users), for list filters.
pub fn own_site(signed: &Signed) -> Option<String> {
    signed.actor().scope.site_id().map(str::to_string)
}

async fn realm(state: &ConsoleState, signed: &Signed, mid: &str) -> Result<Realm> {
    let m = load(state, signed, mid, Permission::UsersView).await?;
    Ok(Realm::Merchant { id: m.id, name: m.name })
}

async fn realm_unchecked(state: &ConsoleState, mid: &str) -> Result<Realm> {
    let m = juhe_store::merchants::get_merchant(state.db.reader(), mid)
        .await?
        .ok_or(ConsoleError::NotFound)?;
    Ok(Realm::Merchant { id: m.id, name: m.name })
}

async fn audit_page(
    State(s): State<ConsoleState>,
    signed: Signed,
    Path(mid): Path<String>,
    Query(q): Query<AuditQuery>,
) -> Result<Response> {
    let m = load(&s, &signed, &mid, Permission::AuditView).await?;
    audit::list(&s, &signed, Some((&m.id, &m.name)), &q).await
}

async fn users_list(
    State(s): State<ConsoleState>,
    signed: Signed,
    Path(mid): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response> {
    let realm = realm(&s, &signed, &mid).await?;
    users::list(&s, &signed, &realm, &done).await
}

async fn user_new(State(s): State<ConsoleState>, signed: Signed, Path(mid): Path<String>) -> Result<Response> {
    let realm = realm(&s, &signed, &mid).await?;
    users::new_form(&s, &signed, &realm).await
}

async fn user_create(
    State(s): State<ConsoleState>,
    Path(mid): Path<String>,
    posted: Posted<UserForm>,
) -> Result<Response> {
    let realm = realm_unchecked(&s, &mid).await?;
    users::create(&s, posted, &realm).await
}

async fn user_edit(
    State(s): State<ConsoleState>,
    signed: Signed,
    Path((mid, id)): Path<(String, String)>,
) -> Result<Response> {
    let realm = realm(&s, &signed, &mid).await?;
    users::edit_form(&s, &signed, &realm, &id).await
}

async fn user_update(
    State(s): State<ConsoleState>,
    Path((mid, id)): Path<(String, String)>,
    posted: Posted<UserForm>,
) -> Result<Response> {
    let realm = realm_unchecked(&s, &mid).await?;
    users::update(&s, posted, &realm, &id).await
}

async fn user_password(
    State(s): State<ConsoleState>,
    Path((mid, id)): Path<(String, String)>,
    posted: Posted<ResetForm>,
) -> Result<Response> {
    let realm = realm_unchecked(&s, &mid).await?;
    users::reset_password(&s, posted, &realm, &id).await
}

async fn user_unlock(
    State(s): State<ConsoleState>,
    Path((mid, id)): Path<(String, String)>,
    posted: Posted<serde::de::IgnoredAny>,
) -> Result<Response> {
    let realm = realm_unchecked(&s, &mid).await?;
    users::unlock(&s, &posted.signed, &realm, &id).await
}

async fn role_new(State(s): State<ConsoleState>, signed: Signed, Path(mid): Path<String>) -> Result<Response> {
    let realm = realm(&s, &signed, &mid).await?;
    users::new_role_form(&signed, &realm).await
}

async fn role_create(
    State(s): State<ConsoleState>,
    Path(mid): Path<String>,
    posted: Posted<RoleForm>,
) -> Result<Response> {
    let realm = realm_unchecked(&s, &mid).await?;
    users::create_role(&s, posted, &realm).await
}

async fn role_edit(
    State(s): State<ConsoleState>,
    signed: Signed,
    Path((mid, id)): Path<(String, String)>,
) -> Result<Response> {
    let realm = realm(&s, &signed, &mid).await?;
    users::edit_role_form(&s, &signed, &realm, &id).await
}

async fn role_update(
    State(s): State<ConsoleState>,
    Path((mid, id)): Path<(String, String)>,
    posted: Posted<RoleForm>,
) -> Result<Response> {
    let realm = realm_unchecked(&s, &mid).await?;
    users::update_role(&s, posted, &realm, &id).await
}
