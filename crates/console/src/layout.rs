//! The page shell (navigation, header, language switch, sign-out) and the
//! small pieces pages are built from.

use crate::auth::Signed;
use crate::i18n::{L, Lang};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use juhe_domain::access::{Permission, UserScope};
use maud::{DOCTYPE, Markup, PreEscaped, html};

/// Where in the navigation a page belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    PlatformOverview,
    Merchants,
    Channels,
    Webhooks,
    Announcements,
    PlatformUsers,
    PlatformAudit,
    Dashboard,
    Payments,
    Refunds,
    Customers,
    Sites,
    MerchantUsers,
    MerchantChannels,
    MerchantAudit,
    MerchantAnnouncements,
    Account,
}

/// The merchant a merchant-console page is about.
pub struct MerchantContext<'a> {
    pub id: &'a str,
    pub name: &'a str,
}

pub struct Page<'a> {
    pub signed: &'a Signed,
    pub title: String,
    pub section: Section,
    pub merchant: Option<MerchantContext<'a>>,
    /// A confirmation to show on top (after a redirect).
    pub notice: Option<L>,
}

impl<'a> Page<'a> {
    pub fn new(signed: &'a Signed, title: impl Into<String>, section: Section) -> Page<'a> {
        Page {
            signed,
            title: title.into(),
            section,
            merchant: None,
            notice: None,
        }
    }

    pub fn merchant(mut self, id: &'a str, name: &'a str) -> Page<'a> {
        self.merchant = Some(MerchantContext { id, name });
        self
    }

    pub fn notice(mut self, notice: Option<L>) -> Page<'a> {
        self.notice = notice;
        self
    }

    pub fn render(self, body: Markup) -> Response {
        let lang = self.signed.lang;
        let t = |l| lang.t(l);
        let actor = self.signed.actor();
        let user = &self.signed.live.user;
        let markup = html! {
            (DOCTYPE)
            html lang=(lang.code()) {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (self.title) " · juhe" }
                    link rel="stylesheet" href="/console/assets/console.css";
                    link rel="icon" href="/console/assets/favicon.svg" type="image/svg+xml";
                    script src="/console/assets/console.js" defer {}
                }
                body {
                    div.shell {
                        nav.sidebar aria-label=(t(L::Navigation)) {
                            a.brand href="/console" { span.logo { "聚" } span { "juhe" } }
                            (nav(lang, actor.scope.clone(), &actor.permissions, self.section, self.merchant.as_ref()))
                        }
                        div.main {
                            header.topbar {
                                div.crumbs {
                                    @if let Some(m) = &self.merchant {
                                        span.context { (m.name) }
                                    } @else {
                                        span.context { (t(L::PlatformConsole)) }
                                    }
                                }
                                div.user {
                                    form.inline method="post" action="/console/account/language" {
                                        (csrf_field(self.signed))
                                        input type="hidden" name="locale" value=(if lang == Lang::Zh { "en" } else { "zh-CN" });
                                        button.link type="submit" data-testid="switch-language" {
                                            (if lang == Lang::Zh { "English" } else { "中文" })
                                        }
                                    }
                                    a href="/console/account" { (user.display_name) }
                                    form.inline method="post" action="/console/logout" {
                                        (csrf_field(self.signed))
                                        button.link type="submit" { (t(L::SignOut)) }
                                    }
                                }
                            }
                            main.content {
                                h1 { (self.title) }
                                @if let Some(n) = self.notice {
                                    div.notice role="status" { (t(n)) }
                                }
                                (body)
                            }
                        }
                    }
                }
            }
        };
        page_response(markup)
    }
}

/// An HTML page with the console's security headers.
pub fn page_response(markup: Markup) -> Response {
    (
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        ],
        Html(markup.into_string()),
    )
        .into_response()
}

fn nav(
    lang: Lang,
    scope: UserScope,
    perms: &juhe_domain::access::PermissionSet,
    current: Section,
    merchant: Option<&MerchantContext<'_>>,
) -> Markup {
    let t = |l| lang.t(l);
    let item = |section: Section, href: String, label: L| {
        html! {
            a.nav-item.active[section == current] href=(href) aria-current=[(section == current).then_some("page")] { (t(label)) }
        }
    };
    let platform = matches!(scope, UserScope::Platform);
    let merchant_id = merchant
        .map(|m| m.id.to_string())
        .or_else(|| scope.merchant_id().map(str::to_string));
    html! {
        @if platform {
            div.nav-group { (t(L::PlatformConsole)) }
            (item(Section::PlatformOverview, "/console/platform".into(), L::Overview))
            @if perms.has(Permission::PlatformMerchantsView) {
                (item(Section::Merchants, "/console/platform/merchants".into(), L::Merchants))
            }
            @if perms.has(Permission::PlatformChannelsView) {
                (item(Section::Channels, "/console/platform/channels".into(), L::Channels))
            }
            @if perms.has(Permission::PlatformOperationsView) {
                (item(Section::Webhooks, "/console/platform/webhooks".into(), L::Webhooks))
            }
            @if perms.has(Permission::PlatformAnnouncementsManage) {
                (item(Section::Announcements, "/console/platform/announcements".into(), L::Announcements))
            }
            @if perms.has(Permission::PlatformUsersManage) {
                (item(Section::PlatformUsers, "/console/platform/users".into(), L::UsersAndRoles))
            }
            @if perms.has(Permission::AuditView) {
                (item(Section::PlatformAudit, "/console/platform/audit".into(), L::AuditLog))
            }
        }
        @if let Some(m) = merchant_id.filter(|_| !platform || merchant.is_some()) {
            div.nav-group { (t(L::MerchantConsole)) }
            @if perms.has(Permission::DashboardView) {
                (item(Section::Dashboard, format!("/console/m/{m}"), L::Dashboard))
            }
            @if perms.has(Permission::PaymentsView) {
                (item(Section::Payments, format!("/console/m/{m}/payments"), L::Payments))
                (item(Section::Refunds, format!("/console/m/{m}/refunds"), L::Refunds))
            }
            @if perms.has(Permission::CustomersView) {
                (item(Section::Customers, format!("/console/m/{m}/customers"), L::Customers))
            }
            @if perms.has(Permission::SitesView) {
                (item(Section::Sites, format!("/console/m/{m}/sites"), L::SitesAndTerminals))
            }
            @if perms.has(Permission::UsersView) {
                (item(Section::MerchantUsers, format!("/console/m/{m}/users"), L::UsersAndRoles))
            }
            @if perms.has(Permission::ChannelsView) {
                (item(Section::MerchantChannels, format!("/console/m/{m}/channels"), L::Channels))
            }
            @if perms.has(Permission::AuditView) {
                (item(Section::MerchantAudit, format!("/console/m/{m}/audit"), L::AuditLog))
            }
            (item(Section::MerchantAnnouncements, format!("/console/m/{m}/announcements"), L::Announcements))
        }
        div.nav-group { (t(L::Account)) }
        (item(Section::Account, "/console/account".into(), L::MyAccount))
    }
}

/// The hidden field every form carries.
pub fn csrf_field(signed: &Signed) -> Markup {
    html! { input type="hidden" name="csrf" value=(signed.csrf()); }
}

/// A coloured label for a status.
pub fn badge(lang: Lang, status: &str) -> Markup {
    let tone = match status {
        "succeeded" | "delivered" | "active" | "applied" | "done" => "ok",
        "failed" | "exhausted" | "suspended" | "disabled" | "rejected" => "bad",
        "processing" | "pending" | "sending" | "awaiting_payer" | "paying" | "unknown" | "discrepancy" => "wait",
        _ => "neutral",
    };
    html! { span class={"badge " (tone)} { (crate::format::status(lang, status)) } }
}

/// A key/value list for detail pages.
pub fn facts(rows: &[(String, Markup)]) -> Markup {
    html! {
        dl.facts {
            @for (k, v) in rows {
                div { dt { (k) } dd { (v) } }
            }
        }
    }
}

/// "Next page" for keyset pagination, when there may be more.
pub fn pager(lang: Lang, next: Option<String>) -> Markup {
    html! {
        @if let Some(href) = next {
            nav.pager { a.button.secondary href=(href) rel="next" { (lang.t(L::NextPage)) " →" } }
        }
    }
}

/// An empty list's message.
pub fn empty(lang: Lang) -> Markup {
    html! { p.empty { (lang.t(L::NothingHere)) } }
}

/// A form field with its label.
pub fn field(label: &str, input: Markup) -> Markup {
    html! { label.field { span { (label) } (input) } }
}

/// An inline error above a form.
pub fn form_error(message: Option<&str>) -> Markup {
    html! {
        @if let Some(m) = message {
            div.form-error role="alert" { (m) }
        }
    }
}

/// JSON shown for people (audit before / after), pretty-printed.
pub fn json_block(text: Option<&str>) -> Markup {
    let pretty = text
        .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| text.unwrap_or("").to_string());
    html! { pre.json { (pretty) } }
}

/// Marks text as already-escaped HTML (only for our own SVG charts).
pub fn trusted(svg: String) -> Markup {
    PreEscaped(svg)
}
