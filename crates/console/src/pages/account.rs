//! The signed-in user's own page: language, password, sessions.

use crate::auth::{LANG_COOKIE, Posted, SESSION_COOKIE, Signed, set_cookie};
use crate::error::{ConsoleError, Result};
use crate::i18n::{L, Lang};
use crate::layout::{Page, Section, csrf_field, facts, field, form_error};
use crate::notices::{self, Done};
use crate::state::ConsoleState;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use juhe_service::identity::{sign_in, users};
use maud::html;
use serde::Deserialize;
use zeroize::Zeroizing;

pub async fn page(State(state): State<ConsoleState>, signed: Signed, Query(done): Query<Done>) -> Result<Response> {
    render(&state, &signed, done.notice(), None).await
}

async fn render(state: &ConsoleState, signed: &Signed, notice: Option<L>, error: Option<String>) -> Result<Response> {
    let lang = signed.lang;
    let t = |l| lang.t(l);
    let user = &signed.live.user;
    let sessions = juhe_store::sessions::live_of_user(state.db.reader(), &user.id).await?;
    let off = state.offset_ms();
    let scope = match &signed.actor().scope {
        juhe_domain::access::UserScope::Platform => t(L::ScopePlatform).to_string(),
        juhe_domain::access::UserScope::Merchant { merchant_id } => format!("{} {merchant_id}", t(L::ScopeMerchant)),
        juhe_domain::access::UserScope::Site { merchant_id, site_id } => {
            format!("{} {merchant_id} / {site_id}", t(L::ScopeSite))
        }
    };
    let perms: Vec<&str> = signed.actor().permissions.iter().map(|p| p.code()).collect();
    let body = html! {
        div.grid2 {
            section.card {
                h2 { (t(L::Profile)) }
                (facts(&[
                    (t(L::Username).into(), html! { (user.username) }),
                    (t(L::DisplayName).into(), html! { (user.display_name) }),
                    (t(L::Scope).into(), html! { (scope) }),
                    (t(L::Permissions).into(), html! { @for p in &perms { code.perm { (p) } " " } }),
                ]))
                form method="post" action="/console/account/language" {
                    (csrf_field(signed))
                    (field(t(L::Language), html! {
                        select name="locale" {
                            option value="zh-CN" selected[lang == Lang::Zh] { "中文" }
                            option value="en" selected[lang == Lang::En] { "English" }
                        }
                    }))
                    button type="submit" { (t(L::Save)) }
                }
            }
            section.card {
                h2 { (t(L::ChangePassword)) }
                (form_error(error.as_deref()))
                form method="post" action="/console/account/password" {
                    (csrf_field(signed))
                    (field(t(L::CurrentPassword), html! { input type="password" name="current" autocomplete="current-password" required; }))
                    (field(t(L::NewPassword), html! { input type="password" name="new" autocomplete="new-password" minlength="10" required; }))
                    (field(t(L::RepeatPassword), html! { input type="password" name="repeat" autocomplete="new-password" minlength="10" required; }))
                    p.hint { (t(L::PasswordRules)) }
                    button.primary type="submit" { (t(L::ChangePassword)) }
                }
            }
        }
        section.card {
            h2 { (t(L::Sessions)) }
            table {
                thead { tr { th { (t(L::SignedInAt)) } th { (t(L::LastSeen)) } th { "IP" } th { (t(L::Browser)) } th {} } }
                tbody {
                    @for s in &sessions {
                        tr {
                            td { (crate::format::time(s.created_at, off)) }
                            td { (crate::format::time(s.last_seen_at, off)) }
                            td { (s.ip.as_deref().unwrap_or("—")) }
                            td.ua { (s.user_agent.as_deref().unwrap_or("—")) }
                            td { @if s.id == signed.live.session.id { span.badge.ok { (t(L::ThisSession)) } } }
                        }
                    }
                }
            }
            form method="post" action="/console/account/logout-everywhere" data-confirm=(t(L::ConfirmSignOutEverywhere)) {
                (csrf_field(signed))
                button.danger type="submit" { (t(L::SignOutEverywhere)) }
            }
        }
    };
    Ok(Page::new(signed, t(L::MyAccount), Section::Account)
        .notice(notice)
        .render(body))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    repeat: String,
}

pub async fn change_password(State(state): State<ConsoleState>, posted: Posted<PasswordForm>) -> Result<Response> {
    let Posted { signed, form } = posted;
    let (current, new) = (Zeroizing::new(form.current), Zeroizing::new(form.new));
    if let Some(problem) = password_problem(&signed, &current, &new, &form.repeat).await {
        return render(&state, &signed, None, Some(problem)).await.map(with_status);
    }
    let hash = hash_off_thread(new).await?;
    let (actor, keep) = (signed.actor().clone(), signed.live.session.id.clone());
    state
        .db
        .write(move |tx| {
            let (actor, keep, hash) = (actor.clone(), keep.clone(), hash.clone());
            Box::pin(async move { users::change_own_password(tx, &actor, &keep, &hash).await })
        })
        .await?;
    Ok(Redirect::to(&notices::with("/console/account", "password")).into_response())
}

/// What is wrong with a password change, in the user's language, if anything.
async fn password_problem(signed: &Signed, current: &Zeroizing<String>, new: &str, repeat: &str) -> Option<String> {
    let lang = signed.lang;
    if new != repeat {
        return Some(lang.t(L::ErrPasswordsDiffer).into());
    }
    if let Err(e) = juhe_domain::login::check_password(&signed.live.user.username, new) {
        return Some(format!("{} ({e})", lang.t(L::ErrPasswordRules)));
    }
    let (stored, current) = (signed.live.user.password_hash.clone(), current.clone());
    let verified = tokio::task::spawn_blocking(move || juhe_crypto::password::verify_password(&current, &stored))
        .await
        .unwrap_or(false);
    (!verified).then(|| lang.t(L::ErrCurrentPasswordWrong).into())
}

fn with_status(mut r: Response) -> Response {
    *r.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    r
}

/// Hashes a password on a blocking thread (argon2 is slow on purpose).
pub async fn hash_off_thread(password: Zeroizing<String>) -> Result<String> {
    tokio::task::spawn_blocking(move || juhe_crypto::password::hash_password(&password))
        .await
        .map_err(|e| ConsoleError::BadForm(e.to_string()))?
        .map_err(|e| ConsoleError::BadForm(e.to_string()))
}

#[derive(Deserialize)]
pub struct LanguageForm {
    #[serde(default)]
    locale: String,
}

pub async fn set_language(
    State(state): State<ConsoleState>,
    headers: axum::http::HeaderMap,
    posted: Posted<LanguageForm>,
) -> Result<Response> {
    let Posted { signed, form } = posted;
    let lang = Lang::parse(&form.locale).ok_or_else(|| ConsoleError::BadForm("unknown language".into()))?;
    let actor = signed.actor().clone();
    state
        .db
        .write(move |tx| {
            let actor = actor.clone();
            Box::pin(async move { users::set_own_locale(tx, &actor, lang.code()).await })
        })
        .await?;
    // Back to where the switch was pressed, if that was one of our pages.
    let back = headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| r.find("/console").map(|i| r[i..].to_string()))
        .filter(|p| !p.starts_with("/console/login"))
        .unwrap_or_else(|| "/console".into());
    let mut response = Redirect::to(&back).into_response();
    if let Ok(v) = set_cookie(&state, LANG_COOKIE, lang.code(), false, Some(365 * 86_400)).parse() {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(response)
}

pub async fn logout_everywhere(
    State(state): State<ConsoleState>,
    posted: Posted<serde::de::IgnoredAny>,
) -> Result<Response> {
    sign_in::sign_out_everywhere(&state.db, posted.signed.actor()).await?;
    let mut response = Redirect::to("/console/login").into_response();
    if let Ok(v) = set_cookie(&state, SESSION_COOKIE, "", true, Some(0)).parse() {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(response)
}
