//! Merchants, as the platform manages them: list and search, create,
//! edit, suspend and reactivate; the detail page gathers the merchant's
//! apps, sites and terminals and channel configurations.

use super::require_platform;
use crate::auth::{Posted, Signed};
use crate::error::{ConsoleError, Result, form_problem};
use crate::format;
use crate::forms::{checked, opt};
use crate::i18n::L;
use crate::layout::{Page, Section, badge, csrf_field, empty, facts, field, form_error};
use crate::notices::{self, Done};
use crate::state::ConsoleState;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use juhe_domain::access::Permission;
use juhe_service::merchants::{self as service, MerchantInput};
use juhe_store::merchants::MerchantRow;
use maud::html;
use serde::Deserialize;
use std::sync::Arc;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    done: Option<String>,
}

pub async fn list(State(state): State<ConsoleState>, signed: Signed, Query(q): Query<ListQuery>) -> Result<Response> {
    require_platform(&signed)?;
    signed.actor().require(Permission::PlatformMerchantsView)?;
    let lang = signed.lang;
    let t = |l| lang.t(l);
    let rows = juhe_store::merchants::list_merchants(state.db.reader(), opt(&q.q).as_deref()).await?;
    let can_manage = signed.actor().can(Permission::PlatformMerchantsManage);
    let body = html! {
        div.toolbar {
            form.filters method="get" action="/console/platform/merchants" {
                (field(t(L::Search), html! { input type="search" name="q" value=(q.q.as_deref().unwrap_or("")); }))
                button type="submit" { (t(L::Filter)) }
            }
            @if can_manage { a.button.primary href="/console/platform/merchants/new" { (t(L::NewMerchant)) } }
        }
        section.card {
            @if rows.is_empty() { (empty(lang)) } @else {
                table {
                    thead { tr { th { (t(L::Name)) } th { "ID" } th { (t(L::Contact)) } th.num { (t(L::WalletFee)) } th { (t(L::Status)) } th { (t(L::Created)) } } }
                    tbody {
                        @for m in &rows {
                            tr {
                                td { a href={"/console/platform/merchants/" (m.id)} { (m.name) } }
                                td { code { (m.id) } }
                                td { (m.contact_name.as_deref().unwrap_or("—")) @if let Some(p) = &m.contact_phone { " · " (p) } }
                                td.num { (format::bps(m.wallet_fee_bps)) }
                                td { (badge(lang, &m.status)) }
                                td.nowrap { (format::time(m.created_at, state.offset_ms())) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(Page::new(&signed, t(L::Merchants), Section::Merchants)
        .notice(crate::notices::notice(q.done.as_deref()))
        .render(body))
}

#[derive(Debug, Default, Deserialize)]
pub struct MerchantForm {
    name: Option<String>,
    contact_name: Option<String>,
    contact_phone: Option<String>,
    wallet_fee_bps: Option<String>,
}

impl MerchantForm {
    fn input(&self) -> Result<MerchantInput> {
        let fee = match opt(&self.wallet_fee_bps) {
            None => 0,
            Some(s) => s
                .parse::<i64>()
                .map_err(|_| ConsoleError::BadForm(format!("{s:?} is not a whole number of basis points")))?,
        };
        Ok(MerchantInput {
            name: opt(&self.name).unwrap_or_default(),
            contact_name: opt(&self.contact_name),
            contact_phone: opt(&self.contact_phone),
            wallet_fee_bps: fee,
        })
    }

    fn of(m: &MerchantRow) -> MerchantForm {
        MerchantForm {
            name: Some(m.name.clone()),
            contact_name: m.contact_name.clone(),
            contact_phone: m.contact_phone.clone(),
            wallet_fee_bps: Some(m.wallet_fee_bps.to_string()),
        }
    }
}

fn merchant_form(signed: &Signed, action: &str, f: &MerchantForm, error: Option<String>, title: String) -> Response {
    let lang = signed.lang;
    let t = |l| lang.t(l);
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    let body = html! {
        (form_error(error.as_deref()))
        form.card.narrow method="post" action=(action) {
            (csrf_field(signed))
            (field(t(L::Name), html! { input type="text" name="name" value=(v(&f.name)) required maxlength="100"; }))
            (field(t(L::ContactName), html! { input type="text" name="contact_name" value=(v(&f.contact_name)) maxlength="64"; }))
            (field(t(L::ContactPhone), html! { input type="tel" name="contact_phone" value=(v(&f.contact_phone)) maxlength="32"; }))
            (field(t(L::WalletFeeBps), html! { input type="number" name="wallet_fee_bps" min="0" max="10000" step="1" value=(f.wallet_fee_bps.clone().unwrap_or_else(|| "0".into())); }))
            div.actions {
                button.primary type="submit" { (t(L::Save)) }
                a.button.secondary href="/console/platform/merchants" { (t(L::Cancel)) }
            }
        }
    };
    let mut r = Page::new(signed, title, Section::Merchants).render(body);
    if error.is_some() {
        *r.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    r
}

pub async fn new_form(signed: Signed) -> Result<Response> {
    require_platform(&signed)?;
    signed.actor().require(Permission::PlatformMerchantsManage)?;
    Ok(merchant_form(
        &signed,
        "/console/platform/merchants/new",
        &MerchantForm::default(),
        None,
        signed.lang.t(L::NewMerchant).into(),
    ))
}

pub async fn create(State(state): State<ConsoleState>, posted: Posted<MerchantForm>) -> Result<Response> {
    let Posted { signed, form } = posted;
    require_platform(&signed)?;
    let result = async {
        let input = Arc::new(form.input()?);
        let actor = signed.actor().clone();
        state
            .db
            .write(move |tx| {
                let (actor, input) = (actor.clone(), input.clone());
                Box::pin(async move { service::create(tx, &actor, &input).await })
            })
            .await
            .map_err(ConsoleError::from)
    }
    .await;
    match result {
        Ok(m) => Ok(Redirect::to(&notices::with(
            &format!("/console/platform/merchants/{}", m.id),
            "created",
        ))
        .into_response()),
        Err(e) => match form_problem(signed.lang, &e) {
            Some(p) => Ok(merchant_form(
                &signed,
                "/console/platform/merchants/new",
                &form,
                Some(p),
                signed.lang.t(L::NewMerchant).into(),
            )),
            None => Err(e),
        },
    }
}

async fn merchant(state: &ConsoleState, id: &str) -> Result<MerchantRow> {
    juhe_store::merchants::get_merchant(state.db.reader(), id)
        .await?
        .ok_or(ConsoleError::NotFound)
}

pub async fn detail(
    State(state): State<ConsoleState>,
    signed: Signed,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response> {
    require_platform(&signed)?;
    signed.actor().require(Permission::PlatformMerchantsView)?;
    let m = merchant(&state, &id).await?;
    let lang = signed.lang;
    let t = |l| lang.t(l);
    let off = state.offset_ms();
    let apps = juhe_store::merchants::apps_of(state.db.reader(), &m.id).await?;
    let sites = juhe_store::sites::sites_of(state.db.reader(), &m.id).await?;
    let terminals = juhe_store::sites::terminals_of(state.db.reader(), &m.id, None).await?;
    let configs = juhe_store::channel_configs::list_for_merchant(state.db.reader(), &m.id).await?;
    let can_manage = signed.actor().can(Permission::PlatformMerchantsManage);
    let can_channels = signed.actor().can(Permission::PlatformChannelsManage);
    let now = juhe_store::clock::now_ms();
    let body = html! {
        div.toolbar {
            a.button.secondary href={"/console/m/" (m.id)} { (t(L::OpenMerchantConsole)) }
            @if can_manage {
                a.button.secondary href={"/console/platform/merchants/" (m.id) "/edit"} { (t(L::Edit)) }
                form.inline method="post" action={"/console/platform/merchants/" (m.id) "/status"}
                    data-confirm=(if m.status == "active" { t(L::ConfirmSuspend) } else { t(L::ConfirmReactivate) }) {
                    (csrf_field(&signed))
                    @if m.status == "active" {
                        button.danger type="submit" { (t(L::Suspend)) }
                    } @else {
                        input type="hidden" name="active" value="on";
                        button type="submit" { (t(L::Reactivate)) }
                    }
                }
            }
        }
        section.card {
            (facts(&[
                ("ID".into(), html! { code { (m.id) } }),
                (t(L::Status).into(), badge(lang, &m.status)),
                (t(L::Contact).into(), html! { (m.contact_name.as_deref().unwrap_or("—")) " " (m.contact_phone.as_deref().unwrap_or("")) }),
                (t(L::WalletFee).into(), html! { (format::bps(m.wallet_fee_bps)) }),
                (t(L::Created).into(), html! { (format::time(m.created_at, off)) }),
            ]))
        }
        section.card {
            div.card-head { h2 { (t(L::Apps)) } }
            @if apps.is_empty() { (empty(lang)) } @else {
                table {
                    thead { tr { th { (t(L::Name)) } th { "App ID" } th { (t(L::NotifyUrl)) } th { (t(L::Signing)) } th { (t(L::Status)) } @if can_manage { th {} } } }
                    tbody {
                        @for a in &apps {
                            tr {
                                td { (a.name) }
                                td { code { (a.id) } }
                                td.url { (a.notify_url.as_deref().unwrap_or("—")) }
                                td {
                                    @if a.public_key.is_some() { (t(L::OwnKeyPair)) } @else { "HMAC-SHA256" }
                                    @if let Some(until) = a.previous_secret_until.filter(|u| *u > now) {
                                        br; span.muted { (t(L::PreviousSecretUntil)) " " (format::time(until, off)) }
                                    }
                                }
                                td { (badge(lang, &a.status)) }
                                @if can_manage {
                                    td.actions {
                                        form.inline method="post" action={"/console/platform/merchants/" (m.id) "/apps/" (a.id) "/rotate"} data-confirm=(t(L::ConfirmRotate)) {
                                            (csrf_field(&signed))
                                            button.small type="submit" { (t(L::RotateSecret)) }
                                        }
                                        form.inline method="post" action={"/console/platform/merchants/" (m.id) "/apps/" (a.id)} {
                                            (csrf_field(&signed))
                                            input type="hidden" name="notify_url" value=(a.notify_url.as_deref().unwrap_or(""));
                                            @if a.status == "active" {
                                                button.small.danger type="submit" { (t(L::Disable)) }
                                            } @else {
                                                input type="hidden" name="active" value="on";
                                                button.small type="submit" { (t(L::Enable)) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if can_manage {
                form.inline-form method="post" action={"/console/platform/merchants/" (m.id) "/apps"} {
                    (csrf_field(&signed))
                    (field(t(L::AppName), html! { input type="text" name="name" required maxlength="64"; }))
                    (field(t(L::NotifyUrl), html! { input type="url" name="notify_url" placeholder="https://…"; }))
                    button.primary type="submit" { (t(L::NewApp)) }
                }
            }
        }
        section.card {
            div.card-head {
                h2 { (t(L::ChannelConfigs)) }
                @if can_channels { a.button.secondary href={"/console/platform/merchants/" (m.id) "/channels/new"} { (t(L::NewChannelConfig)) } }
            }
            @if configs.is_empty() { (empty(lang)) } @else {
                table {
                    thead { tr { th { (t(L::Channel)) } th { (t(L::Name)) } th { (t(L::Enabled)) } th.num { (t(L::FeeRate)) } th.num { (t(L::Priority)) } th { (t(L::Circuit)) } th {} } }
                    tbody {
                        @for c in &configs {
                            tr {
                                td { (format::channel(lang, &c.channel)) }
                                td { (c.name) }
                                td { @if c.enabled != 0 { span.badge.ok { (t(L::Yes)) } } @else { span.badge.neutral { (t(L::No)) } } }
                                td.num { (format::bps(c.fee_bps)) }
                                td.num { (c.priority) }
                                td { (super::channels::circuit(&state, lang, &c.id, now)) }
                                td { @if can_channels { a href={"/console/platform/merchants/" (m.id) "/channels/" (c.id)} { (t(L::Edit)) } } }
                            }
                        }
                    }
                }
            }
        }
        section.card {
            div.card-head {
                h2 { (t(L::SitesAndTerminals)) }
                a.button.secondary href={"/console/m/" (m.id) "/sites"} { (t(L::Manage)) }
            }
            p { (sites.len()) " " (t(L::Sites)) " · " (terminals.len()) " " (t(L::Terminals)) }
        }
    };
    Ok(Page::new(&signed, m.name.clone(), Section::Merchants)
        .notice(done.notice())
        .render(body))
}

pub async fn edit_form(State(state): State<ConsoleState>, signed: Signed, Path(id): Path<String>) -> Result<Response> {
    require_platform(&signed)?;
    signed.actor().require(Permission::PlatformMerchantsManage)?;
    let m = merchant(&state, &id).await?;
    Ok(merchant_form(
        &signed,
        &format!("/console/platform/merchants/{}/edit", m.id),
        &MerchantForm::of(&m),
        None,
        format!("{} · {}", signed.lang.t(L::Edit), m.name),
    ))
}

pub async fn update(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: Posted<MerchantForm>,
) -> Result<Response> {
    let Posted { signed, form } = posted;
    require_platform(&signed)?;
    let m = merchant(&state, &id).await?;
    let result = async {
        let input = Arc::new(form.input()?);
        let (actor, mid) = (signed.actor().clone(), m.id.clone());
        state
            .db
            .write(move |tx| {
                let (actor, input, mid) = (actor.clone(), input.clone(), mid.clone());
                Box::pin(async move { service::update(tx, &actor, &mid, &input).await })
            })
            .await
            .map_err(ConsoleError::from)
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&notices::with(
            &format!("/console/platform/merchants/{}", m.id),
            "saved",
        ))
        .into_response()),
        Err(e) => match form_problem(signed.lang, &e) {
            Some(p) => Ok(merchant_form(
                &signed,
                &format!("/console/platform/merchants/{}/edit", m.id),
                &form,
                Some(p),
                format!("{} · {}", signed.lang.t(L::Edit), m.name),
            )),
            None => Err(e),
        },
    }
}

#[derive(Debug, Deserialize)]
pub struct StatusForm {
    active: Option<String>,
}

pub async fn set_status(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: Posted<StatusForm>,
) -> Result<Response> {
    let Posted { signed, form } = posted;
    require_platform(&signed)?;
    let active = checked(&form.active);
    let (actor, mid) = (signed.actor().clone(), id.clone());
    state
        .db
        .write(move |tx| {
            let (actor, mid) = (actor.clone(), mid.clone());
            Box::pin(async move { service::set_active(tx, &actor, &mid, active).await })
        })
        .await?;
    Ok(Redirect::to(&notices::with(&format!("/console/platform/merchants/{id}"), "saved")).into_response())
}
