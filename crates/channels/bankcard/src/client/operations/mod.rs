//! The terminal's transactions, one file each, and what they share.

mod purchase;
mod refund;
mod reverse;
mod sign_in;

use super::codes::JOURNAL_CURRENCY;
use juhe_channel::ChannelError;
use juhe_domain::Money;

/// Field 4: minor units as n12.
fn amount_field(money: &Money) -> Result<String, ChannelError> {
    if money.currency != JOURNAL_CURRENCY {
        return Err(ChannelError::Config(format!(
            "the acquirer settles CNY only, not {}",
            money.currency.code()
        )));
    }
    if money.amount <= 0 || money.amount > 999_999_999_999 {
        return Err(ChannelError::Config("amount does not fit field 4 (n12)".into()));
    }
    Ok(format!("{:012}", money.amount))
}

/// Field 49: the currency's ISO 4217 numeric code.
fn currency_field(money: &Money) -> String {
    money.currency.numeric_code()
}

/// Field 4 of an answer, in minor units.
fn parse_amount(value: Option<&str>) -> Option<i64> {
    value?.parse().ok()
}

/// Local date MMDD (China, UTC+8) of a Unix-milliseconds instant.
fn local_mmdd(unix_ms: i64) -> String {
    let china = time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC);
    let at = time::OffsetDateTime::from_unix_timestamp(unix_ms.div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(china);
    format!("{:02}{:02}", u8::from(at.month()), at.day())
}

fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use juhe_domain::money::Currency;

    #[test]
    fn amounts_are_minor_units_in_twelve_digits() {
        let cny = Currency::parse("CNY").unwrap();
        assert_eq!(amount_field(&Money::new(4993, cny)).unwrap(), "000000004993");
        assert!(amount_field(&Money::new(0, cny)).is_err());
        let usd = Currency::parse("USD").unwrap();
        assert!(amount_field(&Money::new(1, usd)).is_err());
        // 2026-11-21T16:30:00Z is 22 November in China.
        assert_eq!(local_mmdd(1_795_278_600_000), "1122");
    }
}
