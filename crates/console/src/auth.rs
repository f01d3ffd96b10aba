//! Who is asking: the session behind the cookie, and forms that prove
//! they come from our own pages (CSRF).
//!
//! - The session cookie (`juhe_session`) is HttpOnly, SameSite=Strict,
//!   Secure when the console is served over HTTPS, scoped to `/console`.
//! - Every form posts the session's CSRF token back (a hidden `csrf`
//!   field), compared in constant time; a post whose `Origin` is another
//!   site is refused as well. The sign-in form, before any session exists,
//!   uses a double-submit token: a random cookie and the same value in the
//!   form.

use crate::error::ConsoleError;
use crate::i18n::Lang;
use crate::state::ConsoleState;
use axum::extract::{ConnectInfo, FromRef, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use juhe_service::identity::Actor;
use juhe_service::identity::sign_in::{LiveSession, session_of};
use serde::de::DeserializeOwned;
use std::net::SocketAddr;

pub const SESSION_COOKIE: &str = "juhe_session";
pub const LANG_COOKIE: &str = "juhe_lang";
pub const PRE_SESSION_COOKIE: &str = "juhe_pre";

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value for the console's cookies.
pub fn set_cookie(state: &ConsoleState, name: &str, value: &str, http_only: bool, max_age: Option<i64>) -> String {
    let mut c = format!("{name}={value}; Path=/console; SameSite=Strict");
    if http_only {
        c.push_str("; HttpOnly");
    }
    if state.config.secure_cookies {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    c
}

/// The language of a request without a session (sign-in page, errors):
/// the language cookie, else the browser's preference.
pub fn request_lang(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE).and_then(Lang::parse).unwrap_or_else(|| {
        Lang::from_accept_language(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()))
    })
}

pub fn client_ip(parts: &Parts) -> Option<String> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

/// Constant-time equality of two tokens.
pub fn same_token(a: &str, b: &str) -> bool {
    let probe = b"juhe-console-token";
    !a.is_empty()
        && juhe_crypto::verify_hmac_sha256_base64(
            a.as_bytes(),
            probe,
            &juhe_crypto::hmac_sha256_base64(b.as_bytes(), probe),
        )
}

/// A post whose `Origin` (or, without one, `Referer`) names another host
/// than the one it was sent to is cross-site.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let source = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|h| h.to_str().ok());
    match source {
        // Neither header: a non-browser client; the CSRF token decides.
        None => true,
        Some("null") => false,
        Some(url) => {
            let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
            let authority = rest.split('/').next().unwrap_or("");
            authority.eq_ignore_ascii_case(host)
        }
    }
}

/// A signed-in user.
pub struct Signed {
    pub live: LiveSession,
    pub lang: Lang,
}

impl Signed {
    pub fn actor(&self) -> &Actor {
        &self.live.actor
    }

    pub fn csrf(&self) -> &str {
        &self.live.session.csrf_token
    }
}

impl<S> FromRequestParts<S> for Signed
where
    S: Send + Sync,
    ConsoleState: FromRef<S>,
{
    type Rejection = ConsoleError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Signed, ConsoleError> {
        let state = ConsoleState::from_ref(state);
        let next = if parts.method == axum::http::Method::GET {
            parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_default()
        } else {
            "/console".to_string()
        };
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(ConsoleError::NotSignedIn { next });
        };
        let live = session_of(&state.db, state.config.sign_in.session, token, client_ip(parts))
            .await?
            .ok_or(ConsoleError::NotSignedIn { next })?;
        let lang = Lang::parse(&live.user.locale).unwrap_or(Lang::Zh);
        Ok(Signed { live, lang })
    }
}

/// A form posted by a signed-in user from one of our pages: the session,
/// the CSRF token checked, the fields parsed into `T`.
pub struct Posted<T> {
    pub signed: Signed,
    pub form: T,
}

#[derive(serde::Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

impl<S, T> FromRequest<S> for Posted<T>
where
    S: Send + Sync,
    ConsoleState: FromRef<S>,
    T: DeserializeOwned,
{
    type Rejection = ConsoleError;

    async fn from_request(request: Request, state: &S) -> Result<Posted<T>, ConsoleError> {
        let console = ConsoleState::from_ref(state);
        let (mut parts, body) = request.into_parts();
        let signed = Signed::from_request_parts(&mut parts, state).await?;
        if !same_origin(&parts.headers) {
            return Err(ConsoleError::Csrf);
        }
        let bytes = axum::body::to_bytes(body, console.config.form_limit)
            .await
            .map_err(|_| ConsoleError::BadForm("the form is too large".into()))?;
        let token: CsrfField = crate::forms::parse(&bytes)?;
        if !same_token(&token.csrf, signed.csrf()) {
            return Err(ConsoleError::Csrf);
        }
        let form = crate::forms::parse(&bytes)?;
        Ok(Posted { signed, form })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn cookies_are_found_among_several() {
        let h = headers(&[("cookie", "a=1; juhe_session=abc"), ("cookie", "b=2")]);
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, "b"), Some("2"));
        assert_eq!(cookie(&h, "juhe"), None);
    }

    #[test]
    fn cross_site_posts_are_told_apart() {
        assert!(same_origin(&headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080")
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://evil.example")
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "null")
        ])));
        assert!(same_origin(&headers(&[
            ("host", "a.example"),
            ("referer", "https://a.example/console/x")
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "a.example"),
            ("referer", "https://a.example.evil/x")
        ])));
        assert!(same_origin(&headers(&[("host", "a.example")])));
        assert!(!same_origin(&headers(&[])));
    }

    #[test]
    fn tokens_compare_exactly() {
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("", ""));
    }

    #[test]
    fn languages_come_from_the_cookie_then_the_browser() {
        assert_eq!(
            request_lang(&headers(&[("cookie", "juhe_lang=en"), ("accept-language", "zh-CN")])),
            Lang::En
        );
        assert_eq!(request_lang(&headers(&[("accept-language", "en-US")])), Lang::En);
        assert_eq!(request_lang(&headers(&[])), Lang::Zh);
    }
}
