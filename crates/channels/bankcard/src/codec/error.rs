//! Typed codec errors. They name fields and lengths, never field contents
//! (a field may hold a card number or key material).

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("message truncated in {part}: needed {needed} bytes, {available} left")]
    Truncated {
        part: String,
        needed: usize,
        available: usize,
    },
    #[error("field {field}: unreadable length prefix")]
    BadLength { field: u8 },
    #[error("field {field}: length {len} exceeds the maximum {max}")]
    FieldTooLong { field: u8, len: usize, max: usize },
    #[error("field {0} is present in the bitmap but unknown to the dialect")]
    UnknownField(u8),
    #[error("unreadable message type indicator")]
    BadMti,
    #[error("unreadable bitmap")]
    BadBitmap,
    #[error("field {field}: data is not valid for its encoding")]
    BadData { field: u8 },
    #[error("{0} bytes left over after the last field")]
    TrailingBytes(usize),
    #[error("unreadable frame: {0}")]
    BadFrame(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("field {0} is unknown to the dialect")]
    UnknownField(u8),
    #[error("field {field}: length {len} exceeds the maximum {max}")]
    FieldTooLong { field: u8, len: usize, max: usize },
    #[error("field {field}: fixed length {expected}, got {len}")]
    WrongFixedLength { field: u8, len: usize, expected: usize },
    #[error("field {field}: value has characters its encoding cannot carry")]
    BadData { field: u8 },
    #[error("the message type indicator must be four digits")]
    BadMti,
    #[error("frame: {0}")]
    BadFrame(String),
}
