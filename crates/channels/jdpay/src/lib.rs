//! JD Pay (京东支付): the merchant API (XML, RSA-signed, 3DES-encrypted)
//! as a juhe `Channel` (`client`), JD's side of it as a scriptable sandbox
//! (`sandbox`), and the whole as an external channel service (`service`)
//! that registers with juhe and is called over the channel protocol.
//! Facts, sources and assumptions: README.md.

pub mod client;
pub mod protocol;
pub mod sandbox;
pub mod service;

pub use client::JdPayChannel;
pub use protocol::messages::PRODUCTION_URL;
pub use service::{ServiceConfig, ServiceError, run_service, run_service_until};
