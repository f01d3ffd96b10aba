//! The CUPS-style ASCII dialect of the vector: ASCII MTI, hex-ASCII
//! bitmaps, every field ASCII with ASCII lengths (the layout of
//! pyiso8583's `default_ascii`), framed by a 4-digit ASCII length.

use super::error::{DecodeError, EncodeError};
use super::spec::{BitmapEnc, DataEnc, Dialect, FieldSpec, LenEnc, LenType, MtiEnc};

const fn ascii(number: u8, len_type: LenType, max_len: usize, name: &'static str) -> FieldSpec {
    FieldSpec {
        number,
        len_type,
        len_enc: LenEnc::Ascii,
        data: DataEnc::Ascii,
        max_len,
        name,
    }
}

const FIELDS: &[FieldSpec] = &[
    ascii(2, LenType::LlVar, 19, "Primary Account Number (PAN)"),
    ascii(3, LenType::Fixed, 6, "Processing Code"),
    ascii(4, LenType::Fixed, 12, "Amount, Transaction"),
    ascii(5, LenType::Fixed, 12, "Amount, Settlement"),
    ascii(6, LenType::Fixed, 12, "Amount, Cardholder Billing"),
    ascii(7, LenType::Fixed, 10, "Transmission Date and Time"),
    ascii(8, LenType::Fixed, 8, "Amount, Cardholder Billing Fee"),
    ascii(9, LenType::Fixed, 8, "Conversion Rate, Settlement"),
    ascii(10, LenType::Fixed, 8, "Conversion Rate, Cardholder Billing"),
    ascii(11, LenType::Fixed, 6, "System Trace Audit Number"),
    ascii(12, LenType::Fixed, 6, "Time, Local Transaction"),
    ascii(13, LenType::Fixed, 4, "Date, Local Transaction"),
    ascii(14, LenType::Fixed, 4, "Date, Expiration"),
    ascii(15, LenType::Fixed, 4, "Date, Settlement"),
    ascii(16, LenType::Fixed, 4, "Date, Conversion"),
    ascii(17, LenType::Fixed, 4, "Date, Capture"),
    ascii(18, LenType::Fixed, 4, "Merchant Type"),
    ascii(19, LenType::Fixed, 3, "Acquiring Institution Country Code"),
    ascii(20, LenType::Fixed, 3, "PAN Country Code"),
    ascii(21, LenType::Fixed, 3, "Forwarding Institution Country Code"),
    ascii(22, LenType::Fixed, 3, "Point-of-Service Entry Mode"),
    ascii(23, LenType::Fixed, 3, "PAN Sequence Number"),
    ascii(24, LenType::Fixed, 3, "Network International ID (NII)"),
    ascii(25, LenType::Fixed, 2, "Point-of-Service Condition Code"),
    ascii(26, LenType::Fixed, 2, "Point-of-Service Capture Code"),
    ascii(27, LenType::Fixed, 1, "Authorizing ID Response Length"),
    ascii(28, LenType::Fixed, 9, "Amount, Transaction Fee"),
    ascii(29, LenType::Fixed, 9, "Amount, Settlement Fee"),
    ascii(30, LenType::Fixed, 9, "Amount, Transaction Processing Fee"),
    ascii(31, LenType::Fixed, 9, "Amount, Settlement Processing Fee"),
    ascii(32, LenType::LlVar, 11, "Acquiring Institution ID Code"),
    ascii(33, LenType::LlVar, 11, "Forwarding Institution ID Code"),
    ascii(34, LenType::LlVar, 28, "Primary Account Number, Extended"),
    ascii(35, LenType::LlVar, 37, "Track 2 Data"),
    ascii(36, LenType::LllVar, 104, "Track 3 Data"),
    ascii(37, LenType::Fixed, 12, "Retrieval Reference Number"),
    ascii(38, LenType::Fixed, 6, "Authorization ID Response"),
    ascii(39, LenType::Fixed, 2, "Response Code"),
    ascii(40, LenType::Fixed, 3, "Service Restriction Code"),
    ascii(41, LenType::Fixed, 8, "Card Acceptor Terminal ID"),
    ascii(42, LenType::Fixed, 15, "Card Acceptor ID Code"),
    ascii(43, LenType::Fixed, 40, "Card Acceptor Name/Location"),
    ascii(44, LenType::LlVar, 25, "Additional Response Data"),
    ascii(45, LenType::LlVar, 76, "Track 1 Data"),
    ascii(46, LenType::LllVar, 999, "Additional Data - ISO"),
    ascii(47, LenType::LllVar, 999, "Additional Data - National"),
    ascii(48, LenType::LllVar, 999, "Additional Data - Private"),
    ascii(49, LenType::Fixed, 3, "Currency Code, Transaction"),
    ascii(50, LenType::Fixed, 3, "Currency Code, Settlement"),
    ascii(51, LenType::Fixed, 3, "Currency Code, Cardholder Billing"),
    ascii(52, LenType::Fixed, 16, "PIN"),
    ascii(53, LenType::Fixed, 16, "Security-Related Control Information"),
    ascii(54, LenType::LllVar, 240, "Additional Amounts"),
    ascii(55, LenType::LllVar, 510, "ICC data"),
    ascii(56, LenType::LllVar, 999, "Reserved ISO"),
    ascii(57, LenType::LllVar, 999, "Reserved National"),
    ascii(58, LenType::LllVar, 999, "Reserved National"),
    ascii(59, LenType::LllVar, 999, "Reserved National"),
    ascii(60, LenType::LllVar, 999, "Reserved National"),
    ascii(61, LenType::LllVar, 999, "Reserved Private"),
    ascii(62, LenType::LllVar, 999, "Reserved Private"),
    ascii(63, LenType::LllVar, 999, "Reserved Private"),
    ascii(64, LenType::Fixed, 16, "MAC"),
    ascii(65, LenType::Fixed, 16, "Bitmap, Extended"),
    ascii(66, LenType::Fixed, 1, "Settlement Code"),
    ascii(67, LenType::Fixed, 2, "Extended Payment Code"),
    ascii(68, LenType::Fixed, 3, "Receiving Institution Country Code"),
    ascii(69, LenType::Fixed, 3, "Settlement Institution Country Code"),
    ascii(70, LenType::Fixed, 3, "Network Management Information Code"),
    ascii(71, LenType::Fixed, 4, "Message Number"),
    ascii(72, LenType::Fixed, 4, "Message Number, Last"),
    ascii(73, LenType::Fixed, 6, "Date, Action"),
    ascii(74, LenType::Fixed, 10, "Credits, Number"),
    ascii(75, LenType::Fixed, 10, "Credits, Reversal Number"),
    ascii(76, LenType::Fixed, 10, "Debits, Number"),
    ascii(77, LenType::Fixed, 10, "Debits, Reversal Number"),
    ascii(78, LenType::Fixed, 10, "Transfer, Number"),
    ascii(79, LenType::Fixed, 10, "Transfer, Reversal Number"),
    ascii(80, LenType::Fixed, 10, "Inquiries, Number"),
    ascii(81, LenType::Fixed, 10, "Authorizations, Number"),
    ascii(82, LenType::Fixed, 12, "Credits, Processing Fee Amount"),
    ascii(83, LenType::Fixed, 12, "Credits, Transaction Fee Amount"),
    ascii(84, LenType::Fixed, 12, "Debits, Processing Fee Amount"),
    ascii(85, LenType::Fixed, 12, "Debits, Transaction Fee Amount"),
    ascii(86, LenType::Fixed, 16, "Credits, Amount"),
    ascii(87, LenType::Fixed, 16, "Credits, Reversal Amount"),
    ascii(88, LenType::Fixed, 16, "Debits, Amount"),
    ascii(89, LenType::Fixed, 16, "Debits, Reversal Amount"),
    ascii(90, LenType::Fixed, 42, "Original Data Elements"),
    ascii(91, LenType::Fixed, 1, "File Update Code"),
    ascii(92, LenType::Fixed, 2, "File Security Code"),
    ascii(93, LenType::Fixed, 5, "Response Indicator"),
    ascii(94, LenType::Fixed, 7, "Service Indicator"),
    ascii(95, LenType::Fixed, 42, "Replacement Amounts"),
    ascii(96, LenType::Fixed, 16, "Message Security Code"),
    ascii(97, LenType::Fixed, 17, "Amount, Net Settlement"),
    ascii(98, LenType::Fixed, 25, "Payee"),
    ascii(99, LenType::LlVar, 11, "Settlement Institution ID Code"),
    ascii(100, LenType::LlVar, 11, "Receiving Institution ID Code"),
    ascii(101, LenType::LlVar, 17, "File Name"),
    ascii(102, LenType::LlVar, 28, "Account ID 1"),
    ascii(103, LenType::LlVar, 28, "Account ID 2"),
    ascii(104, LenType::LllVar, 100, "Transaction Description"),
    ascii(105, LenType::LllVar, 999, "Reserved for ISO Use"),
    ascii(106, LenType::LllVar, 999, "Reserved for ISO Use"),
    ascii(107, LenType::LllVar, 999, "Reserved for ISO Use"),
    ascii(108, LenType::LllVar, 999, "Reserved for ISO Use"),
    ascii(109, LenType::LllVar, 999, "Reserved for ISO Use"),
    ascii(110, LenType::LllVar, 999, "Reserved for ISO Use"),
    ascii(111, LenType::LllVar, 999, "Reserved for ISO Use"),
    ascii(112, LenType::LllVar, 999, "Reserved for National Use"),
    ascii(113, LenType::LllVar, 999, "Reserved for National Use"),
    ascii(114, LenType::LllVar, 999, "Reserved for National Use"),
    ascii(115, LenType::LllVar, 999, "Reserved for National Use"),
    ascii(116, LenType::LllVar, 999, "Reserved for National Use"),
    ascii(117, LenType::LllVar, 999, "Reserved for National Use"),
    ascii(118, LenType::LllVar, 999, "Reserved for National Use"),
    ascii(119, LenType::LllVar, 999, "Reserved for National Use"),
    ascii(120, LenType::LllVar, 999, "Reserved for Private Use"),
    ascii(121, LenType::LllVar, 999, "Reserved for Private Use"),
    ascii(122, LenType::LllVar, 999, "Reserved for Private Use"),
    ascii(123, LenType::LllVar, 999, "Reserved for Private Use"),
    ascii(124, LenType::LllVar, 999, "Reserved for Private Use"),
    ascii(125, LenType::LllVar, 999, "Reserved for Private Use"),
    ascii(126, LenType::LllVar, 999, "Reserved for Private Use"),
    ascii(127, LenType::LllVar, 999, "Reserved for Private Use"),
    ascii(128, LenType::Fixed, 16, "MAC"),
];

pub const CUPS_ASCII: Dialect = Dialect {
    name: "cups-ascii",
    mti: MtiEnc::Ascii,
    bitmap: BitmapEnc::HexAscii,
    fields: FIELDS,
};

/// Prefixes a message with its length as four ASCII digits.
pub fn frame(body: &[u8]) -> Result<Vec<u8>, EncodeError> {
    if body.len() > 9999 {
        return Err(EncodeError::BadFrame(format!(
            "{} bytes do not fit a 4-digit length",
            body.len()
        )));
    }
    let mut out = format!("{:04}", body.len()).into_bytes();
    out.extend_from_slice(body);
    Ok(out)
}

/// Strips and checks the 4-digit ASCII length prefix.
pub fn unframe(bytes: &[u8]) -> Result<&[u8], DecodeError> {
    let (prefix, body) = bytes
        .split_at_checked(4)
        .ok_or_else(|| DecodeError::BadFrame("shorter than its length prefix".into()))?;
    let len = std::str::from_utf8(prefix)
        .ok()
        .and_then(|t| t.parse::<usize>().ok())
        .ok_or_else(|| DecodeError::BadFrame("length prefix is not four digits".into()))?;
    if len != body.len() {
        return Err(DecodeError::BadFrame(format!(
            "length prefix {len}, body {} bytes",
            body.len()
        )));
    }
    Ok(body)
}
