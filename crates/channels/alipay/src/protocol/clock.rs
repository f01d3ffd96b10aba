//! Alipay's times: `yyyy-MM-dd HH:mm:ss` in Beijing time (UTC+8), and for
//! refunds sometimes with milliseconds (`gmt_refund`: `2015-04-28 15:45:57.320`).

use super::ProtocolError;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

const SECONDS: &[BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
const MILLIS: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day] [hour]:[minute]:[second].[subsecond digits:3]");
const SUBSECONDS: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day] [hour]:[minute]:[second].[subsecond]");
const DATE: &[BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day]");

/// Beijing time has no daylight saving: a fixed +08:00.
pub fn beijing() -> UtcOffset {
    UtcOffset::from_hms(8, 0, 0).unwrap_or(UtcOffset::UTC)
}

pub fn now_ms() -> i64 {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

fn at(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(beijing())
}

/// Unix milliseconds → `yyyy-MM-dd HH:mm:ss` Beijing.
pub fn format_seconds(ms: i64) -> String {
    at(ms).format(SECONDS).unwrap_or_default()
}

/// Unix milliseconds → `yyyy-MM-dd HH:mm:ss.SSS` Beijing (refund times).
pub fn format_millis(ms: i64) -> String {
    at(ms).format(MILLIS).unwrap_or_default()
}

/// The Beijing calendar date of an instant.
pub fn beijing_date(ms: i64) -> time::Date {
    at(ms).date()
}

pub fn format_date(date: time::Date) -> String {
    date.format(DATE).unwrap_or_default()
}

pub fn parse_date(text: &str) -> Result<time::Date, ProtocolError> {
    time::Date::parse(text, DATE).map_err(|_| ProtocolError::BadTime(text.chars().take(32).collect()))
}

/// An Alipay time (with or without fractional seconds) → unix milliseconds.
pub fn parse(text: &str) -> Result<i64, ProtocolError> {
    let format = if text.contains('.') { SUBSECONDS } else { SECONDS };
    let local = PrimitiveDateTime::parse(text.trim(), format)
        .map_err(|_| ProtocolError::BadTime(text.chars().take(32).collect()))?;
    Ok((local.assume_offset(beijing()).unix_timestamp_nanos() / 1_000_000) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beijing_times_read_and_write() {
        // 2019-05-23 14:17:13 Beijing = 06:17:13 UTC.
        let ms = parse("2019-05-23 14:17:13").unwrap();
        assert_eq!(ms, 1_558_592_233_000);
        assert_eq!(format_seconds(ms), "2019-05-23 14:17:13");
        assert_eq!(parse("2015-04-28 15:45:57.320").unwrap() % 1000, 320);
        assert_eq!(format_millis(ms + 7), "2019-05-23 14:17:13.007");
        assert!(parse("2019/05/23 14:17:13").is_err());
        // 23:30 UTC is the next day in Beijing.
        let late = parse("2024-01-02 07:30:00").unwrap();
        assert_eq!(format_date(beijing_date(late)), "2024-01-02");
        assert_eq!(format_date(beijing_date(late - 8 * 3_600_000)), "2024-01-01");
        assert_eq!(parse_date("2024-01-02").map(format_date), Ok("2024-01-02".to_string()));
    }
}
