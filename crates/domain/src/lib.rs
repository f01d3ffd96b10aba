//! juhe's domain core.
//!
//! Pure rules with no I/O and no async: money and its rounding, the state
//! machines of payments, refunds, holds and webhook deliveries, the rules a
//! journal entry must satisfy, and the error codes clients see. Everything
//! around this crate (storage, HTTP, channels) asks it what is allowed.

pub mod access;
pub mod error;
pub mod fee;
pub mod hold;
pub mod ledger;
pub mod login;
pub mod model;
pub mod money;
pub mod payment;
pub mod refund;
pub mod site;
pub mod state;
pub mod way;
pub mod webhook;

pub use error::{DomainError, ErrorCode};
pub use money::{Currency, Money, Rounding};
