//! The platform's home: money across every merchant today and this week,
//! merchants, the webhook backlog, channel health at a glance.

use super::require_platform;
use crate::auth::Signed;
use crate::error::Result;
use crate::format;
use crate::i18n::L;
use crate::layout::{Page, Section};
use crate::pages::merchant::dashboard::summary;
use crate::state::ConsoleState;
use axum::extract::State;
use axum::response::Response;
use juhe_store::reports::Scope;
use maud::html;

pub async fn page(State(state): State<ConsoleState>, signed: Signed) -> Result<Response> {
    require_platform(&signed)?;
    let lang = signed.lang;
    let t = |l| lang.t(l);
    let merchants = juhe_store::merchants::list_merchants(state.db.reader(), None).await?;
    let active = merchants.iter().filter(|m| m.status == "active").count();
    let backlog = juhe_store::events::backlog(state.db.reader(), None).await?;
    let configs = juhe_store::channel_configs::list_all(state.db.reader()).await?;
    let now = juhe_store::clock::now_ms();
    let open = configs
        .iter()
        .filter(|c| !state.hub.breakers.is_available(&c.id, now))
        .count();
    let body = html! {
        div.kpis {
            div.kpi { span.k { (t(L::Merchants)) } span.v { (active) } span.s { (merchants.len()) " " (t(L::InTotal)) } }
            div.kpi { span.k { (t(L::WebhookBacklog)) } span.v { (backlog.pending) } span.s { (backlog.retrying) " " (t(L::Retrying)) " · " (backlog.exhausted) " " (t(L::StExhausted)) } }
            div.kpi { span.k { (t(L::OldestWaiting)) } span.v.small { (format::opt_time(backlog.oldest_pending_at, state.offset_ms())) } }
            div.kpi { span.k { (t(L::OpenCircuits)) } span.v { (open) } span.s { (configs.len()) " " (t(L::ChannelConfigs)) } }
        }
        (summary(&state, lang, &Scope::default()).await?)
    };
    Ok(Page::new(&signed, t(L::Overview), Section::PlatformOverview).render(body))
}
