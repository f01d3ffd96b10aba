//! Channels on the platform: the catalogue (what each channel can do),
//! health (circuit state and recent error rate per configuration), and a
//! merchant's configurations (enable / disable, parameters, write-only
//! secrets, fee, limits, priority).

use super::require_platform;
use crate::auth::{Posted, Signed};
use crate::error::{ConsoleError, Result, form_problem};
use crate::format;
use crate::forms::{checked, opt};
use crate::i18n::{L, Lang};
use crate::layout::{Page, Section, csrf_field, empty, field, form_error};
use crate::notices;
use crate::state::ConsoleState;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use juhe_domain::Currency;
use juhe_domain::access::Permission;
use juhe_service::channels::admin as service;
use juhe_service::channels::configs::ConfigInput;
use juhe_service::channels::secrets::StoredSecrets;
use juhe_store::channel_configs::ChannelConfigRow;
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// How far back "recent" reaches for error rates.
const RECENT_MS: i64 = 60 * 60 * 1000;

pub fn circuit(state: &ConsoleState, lang: Lang, config_id: &str, now: i64) -> Markup {
    let name = if state.hub.breakers.is_available(config_id, now) {
        state.hub.breakers.state(config_id).name()
    } else {
        "open"
    };
    let (tone, label) = match name {
        "closed" => ("ok", L::CircuitClosed),
        "half_open" => ("wait", L::CircuitHalfOpen),
        _ => ("bad", L::CircuitOpen),
    };
    html! { span class={"badge " (tone)} { (lang.t(label)) } }
}

pub async fn catalogue(State(state): State<ConsoleState>, signed: Signed) -> Result<Response> {
    require_platform(&signed)?;
    signed.actor().require(Permission::PlatformChannelsView)?;
    let lang = signed.lang;
    let t = |l| lang.t(l);
    let now = juhe_store::clock::now_ms();
    let configs = juhe_store::channel_configs::list_all(state.db.reader()).await?;
    let health = juhe_store::reports::attempt_health(state.db.reader(), now - RECENT_MS).await?;
    let merchants: BTreeMap<String, String> = juhe_store::merchants::list_merchants(state.db.reader(), None)
        .await?
        .into_iter()
        .map(|m| (m.id, m.name))
        .collect();
    let mut channels = state.hub.registry.all();
    channels.sort_by(|a, b| a.code().cmp(b.code()));
    let body = html! {
        section.card {
            h2 { (t(L::Catalogue)) }
            table {
                thead { tr { th { (t(L::Channel)) } th { (t(L::Ways)) } th { (t(L::Operations)) } th { (t(L::Currencies)) } } }
                tbody {
                    @for ch in &channels {
                        @let caps = ch.capabilities();
                        tr {
                            td { strong { (format::channel(lang, ch.code())) } br; code.muted { (ch.code()) } }
                            td { @for w in &caps.ways { span.chip { (format::way(lang, w.as_str())) } " " } }
                            td { @for o in &caps.operations { code.chip { (o.as_str()) } " " } }
                            td { (caps.currencies.join(", ")) }
                        }
                    }
                }
            }
        }
        section.card {
            h2 { (t(L::Health)) }
            p.hint { (t(L::HealthHint)) }
            @if configs.is_empty() { (empty(lang)) } @else {
                table {
                    thead { tr { th { (t(L::Merchant)) } th { (t(L::Channel)) } th { (t(L::Name)) } th { (t(L::Enabled)) } th { (t(L::Circuit)) } th.num { (t(L::AttemptsLastHour)) } th.num { (t(L::ErrorRate)) } th {} } }
                    tbody {
                        @for c in &configs {
                            @let h = health.iter().find(|h| h.config_id == c.id);
                            tr {
                                td { a href={"/console/platform/merchants/" (c.merchant_id)} { (merchants.get(&c.merchant_id).map(String::as_str).unwrap_or(&c.merchant_id)) } }
                                td { (format::channel(lang, &c.channel)) }
                                td { (c.name) }
                                td { @if c.enabled != 0 { span.badge.ok { (t(L::Yes)) } } @else { span.badge.neutral { (t(L::No)) } } }
                                td { (circuit(&state, lang, &c.id, now)) }
                                td.num { (h.map(|h| h.total).unwrap_or(0)) }
                                td.num { (h.map(|h| error_rate(h.failed + h.unknown, h.total)).unwrap_or_else(|| "—".into())) }
                                td { @if signed.actor().can(Permission::PlatformChannelsManage) { a href={"/console/platform/merchants/" (c.merchant_id) "/channels/" (c.id)} { (t(L::Edit)) } } }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(Page::new(&signed, t(L::Channels), Section::Channels).render(body))
}

/// `12.5%` of `bad` in `total`, in integers.
pub fn error_rate(bad: i64, total: i64) -> String {
    if total <= 0 {
        return "—".into();
    }
    let permille = bad * 1000 / total;
    format!("{}.{}%", permille / 10, permille % 10)
}

#[derive(Debug, Default, Deserialize)]
pub struct ConfigForm {
    channel: Option<String>,
    name: Option<String>,
    enabled: Option<String>,
    #[serde(default)]
    param_name: Vec<String>,
    #[serde(default)]
    param_value: Vec<String>,
    #[serde(default)]
    secret_name: Vec<String>,
    #[serde(default)]
    secret_value: Vec<String>,
    fee_bps: Option<String>,
    single_limit: Option<String>,
    daily_limit: Option<String>,
    priority: Option<String>,
}

/// Parameter rows (name, value) into the configuration's JSON object.
/// Values may span lines (a public key in PEM); rows without a name are
/// skipped, a value without a name is an error.
pub fn params_of(names: &[String], values: &[String]) -> Result<serde_json::Map<String, serde_json::Value>> {
    let mut map = serde_json::Map::new();
    for (i, name) in names.iter().enumerate() {
        let value = values.get(i).map(|v| v.trim()).unwrap_or("");
        let name = name.trim();
        if name.is_empty() {
            if !value.is_empty() {
                return Err(ConsoleError::BadForm(format!(
                    "parameter {} has a value but no name",
                    i + 1
                )));
            }
            continue;
        }
        if map
            .insert(name.to_string(), serde_json::Value::String(value.replace("\r\n", "\n")))
            .is_some()
        {
            return Err(ConsoleError::BadForm(format!("parameter {name:?} is given twice")));
        }
    }
    Ok(map)
}

/// A configuration's parameters as rows, for the form.
fn param_rows(params: &str) -> Vec<(String, String)> {
    serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(params)
        .map(|m| {
            m.iter()
                .map(|(k, v)| match v {
                    serde_json::Value::String(s) => (k.clone(), s.clone()),
                    other => (k.clone(), other.to_string()),
                })
                .collect()
        })
        .unwrap_or_default()
}

impl ConfigForm {
    fn input(&self, channel: &str) -> Result<ConfigInput> {
        let int = |v: &Option<String>, what: &str| -> Result<Option<i64>> {
            opt(v)
                .map(|s| {
                    s.parse::<i64>()
                        .map_err(|_| ConsoleError::BadForm(format!("{what}: {s:?} is not a whole number")))
                })
                .transpose()
        };
        let mut secrets = BTreeMap::new();
        for (name, value) in self.secret_name.iter().zip(&self.secret_value) {
            let (name, value) = (name.trim(), value.trim());
            if !name.is_empty() && !value.is_empty() {
                secrets.insert(name.to_string(), value.to_string());
            }
        }
        Ok(ConfigInput {
            channel: channel.to_string(),
            name: opt(&self.name).unwrap_or_default(),
            enabled: checked(&self.enabled),
            params: params_of(&self.param_name, &self.param_value)?,
            secrets,
            fee_bps: int(&self.fee_bps, "fee")?.unwrap_or(0),
            single_limit: crate::forms::opt_amount(&self.single_limit, Currency::CNY)?,
            daily_limit: crate::forms::opt_amount(&self.daily_limit, Currency::CNY)?,
            priority: int(&self.priority, "priority")?.unwrap_or(0),
        })
    }
}

fn config_form(
    state: &ConsoleState,
    signed: &Signed,
    merchant_id: &str,
    existing: Option<&ChannelConfigRow>,
    filled: Option<&ConfigForm>,
    error: Option<String>,
) -> Response {
    let lang = signed.lang;
    let t = |l| lang.t(l);
    let existing_secrets: Vec<String> = existing
        .and_then(|c| StoredSecrets::parse(&c.secrets_sealed).ok())
        .map(|s| s.names().map(str::to_string).collect())
        .unwrap_or_default();
    let channel = existing
        .map(|c| c.channel.clone())
        .or_else(|| filled.and_then(|f| opt(&f.channel)))
        .unwrap_or_default();
    let get = |f: fn(&ConfigForm) -> &Option<String>, from_row: Option<String>| -> String {
        filled.and_then(|x| f(x).clone()).or(from_row).unwrap_or_default()
    };
    let yuan_opt = |v: Option<i64>| v.map(|a| juhe_domain::Money::new(a, Currency::CNY).to_decimal_string());
    let name = get(|f| &f.name, existing.map(|c| c.name.clone()));
    let params: Vec<(String, String)> = match (filled, existing) {
        (Some(f), _) if !f.param_name.is_empty() => f
            .param_name
            .iter()
            .cloned()
            .zip(f.param_value.iter().cloned().chain(std::iter::repeat(String::new())))
            .filter(|(k, _)| !k.trim().is_empty())
            .collect(),
        (_, Some(c)) => param_rows(&c.params),
        _ => Vec::new(),
    };
    let fee = get(|f| &f.fee_bps, existing.map(|c| c.fee_bps.to_string()));
    let single = get(|f| &f.single_limit, existing.and_then(|c| yuan_opt(c.single_limit)));
    let daily = get(|f| &f.daily_limit, existing.and_then(|c| yuan_opt(c.daily_limit)));
    let priority = get(|f| &f.priority, existing.map(|c| c.priority.to_string()));
    let enabled = match (filled, existing) {
        (Some(f), _) => checked(&f.enabled),
        (None, Some(c)) => c.enabled != 0,
        (None, None) => true,
    };
    let mut codes = state.hub.registry.codes();
    codes.sort();
    let action = match existing {
        Some(c) => format!("/console/platform/merchants/{merchant_id}/channels/{}", c.id),
        None => format!("/console/platform/merchants/{merchant_id}/channels/new"),
    };
    let body = html! {
        (form_error(error.as_deref()))
        form.card method="post" action=(action) {
            (csrf_field(signed))
            div.grid2 {
                div {
                    @if existing.is_some() {
                        (field(t(L::Channel), html! { input type="text" value=(format::channel(lang, &channel)) disabled; }))
                    } @else {
                        (field(t(L::Channel), html! {
                            select name="channel" required {
                                @for c in &codes { option value=(c) selected[*c == channel] { (format::channel(lang, c)) } }
                            }
                        }))
                    }
                    (field(t(L::Name), html! { input type="text" name="name" value=(name) required maxlength="64"; }))
                    label.check { input type="checkbox" name="enabled" checked[enabled]; (t(L::Enabled)) }
                    (field(t(L::FeeRateBps), html! { input type="number" name="fee_bps" min="0" max="10000" value=(fee); }))
                    (field(t(L::SingleLimitYuan), html! { input type="text" inputmode="decimal" name="single_limit" value=(single) placeholder=(t(L::NoLimit)); }))
                    (field(t(L::DailyLimitYuan), html! { input type="text" inputmode="decimal" name="daily_limit" value=(daily) placeholder=(t(L::NoLimit)); }))
                    (field(t(L::Priority), html! { input type="number" name="priority" value=(priority); }))
                }
                div {
                    fieldset {
                        legend { (t(L::Parameters)) }
                        @for (k, v) in &params {
                            div.param-row {
                                input type="text" name="param_name" value=(k) aria-label=(t(L::Name)) spellcheck="false";
                                textarea name="param_value" rows=(if v.contains('\n') { 4 } else { 1 }) spellcheck="false" aria-label=(t(L::Value)) { (v) }
                            }
                        }
                        @for _ in 0..3 {
                            div.param-row {
                                input type="text" name="param_name" placeholder=(t(L::Name)) spellcheck="false";
                                textarea name="param_value" rows="1" spellcheck="false" placeholder=(t(L::Value)) {}
                            }
                        }
                    }
                    fieldset {
                        legend { (t(L::Secrets)) }
                        p.hint { (t(L::SecretsWriteOnly)) }
                        @for s in &existing_secrets {
                            div.secret-row {
                                input type="hidden" name="secret_name" value=(s);
                                label.field { span { code { (s) } " · " span.badge.ok { (t(L::SecretSet)) } } textarea name="secret_value" rows="2" spellcheck="false" autocomplete="off" placeholder=(t(L::LeaveEmptyToKeep)) {} }
                            }
                        }
                        @for _ in 0..2 {
                            div.secret-row {
                                label.field { span { (t(L::NewSecretName)) } input type="text" name="secret_name" autocomplete="off"; }
                                label.field { span { (t(L::Value)) } textarea name="secret_value" rows="2" spellcheck="false" autocomplete="off" {} }
                            }
                        }
                    }
                }
            }
            div.actions {
                button.primary type="submit" { (t(L::Save)) }
                a.button.secondary href={"/console/platform/merchants/" (merchant_id)} { (t(L::Cancel)) }
            }
        }
    };
    let title = match existing {
        Some(c) => format!("{} · {}", t(L::ChannelConfig), c.name),
        None => t(L::NewChannelConfig).into(),
    };
    let mut r = Page::new(signed, title, Section::Merchants).render(body);
    if error.is_some() {
        *r.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    r
}

#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    channel: Option<String>,
}

pub async fn new_form(
    State(state): State<ConsoleState>,
    signed: Signed,
    Path(mid): Path<String>,
    Query(q): Query<NewQuery>,
) -> Result<Response> {
    require_platform(&signed)?;
    signed.actor().require(Permission::PlatformChannelsManage)?;
    juhe_store::merchants::get_merchant(state.db.reader(), &mid)
        .await?
        .ok_or(ConsoleError::NotFound)?;
    let filled = ConfigForm {
        channel: q.channel,
        enabled: Some("on".into()),
        ..ConfigForm::default()
    };
    Ok(config_form(&state, &signed, &mid, None, Some(&filled), None))
}

pub async fn create(
    State(state): State<ConsoleState>,
    Path(mid): Path<String>,
    posted: Posted<ConfigForm>,
) -> Result<Response> {
    let Posted { signed, form } = posted;
    require_platform(&signed)?;
    let result = async {
        let channel = opt(&form.channel).ok_or_else(|| ConsoleError::BadForm("choose a channel".into()))?;
        let input = Arc::new(form.input(&channel)?);
        let (actor, hub, m2) = (signed.actor().clone(), state.hub.clone(), mid.clone());
        state
            .db
            .write(move |tx| {
                let (actor, hub, mid, input) = (actor.clone(), hub.clone(), m2.clone(), input.clone());
                Box::pin(async move { service::create(tx, &actor, &hub, &mid, &input).await })
            })
            .await
            .map_err(ConsoleError::from)
    }
    .await;
    match result {
        Ok(_) => {
            Ok(Redirect::to(&notices::with(&format!("/console/platform/merchants/{mid}"), "created")).into_response())
        }
        Err(e) => match form_problem(signed.lang, &e) {
            Some(p) => Ok(config_form(&state, &signed, &mid, None, Some(&form), Some(p))),
            None => Err(e),
        },
    }
}

async fn config_of(state: &ConsoleState, mid: &str, id: &str) -> Result<ChannelConfigRow> {
    juhe_store::channel_configs::get(state.db.reader(), id)
        .await?
        .filter(|c| c.merchant_id == mid)
        .ok_or(ConsoleError::NotFound)
}

pub async fn edit_form(
    State(state): State<ConsoleState>,
    signed: Signed,
    Path((mid, id)): Path<(String, String)>,
) -> Result<Response> {
    require_platform(&signed)?;
    signed.actor().require(Permission::PlatformChannelsManage)?;
    let row = config_of(&state, &mid, &id).await?;
    Ok(config_form(&state, &signed, &mid, Some(&row), None, None))
}

pub async fn update(
    State(state): State<ConsoleState>,
    Path((mid, id)): Path<(String, String)>,
    posted: Posted<ConfigForm>,
) -> Result<Response> {
    let Posted { signed, form } = posted;
    require_platform(&signed)?;
    let row = config_of(&state, &mid, &id).await?;
    let result = async {
        let input = Arc::new(form.input(&row.channel)?);
        let (actor, hub, m2, i2) = (signed.actor().clone(), state.hub.clone(), mid.clone(), id.clone());
        state
            .db
            .write(move |tx| {
                let (actor, hub, mid, id, input) = (actor.clone(), hub.clone(), m2.clone(), i2.clone(), input.clone());
                Box::pin(async move { service::update(tx, &actor, &hub, &mid, &id, &input).await })
            })
            .await
            .map_err(ConsoleError::from)
    }
    .await;
    match result {
        Ok(_) => {
            Ok(Redirect::to(&notices::with(&format!("/console/platform/merchants/{mid}"), "saved")).into_response())
        }
        Err(e) => match form_problem(signed.lang, &e) {
            Some(p) => Ok(config_form(&state, &signed, &mid, Some(&row), Some(&form), Some(p))),
            None => Err(e),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_rows_become_the_object_and_back() {
        let names = vec!["mchid".to_string(), "".into(), "public_key".into()];
        let values = vec![
            "1900000001".to_string(),
            "".into(),
            "-----BEGIN\r\nabc\r\n-----END".into(),
        ];
        let m = params_of(&names, &values).unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m["mchid"], "1900000001");
        assert_eq!(m["public_key"], "-----BEGIN\nabc\n-----END");
        let rows = param_rows(&serde_json::to_string(&m).unwrap());
        let (n, v): (Vec<String>, Vec<String>) = rows.into_iter().unzip();
        assert_eq!(params_of(&n, &v).unwrap(), m);
        assert!(params_of(&["".into()], &["orphan".into()]).is_err());
        assert!(params_of(&["a".into(), "a".into()], &["1".into(), "2".into()]).is_err());
    }

    #[test]
    fn error_rates_are_integer_arithmetic() {
        assert_eq!(error_rate(1, 8), "12.5%");
        assert_eq!(error_rate(0, 0), "—");
        assert_eq!(error_rate(3, 3), "100.0%");
    }
}
