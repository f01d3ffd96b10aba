//! The payment service: what juhe does with money, one use case per module.
//!
//! Each use case is an async function over an open write transaction
//! ([`juhe_store::Tx`]), so the HTTP edge can compose it with idempotency
//! records in one commit, and the group-commit writer can batch many of them.
//! Rules come from `juhe-domain`; SQL stays in `juhe-store`.

pub mod announcements;
pub mod audit;
pub mod caller;
pub mod channels;
pub mod customers;
pub mod deliveries;
pub mod error;
pub mod events;
pub mod fingerprint;
pub mod identity;
pub mod maintenance;
pub mod merchants;
pub mod payments;
pub mod provision;
pub mod refunds;
pub mod sites;
pub mod staff_refunds;
pub mod topups;
pub mod views;

pub use caller::Caller;
pub use error::ServiceError;
