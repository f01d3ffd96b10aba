//! A merchant's customers and their wallets: balances (cached, held,
//! available, credit limit) and the wallet's history, posting by posting.

use super::load;
use crate::auth::Signed;
use crate::error::{ConsoleError, Result};
use crate::format;
use crate::forms::{opt, query_string};
use crate::i18n::L;
use crate::layout::{Page, Section, empty, facts, field, pager};
use crate::state::ConsoleState;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use juhe_domain::access::Permission;
use juhe_store::ledger::Owner;
use juhe_store::payments::SearchFilter;
use maud::html;
use serde::Deserialize;

const PAGE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct CustomerQuery {
    q: Option<String>,
    before: Option<String>,
}

pub async fn list(
    State(state): State<ConsoleState>,
    signed: Signed,
    Path(mid): Path<String>,
    Query(q): Query<CustomerQuery>,
) -> Result<Response> {
    let m = load(&state, &signed, &mid, Permission::CustomersView).await?;
    let lang = signed.lang;
    let t = |l| lang.t(l);
    let rows = juhe_store::customers::list(
        state.db.reader(),
        &m.id,
        opt(&q.q).as_deref(),
        opt(&q.before).as_deref(),
        PAGE,
    )
    .await?;
    let next = (rows.len() as i64 == PAGE).then(|| {
        format!(
            "/console/m/{}/customers{}",
            m.id,
            query_string(&[("q", q.q.as_deref()), ("before", rows.last().map(|r| r.id.as_str()))])
        )
    });
    let body = html! {
        form.filters method="get" action={"/console/m/" (m.id) "/customers"} {
            (field(t(L::Search), html! { input type="search" name="q" value=(q.q.as_deref().unwrap_or("")) placeholder=(t(L::CustomerSearchHint)); }))
            button type="submit" { (t(L::Filter)) }
        }
        section.card {
            @if rows.is_empty() { (empty(lang)) } @else {
                table {
                    thead { tr { th { (t(L::Name)) } th { (t(L::Phone)) } th { (t(L::ExternalId)) } th { (t(L::Created)) } } }
                    tbody {
                        @for c in &rows {
                            tr {
                                td { a href={"/console/m/" (m.id) "/customers/" (c.id)} { (c.name) } }
                                td { (c.phone.as_deref().unwrap_or("—")) }
                                td { (c.external_id.as_deref().unwrap_or("—")) }
                                td.nowrap { (format::time(c.created_at, state.offset_ms())) }
                            }
                        }
                    }
                }
            }
            (pager(lang, next))
        }
    };
    Ok(Page::new(&signed, t(L::Customers), Section::Customers)
        .merchant(&m.id, &m.name)
        .render(body))
}

#[derive(Debug, Default, Deserialize)]
pub struct HistoryQuery {
    before: Option<String>,
}

pub async fn detail(
    State(state): State<ConsoleState>,
    signed: Signed,
    Path((mid, id)): Path<(String, String)>,
    Query(q): Query<HistoryQuery>,
) -> Result<Response> {
    let m = load(&state, &signed, &mid, Permission::CustomersView).await?;
    let c = juhe_store::customers::get(state.db.reader(), &m.id, &id)
        .await?
        .ok_or(ConsoleError::NotFound)?;
    let lang = signed.lang;
    let t = |l| lang.t(l);
    let off = state.offset_ms();
    let accounts = juhe_store::ledger::accounts_of(state.db.reader(), Owner::customer(&c.id)).await?;
    let mut histories = Vec::new();
    for a in &accounts {
        histories.push(juhe_store::ledger::history(state.db.reader(), &a.id, opt(&q.before).as_deref(), PAGE).await?);
    }
    let payments = if signed.actor().can(Permission::PaymentsView) {
        juhe_store::payments::search(
            state.db.reader(),
            &SearchFilter {
                merchant_id: m.id.clone(),
                site_id: super::own_site(&signed),
                customer_id: Some(c.id.clone()),
                limit: 10,
                ..SearchFilter::default()
            },
        )
        .await?
    } else {
        Vec::new()
    };
    let body = html! {
        section.card {
            (facts(&[
                (t(L::Name).into(), html! { (c.name) }),
                ("ID".into(), html! { code { (c.id) } }),
                (t(L::Phone).into(), html! { (c.phone.as_deref().unwrap_or("—")) }),
                (t(L::ExternalId).into(), html! { (c.external_id.as_deref().unwrap_or("—")) }),
                (t(L::Created).into(), html! { (format::time(c.created_at, off)) }),
            ]))
        }
        @for (a, history) in accounts.iter().zip(&histories) {
            section.card {
                h2 { (t(L::Wallet)) " · " (a.currency) }
                div.kpis {
                    div.kpi { span.k { (t(L::Balance)) } span.v data-testid="wallet-balance" { (format::money_str(a.balance, &a.currency)) } }
                    div.kpi { span.k { (t(L::Held)) } span.v { (format::money_str(a.held, &a.currency)) } }
                    div.kpi { span.k { (t(L::Available)) } span.v { (format::money_str(a.available(), &a.currency)) } }
                    div.kpi { span.k { (t(L::CreditLimit)) } span.v { (format::money_str(a.credit_limit, &a.currency)) } }
                }
                h3 { (t(L::History)) }
                @if history.is_empty() { (empty(lang)) } @else {
                    table {
                        thead { tr { th { (t(L::Time)) } th { (t(L::Entry)) } th { (t(L::Reference)) } th.num { (t(L::Credit)) } th.num { (t(L::Debit)) } } }
                        tbody {
                            @for h in history {
                                // A wallet is credit-normal: a credit (negative posting) adds to it.
                                tr {
                                    td.nowrap { (format::time(h.created_at, off)) }
                                    td { code { (h.kind) } }
                                    td { (h.ref_type) " " code { (h.ref_id) } }
                                    td.num { @if h.amount < 0 { (format::money_str(-h.amount, &a.currency)) } }
                                    td.num { @if h.amount > 0 { (format::money_str(h.amount, &a.currency)) } }
                                }
                            }
                        }
                    }
                    @if history.len() as i64 == PAGE {
                        (pager(lang, history.last().map(|h| format!("/console/m/{}/customers/{}?before={}", m.id, c.id, h.posting_id))))
                    }
                }
            }
        }
        @if !payments.is_empty() {
            section.card {
                h2 { (t(L::RecentPayments)) }
                (super::payments::payment_rows(lang, &m.id, off, &payments))
                p { a href={"/console/m/" (m.id) "/payments?customer=" (c.id)} { (t(L::AllPayments)) " →" } }
            }
        }
    };
    Ok(Page::new(&signed, c.name.clone(), Section::Customers)
        .merchant(&m.id, &m.name)
        .render(body))
}
