//! How values read on a page: money with its symbol and thousands
//! separators, times in the business zone, statuses in the user's language.

use crate::i18n::{L, Lang};
use juhe_domain::{Currency, Money};

/// `¥1,234.56` for yuan, `USD 1,234.56` otherwise; exact, from minor units.
pub fn money(amount: i64, currency: Currency) -> String {
    let text = Money::new(amount, currency).to_decimal_string();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let mut grouped = String::with_capacity(int.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let number = match frac {
        Some(f) => format!("{grouped}.{f}"),
        None => grouped,
    };
    if currency == Currency::CNY {
        format!("{sign}¥{number}")
    } else {
        format!("{sign}{} {number}", currency.code())
    }
}

/// Money from stored text (a currency code that does not parse shows as is).
pub fn money_str(amount: i64, currency: &str) -> String {
    match Currency::parse(currency) {
        Ok(c) => money(amount, c),
        Err(_) => format!("{amount} {currency}"),
    }
}

/// `2026-12-04 20:44:04` in the business zone.
pub fn time(ms: i64, offset_ms: i64) -> String {
    let secs = (ms + offset_ms).div_euclid(1000);
    match time::OffsetDateTime::from_unix_timestamp(secs) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        Err(_) => ms.to_string(),
    }
}

pub fn opt_time(ms: Option<i64>, offset_ms: i64) -> String {
    ms.map(|m| time(m, offset_ms)).unwrap_or_else(|| "—".into())
}

/// `2026-12-04` of a business day number (days since 1970-01-01 in the zone).
pub fn day(day: i64) -> String {
    let t = time(day * juhe_store::reports::DAY_MS, 0);
    t.get(..10).unwrap_or(&t).to_string()
}

/// `12-04` (short, for chart axes).
pub fn short_day(day_number: i64) -> String {
    let d = day(day_number);
    d.get(5..).unwrap_or(&d).to_string()
}

/// The label of a payment, refund or other object status.
pub fn status(lang: Lang, status: &str) -> String {
    let l = match status {
        "created" => L::StCreated,
        "processing" => L::StProcessing,
        "succeeded" => L::StSucceeded,
        "failed" => L::StFailed,
        "closed" => L::StClosed,
        "pending" => L::StPending,
        "delivered" => L::StDelivered,
        "exhausted" => L::StExhausted,
        "active" => L::StActive,
        "suspended" => L::StSuspended,
        "disabled" => L::StDisabled,
        "sending" => L::StSending,
        "awaiting_payer" => L::StAwaitingPayer,
        "paying" => L::StPaying,
        "unknown" => L::StUnknown,
        "done" => L::StDone,
        _ => return status.to_string(),
    };
    lang.t(l).to_string()
}

/// The label of a payment way.
pub fn way(lang: Lang, way: &str) -> String {
    let l = match way {
        "wallet" => L::WayWallet,
        "cash" => L::WayCash,
        "qr" => L::WayQr,
        "barcode" => L::WayBarcode,
        "jsapi" => L::WayJsapi,
        "h5" => L::WayH5,
        "app" => L::WayApp,
        "card" => L::WayCard,
        "plate" => L::WayPlate,
        _ => return way.to_string(),
    };
    lang.t(l).to_string()
}

/// The label of a channel.
pub fn channel(lang: Lang, channel: &str) -> String {
    let l = match channel {
        "wallet" => L::ChWallet,
        "cash" => L::ChCash,
        "wechatpay" => L::ChWechat,
        "alipay" => L::ChAlipay,
        "unionpay" => L::ChUnionpay,
        "bankcard" => L::ChBankcard,
        "jdpay" => L::ChJdpay,
        _ => return channel.to_string(),
    };
    lang.t(l).to_string()
}

/// A basis-point rate as a percentage: 60 → `0.60%`.
pub fn bps(bps: i64) -> String {
    format!("{}.{:02}%", bps / 100, (bps % 100).abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_reads_like_money() {
        assert_eq!(money(123_456_789, Currency::CNY), "¥1,234,567.89");
        assert_eq!(money(5, Currency::CNY), "¥0.05");
        assert_eq!(money(-100_000, Currency::CNY), "-¥1,000.00");
        assert_eq!(money(100, Currency::parse("USD").unwrap()), "USD 1.00");
        assert_eq!(money_str(100, "???"), "100 ???");
    }

    #[test]
    fn times_are_in_the_business_zone() {
        assert_eq!(time(1_796_313_600_000, 8 * 3_600_000), "2026-12-04 00:00:00");
        assert_eq!(day(20_791), "2026-12-04");
        assert_eq!(short_day(20_791), "12-04");
        assert_eq!(bps(60), "0.60%");
        assert_eq!(bps(10_000), "100.00%");
    }
}
