//! A field-table-driven ISO 8583 codec. A [`Dialect`] names how the MTI and
//! bitmaps are written and lists every field it knows with its length type,
//! length encoding and data encoding; [`encode`] and [`decode`] only follow
//! the table, so the acquirer's terminal dialect and the CUPS ASCII dialect
//! share one implementation.
//!
//! Field values are text, as in pyiso8583: ASCII fields as they are, BCD
//! fields as their nibbles (`0-9`, plus `D` for the track-2 separator),
//! binary fields as upper-case hex.

mod bcd;
pub mod cups_ascii;
mod engine;
mod error;
mod message;
pub mod posp;
mod spec;

pub use engine::{bitmap, decode, encode};
pub use error::{DecodeError, EncodeError};
pub use message::Message;
pub use spec::{BitmapEnc, DataEnc, Dialect, FieldSpec, LenEnc, LenType, MtiEnc, Pad};
