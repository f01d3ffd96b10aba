//! A merchant's payments: search and filter, export, and the detail page
//! with the payment's whole timeline (attempts at channels, notifications
//! from them, refunds, webhook deliveries and their attempts).

use super::{load, own_site};
use crate::auth::{Posted, Signed};
use crate::error::{ConsoleError, Result};
use crate::format;
use crate::forms::{opt, opt_amount, opt_day_start, query_string};
use crate::i18n::{L, Lang};
use crate::layout::{Page, Section, badge, empty, facts, field, json_block, pager};
use crate::notices::{self, Done};
use crate::pages::platform::webhooks;
use crate::state::ConsoleState;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use juhe_domain::Currency;
use juhe_domain::access::Permission;
use juhe_store::payments::{PaymentRow, SearchFilter};
use maud::{Markup, html};
use serde::Deserialize;

const PAGE: i64 = 50;

#[derive(Debug, Default, Deserialize, Clone)]
pub struct PaymentQuery {
    pub status: Option<String>,
    pub channel: Option<String>,
    pub way: Option<String>,
    pub number: Option<String>,
    pub amount_min: Option<String>,
    pub amount_max: Option<String>,
    pub customer: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub before: Option<String>,
    pub done: Option<String>,
}

impl PaymentQuery {
    pub fn filter(
        &self,
        merchant_id: &str,
        site_id: Option<String>,
        offset_ms: i64,
        limit: i64,
    ) -> Result<SearchFilter> {
        Ok(SearchFilter {
            merchant_id: merchant_id.to_string(),
            site_id,
            status: opt(&self.status),
            channel: opt(&self.channel),
            way: opt(&self.way),
            number: opt(&self.number),
            amount_min: opt_amount(&self.amount_min, Currency::CNY)?,
            amount_max: opt_amount(&self.amount_max, Currency::CNY)?,
            customer_id: opt(&self.customer),
            created_from: opt_day_start(&self.from, offset_ms)?,
            created_to: opt_day_start(&self.to, offset_ms)?.map(|d| d + juhe_store::reports::DAY_MS),
            before_id: opt(&self.before),
            limit,
        })
    }

    /// The filters as a query string (for the next page and the exports).
    pub fn query(&self, before: Option<&str>) -> String {
        query_string(&[
            ("status", self.status.as_deref()),
            ("channel", self.channel.as_deref()),
            ("way", self.way.as_deref()),
            ("number", self.number.as_deref()),
            ("amount_min", self.amount_min.as_deref()),
            ("amount_max", self.amount_max.as_deref()),
            ("customer", self.customer.as_deref()),
            ("from", self.from.as_deref()),
            ("to", self.to.as_deref()),
            ("before", before),
        ])
    }
}

const STATUSES: &[&str] = &["created", "processing", "succeeded", "failed", "closed"];
const CHANNELS: &[&str] = &["wallet", "cash", "wechatpay", "alipay", "unionpay", "bankcard", "jdpay"];
const WAYS: &[&str] = &["qr", "barcode", "jsapi", "h5", "app", "card", "plate", "wallet", "cash"];

fn select(
    name: &str,
    all_label: &str,
    values: &[&str],
    current: Option<&str>,
    label: &dyn Fn(&str) -> String,
) -> Markup {
    html! {
        select name=(name) {
            option value="" { (all_label) }
            @for v in values { option value=(v) selected[current == Some(*v)] { (label(v)) } }
        }
    }
}

fn filters(lang: Lang, mid: &str, q: &PaymentQuery) -> Markup {
    let t = |l| lang.t(l);
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    html! {
        form.filters method="get" action={"/console/m/" (mid) "/payments"} {
            (field(t(L::Number), html! { input type="search" name="number" value=(v(&q.number)) placeholder=(t(L::NumberHint)); }))
            (field(t(L::Status), select("status", t(L::All), STATUSES, q.status.as_deref(), &|s| format::status(lang, s))))
            (field(t(L::Channel), select("channel", t(L::All), CHANNELS, q.channel.as_deref(), &|s| format::channel(lang, s))))
            (field(t(L::Way), select("way", t(L::All), WAYS, q.way.as_deref(), &|s| format::way(lang, s))))
            (field(t(L::AmountFrom), html! { input type="text" inputmode="decimal" name="amount_min" value=(v(&q.amount_min)) size="8"; }))
            (field(t(L::AmountTo), html! { input type="text" inputmode="decimal" name="amount_max" value=(v(&q.amount_max)) size="8"; }))
            (field(t(L::From), html! { input type="date" name="from" value=(v(&q.from)); }))
            (field(t(L::To), html! { input type="date" name="to" value=(v(&q.to)); }))
            @if let Some(c) = &q.customer { input type="hidden" name="customer" value=(c); }
            button type="submit" { (t(L::Filter)) }
        }
    }
}

pub fn payment_rows(lang: Lang, mid: &str, offset_ms: i64, rows: &[PaymentRow]) -> Markup {
    let t = |l| lang.t(l);
    html! {
        table data-testid="payments" {
            thead { tr {
                th { (t(L::Created)) } th { (t(L::OrderNo)) } th { (t(L::Subject)) } th { (t(L::Channel)) } th { (t(L::Way)) }
                th.num { (t(L::Amount)) } th.num { (t(L::Refunded)) } th { (t(L::Status)) }
            } }
            tbody {
                @for p in rows {
                    tr {
                        td.nowrap { (format::time(p.created_at, offset_ms)) }
                        td { a href={"/console/m/" (mid) "/payments/" (p.id)} { (p.merchant_order_no) } }
                        td { (p.subject) }
                        td { (format::channel(lang, &p.channel)) }
                        td { (format::way(lang, &p.way)) }
                        td.num { (format::money_str(p.amount, &p.currency)) }
                        td.num { @if p.refunded_amount > 0 { (format::money_str(p.refunded_amount, &p.currency)) } @else { "—" } }
                        td { (badge(lang, &p.status)) }
                    }
                }
            }
        }
    }
}

pub async fn list(
    State(state): State<ConsoleState>,
    signed: Signed,
    Path(mid): Path<String>,
    Query(q): Query<PaymentQuery>,
) -> Result<Response> {
    let m = load(&state, &signed, &mid, Permission::PaymentsView).await?;
    let lang = signed.lang;
    let t = |l| lang.t(l);
    let off = state.offset_ms();
    let rows = juhe_store::payments::search(state.db.reader(), &q.filter(&m.id, own_site(&signed), off, PAGE)?).await?;
    let next = (rows.len() as i64 == PAGE).then(|| {
        format!(
            "/console/m/{}/payments{}",
            m.id,
            q.query(rows.last().map(|r| r.id.as_str()))
        )
    });
    let exports = signed.actor().can(Permission::ExportsDownload);
    let filters_query = q.query(None);
    let sep = if filters_query.is_empty() { "?" } else { "&" };
    let body = html! {
        (filters(lang, &m.id, &q))
        @if exports {
            div.toolbar.right {
                a.button.secondary download href={"/console/m/" (m.id) "/payments/export" (filters_query) (sep) "format=csv"} { (t(L::ExportCsv)) }
                a.button.secondary download href={"/console/m/" (m.id) "/payments/export" (filters_query) (sep) "format=xlsx"} { (t(L::ExportXlsx)) }
            }
        }
        section.card {
            @if rows.is_empty() { (empty(lang)) } @else { (payment_rows(lang, &m.id, off, &rows)) }
            (pager(lang, next))
        }
    };
    Ok(Page::new(&signed, t(L::Payments), Section::Payments)
        .merchant(&m.id, &m.name)
        .notice(crate::notices::notice(q.done.as_deref()))
        .render(body))
}

#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    #[serde(flatten)]
    filters: PaymentQuery,
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
        |r: &juhe_store::payments::PaymentRow| r.id.as_str(),
        |before| {
            let page = juhe_store::payments::SearchFilter {
                before_id: before,
                ..filter.clone()
            };
            async move { Ok(juhe_store::payments::search(pool, &page).await?) }
        },
    )
    .await?;
    crate::export::payments(signed.lang, off, &m.id, &rows, format)
}

pub async fn detail(
    State(state): State<ConsoleState>,
    signed: Signed,
    Path((mid, id)): Path<(String, String)>,
    Query(done): Query<Done>,
) -> Result<Response> {
    let m = load(&state, &signed, &mid, Permission::PaymentsView).await?;
    let p = juhe_store::payments::get(state.db.reader(), &m.id, &id)
        .await?
        .ok_or(ConsoleError::NotFound)?;
    if !signed.actor().scope.sees(&m.id, p.site_id.as_deref()) {
        return Err(ConsoleError::NotFound);
    }
    let lang = signed.lang;
    let t = |l| lang.t(l);
    let off = state.offset_ms();
    let pool = state.db.reader();
    let attempts = juhe_store::attempts::of_payment(pool, &p.id).await?;
    let notifications = juhe_store::channel_notifications::of_subject(pool, &p.id).await?;
    let refunds = juhe_store::refunds::list_for_payment(pool, &p.id).await?;
    let mut deliveries = juhe_store::events::deliveries_of_object(pool, &p.id).await?;
    let mut events = juhe_store::events::events_of_object(pool, &p.id).await?;
    for r in &refunds {
        deliveries.extend(juhe_store::events::deliveries_of_object(pool, &r.id).await?);
        events.extend(juhe_store::events::events_of_object(pool, &r.id).await?);
    }
    let mut timeline: Vec<(i64, Markup)> = vec![(
        p.created_at,
        html! { (t(L::TlCreated)) " · " (format::way(lang, &p.way)) " · " (format::money_str(p.amount, &p.currency)) },
    )];
    for a in &attempts {
        timeline.push((a.created_at, html! {
            (t(L::TlAttempt)) " #" (a.seq) " · " (format::channel(lang, &a.channel)) " · " code { (a.channel_order_no) } " " (badge(lang, &a.status))
            @if let Some(tn) = &a.channel_trade_no { " · " (t(L::ChannelTradeNo)) " " code { (tn) } }
            @if let Some(e) = &a.error_code { " · " span.bad { (e) " " (a.error_message.as_deref().unwrap_or("")) } }
        }));
    }
    // The follow-up at the channel (queries with backoff, reversal, close).
    let mut subjects: Vec<&str> = attempts.iter().map(|a| a.id.as_str()).collect();
    subjects.extend(refunds.iter().map(|r| r.id.as_str()));
    for subject in subjects {
        for task in juhe_store::channel_tasks::of_subject(pool, subject).await? {
            timeline.push((task.updated_at, html! {
                (t(L::TlFollowUp)) " · " code { (task.kind) } " · " (task.tries) " " (t(L::Calls)) " " (badge(lang, &task.status))
                @if let Some(e) = &task.last_error { " · " span.muted { (e) } }
            }));
        }
    }
    for n in &notifications {
        timeline.push((
            n.received_at,
            html! {
                (t(L::TlNotification)) " · " (format::channel(lang, &n.channel)) " · " code { (n.outcome) }
                @if let Some(d) = &n.detail { " · " span.muted { (d) } }
            },
        ));
    }
    for e in &events {
        timeline.push((
            e.created_at,
            html! { (t(L::TlEvent)) " · " code { (e.event_type) } " " span.muted { (e.id) } },
        ));
    }
    for r in &refunds {
        timeline.push((r.created_at, html! {
            (t(L::TlRefund)) " · " a href={"/console/m/" (m.id) "/refunds/" (r.id)} { (r.merchant_refund_no) } " · " (format::money_str(r.amount, &r.currency)) " " (badge(lang, &r.status))
        }));
    }
    if let Some(at) = p.succeeded_at {
        timeline.push((at, html! { (t(L::TlSucceeded)) }));
    }
    if let Some(at) = p.closed_at {
        timeline.push((at, html! { (t(L::TlClosed)) }));
    }
    timeline.sort_by_key(|(at, _)| *at);
    let refundable = p.amount - p.refunded_amount - p.refund_reserved;
    let can_refund = p.status == "succeeded" && refundable > 0 && signed.actor().can(Permission::RefundsCreate);
    let can_resend =
        signed.actor().can(Permission::WebhooksResend) || signed.actor().can(Permission::PlatformWebhooksResend);
    let pay_action = p.pay_action.as_deref();
    let resend_base = format!("/console/m/{}/deliveries", m.id);
    let back = format!("/console/m/{}/payments/{}", m.id, p.id);
    let body = html! {
        div.toolbar {
            a.button.secondary href={"/console/m/" (m.id) "/payments"} { "← " (t(L::Payments)) }
            @if can_refund { a.button.primary href={"/console/m/" (m.id) "/payments/" (p.id) "/refund"} data-testid="refund" { (t(L::Refund)) } }
        }
        div.grid2 {
            section.card {
                h2 { (t(L::Payment)) }
                (facts(&[
                    (t(L::Status).into(), badge(lang, &p.status)),
                    (t(L::Amount).into(), html! { strong { (format::money_str(p.amount, &p.currency)) } }),
                    (t(L::Refunded).into(), html! { (format::money_str(p.refunded_amount, &p.currency)) @if p.refund_reserved > 0 { " (+" (format::money_str(p.refund_reserved, &p.currency)) " " (t(L::StProcessing)) ")" } }),
                    (t(L::Fee).into(), html! { (format::money_str(p.fee, &p.currency)) }),
                    (t(L::OrderNo).into(), html! { code { (p.merchant_order_no) } }),
                    ("ID".into(), html! { code { (p.id) } }),
                    (t(L::Subject).into(), html! { (p.subject) }),
                    (t(L::Channel).into(), html! { (format::channel(lang, &p.channel)) }),
                    (t(L::Way).into(), html! { (format::way(lang, &p.way)) }),
                    (t(L::ChannelTradeNo).into(), html! { (p.channel_trade_no.as_deref().unwrap_or("—")) }),
                ]))
            }
            section.card {
                h2 { (t(L::Details)) }
                (facts(&[
                    (t(L::Created).into(), html! { (format::time(p.created_at, off)) }),
                    (t(L::SucceededAt).into(), html! { (format::opt_time(p.succeeded_at, off)) }),
                    (t(L::ExpiresAt).into(), html! { (format::time(p.expire_at, off)) }),
                    (t(L::Customer).into(), html! { @if let Some(c) = &p.payer_customer_id { a href={"/console/m/" (m.id) "/customers/" (c)} { (c) } } @else { "—" } }),
                    (t(L::Site).into(), html! { (p.site_id.as_deref().unwrap_or("—")) }),
                    (t(L::Terminal).into(), html! { (p.terminal_id.as_deref().unwrap_or("—")) }),
                    (t(L::Operator).into(), html! { (p.operator_id.as_deref().unwrap_or("—")) }),
                    (t(L::Failure).into(), html! { (p.failure_code.as_deref().unwrap_or("—")) " " (p.failure_message.as_deref().unwrap_or("")) }),
                ]))
                @if p.metadata.is_some() { h4 { (t(L::Metadata)) } (json_block(p.metadata.as_deref())) }
                @if pay_action.is_some() { h4 { (t(L::PayAction)) } (json_block(pay_action)) }
            }
        }
        section.card {
            h2 { (t(L::Timeline)) }
            ol.timeline data-testid="timeline" {
                @for (at, what) in &timeline {
                    li { time { (format::time(*at, off)) } div { (what) } }
                }
            }
        }
        section.card {
            h2 { (t(L::WebhookDeliveries)) }
            @if deliveries.is_empty() { (empty(lang)) } @else {
                (webhooks::table(lang, off, &signed, &deliveries, can_resend.then_some(webhooks::Resend { base: &resend_base, back: Some(&back) }), None))
            }
        }
    };
    Ok(Page::new(
        &signed,
        format!("{} · {}", t(L::Payment), p.merchant_order_no),
        Section::Payments,
    )
    .merchant(&m.id, &m.name)
    .notice(done.notice())
    .render(body))
}

#[derive(Debug, Deserialize)]
pub struct ResendForm {
    back: Option<String>,
}

pub async fn resend(
    State(state): State<ConsoleState>,
    Path((mid, id)): Path<(String, String)>,
    posted: Posted<ResendForm>,
) -> Result<Response> {
    let Posted { signed, form } = posted;
    load(&state, &signed, &mid, Permission::PaymentsView).await?;
    webhooks::resend_delivery(&state, &signed, &id).await?;
    let back = opt(&form.back)
        .filter(|b| b.starts_with(&format!("/console/m/{mid}/")))
        .unwrap_or_else(|| format!("/console/m/{mid}/payments"));
    Ok(Redirect::to(&notices::with(&back, "resent")).into_response())
}
