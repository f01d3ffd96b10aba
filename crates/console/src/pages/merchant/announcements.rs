//! Announcements from the platform, as a merchant's users read them.

use crate::auth::Signed;
use crate::error::{ConsoleError, Result};
use crate::format;
use crate::i18n::L;
use crate::layout::{Page, Section, empty};
use crate::state::ConsoleState;
use axum::extract::{Path, State};
use axum::response::Response;
use maud::html;

pub async fn list(State(state): State<ConsoleState>, signed: Signed, Path(mid): Path<String>) -> Result<Response> {
    if !signed.actor().scope.sees_merchant(&mid) {
        return Err(ConsoleError::NotFound);
    }
    let m = juhe_store::merchants::get_merchant(state.db.reader(), &mid)
        .await?
        .ok_or(ConsoleError::NotFound)?;
    let lang = signed.lang;
    let rows = juhe_store::announcements::for_merchant(state.db.reader(), &m.id, 50).await?;
    let body = html! {
        @if rows.is_empty() { section.card { (empty(lang)) } }
        @for a in &rows {
            article.card.announcement {
                h2 { (a.title) }
                p.muted { (format::time(a.created_at, state.offset_ms())) " · " (a.created_by) }
                @for para in a.body.split("\n\n") { p { (para) } }
            }
        }
    };
    Ok(
        Page::new(&signed, lang.t(L::Announcements), Section::MerchantAnnouncements)
            .merchant(&m.id, &m.name)
            .render(body),
    )
}
