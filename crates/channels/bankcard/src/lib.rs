//! Card-present payments through an acquirer's host over ISO 8583.
//!
//! juhe is the terminal-side front: lane terminals and POS read the card,
//! juhe builds the CUP terminal ("POSP") messages, MACs them with the
//! terminal's working MAC key and talks to the acquirer over TCP.
//!
//! - [`codec`]: the field-table-driven ISO 8583 codec and its two dialects.
//! - [`keys`], [`mac`]: TMK / working keys and the message MACs.
//! - [`journal`]: trace / batch numbers and the transaction journal, both
//!   provided by the caller (who persists them).
//! - [`client`]: `BankcardChannel`, the `Channel` implementation.
//! - [`sandbox`]: an acquirer host simulator over TCP.

pub mod client;
pub mod codec;
pub mod journal;
pub mod keys;
pub mod mac;
pub mod sandbox;
pub mod totals;
pub mod wire;

pub use client::BankcardChannel;
pub use journal::{InMemoryJournal, InMemoryTraceCounter, Journal, TraceCounter, TxnKind, TxnRecord, TxnState};
