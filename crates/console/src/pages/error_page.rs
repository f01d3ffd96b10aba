//! Error pages: a response carrying an [`ErrorPage`] marker gets its body
//! here, in the language of the request.

use crate::auth::request_lang;
use crate::error::ErrorPage;
use crate::i18n::L;
use crate::layout::page_response;
use crate::state::ConsoleState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use maud::{DOCTYPE, html};

pub async fn render_errors(State(_state): State<ConsoleState>, request: Request, next: Next) -> Response {
    let lang = request_lang(request.headers());
    let response = next.run(request).await;
    let Some(page) = response.extensions().get::<ErrorPage>().cloned() else {
        return response;
    };
    let t = |l| lang.t(l);
    let markup = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (t(page.title)) " · juhe" }
                link rel="stylesheet" href="/console/assets/console.css";
            }
            body.plain {
                main.error-page {
                    div.card {
                        p.code { (page.status.as_u16()) }
                        h1 { (t(page.title)) }
                        @if let Some(d) = &page.detail { p.detail { (d) } }
                        p { a.button href="/console" { (t(L::BackToConsole)) } }
                    }
                }
            }
        }
    };
    let mut rendered = page_response(markup);
    *rendered.status_mut() = page.status;
    rendered
}
