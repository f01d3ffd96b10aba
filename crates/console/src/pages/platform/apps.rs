//! A merchant's API apps: create one (its secrets shown once, here and
//! never again), rotate its secret (the old one keeps working for a day),
//! disable or enable it and set its notify URL.

use super::require_platform;
use crate::auth::{Posted, Signed};
use crate::error::{ConsoleError, Result};
use crate::forms::{checked, opt};
use crate::i18n::L;
use crate::layout::{Page, Section, facts};
use crate::notices;
use crate::state::ConsoleState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use juhe_service::merchants as service;
use maud::html;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct NewAppForm {
    name: Option<String>,
    notify_url: Option<String>,
}

/// The page that shows secrets once. It is not cached and not linked again.
fn secrets_page(signed: &Signed, merchant_id: &str, app_id: &str, rows: Vec<(String, String)>) -> Response {
    let lang = signed.lang;
    let t = |l| lang.t(l);
    let body = html! {
        section.card.secret-once {
            p.warning role="alert" { (t(L::SecretsShownOnce)) }
            (facts(&rows.iter().map(|(k, v)| (k.clone(), html! { code.secret data-testid=(k) { (v) } })).collect::<Vec<_>>()))
            p { a.button.primary href={"/console/platform/merchants/" (merchant_id)} { (t(L::SecretsStored)) } }
        }
    };
    Page::new(signed, format!("{} · {app_id}", t(L::AppSecrets)), Section::Merchants).render(body)
}

pub async fn create(
    State(state): State<ConsoleState>,
    Path(mid): Path<String>,
    posted: Posted<NewAppForm>,
) -> Result<Response> {
    let Posted { signed, form } = posted;
    require_platform(&signed)?;
    let (actor, keys, m2) = (signed.actor().clone(), state.keys.clone(), mid.clone());
    let (name, url) = (opt(&form.name).unwrap_or_default(), opt(&form.notify_url));
    let (app, secrets) = state
        .db
        .write(move |tx| {
            let (actor, keys, mid, name, url) = (actor.clone(), keys.clone(), m2.clone(), name.clone(), url.clone());
            Box::pin(async move { service::create_app(tx, &actor, &keys, &mid, &name, url.as_deref()).await })
        })
        .await?;
    Ok(secrets_page(
        &signed,
        &mid,
        &app.id,
        vec![
            ("app_id".into(), app.id.clone()),
            ("app_secret".into(), secrets.app_secret.to_string()),
            ("webhook_secret".into(), secrets.webhook_secret.to_string()),
        ],
    ))
}

pub async fn rotate(
    State(state): State<ConsoleState>,
    Path((mid, app_id)): Path<(String, String)>,
    posted: Posted<serde::de::IgnoredAny>,
) -> Result<Response> {
    let signed = posted.signed;
    require_platform(&signed)?;
    let (actor, keys, m2, a2) = (signed.actor().clone(), state.keys.clone(), mid.clone(), app_id.clone());
    let (app, secret) = state
        .db
        .write(move |tx| {
            let (actor, keys, mid, app) = (actor.clone(), keys.clone(), m2.clone(), a2.clone());
            Box::pin(async move { service::rotate_app_secret(tx, &actor, &keys, &mid, &app).await })
        })
        .await?;
    Ok(secrets_page(
        &signed,
        &mid,
        &app.id,
        vec![
            ("app_id".into(), app.id.clone()),
            ("app_secret".into(), secret.to_string()),
        ],
    ))
}

#[derive(Debug, Deserialize)]
pub struct AppForm {
    active: Option<String>,
    notify_url: Option<String>,
}

pub async fn update(
    State(state): State<ConsoleState>,
    Path((mid, app_id)): Path<(String, String)>,
    posted: Posted<AppForm>,
) -> Result<Response> {
    let Posted { signed, form } = posted;
    require_platform(&signed)?;
    let (actor, m2, a2) = (signed.actor().clone(), mid.clone(), app_id.clone());
    let (active, url) = (checked(&form.active), opt(&form.notify_url));
    state
        .db
        .write(move |tx| {
            let (actor, mid, app, url) = (actor.clone(), m2.clone(), a2.clone(), url.clone());
            Box::pin(async move { service::update_app(tx, &actor, &mid, &app, active, url.as_deref()).await })
        })
        .await
        .map_err(ConsoleError::from)?;
    Ok(Redirect::to(&notices::with(&format!("/console/platform/merchants/{mid}"), "saved")).into_response())
}
