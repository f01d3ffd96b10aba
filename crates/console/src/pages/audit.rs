//! The audit log: every change, who made it, when, and the object before
//! and after; filterable. The platform sees all of it, a merchant only its
//! own rows.

use crate::auth::Signed;
use crate::error::{ConsoleError, Result};
use crate::format;
use crate::forms::{opt, opt_day_start, query_string};
use crate::i18n::L;
use crate::layout::{Page, Section, empty, field, json_block, pager};
use crate::state::ConsoleState;
use axum::response::Response;
use juhe_domain::access::Permission;
use juhe_store::audit::AuditFilter;
use maud::html;
use serde::Deserialize;

const PAGE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    actor: Option<String>,
    action: Option<String>,
    object: Option<String>,
    merchant: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<String>,
}

/// `merchant`: the merchant console's page (id, name), else the platform's.
pub async fn list(
    state: &ConsoleState,
    signed: &Signed,
    merchant: Option<(&str, &str)>,
    q: &AuditQuery,
) -> Result<Response> {
    let actor = signed.actor();
    match merchant {
        Some((id, _)) => actor.require_in(Permission::AuditView, id)?,
        None => {
            if !actor.is_platform() {
                return Err(ConsoleError::NotFound);
            }
            actor.require(Permission::AuditView)?;
        }
    }
    let lang = signed.lang;
    let t = |l| lang.t(l);
    let off = state.offset_ms();
    let filter = AuditFilter {
        merchant_id: merchant.map(|(id, _)| id.to_string()).or_else(|| opt(&q.merchant)),
        actor: opt(&q.actor),
        action_prefix: opt(&q.action),
        object_id: opt(&q.object),
        from: opt_day_start(&q.from, off)?,
        to: opt_day_start(&q.to, off)?.map(|d| d + juhe_store::reports::DAY_MS),
        before_id: opt(&q.before),
        limit: PAGE,
    };
    let rows = juhe_store::audit::list(state.db.reader(), &filter).await?;
    let base = match merchant {
        Some((id, _)) => format!("/console/m/{id}/audit"),
        None => "/console/platform/audit".into(),
    };
    let next = (rows.len() as i64 == PAGE).then(|| {
        let last = rows.last().map(|r| r.id.as_str());
        format!(
            "{base}{}",
            query_string(&[
                ("actor", q.actor.as_deref()),
                ("action", q.action.as_deref()),
                ("object", q.object.as_deref()),
                ("merchant", q.merchant.as_deref()),
                ("from", q.from.as_deref()),
                ("to", q.to.as_deref()),
                ("before", last),
            ])
        )
    });
    let body = html! {
        form.filters method="get" action=(base) {
            (field(t(L::Actor), html! { input type="text" name="actor" value=(q.actor.as_deref().unwrap_or("")); }))
            (field(t(L::Action), html! { input type="text" name="action" placeholder="refund." value=(q.action.as_deref().unwrap_or("")); }))
            (field(t(L::ObjectId), html! { input type="text" name="object" value=(q.object.as_deref().unwrap_or("")); }))
            @if merchant.is_none() {
                (field(t(L::Merchant), html! { input type="text" name="merchant" value=(q.merchant.as_deref().unwrap_or("")); }))
            }
            (field(t(L::From), html! { input type="date" name="from" value=(q.from.as_deref().unwrap_or("")); }))
            (field(t(L::To), html! { input type="date" name="to" value=(q.to.as_deref().unwrap_or("")); }))
            button type="submit" { (t(L::Filter)) }
        }
        section.card {
            @if rows.is_empty() { (empty(lang)) } @else {
                table.audit {
                    thead { tr { th { (t(L::Time)) } th { (t(L::Actor)) } th { (t(L::Action)) } th { (t(L::Object)) } @if merchant.is_none() { th { (t(L::Merchant)) } } th { "IP" } } }
                    tbody {
                        @for r in &rows {
                            tr {
                                td.nowrap { (format::time(r.at, off)) }
                                td { (r.actor_name) }
                                td { code { (r.action) } }
                                td {
                                    (r.object_type) " " code { (r.object_id) }
                                    @if r.before_json.is_some() || r.after_json.is_some() {
                                        details {
                                            summary { (t(L::Changes)) }
                                            div.grid2 {
                                                div { h4 { (t(L::Before)) } (json_block(r.before_json.as_deref())) }
                                                div { h4 { (t(L::After)) } (json_block(r.after_json.as_deref())) }
                                            }
                                        }
                                    }
                                }
                                @if merchant.is_none() { td { (r.merchant_id.as_deref().unwrap_or("—")) } }
                                td { (r.ip.as_deref().unwrap_or("—")) }
                            }
                        }
                    }
                }
            }
            (pager(lang, next))
        }
    };
    let page = match merchant {
        Some((id, name)) => Page::new(signed, t(L::AuditLog), Section::MerchantAudit).merchant(id, name),
        None => Page::new(signed, t(L::AuditLog), Section::PlatformAudit),
    };
    Ok(page.render(body))
}
