//! The scripting vocabulary.

use serde::{Deserialize, Serialize};
use std::sync::Mutex;

/// What the simulated payer (and the institution's view of them) does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Behaviour {
    /// Pays `after_ms` after the order is created (0 = at once).
    Pay { after_ms: u64 },
    /// Waits for someone to press pay on the sandbox payer page.
    Wait,
    /// The institution declines with this code (e.g. `PAYERROR`, `ACQ.TRADE_HAS_CLOSE`).
    Decline { code: String, message: String },
    /// The payer's balance is short (each sandbox answers with its channel's code for it).
    InsufficientFunds,
    /// The payer stays "confirming" (USERPAYING / 10003) until reversed or expired.
    StayPaying,
    /// The institution accepts the connection and never answers.
    NeverAnswer,
}

/// Which orders a rule applies to. Empty fields match anything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Match {
    pub amount: Option<i64>,
    pub auth_code: Option<String>,
    pub order_no: Option<String>,
}

impl Match {
    fn matches(&self, amount: i64, auth_code: Option<&str>, order_no: &str) -> bool {
        self.amount.is_none_or(|a| a == amount)
            && self.auth_code.as_deref().is_none_or(|c| Some(c) == auth_code)
            && self.order_no.as_deref().is_none_or(|o| o == order_no)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    #[serde(default, rename = "match")]
    pub matcher: Match,
    pub behaviour: Behaviour,
    /// How many orders the rule applies to; `None` = every matching order.
    #[serde(default)]
    pub times: Option<u32>,
}

/// Faults the institution injects, independent of the payer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Faults {
    /// The next N API calls answer HTTP 500 (or the channel's system error).
    #[serde(default)]
    pub fail_next: u32,
    /// The next N API calls are refused for coming too often, with the
    /// channel's rate-limit answer (WeChat: 429 `FREQUENCY_LIMITED`), before
    /// anything is done. Sandboxes of channels whose rate-limit answer is
    /// not established ignore it (their READMEs say which).
    #[serde(default)]
    pub rate_limit_next: u32,
    /// Every notification is sent twice.
    #[serde(default)]
    pub duplicate_notifications: bool,
    /// Notifications are held back and sent newest first (with the older
    /// state arriving after the newer one).
    #[serde(default)]
    pub reorder_notifications: bool,
    /// Notifications are not sent at all (the merchant must query).
    #[serde(default)]
    pub drop_notifications: bool,
}

/// A sandbox's rules and faults.
#[derive(Debug, Default)]
pub struct Script {
    rules: Mutex<Vec<Rule>>,
    faults: Mutex<Faults>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl Script {
    pub fn new() -> Script {
        Script::default()
    }

    pub fn add(&self, rule: Rule) {
        lock(&self.rules).push(rule);
    }

    pub fn clear(&self) {
        lock(&self.rules).clear();
        *lock(&self.faults) = Faults::default();
    }

    /// The behaviour for a new order (consuming one use of the rule), or
    /// `default` when no rule matches.
    pub fn behaviour_for(&self, amount: i64, auth_code: Option<&str>, order_no: &str, default: Behaviour) -> Behaviour {
        let mut rules = lock(&self.rules);
        let Some(index) = rules
            .iter()
            .position(|r| r.matcher.matches(amount, auth_code, order_no) && r.times != Some(0))
        else {
            return default;
        };
        let rule = &mut rules[index];
        let behaviour = rule.behaviour.clone();
        if let Some(times) = rule.times.as_mut() {
            *times -= 1;
        }
        behaviour
    }

    pub fn set_faults(&self, faults: Faults) {
        *lock(&self.faults) = faults;
    }

    pub fn faults(&self) -> Faults {
        lock(&self.faults).clone()
    }

    /// True if this API call must fail (consumes one of `fail_next`).
    pub fn take_failure(&self) -> bool {
        take_one(&mut lock(&self.faults).fail_next)
    }

    /// True if this API call must be refused as too frequent (consumes one
    /// of `rate_limit_next`).
    pub fn take_rate_limit(&self) -> bool {
        take_one(&mut lock(&self.faults).rate_limit_next)
    }
}

fn take_one(counter: &mut u32) -> bool {
    if *counter > 0 {
        *counter -= 1;
        true
    } else {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_matching_rule_wins_and_counts_down() {
        let s = Script::new();
        s.add(Rule {
            matcher: Match {
                amount: Some(101),
                ..Match::default()
            },
            behaviour: Behaviour::StayPaying,
            times: Some(1),
        });
        s.add(Rule {
            matcher: Match::default(),
            behaviour: Behaviour::InsufficientFunds,
            times: None,
        });
        assert_eq!(s.behaviour_for(101, None, "o1", Behaviour::Wait), Behaviour::StayPaying);
        assert_eq!(
            s.behaviour_for(101, None, "o2", Behaviour::Wait),
            Behaviour::InsufficientFunds
        );
        s.clear();
        assert_eq!(s.behaviour_for(101, None, "o3", Behaviour::Wait), Behaviour::Wait);
        s.set_faults(Faults {
            fail_next: 2,
            ..Faults::default()
        });
        assert!(s.take_failure());
        assert!(s.take_failure());
        assert!(!s.take_failure());
        s.set_faults(Faults {
            rate_limit_next: 1,
            ..Faults::default()
        });
        assert!(!s.take_failure());
        assert!(s.take_rate_limit());
        assert!(!s.take_rate_limit());
    }

    #[test]
    fn rules_read_from_json() {
        let rule: Rule = serde_json::from_str(
            r#"{"match":{"auth_code":"134567890123456789"},"behaviour":{"type":"decline","code":"PAYERROR","message":"card frozen"},"times":1}"#,
        )
        .unwrap();
        assert_eq!(rule.times, Some(1));
        assert!(matches!(rule.behaviour, Behaviour::Decline { .. }));
    }
}
