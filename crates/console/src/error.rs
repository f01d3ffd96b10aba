//! Console errors, and the one place they become pages.
//!
//! A handler returns a [`ConsoleError`]; its response carries an
//! [`ErrorPage`] marker and no body. The `render_errors` middleware, which
//! knows the request (and so the language), turns the marker into a page.

use crate::i18n::L;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use juhe_service::ServiceError;

#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// No (live) session: go and sign in, then come back to `next`.
    #[error("not signed in")]
    NotSignedIn { next: String },
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    /// A form without the right CSRF token, or a cross-site post.
    #[error("the form's security token is missing or wrong")]
    Csrf,
    #[error("bad form: {0}")]
    BadForm(String),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<juhe_store::StoreError> for ConsoleError {
    fn from(e: juhe_store::StoreError) -> ConsoleError {
        ConsoleError::Service(ServiceError::Store(e))
    }
}

/// What the error page shows.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    pub status: StatusCode,
    pub title: L,
    /// Details in the words of whoever refused (may be English).
    pub detail: Option<String>,
}

impl ConsoleError {
    pub fn page(&self) -> ErrorPage {
        let page = |status, title, detail: Option<String>| ErrorPage { status, title, detail };
        match self {
            ConsoleError::NotSignedIn { .. } => page(StatusCode::UNAUTHORIZED, L::SignIn, None),
            ConsoleError::Forbidden(d) => page(StatusCode::FORBIDDEN, L::ErrForbidden, Some(d.clone())),
            ConsoleError::NotFound => page(StatusCode::NOT_FOUND, L::ErrNotFound, None),
            ConsoleError::Csrf => page(StatusCode::FORBIDDEN, L::ErrCsrf, None),
            ConsoleError::BadForm(d) => page(StatusCode::BAD_REQUEST, L::ErrBadForm, Some(d.clone())),
            ConsoleError::Service(e) => match e {
                ServiceError::Forbidden(d) => page(StatusCode::FORBIDDEN, L::ErrForbidden, Some(d.clone())),
                ServiceError::NotFound(_) => page(StatusCode::NOT_FOUND, L::ErrNotFound, None),
                ServiceError::Store(_) => page(StatusCode::SERVICE_UNAVAILABLE, L::ErrUnavailable, None),
                other => page(StatusCode::BAD_REQUEST, L::ErrBadForm, Some(other.to_string())),
            },
        }
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        if let ConsoleError::NotSignedIn { next } = &self {
            let target = format!("/console/login?next={}", crate::forms::encode_component(next));
            return Redirect::to(&target).into_response();
        }
        if let ConsoleError::Service(ServiceError::Store(e)) = &self {
            tracing::warn!(error = %e, "console request failed in storage");
        }
        let page = self.page();
        let mut response = (page.status, [(header::CACHE_CONTROL, "no-store")]).into_response();
        response.extensions_mut().insert(page);
        response
    }
}

pub type Result<T, E = ConsoleError> = std::result::Result<T, E>;

/// A refusal the user can fix (bad input, a name taken, a rule of who may
/// do what, an object in the wrong state) is shown on the form again, in
/// the user's language; anything else is an error page.
pub fn form_problem(lang: crate::i18n::Lang, e: &ConsoleError) -> Option<String> {
    match e {
        ConsoleError::BadForm(m) | ConsoleError::Service(ServiceError::InvalidRequest(m)) => {
            Some(format!("{} {m}", lang.t(L::ErrCheckInput)))
        }
        ConsoleError::Service(ServiceError::AlreadyExists { name, .. }) => {
            Some(format!("{} {name}", lang.t(L::ErrAlreadyExists)))
        }
        ConsoleError::Service(ServiceError::Forbidden(m)) => Some(format!("{} {m}", lang.t(L::ErrForbidden))),
        ConsoleError::Service(ServiceError::IllegalState(m)) => Some(m.clone()),
        _ => None,
    }
}
