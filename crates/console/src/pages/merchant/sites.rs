//! Sites and their terminals: lists, and forms to create and edit them.

use super::load;
use crate::auth::{Posted, Signed};
use crate::error::{ConsoleError, Result, form_problem};
use crate::forms::{checked, opt};
use crate::i18n::{L, Lang};
use crate::layout::{Page, Section, badge, csrf_field, empty, field, form_error};
use crate::notices::{self, Done};
use crate::state::ConsoleState;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use juhe_domain::access::Permission;
use juhe_domain::site::{SITE_KINDS, TERMINAL_KINDS};
use juhe_service::sites::{self as service, SiteInput, TerminalInput};
use juhe_store::merchants::MerchantRow;
use juhe_store::sites::{SiteRow, TerminalRow};
use maud::html;
use serde::Deserialize;
use std::sync::Arc;

pub fn site_kind(lang: Lang, kind: &str) -> &'static str {
    lang.t(match kind {
        "toll_plaza" => L::KindTollPlaza,
        "fuel_station" => L::KindFuelStation,
        "gas_station" => L::KindGasStation,
        "hydrogen_station" => L::KindHydrogenStation,
        "ev_charging" => L::KindEvCharging,
        "outlet" => L::KindOutlet,
        "biller_office" => L::KindBillerOffice,
        _ => L::KindOther,
    })
}

pub fn terminal_kind(lang: Lang, kind: &str) -> &'static str {
    lang.t(match kind {
        "toll_lane" => L::KindTollLane,
        "pos" => L::KindPos,
        "kiosk" => L::KindKiosk,
        "payment_pillar" => L::KindPaymentPillar,
        "set_top_box" => L::KindSetTopBox,
        "dispenser_nozzle" => L::KindNozzle,
        "charge_point" => L::KindChargePoint,
        "plate_camera" => L::KindPlateCamera,
        _ => L::KindOther,
    })
}

pub async fn list(
    State(state): State<ConsoleState>,
    signed: Signed,
    Path(mid): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response> {
    let m = load(&state, &signed, &mid, Permission::SitesView).await?;
    let lang = signed.lang;
    let t = |l| lang.t(l);
    let own = super::own_site(&signed);
    let sites: Vec<SiteRow> = juhe_store::sites::sites_of(state.db.reader(), &m.id)
        .await?
        .into_iter()
        .filter(|s| own.as_deref().is_none_or(|o| o == s.id))
        .collect();
    let terminals = juhe_store::sites::terminals_of(state.db.reader(), &m.id, own.as_deref()).await?;
    let can_sites = signed.actor().can(Permission::SitesManage) && own.is_none();
    let can_terminals = signed.actor().can(Permission::TerminalsManage);
    let body = html! {
        div.toolbar {
            @if can_sites { a.button.primary href={"/console/m/" (m.id) "/sites/new"} { (t(L::NewSite)) } }
            @if can_terminals && !sites.is_empty() { a.button.secondary href={"/console/m/" (m.id) "/terminals/new"} { (t(L::NewTerminal)) } }
        }
        @if sites.is_empty() { section.card { (empty(lang)) } }
        @for s in &sites {
            section.card {
                div.card-head {
                    h2 { (s.name) " " span.muted { (site_kind(lang, &s.kind)) } " " (badge(lang, &s.status)) }
                    @if can_sites { a href={"/console/m/" (m.id) "/sites/" (s.id)} { (t(L::Edit)) } }
                }
                @if let Some(a) = &s.address { p.muted { (a) } }
                @let ts: Vec<&TerminalRow> = terminals.iter().filter(|x| x.site_id == s.id).collect();
                @if ts.is_empty() { (empty(lang)) } @else {
                    table.compact {
                        thead { tr { th { (t(L::Name)) } th { (t(L::Kind)) } th { (t(L::SerialNo)) } th { (t(L::Status)) } th {} } }
                        tbody {
                            @for x in ts {
                                tr {
                                    td { (x.name) }
                                    td { (terminal_kind(lang, &x.kind)) }
                                    td { code { (x.serial_no) } }
                                    td { (badge(lang, &x.status)) }
                                    td { @if can_terminals { a href={"/console/m/" (m.id) "/terminals/" (x.id)} { (t(L::Edit)) } } }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(Page::new(&signed, t(L::SitesAndTerminals), Section::Sites)
        .merchant(&m.id, &m.name)
        .notice(done.notice())
        .render(body))
}

#[derive(Debug, Default, Deserialize)]
pub struct SiteForm {
    name: Option<String>,
    kind: Option<String>,
    address: Option<String>,
    active: Option<String>,
}

impl SiteForm {
    fn input(&self) -> SiteInput {
        SiteInput {
            name: opt(&self.name).unwrap_or_default(),
            kind: opt(&self.kind).unwrap_or_default(),
            address: opt(&self.address),
            active: checked(&self.active),
        }
    }
}

fn site_form(
    signed: &Signed,
    m: &MerchantRow,
    site: Option<&SiteRow>,
    f: &SiteForm,
    error: Option<String>,
) -> Response {
    let lang = signed.lang;
    let t = |l| lang.t(l);
    let name = f.name.clone().or(site.map(|s| s.name.clone())).unwrap_or_default();
    let kind = f.kind.clone().or(site.map(|s| s.kind.clone())).unwrap_or_default();
    let address = f
        .address
        .clone()
        .or(site.and_then(|s| s.address.clone()))
        .unwrap_or_default();
    let active = if f.name.is_some() {
        checked(&f.active)
    } else {
        site.is_none_or(|s| s.status == "active")
    };
    let action = match site {
        Some(s) => format!("/console/m/{}/sites/{}", m.id, s.id),
        None => format!("/console/m/{}/sites/new", m.id),
    };
    let body = html! {
        (form_error(error.as_deref()))
        form.card.narrow method="post" action=(action) {
            (csrf_field(signed))
            (field(t(L::Name), html! { input type="text" name="name" required maxlength="64" value=(name); }))
            (field(t(L::Kind), html! { select name="kind" { @for k in SITE_KINDS { option value=(k) selected[kind == *k] { (site_kind(lang, k)) } } } }))
            (field(t(L::Address), html! { input type="text" name="address" maxlength="200" value=(address); }))
            label.check { input type="checkbox" name="active" checked[active]; (t(L::Active)) }
            div.actions {
                button.primary type="submit" { (t(L::Save)) }
                a.button.secondary href={"/console/m/" (m.id) "/sites"} { (t(L::Cancel)) }
            }
        }
    };
    let title = site
        .map(|s| format!("{} · {}", t(L::Edit), s.name))
        .unwrap_or_else(|| t(L::NewSite).into());
    let mut r = Page::new(signed, title, Section::Sites)
        .merchant(&m.id, &m.name)
        .render(body);
    if error.is_some() {
        *r.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    r
}

pub async fn new_site(State(state): State<ConsoleState>, signed: Signed, Path(mid): Path<String>) -> Result<Response> {
    let m = load(&state, &signed, &mid, Permission::SitesManage).await?;
    Ok(site_form(
        &signed,
        &m,
        None,
        &SiteForm {
            active: Some("on".into()),
            ..SiteForm::default()
        },
        None,
    ))
}

pub async fn create_site(
    State(state): State<ConsoleState>,
    Path(mid): Path<String>,
    posted: Posted<SiteForm>,
) -> Result<Response> {
    let Posted { signed, form } = posted;
    let m = load(&state, &signed, &mid, Permission::SitesManage).await?;
    let (actor, m2, input) = (signed.actor().clone(), m.id.clone(), Arc::new(form.input()));
    let result = state
        .db
        .write(move |tx| {
            let (actor, mid, input) = (actor.clone(), m2.clone(), input.clone());
            Box::pin(async move { service::create_site(tx, &actor, &mid, &input).await })
        })
        .await
        .map_err(ConsoleError::from);
    match result {
        Ok(_) => Ok(Redirect::to(&notices::with(&format!("/console/m/{}/sites", m.id), "created")).into_response()),
        Err(e) => match form_problem(signed.lang, &e) {
            Some(p) => Ok(site_form(&signed, &m, None, &form, Some(p))),
            None => Err(e),
        },
    }
}

async fn site_of(state: &ConsoleState, mid: &str, id: &str) -> Result<SiteRow> {
    juhe_store::sites::get_site(state.db.reader(), mid, id)
        .await?
        .ok_or(ConsoleError::NotFound)
}

pub async fn edit_site(
    State(state): State<ConsoleState>,
    signed: Signed,
    Path((mid, id)): Path<(String, String)>,
) -> Result<Response> {
    let m = load(&state, &signed, &mid, Permission::SitesManage).await?;
    let s = site_of(&state, &m.id, &id).await?;
    Ok(site_form(&signed, &m, Some(&s), &SiteForm::default(), None))
}

pub async fn update_site(
    State(state): State<ConsoleState>,
    Path((mid, id)): Path<(String, String)>,
    posted: Posted<SiteForm>,
) -> Result<Response> {
    let Posted { signed, form } = posted;
    let m = load(&state, &signed, &mid, Permission::SitesManage).await?;
    let s = site_of(&state, &m.id, &id).await?;
    let (actor, m2, s2, input) = (
        signed.actor().clone(),
        m.id.clone(),
        s.id.clone(),
        Arc::new(form.input()),
    );
    let result = state
        .db
        .write(move |tx| {
            let (actor, mid, sid, input) = (actor.clone(), m2.clone(), s2.clone(), input.clone());
            Box::pin(async move { service::update_site(tx, &actor, &mid, &sid, &input).await })
        })
        .await
        .map_err(ConsoleError::from);
    match result {
        Ok(_) => Ok(Redirect::to(&notices::with(&format!("/console/m/{}/sites", m.id), "saved")).into_response()),
        Err(e) => match form_problem(signed.lang, &e) {
            Some(p) => Ok(site_form(&signed, &m, Some(&s), &form, Some(p))),
            None => Err(e),
        },
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct TerminalForm {
    site_id: Option<String>,
    name: Option<String>,
    kind: Option<String>,
    serial_no: Option<String>,
    active: Option<String>,
}

impl TerminalForm {
    fn input(&self) -> TerminalInput {
        TerminalInput {
            site_id: opt(&self.site_id).unwrap_or_default(),
            name: opt(&self.name).unwrap_or_default(),
            kind: opt(&self.kind).unwrap_or_default(),
            serial_no: opt(&self.serial_no).unwrap_or_default(),
            active: checked(&self.active),
        }
    }
}

async fn terminal_form(
    state: &ConsoleState,
    signed: &Signed,
    m: &MerchantRow,
    terminal: Option<&TerminalRow>,
    f: &TerminalForm,
    error: Option<String>,
) -> Result<Response> {
    let lang = signed.lang;
    let t = |l| lang.t(l);
    let own = super::own_site(signed);
    let sites: Vec<SiteRow> = juhe_store::sites::sites_of(state.db.reader(), &m.id)
        .await?
        .into_iter()
        .filter(|s| own.as_deref().is_none_or(|o| o == s.id))
        .collect();
    let pick =
        |from_form: &Option<String>, from_row: Option<String>| from_form.clone().or(from_row).unwrap_or_default();
    let site_id = pick(&f.site_id, terminal.map(|x| x.site_id.clone()));
    let name = pick(&f.name, terminal.map(|x| x.name.clone()));
    let kind = pick(&f.kind, terminal.map(|x| x.kind.clone()));
    let serial = pick(&f.serial_no, terminal.map(|x| x.serial_no.clone()));
    let active = if f.name.is_some() {
        checked(&f.active)
    } else {
        terminal.is_none_or(|x| x.status == "active")
    };
    let action = match terminal {
        Some(x) => format!("/console/m/{}/terminals/{}", m.id, x.id),
        None => format!("/console/m/{}/terminals/new", m.id),
    };
    let body = html! {
        (form_error(error.as_deref()))
        form.card.narrow method="post" action=(action) {
            (csrf_field(signed))
            (field(t(L::Site), html! { select name="site_id" required { @for s in &sites { option value=(s.id) selected[site_id == s.id] { (s.name) } } } }))
            (field(t(L::Name), html! { input type="text" name="name" required maxlength="64" value=(name); }))
            (field(t(L::Kind), html! { select name="kind" { @for k in TERMINAL_KINDS { option value=(k) selected[kind == *k] { (terminal_kind(lang, k)) } } } }))
            (field(t(L::SerialNo), html! { input type="text" name="serial_no" required maxlength="64" pattern="[A-Za-z0-9._-]{1,64}" value=(serial); }))
            label.check { input type="checkbox" name="active" checked[active]; (t(L::Active)) }
            div.actions {
                button.primary type="submit" { (t(L::Save)) }
                a.button.secondary href={"/console/m/" (m.id) "/sites"} { (t(L::Cancel)) }
            }
        }
    };
    let title = terminal
        .map(|x| format!("{} · {}", t(L::Edit), x.name))
        .unwrap_or_else(|| t(L::NewTerminal).into());
    let mut r = Page::new(signed, title, Section::Sites)
        .merchant(&m.id, &m.name)
        .render(body);
    if error.is_some() {
        *r.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    Ok(r)
}

pub async fn new_terminal(
    State(state): State<ConsoleState>,
    signed: Signed,
    Path(mid): Path<String>,
) -> Result<Response> {
    let m = load(&state, &signed, &mid, Permission::TerminalsManage).await?;
    terminal_form(&state, &signed, &m, None, &TerminalForm::default(), None).await
}

pub async fn create_terminal(
    State(state): State<ConsoleState>,
    Path(mid): Path<String>,
    posted: Posted<TerminalForm>,
) -> Result<Response> {
    let Posted { signed, form } = posted;
    let m = load(&state, &signed, &mid, Permission::TerminalsManage).await?;
    let (actor, m2, input) = (signed.actor().clone(), m.id.clone(), Arc::new(form.input()));
    let result = state
        .db
        .write(move |tx| {
            let (actor, mid, input) = (actor.clone(), m2.clone(), input.clone());
            Box::pin(async move { service::create_terminal(tx, &actor, &mid, &input).await })
        })
        .await
        .map_err(ConsoleError::from);
    match result {
        Ok(_) => Ok(Redirect::to(&notices::with(&format!("/console/m/{}/sites", m.id), "created")).into_response()),
        Err(e) => match form_problem(signed.lang, &e) {
            Some(p) => terminal_form(&state, &signed, &m, None, &form, Some(p)).await,
            None => Err(e),
        },
    }
}

async fn terminal_of(state: &ConsoleState, signed: &Signed, mid: &str, id: &str) -> Result<TerminalRow> {
    let x = juhe_store::sites::get_terminal(state.db.reader(), mid, id)
        .await?
        .ok_or(ConsoleError::NotFound)?;
    if !signed.actor().scope.sees(mid, Some(&x.site_id)) {
        return Err(ConsoleError::NotFound);
    }
    Ok(x)
}

pub async fn edit_terminal(
    State(state): State<ConsoleState>,
    signed: Signed,
    Path((mid, id)): Path<(String, String)>,
) -> Result<Response> {
    let m = load(&state, &signed, &mid, Permission::TerminalsManage).await?;
    let x = terminal_of(&state, &signed, &m.id, &id).await?;
    terminal_form(&state, &signed, &m, Some(&x), &TerminalForm::default(), None).await
}

pub async fn update_terminal(
    State(state): State<ConsoleState>,
    Path((mid, id)): Path<(String, String)>,
    posted: Posted<TerminalForm>,
) -> Result<Response> {
    let Posted { signed, form } = posted;
    let m = load(&state, &signed, &mid, Permission::TerminalsManage).await?;
    let x = terminal_of(&state, &signed, &m.id, &id).await?;
    let (actor, m2, x2, input) = (
        signed.actor().clone(),
        m.id.clone(),
        x.id.clone(),
        Arc::new(form.input()),
    );
    let result = state
        .db
        .write(move |tx| {
            let (actor, mid, tid, input) = (actor.clone(), m2.clone(), x2.clone(), input.clone());
            Box::pin(async move { service::update_terminal(tx, &actor, &mid, &tid, &input).await })
        })
        .await
        .map_err(ConsoleError::from);
    match result {
        Ok(_) => Ok(Redirect::to(&notices::with(&format!("/console/m/{}/sites", m.id), "saved")).into_response()),
        Err(e) => match form_problem(signed.lang, &e) {
            Some(p) => terminal_form(&state, &signed, &m, Some(&x), &form, Some(p)).await,
            None => Err(e),
        },
    }
}
