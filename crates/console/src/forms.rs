//! Reading forms and query strings, and turning what people type into
//! values: amounts in yuan into minor units (exact, no floats), dates into
//! times, optional fields into `Option`s.

use crate::error::ConsoleError;
use juhe_domain::{Currency, Money};
use serde::de::DeserializeOwned;

/// Parses an `application/x-www-form-urlencoded` body or query string
/// (repeated keys, as checkboxes send them, into `Vec`s).
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ConsoleError> {
    serde_html_form::from_bytes(bytes).map_err(|e| ConsoleError::BadForm(e.to_string()))
}

/// Percent-encodes a query component.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A query string from pairs, skipping empty values.
pub fn query_string(pairs: &[(&str, Option<&str>)]) -> String {
    let parts: Vec<String> = pairs
        .iter()
        .filter_map(|(k, v)| {
            v.filter(|v| !v.is_empty())
                .map(|v| format!("{k}={}", encode_component(v)))
        })
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// A trimmed field, `None` when empty.
pub fn opt(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// An amount of money typed in major units ("12.34", "12", "1,234.5")
/// into minor units, exactly; zero and negative amounts are refused.
pub fn amount(text: &str, currency: Currency) -> Result<i64, ConsoleError> {
    let minor = non_negative(text, currency)?;
    if minor == 0 {
        return Err(ConsoleError::BadForm(format!("{text:?}: an amount must be above zero")));
    }
    Ok(minor)
}

fn non_negative(text: &str, currency: Currency) -> Result<i64, ConsoleError> {
    let cleaned: String = text.trim().chars().filter(|c| *c != ',' && *c != '¥').collect();
    match Money::from_decimal_str(&cleaned, currency) {
        Ok(m) if m.amount >= 0 => Ok(m.amount),
        Ok(_) => Err(ConsoleError::BadForm(format!(
            "{text:?}: negative amounts are not allowed"
        ))),
        Err(e) => Err(ConsoleError::BadForm(format!("{text:?}: {e}"))),
    }
}

/// An optional amount (a filter bound, a limit); empty means none, zero is allowed.
pub fn opt_amount(v: &Option<String>, currency: Currency) -> Result<Option<i64>, ConsoleError> {
    opt(v).map(|t| non_negative(&t, currency)).transpose()
}

/// A `YYYY-MM-DD` date as the Unix ms of its start in the business zone.
pub fn day_start(text: &str, offset_ms: i64) -> Result<i64, ConsoleError> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(text.trim(), &fmt)
        .map_err(|_| ConsoleError::BadForm(format!("{text:?} is not a date (YYYY-MM-DD)")))?;
    let midnight = date.midnight().assume_utc().unix_timestamp();
    Ok(midnight * 1000 - offset_ms)
}

/// An optional date filter; empty means none.
pub fn opt_day_start(v: &Option<String>, offset_ms: i64) -> Result<Option<i64>, ConsoleError> {
    opt(v).map(|t| day_start(&t, offset_ms)).transpose()
}

/// A checkbox: present ("on", "1", "true") or absent.
pub fn checked(v: &Option<String>) -> bool {
    matches!(v.as_deref(), Some("on" | "1" | "true" | "yes"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn amounts_are_exact() {
        assert_eq!(amount("12.34", Currency::CNY).unwrap(), 1234);
        assert_eq!(amount(" 1,234.5 ", Currency::CNY).unwrap(), 123_450);
        assert_eq!(amount("¥0.01", Currency::CNY).unwrap(), 1);
        assert!(amount("0.001", Currency::CNY).is_err());
        assert!(amount("-1", Currency::CNY).is_err());
        assert!(amount("0", Currency::CNY).is_err());
        assert_eq!(opt_amount(&Some("0".into()), Currency::CNY).unwrap(), Some(0));
        assert!(opt_amount(&Some("-0.01".into()), Currency::CNY).is_err());
        assert!(amount("1e3", Currency::CNY).is_err());
        assert_eq!(opt_amount(&Some("  ".into()), Currency::CNY).unwrap(), None);
    }

    #[test]
    fn days_start_at_midnight_in_the_business_zone() {
        // 2026-12-04 00:00 at UTC+8 is 2026-12-03 16:00 UTC.
        assert_eq!(day_start("2026-12-04", 8 * 3_600_000).unwrap(), 1_796_313_600_000);
        assert!(day_start("2026-13-01", 0).is_err());
        assert!(day_start("yesterday", 0).is_err());
    }

    #[test]
    fn query_strings_skip_empty_values_and_encode() {
        assert_eq!(
            query_string(&[("a", Some("x y")), ("b", None), ("c", Some(""))]),
            "?a=x%20y"
        );
        assert_eq!(query_string(&[("a", None)]), "");
        assert_eq!(encode_component("/console/m/x?y=1&z"), "%2Fconsole%2Fm%2Fx%3Fy%3D1%26z");
    }

    proptest! {
        #[test]
        fn typed_amounts_round_trip_through_display(minor in 1i64..1_000_000_000_000) {
            let shown = crate::format::money(minor, Currency::CNY);
            prop_assert_eq!(amount(&shown, Currency::CNY).unwrap(), minor);
        }
    }
}
