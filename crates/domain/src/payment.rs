//! The payment (order) state machine, DESIGN.md §4.
//!
//! `created → processing → succeeded | failed | closed`; `created → closed`
//! (expired or closed by the merchant); `processing → closed` only through a
//! confirmed channel close / reverse (for a wallet hold, a confirmed void).
//! A succeeded payment is refunded through refunds; its status stays
//! `succeeded` and it carries `refunded_amount`.

use crate::state::StateMachine;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    Created,
    Processing,
    Succeeded,
    Failed,
    Closed,
}

/// What happened to a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentAction {
    /// An attempt was sent to a channel (or the wallet was asked to debit).
    Submit,
    /// The channel (or wallet) confirmed the money moved.
    Succeed,
    /// The channel definitively refused; no money moved.
    Fail,
    /// The merchant closed an unpaid order, or it expired before any attempt.
    Close,
    /// The channel confirmed a close / reverse (or a hold was voided / expired).
    ConfirmedClose,
}

impl PaymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Created => "created",
            PaymentStatus::Processing => "processing",
            PaymentStatus::Succeeded => "succeeded",
            PaymentStatus::Failed => "failed",
            PaymentStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<PaymentStatus> {
        PaymentMachine::STATUSES.iter().copied().find(|x| x.as_str() == s)
    }
}

pub struct PaymentMachine;

impl StateMachine for PaymentMachine {
    type Status = PaymentStatus;
    type Action = PaymentAction;
    const KIND: &'static str = "payment";
    const TABLE: &'static [(PaymentStatus, PaymentAction, PaymentStatus)] = &[
        (PaymentStatus::Created, PaymentAction::Submit, PaymentStatus::Processing),
        (PaymentStatus::Created, PaymentAction::Close, PaymentStatus::Closed),
        (
            PaymentStatus::Processing,
            PaymentAction::Succeed,
            PaymentStatus::Succeeded,
        ),
        (PaymentStatus::Processing, PaymentAction::Fail, PaymentStatus::Failed),
        (
            PaymentStatus::Processing,
            PaymentAction::ConfirmedClose,
            PaymentStatus::Closed,
        ),
    ];
    const STATUSES: &'static [PaymentStatus] = &[
        PaymentStatus::Created,
        PaymentStatus::Processing,
        PaymentStatus::Succeeded,
        PaymentStatus::Failed,
        PaymentStatus::Closed,
    ];
    const ACTIONS: &'static [PaymentAction] = &[
        PaymentAction::Submit,
        PaymentAction::Succeed,
        PaymentAction::Fail,
        PaymentAction::Close,
        PaymentAction::ConfirmedClose,
    ];
    fn status_name(s: PaymentStatus) -> &'static str {
        s.as_str()
    }
    fn action_name(a: PaymentAction) -> &'static str {
        match a {
            PaymentAction::Submit => "submit",
            PaymentAction::Succeed => "succeed",
            PaymentAction::Fail => "fail",
            PaymentAction::Close => "close",
            PaymentAction::ConfirmedClose => "close (confirmed)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::PaymentAction as A;
    use super::PaymentStatus as S;
    use super::*;
    use crate::state::{assert_exhaustive, is_terminal};

    #[test]
    fn every_allowed_and_every_forbidden_transition() {
        // Written out again on purpose: the test is the spec, the table the code.
        assert_exhaustive::<PaymentMachine>(&[
            (S::Created, A::Submit, S::Processing),
            (S::Created, A::Close, S::Closed),
            (S::Processing, A::Succeed, S::Succeeded),
            (S::Processing, A::Fail, S::Failed),
            (S::Processing, A::ConfirmedClose, S::Closed),
        ]);
    }

    #[test]
    fn terminal_statuses() {
        for s in [S::Succeeded, S::Failed, S::Closed] {
            assert!(is_terminal::<PaymentMachine>(s), "{s:?}");
        }
        for s in [S::Created, S::Processing] {
            assert!(!is_terminal::<PaymentMachine>(s), "{s:?}");
        }
    }

    #[test]
    fn names_round_trip() {
        for &s in PaymentMachine::STATUSES {
            assert_eq!(PaymentStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), serde_json::json!(s.as_str()));
        }
        assert_eq!(PaymentStatus::parse("paid"), None);
    }
}
