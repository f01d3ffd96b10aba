//! Webhook deliveries across merchants: the backlog, failures, every
//! attempt of a delivery, and sending one again.

use super::require_platform;
use crate::auth::{Posted, Signed};
use crate::error::{ConsoleError, Result};
use crate::format;
use crate::forms::{opt, query_string};
use crate::i18n::{L, Lang};
use crate::layout::{Page, Section, badge, csrf_field, empty, facts, field, pager};
use crate::notices::{self, Done};
use crate::state::ConsoleState;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use juhe_domain::access::Permission;
use juhe_store::events::{DeliveryFilter, DeliveryListRow};
use maud::{Markup, html};
use serde::Deserialize;

const PAGE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    merchant: Option<String>,
    before: Option<String>,
    done: Option<String>,
}

/// Where a deliveries table sends its resend buttons (none: no buttons).
pub struct Resend<'a> {
    /// `{base}/{delivery id}/resend`
    pub base: &'a str,
    /// The page to come back to afterwards.
    pub back: Option<&'a str>,
}

/// A table of deliveries with resend buttons (shared with the payment page).
pub fn table(
    lang: Lang,
    offset_ms: i64,
    signed: &Signed,
    rows: &[DeliveryListRow],
    resend: Option<Resend<'_>>,
    detail_base: Option<&str>,
) -> Markup {
    let t = |l| lang.t(l);
    html! {
        table {
            thead { tr { th { (t(L::Event)) } th { (t(L::Url)) } th { (t(L::Status)) } th.num { (t(L::Attempts)) } th { (t(L::LastResult)) } th { (t(L::NextAttempt)) } th {} } }
            tbody {
                @for d in rows {
                    tr {
                        td {
                            code { (d.event_type) } br;
                            @if let Some(base) = detail_base { a.muted href={(base) "/" (d.id)} { (d.id) } } @else { span.muted { (d.event_id) } }
                        }
                        td.url { (d.url) }
                        td { (badge(lang, &d.status)) }
                        td.num { (d.attempts) }
                        td { @if let Some(c) = d.last_status_code { "HTTP " (c) } @if let Some(e) = &d.last_error { br; span.muted { (e) } } }
                        td.nowrap { @if d.status == "pending" { (format::time(d.next_attempt_at, offset_ms)) } @else { "—" } }
                        td {
                            @if let (Some(r), true) = (&resend, d.status != "pending") {
                                form.inline method="post" action={(r.base) "/" (d.id) "/resend"} {
                                    (csrf_field(signed))
                                    @if let Some(b) = r.back { input type="hidden" name="back" value=(b); }
                                    button.small type="submit" { (t(L::Resend)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

pub async fn list(State(state): State<ConsoleState>, signed: Signed, Query(q): Query<ListQuery>) -> Result<Response> {
    require_platform(&signed)?;
    signed.actor().require(Permission::PlatformOperationsView)?;
    let lang = signed.lang;
    let t = |l| lang.t(l);
    let status = opt(&q.status).unwrap_or_else(|| "failing".into());
    let filter = DeliveryFilter {
        merchant_id: opt(&q.merchant),
        status: (status != "all").then(|| status.clone()),
        before_id: opt(&q.before),
        limit: PAGE,
    };
    let rows = juhe_store::events::list_deliveries(state.db.reader(), &filter).await?;
    let backlog = juhe_store::events::backlog(state.db.reader(), filter.merchant_id.as_deref()).await?;
    let next = (rows.len() as i64 == PAGE).then(|| {
        format!(
            "/console/platform/webhooks{}",
            query_string(&[
                ("status", Some(&status)),
                ("merchant", q.merchant.as_deref()),
                ("before", rows.last().map(|r| r.id.as_str()))
            ])
        )
    });
    let body = html! {
        div.kpis {
            div.kpi { span.k { (t(L::StPending)) } span.v { (backlog.pending) } }
            div.kpi { span.k { (t(L::Retrying)) } span.v { (backlog.retrying) } }
            div.kpi { span.k { (t(L::StExhausted)) } span.v { (backlog.exhausted) } }
            div.kpi { span.k { (t(L::OldestWaiting)) } span.v.small { (format::opt_time(backlog.oldest_pending_at, state.offset_ms())) } }
        }
        form.filters method="get" action="/console/platform/webhooks" {
            (field(t(L::Status), html! {
                select name="status" {
                    @for (v, l) in [("failing", L::Failing), ("pending", L::StPending), ("exhausted", L::StExhausted), ("delivered", L::StDelivered), ("all", L::All)] {
                        option value=(v) selected[status == v] { (t(l)) }
                    }
                }
            }))
            (field(t(L::Merchant), html! { input type="text" name="merchant" value=(q.merchant.as_deref().unwrap_or("")); }))
            button type="submit" { (t(L::Filter)) }
        }
        section.card {
            @if rows.is_empty() { (empty(lang)) } @else {
                (table(lang, state.offset_ms(), &signed, &rows, Some(Resend { base: "/console/platform/webhooks", back: None }), Some("/console/platform/webhooks")))
            }
            (pager(lang, next))
        }
    };
    Ok(Page::new(&signed, t(L::Webhooks), Section::Webhooks)
        .notice(crate::notices::notice(q.done.as_deref()))
        .render(body))
}

pub async fn detail(
    State(state): State<ConsoleState>,
    signed: Signed,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response> {
    require_platform(&signed)?;
    signed.actor().require(Permission::PlatformOperationsView)?;
    let lang = signed.lang;
    let t = |l| lang.t(l);
    let off = state.offset_ms();
    let d = juhe_store::events::get_delivery(state.db.reader(), &id)
        .await?
        .ok_or(ConsoleError::NotFound)?;
    let attempts = juhe_store::events::attempts_of_delivery(state.db.reader(), &d.id).await?;
    let body = html! {
        section.card {
            (facts(&[
                (t(L::Event).into(), html! { code { (d.event_type) } " " (d.event_id) }),
                (t(L::Merchant).into(), html! { a href={"/console/platform/merchants/" (d.merchant_id)} { (d.merchant_id) } }),
                (t(L::Object).into(), html! { code { (d.object_id) } }),
                (t(L::Url).into(), html! { (d.url) }),
                (t(L::Status).into(), badge(lang, &d.status)),
                (t(L::Created).into(), html! { (format::time(d.created_at, off)) }),
            ]))
            @if d.status != "pending" {
                form method="post" action={"/console/platform/webhooks/" (d.id) "/resend"} {
                    (csrf_field(&signed))
                    button type="submit" { (t(L::Resend)) }
                }
            }
        }
        section.card {
            h2 { (t(L::Attempts)) }
            @if attempts.is_empty() { (empty(lang)) } @else {
                table {
                    thead { tr { th.num { "#" } th { (t(L::Time)) } th.num { (t(L::DurationMs)) } th { (t(L::Result)) } } }
                    tbody {
                        @for a in &attempts {
                            tr {
                                td.num { (a.attempt) }
                                td.nowrap { (format::time(a.started_at, off)) }
                                td.num { (a.duration_ms) }
                                td { @if let Some(c) = a.status_code { "HTTP " (c) " " } (a.error.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(
        Page::new(&signed, format!("{} · {}", t(L::Delivery), d.id), Section::Webhooks)
            .notice(done.notice())
            .render(body),
    )
}

pub async fn resend(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: Posted<serde::de::IgnoredAny>,
) -> Result<Response> {
    let signed = posted.signed;
    require_platform(&signed)?;
    resend_delivery(&state, &signed, &id).await?;
    Ok(Redirect::to(&notices::with("/console/platform/webhooks", "resent")).into_response())
}

/// Queues the delivery again (both consoles).
pub async fn resend_delivery(state: &ConsoleState, signed: &Signed, id: &str) -> Result<()> {
    let (actor, id) = (signed.actor().clone(), id.to_string());
    state
        .db
        .write(move |tx| {
            let (actor, id) = (actor.clone(), id.clone());
            Box::pin(async move { juhe_service::deliveries::resend(tx, &actor, &id).await })
        })
        .await?;
    Ok(())
}
