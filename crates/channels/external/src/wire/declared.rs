//! What a service declares at registration: its capabilities, operation
//! names and notification acks.

use juhe_channel::{Ack, Operation};
use juhe_domain::way::Way;
use serde::{Deserialize, Serialize};

/// The exact HTTP answer the institution expects to a notification,
/// declared once at registration (juhe's `Channel::ack` is synchronous, so
/// it cannot ask the service per notification).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireAck {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

impl WireAck {
    pub fn from_ack(a: &Ack) -> WireAck {
        WireAck {
            status: a.status,
            content_type: a.content_type.to_string(),
            body: String::from_utf8_lossy(&a.body).into_owned(),
        }
    }

    /// The answer as declared. The registration was refused unless its
    /// content type is a valid header value (`valid_content_type`).
    pub fn to_ack(&self) -> Ack {
        Ack {
            status: self.status,
            content_type: std::borrow::Cow::Owned(self.content_type.clone()),
            body: self.body.as_bytes().to_vec(),
        }
    }

    /// Checks what a registration declares: a status juhe can send and a
    /// content type that is a plain header value (visible ASCII, at most
    /// 128 characters), so that juhe's answer to the institution is exactly
    /// the declared one.
    pub fn check(&self) -> Result<(), String> {
        if !(200..=599).contains(&self.status) {
            return Err(format!("ack status {} is not an HTTP status juhe answers", self.status));
        }
        let ct = &self.content_type;
        if ct.is_empty() || ct.len() > 128 || !ct.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            return Err("ack content_type must be 1-128 visible ASCII characters".into());
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireAcks {
    pub accepted: WireAck,
    pub rejected: WireAck,
}

/// What a service can do, as registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireCapabilities {
    pub ways: Vec<Way>,
    pub operations: Vec<WireOperation>,
    pub currencies: Vec<String>,
}

/// The operation names of protocol 1 (the same words as `Operation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WireOperation {
    Create,
    Query,
    Close,
    Reverse,
    Refund,
    RefundQuery,
    Notification,
    Bill,
}

impl From<WireOperation> for Operation {
    fn from(o: WireOperation) -> Operation {
        match o {
            WireOperation::Create => Operation::Create,
            WireOperation::Query => Operation::Query,
            WireOperation::Close => Operation::Close,
            WireOperation::Reverse => Operation::Reverse,
            WireOperation::Refund => Operation::Refund,
            WireOperation::RefundQuery => Operation::RefundQuery,
            WireOperation::Notification => Operation::Notification,
            WireOperation::Bill => Operation::Bill,
        }
    }
}

impl From<Operation> for WireOperation {
    fn from(o: Operation) -> WireOperation {
        match o {
            Operation::Create => WireOperation::Create,
            Operation::Query => WireOperation::Query,
            Operation::Close => WireOperation::Close,
            Operation::Reverse => WireOperation::Reverse,
            Operation::Refund => WireOperation::Refund,
            Operation::RefundQuery => WireOperation::RefundQuery,
            Operation::Notification => WireOperation::Notification,
            Operation::Bill => WireOperation::Bill,
        }
    }
}

/// The path segment of each operation call (`POST {base}/{path}`).
pub fn operation_path(op: Operation) -> &'static str {
    match op {
        Operation::Create => "/create",
        Operation::Query => "/query",
        Operation::Close => "/close",
        Operation::Reverse => "/reverse",
        Operation::Refund => "/refund",
        Operation::RefundQuery => "/refund-query",
        Operation::Notification => "/notification",
        Operation::Bill => "/bill",
    }
}
