//! Signing in and out, and where `/console` takes each user.

use crate::auth::{
    LANG_COOKIE, PRE_SESSION_COOKIE, SESSION_COOKIE, Signed, cookie, request_lang, same_origin, same_token, set_cookie,
};
use crate::error::{ConsoleError, Result};
use crate::i18n::{L, Lang};
use crate::layout::page_response;
use crate::state::ConsoleState;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use juhe_domain::access::UserScope;
use juhe_service::identity::sign_in::{self, SignInError, SignInRequest};
use juhe_store::ids::random_hex;
use maud::{DOCTYPE, html};
use serde::Deserialize;
use zeroize::Zeroizing;

/// `/console`: the platform's overview, or the user's merchant dashboard.
pub async fn home(signed: Signed) -> Response {
    let target = match &signed.actor().scope {
        UserScope::Platform => "/console/platform".to_string(),
        UserScope::Merchant { merchant_id } | UserScope::Site { merchant_id, .. } => {
            if signed.actor().can(juhe_domain::access::Permission::DashboardView) {
                format!("/console/m/{merchant_id}")
            } else {
                format!("/console/m/{merchant_id}/payments")
            }
        }
    };
    Redirect::to(&target).into_response()
}

#[derive(Debug, Default, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    lang: Option<String>,
}

/// Only our own console pages are places to go back to after signing in.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with("/console") && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/console".to_string(),
    }
}

pub async fn form(State(state): State<ConsoleState>, headers: HeaderMap, Query(q): Query<LoginQuery>) -> Response {
    let chosen = q.lang.as_deref().and_then(Lang::parse);
    let lang = chosen.unwrap_or_else(|| request_lang(&headers));
    let pre = random_hex(16);
    let mut response = render(lang, &safe_next(q.next.as_deref()), &pre, None, "");
    let h = response.headers_mut();
    if let Ok(v) = set_cookie(&state, PRE_SESSION_COOKIE, &pre, true, Some(1800)).parse() {
        h.append(header::SET_COOKIE, v);
    }
    if let Some(l) = chosen
        && let Ok(v) = set_cookie(&state, LANG_COOKIE, l.code(), false, Some(365 * 86_400)).parse()
    {
        h.append(header::SET_COOKIE, v);
    }
    response
}

fn render(lang: Lang, next: &str, pre: &str, error: Option<String>, username: &str) -> Response {
    let t = |l| lang.t(l);
    let markup = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (t(L::SignIn)) " · juhe" }
                link rel="stylesheet" href="/console/assets/console.css";
                link rel="icon" href="/console/assets/favicon.svg" type="image/svg+xml";
            }
            body.plain {
                main.login {
                    div.card {
                        div.brand-big { span.logo { "聚" } span { "juhe" } }
                        p.tagline { (t(L::Tagline)) }
                        @if let Some(e) = &error { div.form-error role="alert" { (e) } }
                        form method="post" action="/console/login" {
                            input type="hidden" name="csrf" value=(pre);
                            input type="hidden" name="next" value=(next);
                            label.field {
                                span { (t(L::Username)) }
                                input type="text" name="username" value=(username) autocomplete="username" required autofocus;
                            }
                            label.field {
                                span { (t(L::Password)) }
                                input type="password" name="password" autocomplete="current-password" required;
                            }
                            button.primary.wide type="submit" { (t(L::SignIn)) }
                        }
                        p.langs {
                            a href="/console/login?lang=zh-CN" lang="zh-CN" { "中文" }
                            " · "
                            a href="/console/login?lang=en" lang="en" { "English" }
                        }
                    }
                }
            }
        }
    };
    page_response(markup)
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub async fn submit(State(state): State<ConsoleState>, request: axum::extract::Request) -> Result<Response> {
    let (parts, body) = request.into_parts();
    let headers = &parts.headers;
    let lang = request_lang(headers);
    let body = axum::body::to_bytes(body, state.config.form_limit)
        .await
        .map_err(|_| ConsoleError::BadForm("the form is too large".into()))?;
    let form: LoginForm = crate::forms::parse(&body)?;
    let pre = cookie(headers, PRE_SESSION_COOKIE).unwrap_or("");
    if !same_origin(headers) || !same_token(&form.csrf, pre) {
        return Err(ConsoleError::Csrf);
    }
    let next = safe_next(form.next.as_deref());
    let request = SignInRequest {
        username: form.username.clone(),
        password: Zeroizing::new(form.password),
        ip: crate::auth::client_ip(&parts),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
    };
    match sign_in::sign_in(&state.db, state.config.sign_in, request).await {
        Ok(session) => {
            let user_lang = Lang::parse(&session.user.locale).unwrap_or(lang);
            let mut response = Redirect::to(&next).into_response();
            let h = response.headers_mut();
            for c in [
                set_cookie(&state, SESSION_COOKIE, &session.token, true, None),
                set_cookie(&state, LANG_COOKIE, user_lang.code(), false, Some(365 * 86_400)),
                set_cookie(&state, PRE_SESSION_COOKIE, "", true, Some(0)),
            ] {
                if let Ok(v) = c.parse() {
                    h.append(header::SET_COOKIE, v);
                }
            }
            Ok(response)
        }
        Err(e) => {
            let message = match e {
                SignInError::BadCredentials => lang.t(L::ErrBadCredentials).to_string(),
                SignInError::Locked { until } => format!(
                    "{} {}",
                    lang.t(L::ErrLocked),
                    crate::format::time(until, state.offset_ms())
                ),
                SignInError::Disabled => lang.t(L::ErrDisabled).to_string(),
                SignInError::Unavailable(_) => lang.t(L::ErrUnavailable).to_string(),
            };
            let mut response = render(lang, &next, pre, Some(message), &form.username);
            *response.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
            Ok(response)
        }
    }
}

pub async fn logout(
    State(state): State<ConsoleState>,
    posted: crate::auth::Posted<serde::de::IgnoredAny>,
) -> Result<Response> {
    let signed = posted.signed;
    sign_in::sign_out(&state.db, signed.actor(), &signed.live.session.id).await?;
    let mut response = Redirect::to("/console/login").into_response();
    if let Ok(v) = set_cookie(&state, SESSION_COOKIE, "", true, Some(0)).parse() {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_console_pages_are_followed_after_sign_in() {
        assert_eq!(
            safe_next(Some("/console/m/x/payments?status=failed")),
            "/console/m/x/payments?status=failed"
        );
        assert_eq!(safe_next(Some("https://evil.example/console")), "/console");
        assert_eq!(safe_next(Some("//evil.example")), "/console");
        assert_eq!(safe_next(Some("/console\\@evil")), "/console");
        assert_eq!(safe_next(None), "/console");
    }
}
