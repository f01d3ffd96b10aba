//! Holds (pending amounts) on an account: place, then capture (possibly
//! partially, releasing the rest), void, or expire. Needed for EV charging
//! and pre-set fuelling, where the final amount is known only at the end.

use crate::error::DomainError;
use crate::state::StateMachine;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldStatus {
    Active,
    Captured,
    Voided,
    Expired,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HoldAction {
    Capture,
    Void,
    Expire,
}

impl HoldStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            HoldStatus::Active => "active",
            HoldStatus::Captured => "captured",
            HoldStatus::Voided => "voided",
            HoldStatus::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<HoldStatus> {
        HoldMachine::STATUSES.iter().copied().find(|x| x.as_str() == s)
    }
}

pub struct HoldMachine;

impl StateMachine for HoldMachine {
    type Status = HoldStatus;
    type Action = HoldAction;
    const KIND: &'static str = "hold";
    const TABLE: &'static [(HoldStatus, HoldAction, HoldStatus)] = &[
        (HoldStatus::Active, HoldAction::Capture, HoldStatus::Captured),
        (HoldStatus::Active, HoldAction::Void, HoldStatus::Voided),
        (HoldStatus::Active, HoldAction::Expire, HoldStatus::Expired),
    ];
    const STATUSES: &'static [HoldStatus] = &[
        HoldStatus::Active,
        HoldStatus::Captured,
        HoldStatus::Voided,
        HoldStatus::Expired,
    ];
    const ACTIONS: &'static [HoldAction] = &[HoldAction::Capture, HoldAction::Void, HoldAction::Expire];
    fn status_name(s: HoldStatus) -> &'static str {
        s.as_str()
    }
    fn action_name(a: HoldAction) -> &'static str {
        match a {
            HoldAction::Capture => "capture",
            HoldAction::Void => "void",
            HoldAction::Expire => "expire",
        }
    }
}

/// A capture takes at most what was held; zero is allowed (nothing was
/// consumed, the whole hold is released, as when a charge never started).
pub fn check_capture(held: i64, capture: i64) -> Result<(), DomainError> {
    if capture < 0 {
        return Err(DomainError::InvalidAmount { max: held });
    }
    if capture > held {
        return Err(DomainError::HoldExceeded {
            requested: capture,
            held,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::HoldAction as A;
    use super::HoldStatus as S;
    use super::*;
    use crate::state::assert_exhaustive;

    #[test]
    fn every_allowed_and_every_forbidden_transition() {
        assert_exhaustive::<HoldMachine>(&[
            (S::Active, A::Capture, S::Captured),
            (S::Active, A::Void, S::Voided),
            (S::Active, A::Expire, S::Expired),
        ]);
    }

    #[test]
    fn capture_bounds() {
        assert!(check_capture(100, 0).is_ok());
        assert!(check_capture(100, 100).is_ok());
        assert_eq!(
            check_capture(100, 101),
            Err(DomainError::HoldExceeded {
                requested: 101,
                held: 100
            })
        );
        assert!(check_capture(100, -1).is_err());
    }
}
