//! The dashboard: today's amount and count, the last seven days as a
//! chart, the split by channel and by way, and counts per status. The
//! platform's overview shows the same over every merchant.

use crate::auth::Signed;
use crate::charts::{Bar, share_bars, stacked_bars};
use crate::error::Result;
use crate::format;
use crate::i18n::{L, Lang};
use crate::layout::{Page, Section, badge};
use crate::state::ConsoleState;
use axum::extract::{Path, State};
use axum::response::Response;
use juhe_domain::Currency;
use juhe_domain::access::Permission;
use juhe_store::reports::{self, DAY_MS, Scope};
use maud::{Markup, html};
use std::collections::BTreeMap;

/// Charts are drawn in the platform's home currency; others are listed.
const CHART_CURRENCY: &str = "CNY";

pub async fn page(State(state): State<ConsoleState>, signed: Signed, Path(mid): Path<String>) -> Result<Response> {
    let merchant = super::load(&state, &signed, &mid, Permission::DashboardView).await?;
    let scope = Scope {
        merchant_id: Some(merchant.id.clone()),
        site_id: signed.actor().scope.site_id().map(str::to_string),
    };
    let body = summary(&state, signed.lang, &scope).await?;
    Ok(Page::new(&signed, signed.lang.t(L::Dashboard), Section::Dashboard)
        .merchant(&merchant.id, &merchant.name)
        .render(body))
}

/// The dashboard's body for any scope (one merchant, one site, or all).
pub async fn summary(state: &ConsoleState, lang: Lang, scope: &Scope) -> Result<Markup> {
    let t = |l| lang.t(l);
    let off = state.offset_ms();
    let now = juhe_store::clock::now_ms();
    let today = (now + off).div_euclid(DAY_MS);
    let first_day = today - 6;
    let from = first_day * DAY_MS - off;
    let today_start = today * DAY_MS - off;
    let to = (today + 1) * DAY_MS - off;
    let rows = reports::succeeded_by_day(state.db.reader(), scope, from, to, off).await?;
    let statuses = reports::by_status(state.db.reader(), scope, today_start, to).await?;
    let refunds_today = reports::refunds_succeeded(state.db.reader(), scope, today_start, to).await?;

    let cny = |r: &&reports::DayTotal| r.currency == CHART_CURRENCY;
    let today_amount: i64 = rows
        .iter()
        .filter(cny)
        .filter(|r| r.day == today)
        .map(|r| r.amount)
        .sum();
    let today_count: i64 = rows.iter().filter(|r| r.day == today).map(|r| r.count).sum();
    let week_amount: i64 = rows.iter().filter(cny).map(|r| r.amount).sum();
    let week_count: i64 = rows.iter().map(|r| r.count).sum();
    let refund_amount: i64 = refunds_today
        .iter()
        .filter(|r| r.0 == CHART_CURRENCY)
        .map(|r| r.2)
        .sum();
    let refund_count: i64 = refunds_today.iter().map(|r| r.1).sum();
    let other_currencies: BTreeMap<&str, i64> =
        rows.iter()
            .filter(|r| r.currency != CHART_CURRENCY)
            .fold(BTreeMap::new(), |mut m, r| {
                *m.entry(r.currency.as_str()).or_default() += r.amount;
                m
            });

    // Seven bars, stacked by channel.
    let mut channels: Vec<String> = rows.iter().filter(cny).map(|r| r.channel.clone()).collect();
    channels.sort();
    channels.dedup();
    let bars: Vec<Bar> = (first_day..=today)
        .map(|d| Bar {
            label: format::short_day(d),
            values: channels
                .iter()
                .map(|c| {
                    rows.iter()
                        .filter(cny)
                        .filter(|r| r.day == d && &r.channel == c)
                        .map(|r| r.amount)
                        .sum()
                })
                .collect(),
        })
        .collect();
    let series: Vec<String> = channels.iter().map(|c| format::channel(lang, c)).collect();
    let by_channel: Vec<(String, i64)> = channels
        .iter()
        .map(|c| {
            (
                format::channel(lang, c),
                rows.iter()
                    .filter(cny)
                    .filter(|r| &r.channel == c)
                    .map(|r| r.amount)
                    .sum(),
            )
        })
        .collect();
    let mut ways: Vec<&str> = rows.iter().filter(cny).map(|r| r.way.as_str()).collect();
    ways.sort();
    ways.dedup();
    let by_way: Vec<(String, i64)> = ways
        .iter()
        .map(|w| {
            (
                format::way(lang, w),
                rows.iter().filter(cny).filter(|r| r.way == *w).map(|r| r.amount).sum(),
            )
        })
        .collect();
    let yuan = |v: i64| format::money(v, Currency::CNY);
    let axis = |v: i64| compact_yuan(v);

    Ok(html! {
        div.kpis {
            div.kpi { span.k { (t(L::TodayAmount)) } span.v data-testid="today-amount" { (yuan(today_amount)) } }
            div.kpi { span.k { (t(L::TodayCount)) } span.v data-testid="today-count" { (today_count) } }
            div.kpi { span.k { (t(L::TodayRefunds)) } span.v { (yuan(refund_amount)) } span.s { (refund_count) " " (t(L::Refunds)) } }
            div.kpi { span.k { (t(L::LastSevenDays)) } span.v { (yuan(week_amount)) } span.s { (week_count) " " (t(L::Payments)) } }
        }
        @if !other_currencies.is_empty() {
            p.hint { (t(L::OtherCurrencies)) ": " @for (c, a) in &other_currencies { (format::money_str(*a, c)) " " } }
        }
        section.card {
            h2 { (t(L::LastSevenDaysByChannel)) }
            @if week_amount == 0 { p.empty { (t(L::NoPaymentsThisWeek)) } } @else {
                (stacked_bars(t(L::LastSevenDaysByChannel), &series, &bars, &axis))
            }
        }
        div.grid2 {
            section.card {
                h2 { (t(L::ByChannel)) }
                @if by_channel.is_empty() { p.empty { (t(L::NothingHere)) } } @else { (share_bars(t(L::ByChannel), &by_channel, &yuan)) }
            }
            section.card {
                h2 { (t(L::ByWay)) }
                @if by_way.is_empty() { p.empty { (t(L::NothingHere)) } } @else { (share_bars(t(L::ByWay), &by_way, &yuan)) }
            }
        }
        section.card {
            h2 { (t(L::TodayByStatus)) }
            table.compact {
                thead { tr { th { (t(L::Status)) } th.num { (t(L::Count)) } th.num { (t(L::Amount)) } } }
                tbody {
                    @for s in ["succeeded", "processing", "created", "failed", "closed"] {
                        @let row = statuses.iter().find(|r| r.status == s);
                        tr {
                            td { (badge(lang, s)) }
                            td.num data-testid={"status-count-" (s)} { (row.map(|r| r.count).unwrap_or(0)) }
                            td.num { (yuan(row.map(|r| r.amount).unwrap_or(0))) }
                        }
                    }
                }
            }
        }
    })
}

/// `¥12.3k`, `¥1.2M`: axis labels that fit; exact below a thousand yuan.
pub fn compact_yuan(minor: i64) -> String {
    let yuan = minor / 100;
    if yuan >= 1_000_000 {
        format!("¥{}.{}M", yuan / 1_000_000, (yuan % 1_000_000) / 100_000)
    } else if yuan >= 1_000 {
        format!("¥{}.{}k", yuan / 1_000, (yuan % 1_000) / 100)
    } else if minor % 100 == 0 {
        format!("¥{yuan}")
    } else {
        format::money(minor, Currency::CNY)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn axis_labels_are_compact() {
        assert_eq!(super::compact_yuan(0), "¥0");
        assert_eq!(super::compact_yuan(99_900), "¥999");
        assert_eq!(super::compact_yuan(250), "¥2.50");
        assert_eq!(super::compact_yuan(1_234_500), "¥12.3k");
        assert_eq!(super::compact_yuan(250_000_000), "¥2.5M");
    }
}
