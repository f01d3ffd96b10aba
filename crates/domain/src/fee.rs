//! Fees in basis points, and how much fee a refund gives back.
//!
//! Rounding is half-up (四舍五入), as Chinese channels compute their fees.
//! A refund returns the fee in proportion; the refund that brings the total
//! refunded to the paid amount returns exactly what is left, so the fee
//! refunded over any sequence of partial refunds never exceeds the fee taken
//! and equals it once the payment is fully refunded.

use crate::error::DomainError;
use crate::money::{Rounding, mul_div};

/// Basis points in one whole (100% = 10,000 bps).
pub const BPS_DENOMINATOR: i64 = 10_000;

pub const FEE_ROUNDING: Rounding = Rounding::HalfUp;

/// The fee on `amount` at `rate_bps` (0 ..= 10,000).
pub fn fee_for(amount: i64, rate_bps: i64) -> Result<i64, DomainError> {
    if !(0..=BPS_DENOMINATOR).contains(&rate_bps) {
        return Err(DomainError::Invalid(format!(
            "fee rate {rate_bps} bps is outside 0..=10000"
        )));
    }
    mul_div(amount, rate_bps, BPS_DENOMINATOR, FEE_ROUNDING)
}

/// The part of `fee` that a refund of `refund` returns, given what was paid,
/// what was refunded before, and the fee already returned by those refunds.
pub fn fee_refund(
    paid: i64,
    fee: i64,
    refunded_before: i64,
    fee_refunded_before: i64,
    refund: i64,
) -> Result<i64, DomainError> {
    if paid <= 0 || refund <= 0 || refunded_before + refund > paid {
        return Err(DomainError::Invalid("refund outside the paid amount".into()));
    }
    if refunded_before + refund == paid {
        return Ok(fee - fee_refunded_before);
    }
    let share = mul_div(fee, refund, paid, FEE_ROUNDING)?;
    // Rounding up several partial refunds could otherwise overshoot.
    Ok(share.min(fee - fee_refunded_before))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fee_examples() {
        assert_eq!(fee_for(10_000, 60).unwrap(), 60); // 0.6% of 100 yuan
        assert_eq!(fee_for(1, 60).unwrap(), 0);
        assert_eq!(fee_for(84, 60).unwrap(), 1); // 0.504 fen rounds up... to 1
        assert_eq!(fee_for(83, 60).unwrap(), 0); // 0.498 fen rounds down
        assert_eq!(fee_for(12_345, 0).unwrap(), 0);
        assert_eq!(fee_for(12_345, 10_000).unwrap(), 12_345);
        assert!(fee_for(1, -1).is_err());
        assert!(fee_for(1, 10_001).is_err());
    }

    #[test]
    fn fee_refund_examples() {
        // 100.00 paid, fee 0.60; refund half then the rest.
        assert_eq!(fee_refund(10_000, 60, 0, 0, 5_000).unwrap(), 30);
        assert_eq!(fee_refund(10_000, 60, 5_000, 30, 5_000).unwrap(), 30);
        // Three thirds of 100 fen with a 1-fen fee: 0, 0, then the 1.
        assert_eq!(fee_refund(100, 1, 0, 0, 33).unwrap(), 0);
        assert_eq!(fee_refund(100, 1, 33, 0, 33).unwrap(), 0);
        assert_eq!(fee_refund(100, 1, 66, 0, 34).unwrap(), 1);
        assert!(fee_refund(100, 1, 66, 0, 35).is_err());
    }

    proptest! {
        #[test]
        fn partial_refunds_return_the_fee_exactly_once(paid in 1i64..10_000_000, rate in 0i64..=10_000, cuts in proptest::collection::vec(1i64..1_000_000, 1..20)) {
            let fee = fee_for(paid, rate).unwrap();
            let (mut refunded, mut fee_back) = (0i64, 0i64);
            for cut in cuts {
                let r = cut.min(paid - refunded);
                if r == 0 { break; }
                let f = fee_refund(paid, fee, refunded, fee_back, r).unwrap();
                prop_assert!(f >= 0);
                refunded += r;
                fee_back += f;
                prop_assert!(fee_back <= fee);
            }
            if refunded == paid {
                prop_assert_eq!(fee_back, fee);
            }
        }
    }
}
