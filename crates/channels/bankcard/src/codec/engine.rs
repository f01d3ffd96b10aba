//! Encoding and decoding by the field table. Decoding reads through a
//! bounds-checked cursor, so any input gives a message or a typed error.

use super::bcd;
use super::error::{DecodeError, EncodeError};
use super::message::Message;
use super::spec::{BitmapEnc, DataEnc, Dialect, FieldSpec, LenEnc, LenType, MtiEnc, Pad};

/// The bitmap(s) for `msg`: 8 bytes, or 16 with bit 1 set when a field
/// above 64 is present.
pub fn bitmap(msg: &Message) -> Vec<u8> {
    let secondary = msg.fields().any(|(n, _)| n > 64);
    let mut map = vec![0u8; if secondary { 16 } else { 8 }];
    let mut set = |n: u8| {
        let index = (n as usize - 1) / 8;
        if let Some(byte) = map.get_mut(index) {
            *byte |= 0x80 >> ((n as usize - 1) % 8);
        }
    };
    if secondary {
        set(1);
    }
    for (n, _) in msg.fields() {
        if n >= 2 {
            set(n);
        }
    }
    map
}

pub fn encode(dialect: &Dialect, msg: &Message) -> Result<Vec<u8>, EncodeError> {
    if msg.mti.len() != 4 || !msg.mti.bytes().all(|b| b.is_ascii_digit()) {
        return Err(EncodeError::BadMti);
    }
    let mut out = Vec::with_capacity(128);
    match dialect.mti {
        MtiEnc::Ascii => out.extend_from_slice(msg.mti.as_bytes()),
        MtiEnc::Bcd => out.extend(bcd::pack(&msg.mti, true).ok_or(EncodeError::BadMti)?),
    }
    let specs = msg
        .fields()
        .map(|(n, value)| {
            let spec = dialect
                .field(n)
                .filter(|_| n >= 2)
                .ok_or(EncodeError::UnknownField(n))?;
            Ok((spec, value))
        })
        .collect::<Result<Vec<_>, EncodeError>>()?;
    let map = bitmap(msg);
    for half in map.chunks(8) {
        match dialect.bitmap {
            BitmapEnc::HexAscii => out.extend_from_slice(hex::encode_upper(half).as_bytes()),
            BitmapEnc::Binary => out.extend_from_slice(half),
        }
    }
    for (spec, value) in specs {
        encode_field(spec, value, &mut out)?;
    }
    Ok(out)
}

fn encode_field(spec: &FieldSpec, value: &str, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let field = spec.number;
    let (data, len) = match spec.data {
        DataEnc::Ascii if value.is_ascii() => (value.as_bytes().to_vec(), value.len()),
        DataEnc::Ascii => return Err(EncodeError::BadData { field }),
        DataEnc::Bcd(pad) => {
            let packed = bcd::pack(value, pad == Pad::Left).ok_or(EncodeError::BadData { field })?;
            (packed, value.len())
        }
        DataEnc::Binary => {
            let bytes = hex::decode(value).map_err(|_| EncodeError::BadData { field })?;
            let len = bytes.len();
            (bytes, len)
        }
    };
    if len > spec.max_len {
        return Err(EncodeError::FieldTooLong {
            field,
            len,
            max: spec.max_len,
        });
    }
    let digits = match spec.len_type {
        LenType::Fixed if len != spec.max_len => {
            return Err(EncodeError::WrongFixedLength {
                field,
                len,
                expected: spec.max_len,
            });
        }
        LenType::Fixed => 0,
        LenType::LlVar => 2,
        LenType::LllVar => 3,
    };
    if digits > 0 {
        let too_long = EncodeError::FieldTooLong {
            field,
            len,
            max: spec.max_len,
        };
        let text = format!("{len:0digits$}");
        if text.len() > digits {
            return Err(too_long);
        }
        match spec.len_enc {
            LenEnc::Ascii => out.extend_from_slice(text.as_bytes()),
            LenEnc::Bcd => out.extend(bcd::pack(&text, true).ok_or(EncodeError::BadData { field })?),
            LenEnc::Binary if digits == 2 => out.push(u8::try_from(len).map_err(|_| too_long)?),
            LenEnc::Binary => out.extend_from_slice(&u16::try_from(len).map_err(|_| too_long)?.to_be_bytes()),
        }
    }
    out.extend(data);
    Ok(())
}

/// A bounds-checked cursor over the input.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, part: impl FnOnce() -> String) -> Result<&'a [u8], DecodeError> {
        let available = self.bytes.len() - self.pos;
        if n > available {
            return Err(DecodeError::Truncated {
                part: part(),
                needed: n,
                available,
            });
        }
        let slice = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(slice)
    }
}

pub fn decode(dialect: &Dialect, bytes: &[u8]) -> Result<Message, DecodeError> {
    let mut reader = Reader { bytes, pos: 0 };
    let mti = match dialect.mti {
        MtiEnc::Ascii => {
            let raw = reader.take(4, || "MTI".into())?;
            if !raw.iter().all(u8::is_ascii_digit) {
                return Err(DecodeError::BadMti);
            }
            String::from_utf8_lossy(raw).into_owned()
        }
        MtiEnc::Bcd => {
            let raw = reader.take(2, || "MTI".into())?;
            let text = hex::encode_upper(raw);
            if !text.bytes().all(|b| b.is_ascii_digit()) {
                return Err(DecodeError::BadMti);
            }
            text
        }
    };
    let mut map = read_bitmap(dialect, &mut reader, "primary bitmap")?;
    if map[0] & 0x80 != 0 {
        map.extend(read_bitmap(dialect, &mut reader, "secondary bitmap")?);
    }
    let mut msg = Message::new(mti);
    for n in 2..=(map.len() * 8) {
        if map[(n - 1) / 8] & (0x80 >> ((n - 1) % 8)) == 0 {
            continue;
        }
        let number = u8::try_from(n).map_err(|_| DecodeError::BadBitmap)?;
        let spec = dialect.field(number).ok_or(DecodeError::UnknownField(number))?;
        let value = decode_field(spec, &mut reader)?;
        msg.set(number, value);
    }
    let left = bytes.len() - reader.pos;
    if left > 0 {
        return Err(DecodeError::TrailingBytes(left));
    }
    Ok(msg)
}

fn read_bitmap(dialect: &Dialect, reader: &mut Reader<'_>, part: &str) -> Result<Vec<u8>, DecodeError> {
    match dialect.bitmap {
        BitmapEnc::Binary => Ok(reader.take(8, || part.into())?.to_vec()),
        BitmapEnc::HexAscii => {
            let raw = reader.take(16, || part.into())?;
            hex::decode(raw).map_err(|_| DecodeError::BadBitmap)
        }
    }
}

fn decode_field(spec: &FieldSpec, reader: &mut Reader<'_>) -> Result<String, DecodeError> {
    let field = spec.number;
    let part = || format!("field {field}");
    let digits = match spec.len_type {
        LenType::Fixed => 0,
        LenType::LlVar => 2,
        LenType::LllVar => 3,
    };
    let len = if digits == 0 {
        spec.max_len
    } else {
        let bad = DecodeError::BadLength { field };
        match spec.len_enc {
            LenEnc::Ascii => {
                let raw = reader.take(digits, part)?;
                if !raw.iter().all(u8::is_ascii_digit) {
                    return Err(bad);
                }
                raw.iter().fold(0usize, |acc, d| acc * 10 + (d - b'0') as usize)
            }
            LenEnc::Bcd => bcd::decimal(reader.take(digits.div_ceil(2), part)?).ok_or(bad)?,
            LenEnc::Binary if digits == 2 => reader.take(1, part)?[0] as usize,
            LenEnc::Binary => {
                let raw = reader.take(2, part)?;
                u16::from_be_bytes([raw[0], raw[1]]) as usize
            }
        }
    };
    if len > spec.max_len {
        return Err(DecodeError::FieldTooLong {
            field,
            len,
            max: spec.max_len,
        });
    }
    match spec.data {
        DataEnc::Ascii => {
            let raw = reader.take(len, part)?;
            if !raw.is_ascii() {
                return Err(DecodeError::BadData { field });
            }
            Ok(String::from_utf8_lossy(raw).into_owned())
        }
        DataEnc::Bcd(pad) => Ok(bcd::unpack(reader.take(len.div_ceil(2), part)?, len, pad == Pad::Left)),
        DataEnc::Binary => Ok(hex::encode_upper(reader.take(len, part)?)),
    }
}
