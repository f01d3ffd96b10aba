//! Amounts at the WeChat boundary: integer 分 (fen) in JSON, 元 (yuan)
//! strings in bills. Only CNY is settled by domestic WeChat Pay.

use super::ProtocolError;
use juhe_domain::{Currency, Money};

pub const CURRENCY: &str = "CNY";

/// The fen WeChat expects for `money`; other currencies are refused.
pub fn to_fen(money: &Money) -> Result<i64, ProtocolError> {
    if money.currency != Currency::CNY {
        return Err(ProtocolError::Malformed(format!(
            "WeChat Pay settles CNY only, not {}",
            money.currency.code()
        )));
    }
    Ok(money.amount)
}

/// `1234` fen → `"12.34"` (bill columns).
pub fn yuan(fen: i64) -> String {
    Money::new(fen, Currency::CNY).to_decimal_string()
}

/// A fee in fen printed with the bill's five decimals: `1` → `"0.01000"`.
pub fn fee_yuan(fen: i64) -> String {
    format!("{}000", yuan(fen))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fen_and_yuan_are_exact() {
        assert_eq!(to_fen(&Money::new(1234, Currency::CNY)).unwrap(), 1234);
        assert_eq!(yuan(3), "0.03");
        assert_eq!(yuan(100_000_001), "1000000.01");
        assert_eq!(fee_yuan(1), "0.01000");
        assert_eq!(fee_yuan(0), "0.00000");
    }

    #[test]
    fn only_cny_is_accepted() {
        let usd = Currency::parse("USD").unwrap();
        assert!(to_fen(&Money::new(100, usd)).is_err());
    }
}
