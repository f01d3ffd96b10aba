//! The channel layer (支付渠道): one `Channel` trait that every institution
//! juhe talks to implements — WeChat Pay, Alipay, UnionPay, the card
//! acquirer, external channel services such as JD Pay — plus what sits in
//! front of them: the registry, routing by way / configuration / priority /
//! limits / health, and a circuit breaker per channel and merchant.
//!
//! Channel modules live in sibling crates (`crates/channels/<name>`) and
//! depend on this one only; nothing here knows about the database or HTTP
//! routes, so each channel is testable against its sandbox alone.

pub mod breaker;
pub mod capability;
pub mod channel;
pub mod config;
pub mod error;
pub mod http;
pub mod notify;
pub mod outcome;
pub mod registry;
pub mod request;
pub mod routing;

pub use capability::{Capabilities, Operation};
pub use channel::Channel;
pub use config::{ChannelConfig, Secrets};
pub use error::ChannelError;
pub use notify::{Ack, InboundRequest, Notification};
pub use outcome::{BillFile, ChannelPaymentState, CreateOutcome, PayAction, RefundReport, RefundState};
pub use registry::Registry;
pub use request::{BillKind, BillRequest, CreatePayment, CreateRefund, PaymentRef, RefundRef};
