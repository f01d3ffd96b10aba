//! A merchant's refunds: list, export, detail.

use super::{load, own_site};
use crate::auth::Signed;
use crate::error::{ConsoleError, Result};
use crate::format;
use crate::forms::{opt, opt_day_start, query_string};
use crate::i18n::L;
use crate::layout::{Page, Section, badge, empty, facts, field, json_block, pager};
use crate::notices::Done;
use crate::state::ConsoleState;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use juhe_domain::access::Permission;
use juhe_store::refunds::SearchFilter;
use maud::html;
use serde::Deserialize;

const PAGE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct RefundQuery {
    status: Option<String>,
    number: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<String>,
}

impl RefundQuery {
    fn filter(&self, mid: &str, site: Option<String>, off: i64, limit: i64) -> Result<SearchFilter> {
        Ok(SearchFilter {
            merchant_id: mid.to_string(),
            site_id: site,
            status: opt(&self.status),
            number: opt(&self.number),
            created_from: opt_day_start(&self.from, off)?,
            created_to: opt_day_start(&self.to, off)?.map(|d| d + juhe_store::reports::DAY_MS),
            before_id: opt(&self.before),
            limit,
        })
    }

    fn query(&self, before: Option<&str>) -> String {
        query_string(&[
            ("status", self.status.as_deref()),
            ("number", self.number.as_deref()),
            ("from", self.from.as_deref()),
            ("to", self.to.as_deref()),
            ("before", before),
        ])
    }
}

pub async fn list(
    State(state): State<ConsoleState>,
    signed: Signed,
    Path(mid): Path<String>,
    Query(q): Query<RefundQuery>,
) -> Result<Response> {
    let m = load(&state, &signed, &mid, Permission::PaymentsView).await?;
    let lang = signed.lang;
    let t = |l| lang.t(l);
    let off = state.offset_ms();
    let rows = juhe_store::refunds::search(state.db.reader(), &q.filter(&m.id, own_site(&signed), off, PAGE)?).await?;
    let next = (rows.len() as i64 == PAGE).then(|| {
        format!(
            "/console/m/{}/refunds{}",
            m.id,
            q.query(rows.last().map(|r| r.id.as_str()))
        )
    });
    let fq = q.query(None);
    let sep = if fq.is_empty() { "?" } else { "&" };
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    let body = html! {
        form.filters method="get" action={"/console/m/" (m.id) "/refunds"} {
            (field(t(L::Number), html! { input type="search" name="number" value=(v(&q.number)); }))
            (field(t(L::Status), html! {
                select name="status" {
                    option value="" { (t(L::All)) }
                    @for s in ["processing", "succeeded", "failed"] { option value=(s) selected[q.status.as_deref() == Some(s)] { (format::status(lang, s)) } }
                }
            }))
            (field(t(L::From), html! { input type="date" name="from" value=(v(&q.from)); }))
            (field(t(L::To), html! { input type="date" name="to" value=(v(&q.to)); }))
            button type="submit" { (t(L::Filter)) }
        }
        @if signed.actor().can(Permission::ExportsDownload) {
            div.toolbar.right {
                a.button.secondary download href={"/console/m/" (m.id) "/refunds/export" (fq) (sep) "format=csv"} { (t(L::ExportCsv)) }
                a.button.secondary download href={"/console/m/" (m.id) "/refunds/export" (fq) (sep) "format=xlsx"} { (t(L::ExportXlsx)) }
            }
        }
        section.card {
            @if rows.is_empty() { (empty(lang)) } @else {
                table data-testid="refunds" {
                    thead { tr { th { (t(L::Created)) } th { (t(L::RefundNo)) } th { (t(L::Payment)) } th.num { (t(L::Amount)) } th { (t(L::Reason)) } th { (t(L::Status)) } } }
                    tbody {
                        @for r in &rows {
                            tr {
                                td.nowrap { (format::time(r.created_at, off)) }
                                td { a href={"/console/m/" (m.id) "/refunds/" (r.id)} { (r.merchant_refund_no) } }
                                td { a href={"/console/m/" (m.id) "/payments/" (r.payment_id)} { code { (r.payment_id) } } }
                                td.num { (format::money_str(r.amount, &r.currency)) }
                                td { (r.reason.as_deref().unwrap_or("")) }
                                td { (badge(lang, &r.status)) }
                            }
                        }
                    }
                }
            }
            (pager(lang, next))
        }
    };
    Ok(Page::new(&signed, t(L::Refunds), Section::Refunds)
        .merchant(&m.id, &m.name)
        .render(body))
}

#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    #[serde(flatten)]
    filters: RefundQuery,
    format: Option<String>,
}

pub async fn export(
    State(state): State<ConsoleState>,
    signed: Signed,
    Path(mid): Path<String>,
    Query(q): Query<ExportQuery>,
) -> Result<Response> {
    let m = load(&state, &signed, &mid, Permission::PaymentsView).await?;
    signed.actor().require(Permission::ExportsDownload)?;
    let format = crate::export::Format::parse(q.format.as_deref())?;
    let off = state.offset_ms();
    let filter = q.filters.filter(&m.id, own_site(&signed), off, crate::export::BATCH)?;
    let pool = state.db.reader();
    let rows = crate::export::all_pages(
        |r: &juhe_store::refunds::RefundRow| r.id.as_str(),
        |before| {
            let page = juhe_store::refunds::SearchFilter {
                before_id: before,
                ..filter.clone()
            };
            async move { Ok(juhe_store::refunds::search(pool, &page).await?) }
        },
    )
    .await?;
    crate::export::refunds(signed.lang, off, &m.id, &rows, format)
}

pub async fn detail(
    State(state): State<ConsoleState>,
    signed: Signed,
    Path((mid, id)): Path<(String, String)>,
    Query(done): Query<Done>,
) -> Result<Response> {
    let m = load(&state, &signed, &mid, Permission::PaymentsView).await?;
    let r = juhe_store::refunds::get(state.db.reader(), &m.id, &id)
        .await?
        .ok_or(ConsoleError::NotFound)?;
    let p = juhe_store::payments::get(state.db.reader(), &m.id, &r.payment_id)
        .await?
        .ok_or(ConsoleError::NotFound)?;
    if !signed.actor().scope.sees(&m.id, p.site_id.as_deref()) {
        return Err(ConsoleError::NotFound);
    }
    let lang = signed.lang;
    let t = |l| lang.t(l);
    let off = state.offset_ms();
    let history = juhe_store::audit::of_object(state.db.reader(), "refund", &r.id).await?;
    let body = html! {
        section.card {
            (facts(&[
                (t(L::Status).into(), badge(lang, &r.status)),
                (t(L::Amount).into(), html! { strong data-testid="refund-amount" { (format::money_str(r.amount, &r.currency)) } }),
                (t(L::RefundNo).into(), html! { code { (r.merchant_refund_no) } }),
                ("ID".into(), html! { code { (r.id) } }),
                (t(L::Payment).into(), html! { a href={"/console/m/" (m.id) "/payments/" (p.id)} { (p.merchant_order_no) } " · " (format::money_str(p.amount, &p.currency)) }),
                (t(L::Reason).into(), html! { (r.reason.as_deref().unwrap_or("—")) }),
                (t(L::FeeReturned).into(), html! { (format::money_str(r.fee_refund, &r.currency)) }),
                (t(L::Created).into(), html! { (format::time(r.created_at, off)) }),
                (t(L::SucceededAt).into(), html! { (format::opt_time(r.succeeded_at, off)) }),
                (t(L::ChannelRefundNo).into(), html! { (r.channel_refund_id.as_deref().unwrap_or("—")) }),
                (t(L::Failure).into(), html! { (r.failure_code.as_deref().unwrap_or("—")) " " (r.failure_message.as_deref().unwrap_or("")) }),
            ]))
        }
        @if !history.is_empty() {
            section.card {
                h2 { (t(L::AuditLog)) }
                @for a in &history {
                    p { (format::time(a.at, off)) " · " (a.actor_name) " · " code { (a.action) } }
                    (json_block(a.after_json.as_deref()))
                }
            }
        }
    };
    Ok(Page::new(
        &signed,
        format!("{} · {}", t(L::Refund), r.merchant_refund_no),
        Section::Refunds,
    )
    .merchant(&m.id, &m.name)
    .notice(done.notice())
    .render(body))
}
