//! Shared machinery of the channel sandboxes. Each sandbox (in its
//! channel's crate) speaks its channel's real protocol; what the simulated
//! payer does, and which faults the simulated institution injects, is
//! scripted here in one vocabulary for all of them:
//!
//! `POST /_sandbox/script` with `{"match": {...}, "behaviour": {...}, "times": n}`
//! adds a rule; `DELETE /_sandbox/script` clears them; `POST /_sandbox/faults`
//! sets faults. Rules match an order by amount, payment code, or order
//! number (first match wins, `times` counts down); with no match the payer
//! waits (QR) or pays at once (payment code).

pub mod behaviour;
pub mod control;
pub mod local;
pub mod notifier;
pub mod sdk_check;

pub use behaviour::{Behaviour, Faults, Match, Rule, Script};
pub use control::control_router;
pub use local::{LocalServer, serve_local, serve_on, throttling_gateway};
pub use notifier::{Delivery, Notifier};
