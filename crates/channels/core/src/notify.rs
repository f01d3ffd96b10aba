//! Inbound notifications from channels: the raw request as juhe received
//! it, what it says once verified and decrypted, and the exact answer the
//! channel expects back.

use crate::outcome::{ChannelPaymentState, RefundReport};
use std::borrow::Cow;

/// An inbound HTTP request, as received. Header names are lower-case.
#[derive(Debug, Clone)]
pub struct InboundRequest {
    pub headers: Vec<(String, String)>,
    pub query: Option<String>,
    pub body: Vec<u8>,
    /// Unix seconds at arrival, for freshness windows.
    pub received_at_s: i64,
}

impl InboundRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A verified notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notification {
    Payment {
        channel_order_no: String,
        state: ChannelPaymentState,
    },
    Refund {
        channel_order_no: String,
        report: RefundReport,
    },
    /// Verified, but about nothing juhe acts on (acknowledged all the same).
    Ignored { reason: String },
}

/// The HTTP answer a channel expects (WeChat: 200/204 or a JSON `FAIL`;
/// Alipay: the bare text `success`; UnionPay: 200 `ok`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    pub status: u16,
    /// Built-in channels name a fixed type; an external service declares
    /// its own once, at registration.
    pub content_type: Cow<'static, str>,
    pub body: Vec<u8>,
}

impl Ack {
    pub fn text(status: u16, body: &str) -> Ack {
        Ack {
            status,
            content_type: Cow::Borrowed("text/plain; charset=utf-8"),
            body: body.as_bytes().to_vec(),
        }
    }

    pub fn json(status: u16, body: &serde_json::Value) -> Ack {
        Ack {
            status,
            content_type: Cow::Borrowed("application/json"),
            body: body.to_string().into_bytes(),
        }
    }

    pub fn empty(status: u16) -> Ack {
        Ack {
            status,
            content_type: Cow::Borrowed("text/plain; charset=utf-8"),
            body: Vec::new(),
        }
    }
}
