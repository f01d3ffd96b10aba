//! Announcements to merchants: publish to all or one, withdraw.

use super::require_platform;
use crate::auth::{Posted, Signed};
use crate::error::Result;
use crate::format;
use crate::forms::opt;
use crate::i18n::L;
use crate::layout::{Page, Section, csrf_field, empty, field};
use crate::notices::{self, Done};
use crate::state::ConsoleState;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use juhe_domain::access::Permission;
use juhe_service::announcements as service;
use maud::html;
use serde::Deserialize;

pub async fn list(State(state): State<ConsoleState>, signed: Signed, Query(done): Query<Done>) -> Result<Response> {
    require_platform(&signed)?;
    signed.actor().require(Permission::PlatformAnnouncementsManage)?;
    let lang = signed.lang;
    let t = |l| lang.t(l);
    let rows = juhe_store::announcements::all(state.db.reader(), 200).await?;
    let off = state.offset_ms();
    let body = html! {
        form.card method="post" action="/console/platform/announcements" {
            h2 { (t(L::NewAnnouncement)) }
            (csrf_field(&signed))
            (field(t(L::Title), html! { input type="text" name="title" required maxlength="120"; }))
            (field(t(L::Message), html! { textarea name="body" rows="4" required maxlength="4000" {} }))
            (field(t(L::AudienceMerchantId), html! { input type="text" name="audience" placeholder=(t(L::AllMerchants)); }))
            button.primary type="submit" { (t(L::Publish)) }
        }
        section.card {
            @if rows.is_empty() { (empty(lang)) } @else {
                table {
                    thead { tr { th { (t(L::Title)) } th { (t(L::Audience)) } th { (t(L::PublishedBy)) } th { (t(L::Time)) } th { (t(L::Status)) } th {} } }
                    tbody {
                        @for a in &rows {
                            tr {
                                td { strong { (a.title) } br; span.muted { (a.body) } }
                                td { @if a.audience == "all" { (t(L::AllMerchants)) } @else { code { (a.audience) } } }
                                td { (a.created_by) }
                                td.nowrap { (format::time(a.created_at, off)) }
                                td { @if a.withdrawn_at.is_some() { span.badge.neutral { (t(L::Withdrawn)) } } @else { span.badge.ok { (t(L::Live)) } } }
                                td { @if a.withdrawn_at.is_none() {
                                    form.inline method="post" action={"/console/platform/announcements/" (a.id) "/withdraw"} data-confirm=(t(L::ConfirmWithdraw)) {
                                        (csrf_field(&signed))
                                        button.small.danger type="submit" { (t(L::Withdraw)) }
                                    }
                                } }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(Page::new(&signed, t(L::Announcements), Section::Announcements)
        .notice(done.notice())
        .render(body))
}

#[derive(Debug, Deserialize)]
pub struct AnnouncementForm {
    title: Option<String>,
    body: Option<String>,
    audience: Option<String>,
}

pub async fn publish(State(state): State<ConsoleState>, posted: Posted<AnnouncementForm>) -> Result<Response> {
    let Posted { signed, form } = posted;
    require_platform(&signed)?;
    let actor = signed.actor().clone();
    let (title, body, audience) = (
        opt(&form.title).unwrap_or_default(),
        opt(&form.body).unwrap_or_default(),
        opt(&form.audience),
    );
    state
        .db
        .write(move |tx| {
            let (actor, title, body, audience) = (actor.clone(), title.clone(), body.clone(), audience.clone());
            Box::pin(async move { service::publish(tx, &actor, &title, &body, audience.as_deref()).await })
        })
        .await?;
    Ok(Redirect::to(&notices::with("/console/platform/announcements", "published")).into_response())
}

pub async fn withdraw(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: Posted<serde::de::IgnoredAny>,
) -> Result<Response> {
    require_platform(&posted.signed)?;
    let actor = posted.signed.actor().clone();
    state
        .db
        .write(move |tx| {
            let (actor, id) = (actor.clone(), id.clone());
            Box::pin(async move { service::withdraw(tx, &actor, &id).await })
        })
        .await?;
    Ok(Redirect::to(&notices::with("/console/platform/announcements", "withdrawn")).into_response())
}
