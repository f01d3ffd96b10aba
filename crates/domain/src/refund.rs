//! Refunds: `processing → succeeded | failed`, and the rule that the sum of
//! refunds never exceeds what was paid.

use crate::error::DomainError;
use crate::state::StateMachine;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundStatus {
    Processing,
    Succeeded,
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefundAction {
    Succeed,
    Fail,
}

impl RefundStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RefundStatus::Processing => "processing",
            RefundStatus::Succeeded => "succeeded",
            RefundStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<RefundStatus> {
        RefundMachine::STATUSES.iter().copied().find(|x| x.as_str() == s)
    }
}

pub struct RefundMachine;

impl StateMachine for RefundMachine {
    type Status = RefundStatus;
    type Action = RefundAction;
    const KIND: &'static str = "refund";
    const TABLE: &'static [(RefundStatus, RefundAction, RefundStatus)] = &[
        (RefundStatus::Processing, RefundAction::Succeed, RefundStatus::Succeeded),
        (RefundStatus::Processing, RefundAction::Fail, RefundStatus::Failed),
    ];
    const STATUSES: &'static [RefundStatus] =
        &[RefundStatus::Processing, RefundStatus::Succeeded, RefundStatus::Failed];
    const ACTIONS: &'static [RefundAction] = &[RefundAction::Succeed, RefundAction::Fail];
    fn status_name(s: RefundStatus) -> &'static str {
        s.as_str()
    }
    fn action_name(a: RefundAction) -> &'static str {
        match a {
            RefundAction::Succeed => "succeed",
            RefundAction::Fail => "fail",
        }
    }
}

/// How much of a payment may still be refunded. `reserved` counts refunds
/// that succeeded *and* those still processing: money promised back is not
/// refundable twice, and a failed refund gives its amount back.
pub fn check_refundable(paid: i64, reserved: i64, requested: i64) -> Result<(), DomainError> {
    let refundable = paid.saturating_sub(reserved).max(0);
    if requested > refundable {
        return Err(DomainError::RefundExceedsPaid { requested, refundable });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::RefundAction as A;
    use super::RefundStatus as S;
    use super::*;
    use crate::state::assert_exhaustive;
    use proptest::prelude::*;

    #[test]
    fn every_allowed_and_every_forbidden_transition() {
        assert_exhaustive::<RefundMachine>(&[
            (S::Processing, A::Succeed, S::Succeeded),
            (S::Processing, A::Fail, S::Failed),
        ]);
    }

    #[test]
    fn refundable_edges() {
        assert!(check_refundable(100, 0, 100).is_ok());
        assert!(check_refundable(100, 40, 60).is_ok());
        assert_eq!(
            check_refundable(100, 40, 61),
            Err(DomainError::RefundExceedsPaid {
                requested: 61,
                refundable: 60
            })
        );
        assert!(check_refundable(100, 100, 1).is_err());
    }

    proptest! {
        /// Any sequence of accepted partial refunds sums to at most the paid amount.
        #[test]
        fn accepted_refunds_never_exceed_paid(paid in 1i64..1_000_000, asks in proptest::collection::vec(1i64..400_000, 0..40)) {
            let mut reserved = 0i64;
            for ask in asks {
                if check_refundable(paid, reserved, ask).is_ok() {
                    reserved += ask;
                }
                prop_assert!(reserved <= paid);
            }
        }
    }
}
