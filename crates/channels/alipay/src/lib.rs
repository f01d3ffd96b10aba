//! Alipay OpenAPI (v2 `gateway.do`, RSA2) for juhe: face-to-face payments
//! by QR code and payment code, query, close, cancel, refunds, refund
//! query, asynchronous notifications and the trade bill.
//!
//! - `protocol`: the wire format, shared by both sides.
//! - `client`: `AlipayChannel`, the `juhe_channel::Channel` implementation.
//! - `sandbox`: Alipay's side of the same protocol, in process, scriptable.

pub mod client;
pub mod protocol;
pub mod sandbox;

pub use client::AlipayChannel;
