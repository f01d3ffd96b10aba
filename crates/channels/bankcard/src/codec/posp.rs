//! The CUP terminal ("POSP") dialect: BCD MTI, binary bitmap, BCD LL/LLL
//! lengths, numeric fields in BCD, text in ASCII, PIN / chip / key / MAC
//! data binary. On the wire each message is `len(2, binary) ‖ TPDU(5) ‖
//! header(6) ‖ message`.

use super::error::{DecodeError, EncodeError};
use super::spec::{BitmapEnc, DataEnc, Dialect, FieldSpec, LenEnc, LenType, MtiEnc, Pad};

const fn field(number: u8, len_type: LenType, data: DataEnc, max_len: usize, name: &'static str) -> FieldSpec {
    FieldSpec {
        number,
        len_type,
        len_enc: LenEnc::Bcd,
        data,
        max_len,
        name,
    }
}

use DataEnc::{Ascii, Binary};
use LenType::{Fixed, LlVar, LllVar};
/// Fixed numeric: right-aligned, filler nibble on the left.
const N_FIXED: DataEnc = DataEnc::Bcd(Pad::Left);
/// Variable numeric and track data: left-aligned, filler nibble on the right.
const N_VAR: DataEnc = DataEnc::Bcd(Pad::Right);

const FIELDS: &[FieldSpec] = &[
    field(2, LlVar, N_VAR, 19, "Primary account number, n..19"),
    field(3, Fixed, N_FIXED, 6, "Processing code, n6"),
    field(4, Fixed, N_FIXED, 12, "Amount, transaction (minor units), n12"),
    field(11, Fixed, N_FIXED, 6, "System trace audit number, n6"),
    field(12, Fixed, N_FIXED, 6, "Time, local transaction hhmmss, n6"),
    field(13, Fixed, N_FIXED, 4, "Date, local transaction MMDD, n4"),
    field(14, Fixed, N_FIXED, 4, "Date, expiration YYMM, n4"),
    field(15, Fixed, N_FIXED, 4, "Date, settlement MMDD, n4"),
    field(22, Fixed, N_FIXED, 3, "POS entry mode, n3"),
    field(23, Fixed, N_FIXED, 3, "Card sequence number, n3"),
    field(25, Fixed, N_FIXED, 2, "POS condition code, n2"),
    field(26, Fixed, N_FIXED, 2, "POS PIN capture code, n2"),
    field(32, LlVar, N_VAR, 11, "Acquiring institution id, n..11"),
    field(35, LlVar, N_VAR, 37, "Track 2 data, z..37"),
    field(36, LllVar, N_VAR, 104, "Track 3 data, z...104"),
    field(37, Fixed, Ascii, 12, "Retrieval reference number, an12"),
    field(38, Fixed, Ascii, 6, "Authorization id response, an6"),
    field(39, Fixed, Ascii, 2, "Response code, an2"),
    field(41, Fixed, Ascii, 8, "Card acceptor terminal id, ans8"),
    field(42, Fixed, Ascii, 15, "Card acceptor id code, ans15"),
    field(44, LlVar, Ascii, 25, "Additional response data, an..25"),
    field(
        48,
        LllVar,
        N_VAR,
        322,
        "Additional data, private (settlement totals), n...322",
    ),
    field(49, Fixed, Ascii, 3, "Currency code, transaction, an3"),
    field(52, Fixed, Binary, 8, "PIN data, b64"),
    field(53, Fixed, N_FIXED, 16, "Security related control information, n16"),
    field(55, LllVar, Binary, 255, "ICC system related data, b...255"),
    field(
        60,
        LllVar,
        N_VAR,
        17,
        "Reserved private: type code, batch, network code, n...17",
    ),
    field(61, LllVar, N_VAR, 29, "Original message: batch, trace, date, n...29"),
    field(62, LllVar, Binary, 512, "Reserved private: working keys, b...512"),
    field(63, LllVar, Ascii, 163, "Reserved private: operator, ans...163"),
    field(64, Fixed, Binary, 8, "Message authentication code, b64"),
];

pub const POSP: Dialect = Dialect {
    name: "cup-posp",
    mti: MtiEnc::Bcd,
    bitmap: BitmapEnc::Binary,
    fields: FIELDS,
};

/// The header juhe sends: application type 60, software version 31,
/// terminal status 0, processing requirement 0, software sub-version 310000.
pub const DEFAULT_HEADER: [u8; 6] = [0x60, 0x31, 0x00, 0x31, 0x00, 0x00];

/// The 5-byte TPDU: id `60`, destination address, source address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tpdu {
    pub destination: [u8; 2],
    pub source: [u8; 2],
}

impl Tpdu {
    /// From 10 hex digits starting with `60` (the `tpdu` parameter).
    pub fn parse_hex(text: &str) -> Option<Tpdu> {
        let bytes = hex::decode(text).ok()?;
        match bytes.as_slice() {
            [0x60, d1, d2, s1, s2] => Some(Tpdu {
                destination: [*d1, *d2],
                source: [*s1, *s2],
            }),
            _ => None,
        }
    }

    /// The answer goes back with the addresses swapped.
    pub fn reply(self) -> Tpdu {
        Tpdu {
            destination: self.source,
            source: self.destination,
        }
    }

    pub fn to_bytes(self) -> [u8; 5] {
        [
            0x60,
            self.destination[0],
            self.destination[1],
            self.source[0],
            self.source[1],
        ]
    }
}

/// A message with its TPDU and header, without the length prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub tpdu: Tpdu,
    pub header: [u8; 6],
    pub body: Vec<u8>,
}

impl Frame {
    /// The bytes on the wire: 2-byte big-endian length, TPDU, header, body.
    pub fn to_wire(&self) -> Result<Vec<u8>, EncodeError> {
        let len = u16::try_from(5 + 6 + self.body.len())
            .map_err(|_| EncodeError::BadFrame(format!("{} bytes exceed a 2-byte length", self.body.len())))?;
        let mut out = Vec::with_capacity(2 + len as usize);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&self.tpdu.to_bytes());
        out.extend_from_slice(&self.header);
        out.extend_from_slice(&self.body);
        Ok(out)
    }

    /// Reads what follows the length prefix (already consumed by the reader).
    pub fn parse(bytes: &[u8]) -> Result<Frame, DecodeError> {
        let (tpdu, rest) = bytes
            .split_at_checked(5)
            .ok_or_else(|| DecodeError::BadFrame("shorter than a TPDU".into()))?;
        let (header, body) = rest
            .split_at_checked(6)
            .ok_or_else(|| DecodeError::BadFrame("shorter than the header".into()))?;
        let tpdu = match tpdu {
            [0x60, d1, d2, s1, s2] => Tpdu {
                destination: [*d1, *d2],
                source: [*s1, *s2],
            },
            _ => return Err(DecodeError::BadFrame("TPDU id is not 60".into())),
        };
        let mut head = [0u8; 6];
        head.copy_from_slice(header);
        Ok(Frame {
            tpdu,
            header: head,
            body: body.to_vec(),
        })
    }
}
