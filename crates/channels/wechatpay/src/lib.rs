//! WeChat Pay API v3 (微信支付 APIv3, direct merchants) for juhe.
//!
//! - `protocol`: the wire protocol both sides share — request and response
//!   signatures, notification envelopes and their AES-256-GCM resources, the
//!   JSON models with WeChat's field names, state and error mappings, and
//!   the trade-bill file format.
//! - `client`: [`WechatPayChannel`], juhe's `Channel` implementation.
//! - `sandbox`: the institution's side of the same protocol, in-process,
//!   scriptable through `juhe_sandbox_kit`.

pub mod client;
pub mod protocol;
pub mod sandbox;

pub use client::{PRODUCTION_URL, WechatPayChannel};
