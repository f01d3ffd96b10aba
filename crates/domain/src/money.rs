//! Money: integer minor units with an ISO 4217 currency, and explicit rounding.
//!
//! There are no floats here. Amounts in API requests are bounded by
//! [`MAX_AMOUNT`] so that sums of many amounts stay far from `i64` overflow
//! and survive a round trip through JavaScript numbers (2^53).

use crate::error::DomainError;
use serde::{Deserialize, Serialize};

/// The largest single amount juhe accepts in minor units (10^15 fen is ten
/// trillion yuan; it is below 2^53, so JSON clients in any language keep it exact).
pub const MAX_AMOUNT: i64 = 1_000_000_000_000_000;

/// An ISO 4217 currency juhe accepts, with its numeric code and its number
/// of minor-unit digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    code: &'static str,
    numeric: u16,
    exponent: u8,
}

/// The currencies juhe accepts. CNY first: it is the default.
const CURRENCIES: &[Currency] = &[
    Currency {
        code: "CNY",
        numeric: 156,
        exponent: 2,
    },
    Currency {
        code: "HKD",
        numeric: 344,
        exponent: 2,
    },
    Currency {
        code: "MOP",
        numeric: 446,
        exponent: 2,
    },
    Currency {
        code: "TWD",
        numeric: 901,
        exponent: 2,
    },
    Currency {
        code: "USD",
        numeric: 840,
        exponent: 2,
    },
    Currency {
        code: "EUR",
        numeric: 978,
        exponent: 2,
    },
    Currency {
        code: "GBP",
        numeric: 826,
        exponent: 2,
    },
    Currency {
        code: "SGD",
        numeric: 702,
        exponent: 2,
    },
    Currency {
        code: "AUD",
        numeric: 36,
        exponent: 2,
    },
    Currency {
        code: "CAD",
        numeric: 124,
        exponent: 2,
    },
    Currency {
        code: "CHF",
        numeric: 756,
        exponent: 2,
    },
    Currency {
        code: "THB",
        numeric: 764,
        exponent: 2,
    },
    Currency {
        code: "MYR",
        numeric: 458,
        exponent: 2,
    },
    Currency {
        code: "JPY",
        numeric: 392,
        exponent: 0,
    },
    Currency {
        code: "KRW",
        numeric: 410,
        exponent: 0,
    },
    Currency {
        code: "VND",
        numeric: 704,
        exponent: 0,
    },
    Currency {
        code: "KWD",
        numeric: 414,
        exponent: 3,
    },
    Currency {
        code: "BHD",
        numeric: 48,
        exponent: 3,
    },
];

impl Currency {
    pub const CNY: Currency = Currency {
        code: "CNY",
        numeric: 156,
        exponent: 2,
    };

    /// Parses an upper-case ISO 4217 alphabetic code.
    pub fn parse(code: &str) -> Result<Currency, DomainError> {
        CURRENCIES
            .iter()
            .find(|c| c.code == code)
            .copied()
            .ok_or_else(|| DomainError::UnsupportedCurrency(code.chars().take(16).collect()))
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The ISO 4217 numeric code (156 for CNY), as card messages and bank
    /// interfaces carry it.
    pub fn numeric(&self) -> u16 {
        self.numeric
    }

    /// The numeric code as its three digits (`"156"`, `"036"` for AUD).
    pub fn numeric_code(&self) -> String {
        format!("{:03}", self.numeric)
    }

    /// The currency with this ISO 4217 numeric code.
    pub fn from_numeric(numeric: u16) -> Result<Currency, DomainError> {
        CURRENCIES
            .iter()
            .find(|c| c.numeric == numeric)
            .copied()
            .ok_or_else(|| DomainError::UnsupportedCurrency(format!("{numeric:03}")))
    }

    /// Digits after the decimal point (2 for CNY: 1 yuan = 100 fen).
    pub fn exponent(&self) -> u8 {
        self.exponent
    }

    pub fn all() -> &'static [Currency] {
        CURRENCIES
    }
}

impl std::fmt::Display for Currency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code)
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code)
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Currency::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// An amount of money: minor units (fen for CNY) and a currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Money {
    pub amount: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(amount: i64, currency: Currency) -> Money {
        Money { amount, currency }
    }

    /// A positive amount a client may ask to move: 1 ..= MAX_AMOUNT.
    pub fn positive(amount: i64, currency: Currency) -> Result<Money, DomainError> {
        if amount <= 0 || amount > MAX_AMOUNT {
            return Err(DomainError::InvalidAmount { max: MAX_AMOUNT });
        }
        Ok(Money { amount, currency })
    }

    pub fn zero(currency: Currency) -> Money {
        Money { amount: 0, currency }
    }

    fn same_currency(&self, other: &Money) -> Result<(), DomainError> {
        if self.currency != other.currency {
            return Err(DomainError::CurrencyMismatch {
                expected: self.currency.code.to_string(),
                got: other.currency.code.to_string(),
            });
        }
        Ok(())
    }

    pub fn checked_add(&self, other: Money) -> Result<Money, DomainError> {
        self.same_currency(&other)?;
        let amount = self.amount.checked_add(other.amount).ok_or(DomainError::Overflow)?;
        Ok(Money {
            amount,
            currency: self.currency,
        })
    }

    pub fn checked_sub(&self, other: Money) -> Result<Money, DomainError> {
        self.same_currency(&other)?;
        let amount = self.amount.checked_sub(other.amount).ok_or(DomainError::Overflow)?;
        Ok(Money {
            amount,
            currency: self.currency,
        })
    }

    /// Major-unit decimal string ("12.34" for 1234 fen), as channels such as
    /// Alipay want it. Exact: no floats involved.
    pub fn to_decimal_string(&self) -> String {
        let exp = self.currency.exponent as u32;
        if exp == 0 {
            return self.amount.to_string();
        }
        let unit = 10i64.pow(exp);
        let sign = if self.amount < 0 { "-" } else { "" };
        let abs = self.amount.unsigned_abs();
        let unit = unit as u64;
        format!("{sign}{}.{:0width$}", abs / unit, abs % unit, width = exp as usize)
    }
}

impl Money {
    /// Reads a major-unit decimal string as a channel sends it ("12.34",
    /// "12.3", "12", "-0.04") into exact minor units. More decimals than the
    /// currency has, signs in odd places, exponents or blanks are refused,
    /// never rounded: a channel's amount must match to the minor unit.
    pub fn from_decimal_str(text: &str, currency: Currency) -> Result<Money, DomainError> {
        let bad = || DomainError::InvalidAmount { max: MAX_AMOUNT };
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, frac) = match digits.split_once('.') {
            Some((w, f)) => (w, f),
            None => (digits, ""),
        };
        let exp = currency.exponent as usize;
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(frac) || frac.len() > exp {
            return Err(bad());
        }
        if digits.contains('.') && frac.is_empty() {
            return Err(bad());
        }
        let unit = 10i64.pow(exp as u32);
        let whole: i64 = whole.parse().map_err(|_| bad())?;
        let frac_value: i64 = if frac.is_empty() {
            0
        } else {
            let f: i64 = frac.parse().map_err(|_| bad())?;
            f * 10i64.pow((exp - frac.len()) as u32)
        };
        let magnitude = whole
            .checked_mul(unit)
            .and_then(|w| w.checked_add(frac_value))
            .ok_or_else(bad)?;
        if magnitude > MAX_AMOUNT {
            return Err(bad());
        }
        Ok(Money::new(if negative { -magnitude } else { magnitude }, currency))
    }
}

/// How a fraction of a minor unit is resolved. Every division of money names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rounding {
    /// Round half away from zero (commercial rounding, 四舍五入).
    HalfUp,
    /// Round half to even (banker's rounding).
    HalfEven,
    /// Toward zero.
    Down,
    /// Away from zero.
    Up,
}

/// `value * numerator / denominator`, rounded as asked, computed in i128 so
/// that no intermediate product overflows. `denominator` must be positive.
pub fn mul_div(value: i64, numerator: i64, denominator: i64, rounding: Rounding) -> Result<i64, DomainError> {
    if denominator <= 0 {
        return Err(DomainError::Invalid("denominator must be positive".into()));
    }
    let product = value as i128 * numerator as i128;
    let d = denominator as i128;
    let quotient = product / d; // truncates toward zero
    let remainder = product % d;
    let result = if remainder == 0 {
        quotient
    } else {
        let away = if product < 0 { quotient - 1 } else { quotient + 1 };
        let twice = remainder.abs() * 2;
        match rounding {
            Rounding::Down => quotient,
            Rounding::Up => away,
            Rounding::HalfUp => {
                if twice >= d {
                    away
                } else {
                    quotient
                }
            }
            Rounding::HalfEven => {
                if twice > d || (twice == d && quotient % 2 != 0) {
                    away
                } else {
                    quotient
                }
            }
        }
    };
    i64::try_from(result).map_err(|_| DomainError::Overflow)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn numeric_codes_are_iso_4217_and_unique() {
        assert_eq!(Currency::CNY.numeric(), 156);
        assert_eq!(Currency::CNY.numeric_code(), "156");
        assert_eq!(Currency::parse("AUD").unwrap().numeric_code(), "036");
        assert_eq!(Currency::parse("BHD").unwrap().numeric_code(), "048");
        assert_eq!(Currency::parse("USD").unwrap().numeric(), 840);
        assert_eq!(Currency::parse("JPY").unwrap().numeric(), 392);
        for c in Currency::all() {
            assert_eq!(Currency::from_numeric(c.numeric()).unwrap(), *c);
            assert!((1..=999).contains(&c.numeric()), "{c}");
        }
        assert!(Currency::from_numeric(999).is_err());
        assert_eq!(Currency::parse("CNY").unwrap(), Currency::CNY);
    }

    #[test]
    fn currencies_parse_and_reject() {
        assert_eq!(Currency::parse("CNY").unwrap(), Currency::CNY);
        assert_eq!(Currency::parse("JPY").unwrap().exponent(), 0);
        for bad in ["cny", "XXX", "", "CNYY", "元"] {
            assert!(
                matches!(Currency::parse(bad), Err(DomainError::UnsupportedCurrency(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn positive_amount_bounds() {
        assert!(Money::positive(1, Currency::CNY).is_ok());
        assert!(Money::positive(MAX_AMOUNT, Currency::CNY).is_ok());
        for bad in [0, -1, MAX_AMOUNT + 1, i64::MIN, i64::MAX] {
            assert!(Money::positive(bad, Currency::CNY).is_err(), "{bad}");
        }
    }

    #[test]
    fn decimal_strings() {
        let cny = Currency::CNY;
        assert_eq!(Money::new(1234, cny).to_decimal_string(), "12.34");
        assert_eq!(Money::new(5, cny).to_decimal_string(), "0.05");
        assert_eq!(Money::new(-5, cny).to_decimal_string(), "-0.05");
        assert_eq!(
            Money::new(100, Currency::parse("JPY").unwrap()).to_decimal_string(),
            "100"
        );
        assert_eq!(
            Money::new(1, Currency::parse("KWD").unwrap()).to_decimal_string(),
            "0.001"
        );
        assert_eq!(Money::new(i64::MIN, cny).to_decimal_string(), "-92233720368547758.08");
    }

    #[test]
    fn mixing_currencies_is_an_error() {
        let a = Money::new(1, Currency::CNY);
        let b = Money::new(1, Currency::parse("USD").unwrap());
        assert!(matches!(a.checked_add(b), Err(DomainError::CurrencyMismatch { .. })));
        assert!(
            Money::new(i64::MAX, Currency::CNY)
                .checked_add(Money::new(1, Currency::CNY))
                .is_err()
        );
    }

    #[test]
    fn rounding_table() {
        // (value, num, den) -> (half_up, half_even, down, up)
        let cases = [
            ((25, 1, 10), (3, 2, 2, 3)),
            ((35, 1, 10), (4, 4, 3, 4)),
            ((-25, 1, 10), (-3, -2, -2, -3)),
            ((24, 1, 10), (2, 2, 2, 3)),
            ((26, 1, 10), (3, 3, 2, 3)),
            ((30, 1, 10), (3, 3, 3, 3)),
            ((0, 1, 10), (0, 0, 0, 0)),
            ((10_001, 60, 10_000), (60, 60, 60, 61)), // 0.6% fee on 100.01 yuan
            ((10_050, 60, 10_000), (60, 60, 60, 61)), // 60.3 -> 60
            ((10_084, 60, 10_000), (61, 61, 60, 61)), // 60.504
        ];
        for ((v, n, d), (hu, he, dn, up)) in cases {
            assert_eq!(mul_div(v, n, d, Rounding::HalfUp).unwrap(), hu, "half up {v}*{n}/{d}");
            assert_eq!(
                mul_div(v, n, d, Rounding::HalfEven).unwrap(),
                he,
                "half even {v}*{n}/{d}"
            );
            assert_eq!(mul_div(v, n, d, Rounding::Down).unwrap(), dn, "down {v}*{n}/{d}");
            assert_eq!(mul_div(v, n, d, Rounding::Up).unwrap(), up, "up {v}*{n}/{d}");
        }
        assert!(mul_div(1, 1, 0, Rounding::HalfUp).is_err());
        assert!(mul_div(i64::MAX, 3, 1, Rounding::HalfUp).is_err());
    }

    #[test]
    fn channel_decimal_strings() {
        let cny = Currency::CNY;
        assert_eq!(Money::from_decimal_str("0.01", cny).unwrap().amount, 1);
        assert_eq!(Money::from_decimal_str("12.3", cny).unwrap().amount, 1230);
        assert_eq!(Money::from_decimal_str("12", cny).unwrap().amount, 1200);
        assert_eq!(Money::from_decimal_str("-0.04", cny).unwrap().amount, -4);
        for bad in [
            "",
            ".5",
            "1.",
            "1.234",
            "1e3",
            "+1",
            " 1",
            "1,00",
            "--1",
            "10000000000000.01",
        ] {
            assert!(Money::from_decimal_str(bad, cny).is_err(), "{bad:?} must be refused");
        }
    }

    proptest! {
        #[test]
        fn mul_div_is_within_one_unit_of_exact(v in -MAX_AMOUNT..=MAX_AMOUNT, n in 0i64..=10_000, d in 1i64..=10_000) {
            let exact = v as i128 * n as i128;
            for r in [Rounding::HalfUp, Rounding::HalfEven, Rounding::Down, Rounding::Up] {
                let got = mul_div(v, n, d, r).unwrap() as i128;
                // |got*d - exact| < d: never more than one minor unit off.
                prop_assert!((got * d as i128 - exact).abs() < d as i128);
            }
            let down = mul_div(v, n, d, Rounding::Down).unwrap();
            let up = mul_div(v, n, d, Rounding::Up).unwrap();
            prop_assert!(down.abs() <= up.abs());
        }

        #[test]
        fn decimal_string_parses_back_exactly(v in -MAX_AMOUNT..=MAX_AMOUNT) {
            for currency in Currency::all() {
                let m = Money::new(v, *currency);
                prop_assert_eq!(Money::from_decimal_str(&m.to_decimal_string(), *currency).unwrap(), m);
            }
        }

        #[test]
        fn decimal_string_round_trips(v in any::<i64>()) {
            let s = Money::new(v, Currency::CNY).to_decimal_string();
            let digits: String = s.chars().filter(|c| *c != '.').collect();
            prop_assert_eq!(digits.parse::<i128>().unwrap(), v as i128);
        }
    }
}
