//! What a channel can do: which ways it serves and which operations it
//! supports. Served at `GET /v1/channels` as the capability matrix.

use juhe_domain::way::Way;
use serde::Serialize;

/// Every operation of the `Channel` trait, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    Create,
    Query,
    Close,
    Reverse,
    Refund,
    RefundQuery,
    Notification,
    Bill,
}

impl Operation {
    pub const ALL: &'static [Operation] = &[
        Operation::Create,
        Operation::Query,
        Operation::Close,
        Operation::Reverse,
        Operation::Refund,
        Operation::RefundQuery,
        Operation::Notification,
        Operation::Bill,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Query => "query",
            Operation::Close => "close",
            Operation::Reverse => "reverse",
            Operation::Refund => "refund",
            Operation::RefundQuery => "refund_query",
            Operation::Notification => "notification",
            Operation::Bill => "bill",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Capabilities {
    pub ways: Vec<Way>,
    pub operations: Vec<Operation>,
    /// ISO 4217 codes the channel settles in (CNY for the domestic channels).
    pub currencies: Vec<&'static str>,
}

impl Capabilities {
    pub fn supports_way(&self, way: Way) -> bool {
        self.ways.contains(&way)
    }

    pub fn supports(&self, op: Operation) -> bool {
        self.operations.contains(&op)
    }
}
