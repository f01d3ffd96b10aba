//! Batch totals as field 48 of the settlement (0500 / 0510) carries them:
//! for domestic cards, then foreign cards, `debit count n3 ‖ debit amount
//! n12 ‖ credit count n3 ‖ credit amount n12 ‖ settlement code n1` (62
//! digits). Debits are approved purchases not voided or reversed; credits
//! are approved refunds. In the host's answer the domestic settlement code
//! says `1` balanced, `2` not balanced, `3` error.

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub debit_count: u32,
    pub debit_amount: i64,
    pub credit_count: u32,
    pub credit_amount: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettleCode {
    /// What the terminal sends.
    Request,
    Balanced,
    NotBalanced,
    Error,
}

impl SettleCode {
    fn digit(self) -> char {
        match self {
            SettleCode::Request => '0',
            SettleCode::Balanced => '1',
            SettleCode::NotBalanced => '2',
            SettleCode::Error => '3',
        }
    }

    fn from_digit(d: char) -> Option<SettleCode> {
        match d {
            '0' => Some(SettleCode::Request),
            '1' => Some(SettleCode::Balanced),
            '2' => Some(SettleCode::NotBalanced),
            '3' => Some(SettleCode::Error),
            _ => None,
        }
    }
}

/// Field 48 for domestic totals (foreign-card totals are zero: juhe's
/// terminals take CNY only). `None` if a total overflows its digits.
pub fn field48(totals: &Totals, code: SettleCode) -> Option<String> {
    if totals.debit_count > 999
        || totals.credit_count > 999
        || !(0..=999_999_999_999).contains(&totals.debit_amount)
        || !(0..=999_999_999_999).contains(&totals.credit_amount)
    {
        return None;
    }
    Some(format!(
        "{:03}{:012}{:03}{:012}{}{}0",
        totals.debit_count,
        totals.debit_amount,
        totals.credit_count,
        totals.credit_amount,
        code.digit(),
        "0".repeat(30),
    ))
}

/// Reads the domestic totals and settlement code of field 48.
pub fn parse_field48(value: &str) -> Option<(Totals, SettleCode)> {
    if value.len() < 31 || !value.is_ascii() {
        return None;
    }
    let totals = Totals {
        debit_count: value[0..3].parse().ok()?,
        debit_amount: value[3..15].parse().ok()?,
        credit_count: value[15..18].parse().ok()?,
        credit_amount: value[18..30].parse().ok()?,
    };
    let code = SettleCode::from_digit(value[30..31].chars().next()?)?;
    Some((totals, code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field48_round_trips() {
        let totals = Totals {
            debit_count: 2,
            debit_amount: 12_345,
            credit_count: 1,
            credit_amount: 100,
        };
        let text = field48(&totals, SettleCode::NotBalanced).unwrap();
        assert_eq!(text.len(), 62);
        assert!(text.starts_with("0020000000123450010000000001002"), "{text}");
        assert_eq!(parse_field48(&text), Some((totals, SettleCode::NotBalanced)));
        assert_eq!(parse_field48("12"), None);
        let too_many = Totals {
            debit_count: 1000,
            ..totals
        };
        assert_eq!(field48(&too_many, SettleCode::Request), None);
    }
}
