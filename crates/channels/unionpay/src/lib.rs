//! UnionPay online payments (全渠道, ACP 5.1.0): the client juhe uses
//! (`UnionPayChannel`) and a sandbox that speaks the same protocol from
//! UnionPay's side (`sandbox::router`). Both share `protocol`.

pub mod client;
pub mod protocol;

pub use client::UnionPayChannel;
pub use protocol::PRODUCTION_URL;
pub mod sandbox;
