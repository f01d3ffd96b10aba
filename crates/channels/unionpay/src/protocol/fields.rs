//! Field values at the boundary: `txnTime` in Beijing time, `orderId`
//! rules, `txnAmt` in fen, and the `reqReserved` echo that carries juhe's
//! own ids through to answers and notifications.

use time::macros::{format_description, offset};
use time::{OffsetDateTime, PrimitiveDateTime};

const TXN_TIME: &[time::format_description::BorrowedFormatItem<'static>] =
    format_description!("[year][month][day][hour][minute][second]");

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("time is out of range")]
    TimeRange,
    #[error("field {0} is malformed")]
    Malformed(&'static str),
}

/// `txnTime` (`YYYYMMDDhhmmss`, UTC+8) of a Unix millisecond instant.
pub fn txn_time(unix_ms: i64) -> Result<String, FieldError> {
    let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(unix_ms) * 1_000_000)
        .map_err(|_| FieldError::TimeRange)?
        .to_offset(offset!(+8));
    at.format(TXN_TIME).map_err(|_| FieldError::TimeRange)
}

/// Unix milliseconds of a `txnTime`.
pub fn parse_txn_time(text: &str) -> Result<i64, FieldError> {
    let local = PrimitiveDateTime::parse(text, TXN_TIME).map_err(|_| FieldError::Malformed("txnTime"))?;
    Ok((local.assume_offset(offset!(+8)).unix_timestamp_nanos() / 1_000_000) as i64)
}

/// The success time of a transaction: `traceTime` (`MMDDhhmmss`, no year)
/// placed in the year of `txnTime`, or the next year when it wrapped past
/// New Year; `txnTime` itself when there is no usable `traceTime`.
pub fn paid_at_ms(txn_time_text: &str, trace_time: Option<&str>) -> Result<i64, FieldError> {
    let ordered = parse_txn_time(txn_time_text)?;
    let Some(trace) = trace_time.filter(|t| t.len() == 10 && t.bytes().all(|b| b.is_ascii_digit())) else {
        return Ok(ordered);
    };
    let year: i32 = txn_time_text
        .get(..4)
        .ok_or(FieldError::Malformed("txnTime"))?
        .parse()
        .map_err(|_| FieldError::Malformed("txnTime"))?;
    let candidate = parse_txn_time(&format!("{year}{trace}"))?;
    if candidate + 86_400_000 < ordered {
        parse_txn_time(&format!("{}{trace}", year + 1))
    } else {
        Ok(candidate)
    }
}

/// ACP `orderId`: 8–32 letters and digits. juhe's ids may contain `_` and
/// other separators: they are dropped, the last 32 characters kept (the
/// random tail of a ULID) and short results left-padded with `0`. The same
/// input always gives the same `orderId`.
pub fn order_id(channel_order_no: &str) -> String {
    let alnum: Vec<char> = channel_order_no.chars().filter(char::is_ascii_alphanumeric).collect();
    let start = alnum.len().saturating_sub(32);
    let kept: String = alnum[start..].iter().collect();
    format!("{kept:0>8}")
}

/// The `orderId` of the void (消费撤销) of an order: its own id with a
/// `CX` suffix, so a retried reverse reuses the same void order.
pub fn void_order_id(channel_order_no: &str) -> String {
    let base = order_id(channel_order_no);
    let keep = base.len().min(30);
    format!("{}CX", &base[base.len() - keep..])
}

/// `txnAmt` (fen, digits only) as minor units.
pub fn parse_fen(text: &str) -> Result<i64, FieldError> {
    if text.is_empty() || text.len() > 12 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FieldError::Malformed("txnAmt"));
    }
    text.parse().map_err(|_| FieldError::Malformed("txnAmt"))
}

/// What juhe puts in `reqReserved` (echoed by UnionPay unchanged): its
/// own order number, and for refunds also its refund number, because the
/// `orderId` may have been shortened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reserved {
    Payment { order_no: String },
    Refund { order_no: String, refund_no: String },
}

impl Reserved {
    pub fn encode(&self) -> String {
        match self {
            Reserved::Payment { order_no } => format!("juhe:p:{order_no}"),
            Reserved::Refund { order_no, refund_no } => format!("juhe:r:{order_no}|{refund_no}"),
        }
    }

    pub fn decode(text: &str) -> Option<Reserved> {
        if let Some(order_no) = text.strip_prefix("juhe:p:") {
            return Some(Reserved::Payment {
                order_no: order_no.to_string(),
            });
        }
        let (order_no, refund_no) = text.strip_prefix("juhe:r:")?.split_once('|')?;
        Some(Reserved::Refund {
            order_no: order_no.to_string(),
            refund_no: refund_no.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn txn_time_is_beijing_time() {
        // 2024-05-13 09:49:20 UTC = 17:49:20 in Beijing.
        let ms = 1_715_593_760_000;
        assert_eq!(txn_time(ms).unwrap(), "20240513174920");
        assert_eq!(parse_txn_time("20240513174920").unwrap(), ms);
        assert!(parse_txn_time("2024051317492").is_err());
    }

    #[test]
    fn paid_at_uses_trace_time_across_new_year() {
        let ordered = "20241231235959";
        let paid = paid_at_ms(ordered, Some("0101000005")).unwrap();
        assert_eq!(paid, parse_txn_time("20250101000005").unwrap());
        assert_eq!(paid_at_ms(ordered, None).unwrap(), parse_txn_time(ordered).unwrap());
        assert_eq!(
            paid_at_ms("20240513174920", Some("0513174925")).unwrap(),
            parse_txn_time("20240513174925").unwrap()
        );
    }

    #[test]
    fn order_ids_are_alphanumeric_and_bounded() {
        assert_eq!(order_id("pay_01HXYZ"), "pay01HXYZ");
        assert_eq!(order_id("a_1"), "000000a1");
        let long = "att_01HZZZZZZZZZZZZZZZZZZZZZZZ_0123456789";
        let id = order_id(long);
        assert_eq!(id.len(), 32);
        assert!(id.ends_with("0123456789"));
        assert_eq!(order_id(long), id);
        let void = void_order_id(long);
        assert_eq!(void.len(), 32);
        assert!(void.ends_with("CX"));
    }

    #[test]
    fn fen_amounts_are_digits_only() {
        assert_eq!(parse_fen("1000").unwrap(), 1000);
        for bad in ["", "10.00", "-1", "1e3", "9999999999999"] {
            assert!(parse_fen(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn reserved_round_trips() {
        for r in [
            Reserved::Payment {
                order_no: "att_01".into(),
            },
            Reserved::Refund {
                order_no: "att_01".into(),
                refund_no: "rfa_02".into(),
            },
        ] {
            assert_eq!(Reserved::decode(&r.encode()), Some(r));
        }
        assert_eq!(Reserved::decode("merchant text"), None);
    }
}
