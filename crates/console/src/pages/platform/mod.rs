//! The platform console: operators of juhe itself.

pub mod announcements;
pub mod apps;
pub mod channels;
pub mod merchants;
pub mod overview;
pub mod webhooks;

use crate::auth::{Posted, Signed};
use crate::error::Result;
use crate::notices::Done;
use crate::pages::audit::{self, AuditQuery};
use crate::pages::users::{self, Realm, ResetForm, RoleForm, UserForm};
use crate::state::ConsoleState;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};

pub fn routes() -> Router<ConsoleState> {
    Router::new()
        .route("/console/platform", get(overview::page))
        .route("/console/platform/merchants", get(merchants::list))
        .route(
            "/console/platform/merchants/new",
            get(merchants::new_form).post(merchants::create),
        )
        .route("/console/platform/merchants/{id}", get(merchants::detail))
        .route(
            "/console/platform/merchants/{id}/edit",
            get(merchants::edit_form).post(merchants::update),
        )
        .route("/console/platform/merchants/{id}/status", post(merchants::set_status))
        .route("/console/platform/merchants/{id}/apps", post(apps::create))
        .route("/console/platform/merchants/{id}/apps/{app}/rotate", post(apps::rotate))
        .route("/console/platform/merchants/{id}/apps/{app}", post(apps::update))
        .route(
            "/console/platform/merchants/{id}/channels/new",
            get(channels::new_form).post(channels::create),
        )
        .route(
            "/console/platform/merchants/{id}/channels/{config}",
            get(channels::edit_form).post(channels::update),
        )
        .route("/console/platform/channels", get(channels::catalogue))
        .route("/console/platform/webhooks", get(webhooks::list))
        .route("/console/platform/webhooks/{id}", get(webhooks::detail))
        .route("/console/platform/webhooks/{id}/resend", post(webhooks::resend))
        .route(
            "/console/platform/announcements",
            get(announcements::list).post(announcements::publish),
        )
        .route(
            "/console/platform/announcements/{id}/withdraw",
            post(announcements::withdraw),
        )
        .route("/console/platform/audit", get(audit_page))
        .route("/console/platform/users", get(users_list))
        .route("/console/platform/users/new", get(user_new).post(user_create))
        .route("/console/platform/users/{id}", get(user_edit).post(user_update))
        .route("/console/platform/users/{id}/password", post(user_password))
        .route("/console/platform/users/{id}/unlock", post(user_unlock))
        .route("/console/platform/users/roles/new", get(role_new).post(role_create))
        .route("/console/platform/users/roles/{id}", get(role_edit).post(role_update))
}

async fn audit_page(State(s): State<ConsoleState>, signed: Signed, Query(q): Query<AuditQuery>) -> Result<Response> {
    audit::list(&s, &signed, None, &q).await
}

async fn users_list(State(s): State<ConsoleState>, signed: Signed, Query(done): Query<Done>) -> Result<Response> {
    users::list(&s, &signed, &Realm::Platform, &done).await
}

async fn user_new(State(s): State<ConsoleState>, signed: Signed) -> Result<Response> {
    users::new_form(&s, &signed, &Realm::Platform).await
}

async fn user_create(State(s): State<ConsoleState>, posted: Posted<UserForm>) -> Result<Response> {
    users::create(&s, posted, &Realm::Platform).await
}

async fn user_edit(State(s): State<ConsoleState>, signed: Signed, Path(id): Path<String>) -> Result<Response> {
    users::edit_form(&s, &signed, &Realm::Platform, &id).await
}

async fn user_update(
    State(s): State<ConsoleState>,
    Path(id): Path<String>,
    posted: Posted<UserForm>,
) -> Result<Response> {
    users::update(&s, posted, &Realm::Platform, &id).await
}

async fn user_password(
    State(s): State<ConsoleState>,
    Path(id): Path<String>,
    posted: Posted<ResetForm>,
) -> Result<Response> {
    users::reset_password(&s, posted, &Realm::Platform, &id).await
}

async fn user_unlock(
    State(s): State<ConsoleState>,
    Path(id): Path<String>,
    posted: Posted<serde::de::IgnoredAny>,
) -> Result<Response> {
    users::unlock(&s, &posted.signed, &Realm::Platform, &id).await
}

async fn role_new(signed: Signed) -> Result<Response> {
    users::new_role_form(&signed, &Realm::Platform).await
}

async fn role_create(State(s): State<ConsoleState>, posted: Posted<RoleForm>) -> Result<Response> {
    users::create_role(&s, posted, &Realm::Platform).await
}

async fn role_edit(State(s): State<ConsoleState>, signed: Signed, Path(id): Path<String>) -> Result<Response> {
    users::edit_role_form(&s, &signed, &Realm::Platform, &id).await
}

async fn role_update(
    State(s): State<ConsoleState>,
    Path(id): Path<String>,
    posted: Posted<RoleForm>,
) -> Result<Response> {
    users::update_role(&s, posted, &Realm::Platform, &id).await
}

/// Platform pages are for platform users; anyone else is told the page does not exist.
pub fn require_platform(signed: &Signed) -> Result<()> {
    if signed.actor().is_platform() {
        Ok(())
    } else {
        Err(crate::error::ConsoleError::NotFound)
    }
}
