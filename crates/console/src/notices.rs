//! Confirmations shown after a change: the page redirects with `?done=…`
//! and the next page shows the matching label. Only known codes show.

use crate::i18n::L;

const NOTICES: &[(&str, L)] = &[
    ("saved", L::NoticeSaved),
    ("created", L::NoticeCreated),
    ("password", L::NoticePasswordChanged),
    ("signed_out_elsewhere", L::NoticeSignedOutElsewhere),
    ("resent", L::NoticeResent),
    ("refunded", L::NoticeRefundCreated),
    ("published", L::NoticePublished),
    ("withdrawn", L::NoticeWithdrawn),
    ("unlocked", L::NoticeUnlocked),
    ("deleted", L::NoticeDeleted),
];

pub fn notice(code: Option<&str>) -> Option<L> {
    let code = code?;
    NOTICES.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

/// `path?done=code` (or `&done=` when the path has a query already).
pub fn with(path: &str, code: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}done={code}")
}

/// The `done` query parameter of a page.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Done {
    pub done: Option<String>,
}

impl Done {
    pub fn notice(&self) -> Option<L> {
        notice(self.done.as_deref())
    }
}
