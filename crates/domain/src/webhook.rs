//! Webhook events to merchants and the lifecycle of their delivery.

use crate::state::StateMachine;
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventType {
    #[serde(rename = "payment.succeeded")]
    PaymentSucceeded,
    #[serde(rename = "payment.failed")]
    PaymentFailed,
    #[serde(rename = "payment.closed")]
    PaymentClosed,
    #[serde(rename = "refund.succeeded")]
    RefundSucceeded,
    #[serde(rename = "refund.failed")]
    RefundFailed,
    #[serde(rename = "topup.succeeded")]
    TopupSucceeded,
}

impl EventType {
    pub const ALL: &'static [EventType] = &[
        EventType::PaymentSucceeded,
        EventType::PaymentFailed,
        EventType::PaymentClosed,
        EventType::RefundSucceeded,
        EventType::RefundFailed,
        EventType::TopupSucceeded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::PaymentSucceeded => "payment.succeeded",
            EventType::PaymentFailed => "payment.failed",
            EventType::PaymentClosed => "payment.closed",
            EventType::RefundSucceeded => "refund.succeeded",
            EventType::RefundFailed => "refund.failed",
            EventType::TopupSucceeded => "topup.succeeded",
        }
    }
}

/// A delivery is `pending` until a 2xx (`delivered`) or until the schedule
/// runs out (`exhausted`); an operator may send an exhausted one again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    Exhausted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryAction {
    /// The receiver answered 2xx.
    Acknowledged,
    /// A failed attempt with retries left: stays pending, later.
    RetryLater,
    /// A failed attempt and the schedule is used up.
    GiveUp,
    /// An operator asks for another round.
    Resend,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Exhausted => "exhausted",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryStatus> {
        DeliveryMachine::STATUSES.iter().copied().find(|x| x.as_str() == s)
    }
}

pub struct DeliveryMachine;

impl StateMachine for DeliveryMachine {
    type Status = DeliveryStatus;
    type Action = DeliveryAction;
    const KIND: &'static str = "webhook delivery";
    const TABLE: &'static [(DeliveryStatus, DeliveryAction, DeliveryStatus)] = &[
        (
            DeliveryStatus::Pending,
            DeliveryAction::Acknowledged,
            DeliveryStatus::Delivered,
        ),
        (
            DeliveryStatus::Pending,
            DeliveryAction::RetryLater,
            DeliveryStatus::Pending,
        ),
        (
            DeliveryStatus::Pending,
            DeliveryAction::GiveUp,
            DeliveryStatus::Exhausted,
        ),
        (
            DeliveryStatus::Exhausted,
            DeliveryAction::Resend,
            DeliveryStatus::Pending,
        ),
        (
            DeliveryStatus::Delivered,
            DeliveryAction::Resend,
            DeliveryStatus::Pending,
        ),
    ];
    const STATUSES: &'static [DeliveryStatus] = &[
        DeliveryStatus::Pending,
        DeliveryStatus::Delivered,
        DeliveryStatus::Exhausted,
    ];
    const ACTIONS: &'static [DeliveryAction] = &[
        DeliveryAction::Acknowledged,
        DeliveryAction::RetryLater,
        DeliveryAction::GiveUp,
        DeliveryAction::Resend,
    ];
    fn status_name(s: DeliveryStatus) -> &'static str {
        s.as_str()
    }
    fn action_name(a: DeliveryAction) -> &'static str {
        match a {
            DeliveryAction::Acknowledged => "acknowledge",
            DeliveryAction::RetryLater => "retry",
            DeliveryAction::GiveUp => "give up",
            DeliveryAction::Resend => "resend",
        }
    }
}

/// When to try again after each failed attempt. The default is WeChat Pay's
/// published notification schedule (24 h 4 m in all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule {
    delays: Vec<Duration>,
}

impl Default for RetrySchedule {
    fn default() -> Self {
        let secs = [
            15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10_800, 10_800, 10_800, 21_600, 21_600,
        ];
        RetrySchedule {
            delays: secs.iter().map(|s| Duration::from_secs(*s)).collect(),
        }
    }
}

impl RetrySchedule {
    pub fn new(delays: Vec<Duration>) -> RetrySchedule {
        RetrySchedule { delays }
    }

    /// Every delay divided by `factor` (at least 1 ms each), for tests that
    /// must run the whole schedule quickly.
    pub fn scaled_down(&self, factor: u32) -> RetrySchedule {
        let f = factor.max(1);
        RetrySchedule {
            delays: self
                .delays
                .iter()
                .map(|d| (*d / f).max(Duration::from_millis(1)))
                .collect(),
        }
    }

    /// The delay before attempt `attempts_made + 1`, or `None` when the
    /// schedule is used up (the first attempt is immediate and not counted here).
    pub fn delay_after(&self, attempts_made: u32) -> Option<Duration> {
        let index = usize::try_from(attempts_made).ok()?.checked_sub(1)?;
        self.delays.get(index).copied()
    }

    /// Attempts in all: the first plus one per delay.
    pub fn max_attempts(&self) -> u32 {
        u32::try_from(self.delays.len()).unwrap_or(u32::MAX).saturating_add(1)
    }

    pub fn total(&self) -> Duration {
        self.delays.iter().sum()
    }

    pub fn delays(&self) -> &[Duration] {
        &self.delays
    }
}

#[cfg(test)]
mod tests {
    use super::DeliveryAction as A;
    use super::DeliveryStatus as S;
    use super::*;
    use crate::state::assert_exhaustive;

    #[test]
    fn every_allowed_and_every_forbidden_transition() {
        assert_exhaustive::<DeliveryMachine>(&[
            (S::Pending, A::Acknowledged, S::Delivered),
            (S::Pending, A::RetryLater, S::Pending),
            (S::Pending, A::GiveUp, S::Exhausted),
            (S::Exhausted, A::Resend, S::Pending),
            (S::Delivered, A::Resend, S::Pending),
        ]);
    }

    #[test]
    fn default_schedule_is_about_a_day() {
        let s = RetrySchedule::default();
        assert_eq!(s.total(), Duration::from_secs(24 * 3600 + 4 * 60));
        assert_eq!(s.max_attempts(), 16);
        assert_eq!(s.delay_after(0), None, "no delay before the first attempt");
        assert_eq!(s.delay_after(1), Some(Duration::from_secs(15)));
        assert_eq!(s.delay_after(15), Some(Duration::from_secs(21_600)));
        assert_eq!(s.delay_after(16), None);
        assert_eq!(s.scaled_down(1000).delay_after(1), Some(Duration::from_millis(15)));
    }

    #[test]
    fn event_names() {
        for e in EventType::ALL {
            assert_eq!(serde_json::to_value(e).unwrap(), serde_json::json!(e.as_str()));
        }
    }
}
