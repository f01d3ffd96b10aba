//! Every channel's sandbox on local ports, each with fixed, committed
//! **test-only** keys, and the payer's phone page that pays their orders.
//!
//! [`start`] binds them all; [`register_merchant`] registers the fixture
//! merchant in each (over HTTP, so it works against a `juhe sandbox`
//! running elsewhere too) and returns the juhe channel configurations that
//! talk to them.

mod error;
pub mod fixtures;
mod merchant;
mod page;
mod start;

pub use error::SandboxError;
pub use merchant::{ChannelSetup, register_merchant};
pub use page::router as page_router;
pub use start::{Endpoints, Running, SandboxConfig, start};
