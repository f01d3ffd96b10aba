//! Time on the wire: Unix seconds in signatures, RFC 3339 with the China
//! offset (`2018-06-08T10:34:56+08:00`) in bodies, `yyyy-MM-dd HH:mm:ss`
//! Beijing time in bills.

use super::ProtocolError;
use time::format_description::well_known::Rfc3339;
use time::macros::{format_description, offset};
use time::{OffsetDateTime, UtcOffset};

/// WeChat Pay reports times in China Standard Time.
pub const CHINA: UtcOffset = offset!(+8);

pub fn now_s() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

pub fn now_ms() -> i64 {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// Unix milliseconds → `2018-06-08T10:34:56+08:00`.
pub fn rfc3339_china(ms: i64) -> Result<String, ProtocolError> {
    let at = OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .map_err(|_| ProtocolError::Malformed("time out of range".into()))?
        .to_offset(CHINA);
    at.format(&Rfc3339)
        .map_err(|_| ProtocolError::Malformed("time does not format".into()))
}

/// RFC 3339 (any offset) → Unix milliseconds.
pub fn parse_rfc3339_ms(text: &str) -> Result<i64, ProtocolError> {
    let at = OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|_| ProtocolError::Malformed(format!("{text:?} is not an RFC 3339 time")))?;
    Ok((at.unix_timestamp_nanos() / 1_000_000) as i64)
}

/// Unix milliseconds → `2019-02-19 01:52:32` in Beijing time (bill rows).
pub fn bill_time(ms: i64) -> Result<String, ProtocolError> {
    let at = OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .map_err(|_| ProtocolError::Malformed("time out of range".into()))?
        .to_offset(CHINA);
    at.format(format_description!("[year]-[month]-[day] [hour]:[minute]:[second]"))
        .map_err(|_| ProtocolError::Malformed("time does not format".into()))
}

/// The Beijing calendar day of a Unix-millisecond instant.
pub fn china_date(ms: i64) -> Option<time::Date> {
    OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .ok()
        .map(|at| at.to_offset(CHINA).date())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn china_time_round_trips() {
        let ms = 1_528_425_296_000; // 2018-06-08T02:34:56Z
        let text = rfc3339_china(ms).unwrap();
        assert_eq!(text, "2018-06-08T10:34:56+08:00");
        assert_eq!(parse_rfc3339_ms(&text).unwrap(), ms);
        assert_eq!(bill_time(ms).unwrap(), "2018-06-08 10:34:56");
        assert!(parse_rfc3339_ms("2018-06-08 10:34:56").is_err());
    }
}
