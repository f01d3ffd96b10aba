//! The vocabulary of a field table.

/// How a variable field announces its length (fixed fields have none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LenType {
    Fixed,
    /// Up to 99: two ASCII digits, or one BCD / binary byte.
    LlVar,
    /// Up to 999: three ASCII digits, or two BCD / binary bytes.
    LllVar,
}

/// How a length prefix is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LenEnc {
    Ascii,
    Bcd,
    /// Unsigned big-endian integer.
    Binary,
}

/// Where the filler nibble `0` goes when a BCD value has an odd number of
/// digits: CUP terminal fixed numeric fields are right-aligned (filler on
/// the left), variable ones left-aligned (filler on the right).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pad {
    Left,
    Right,
}

/// How a field's data is written. Lengths count characters (ASCII),
/// nibbles (BCD) or bytes (binary).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataEnc {
    Ascii,
    Bcd(Pad),
    Binary,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MtiEnc {
    /// Four ASCII digits.
    Ascii,
    /// Two BCD bytes.
    Bcd,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BitmapEnc {
    /// 16 upper-case hex characters per bitmap.
    HexAscii,
    /// 8 bytes per bitmap.
    Binary,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    pub number: u8,
    pub len_type: LenType,
    pub len_enc: LenEnc,
    pub data: DataEnc,
    /// The fixed length, or the maximum of a variable one.
    pub max_len: usize,
    pub name: &'static str,
}

/// A message layout: MTI and bitmap encodings and the known fields.
#[derive(Debug, Clone, Copy)]
pub struct Dialect {
    pub name: &'static str,
    pub mti: MtiEnc,
    pub bitmap: BitmapEnc,
    pub fields: &'static [FieldSpec],
}

impl Dialect {
    pub fn field(&self, number: u8) -> Option<&'static FieldSpec> {
        self.fields.iter().find(|f| f.number == number)
    }
}
