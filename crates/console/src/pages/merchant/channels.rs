//! A merchant's channel configurations, read-only (the platform changes them).

use super::load;
use crate::auth::Signed;
use crate::error::Result;
use crate::format;
use crate::i18n::L;
use crate::layout::{Page, Section, empty};
use crate::pages::platform::channels::circuit;
use crate::state::ConsoleState;
use axum::extract::{Path, State};
use axum::response::Response;
use juhe_domain::Currency;
use juhe_domain::access::Permission;
use maud::html;

pub async fn list(State(state): State<ConsoleState>, signed: Signed, Path(mid): Path<String>) -> Result<Response> {
    let m = load(&state, &signed, &mid, Permission::ChannelsView).await?;
    let lang = signed.lang;
    let t = |l| lang.t(l);
    let configs = juhe_store::channel_configs::list_for_merchant(state.db.reader(), &m.id).await?;
    let now = juhe_store::clock::now_ms();
    let limit = |v: Option<i64>| {
        v.map(|a| format::money(a, Currency::CNY))
            .unwrap_or_else(|| t(L::NoLimit).into())
    };
    let body = html! {
        section.card {
            p.hint { (t(L::ChannelsReadOnly)) }
            @if configs.is_empty() { (empty(lang)) } @else {
                table {
                    thead { tr { th { (t(L::Channel)) } th { (t(L::Name)) } th { (t(L::Enabled)) } th.num { (t(L::FeeRate)) } th.num { (t(L::SingleLimit)) } th.num { (t(L::DailyLimit)) } th.num { (t(L::Priority)) } th { (t(L::Circuit)) } } }
                    tbody {
                        @for c in &configs {
                            tr {
                                td { (format::channel(lang, &c.channel)) }
                                td { (c.name) }
                                td { @if c.enabled != 0 { span.badge.ok { (t(L::Yes)) } } @else { span.badge.neutral { (t(L::No)) } } }
                                td.num { (format::bps(c.fee_bps)) }
                                td.num { (limit(c.single_limit)) }
                                td.num { (limit(c.daily_limit)) }
                                td.num { (c.priority) }
                                td { (circuit(&state, lang, &c.id, now)) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(Page::new(&signed, t(L::Channels), Section::MerchantChannels)
        .merchant(&m.id, &m.name)
        .render(body))
}
