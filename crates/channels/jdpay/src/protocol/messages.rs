//! The operations, field values and state codes of the JD Pay merchant
//! API as this crate speaks them. Sources and assumptions: README.md.

use crate::protocol::error::ProtocolError;

/// Production host of the payment gateway (IJPay `JdPayApi`).
pub const PRODUCTION_URL: &str = "https://paygate.jd.com";

/// 统一下单 (QR: the payer scans).
pub const PATH_UNIORDER: &str = "/service/uniorder";
/// 付款码支付 (the merchant scans the payer's code).
pub const PATH_FKM_PAY: &str = "/service/fkmPay";
/// 交易查询 (payments: tradeType 0; refunds: tradeType 1).
pub const PATH_QUERY: &str = "/service/query";
/// 退款申请.
pub const PATH_REFUND: &str = "/service/refund";
/// 撤销申请 (cancels an unpaid order, reverses a paid payment-code order).
pub const PATH_REVOKE: &str = "/service/revoke";

/// `tradeType` of a query.
pub const TRADE_TYPE_PAYMENT: &str = "0";
pub const TRADE_TYPE_REFUND: &str = "1";

/// `orderType`: 0 physical goods, 1 virtual goods. juhe sells neither in
/// particular; 1 avoids the logistics fields physical goods require.
pub const ORDER_TYPE_VIRTUAL: &str = "1";

/// `uniorder` `tradeType` for a QR code the payer scans.
pub const UNIORDER_QR: &str = "QR";

/// Trade `status` values in answers and notifications.
pub mod status {
    /// Created, waiting for the payer.
    pub const CREATED: &str = "0";
    /// Processing: the payer is confirming (payment code) or the refund is under way.
    pub const PROCESSING: &str = "1";
    pub const SUCCESS: &str = "2";
    pub const FAILED: &str = "3";
    /// Revoked / closed without money taken (or returned).
    pub const CLOSED: &str = "4";
}

/// `result/code` values the sandbox answers and the client classifies.
pub mod codes {
    /// Signature or decryption failed.
    pub const BAD_SIGNATURE: &str = "000002";
    /// Unknown merchant.
    pub const UNKNOWN_MERCHANT: &str = "000003";
    /// Malformed request (a field missing or invalid).
    pub const BAD_REQUEST: &str = "000004";
    /// The order does not exist.
    pub const ORDER_NOT_FOUND: &str = "TJ0B0004";
    /// A trade number used again with different content.
    pub const DUPLICATE_TRADE: &str = "TJ0B0005";
    /// The payer's balance is short.
    pub const INSUFFICIENT_BALANCE: &str = "FKM0021";
    /// The order is paid: it cannot be closed.
    pub const ORDER_PAID: &str = "TJ0B0010";
    /// The order is closed or failed: it cannot be paid or refunded.
    pub const ORDER_CLOSED: &str = "TJ0B0011";
    /// Refund larger than what is left of the payment.
    pub const REFUND_TOO_LARGE: &str = "TJ0B0012";
    /// System busy: the outcome is unknown, query later.
    pub const SYSTEM_BUSY: &str = "999999";
}

/// Codes after which the outcome of the call is unknown (everything else
/// that is not `000000` is a definite refusal).
pub fn is_system_error(code: &str) -> bool {
    code == codes::SYSTEM_BUSY
}

/// JD amounts are integer fen, as digits.
pub fn parse_amount(field: &'static str, text: &str) -> Result<i64, ProtocolError> {
    if text.is_empty() || text.len() > 15 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ProtocolError::Field {
            field,
            problem: "not an integer amount in fen".into(),
        });
    }
    text.parse().map_err(|_| ProtocolError::Field {
        field,
        problem: "not an integer amount in fen".into(),
    })
}

const BEIJING: time::UtcOffset = match time::UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => time::UtcOffset::UTC,
};

const TIME_FORMAT: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year][month][day][hour][minute][second]");

/// `yyyyMMddHHmmss` in Beijing time.
pub fn format_time(unix_ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(unix_ms.div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(BEIJING);
    t.format(TIME_FORMAT).unwrap_or_default()
}

pub fn parse_time(field: &'static str, text: &str) -> Result<i64, ProtocolError> {
    let t = time::PrimitiveDateTime::parse(text, TIME_FORMAT).map_err(|_| ProtocolError::Field {
        field,
        problem: "not yyyyMMddHHmmss".into(),
    })?;
    Ok(t.assume_offset(BEIJING).unix_timestamp() * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_beijing_wall_clock() {
        // 2019-06-25 06:43:14 UTC is 14:43:14 in Beijing (the SDK sample's tradeTime).
        let ms = 1_561_444_994_000;
        assert_eq!(format_time(ms), "20190625144314");
        assert_eq!(parse_time("tradeTime", "20190625144314").unwrap(), ms);
        assert!(parse_time("tradeTime", "2019-06-25").is_err());
    }

    #[test]
    fn amounts_are_digits_only() {
        assert_eq!(parse_amount("amount", "16500").unwrap(), 16500);
        for bad in ["", "1.00", "-1", "1e3", "9999999999999999"] {
            assert!(parse_amount("amount", bad).is_err(), "{bad}");
        }
    }
}
