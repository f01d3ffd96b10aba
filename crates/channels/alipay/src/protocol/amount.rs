//! Amounts on the wire are yuan strings with two decimals ("88.88"); juhe
//! holds fen. The conversion is exact both ways (no floats).

use super::ProtocolError;
use juhe_domain::{Currency, Money};

/// Alipay accepts amounts in [0.01, 100000000.00] yuan.
pub const MAX_FEN: i64 = 10_000_000_000;

/// Fen → the yuan string Alipay expects.
pub fn yuan(fen: i64) -> String {
    Money::new(fen, Currency::CNY).to_decimal_string()
}

/// A yuan string from Alipay → fen. Refuses more than two decimals rather
/// than rounding: the channel's amount must match to the fen.
pub fn fen(text: &str) -> Result<i64, ProtocolError> {
    Money::from_decimal_str(text.trim(), Currency::CNY)
        .map(|m| m.amount)
        .map_err(|_| ProtocolError::BadAmount(text.chars().take(32).collect()))
}

/// A positive amount Alipay would accept for a trade or refund.
pub fn payable_fen(text: &str) -> Result<i64, ProtocolError> {
    let value = fen(text)?;
    if value <= 0 || value > MAX_FEN {
        return Err(ProtocolError::BadAmount(text.chars().take(32).collect()));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_strings_round_trip_exactly() {
        assert_eq!(yuan(8888), "88.88");
        assert_eq!(yuan(1), "0.01");
        assert_eq!(yuan(-4), "-0.04");
        assert_eq!(fen("88.88"), Ok(8888));
        assert_eq!(fen("0.1"), Ok(10));
        assert_eq!(fen("-0.04"), Ok(-4));
        assert!(fen("0.001").is_err());
        assert!(fen("1e3").is_err());
        assert!(payable_fen("0.00").is_err());
        assert!(payable_fen("100000000.01").is_err());
        assert_eq!(payable_fen("100000000.00"), Ok(MAX_FEN));
    }
}
