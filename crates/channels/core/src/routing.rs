//! Routing: which of a merchant's channel configurations to try, in which
//! order, and when trying the next one is allowed. Pure functions; the
//! payment service feeds them rows and breaker states.

use crate::error::ChannelError;
use juhe_domain::way::Way;

/// The channel a payment code belongs to, by its prefix: WeChat 10–15,
/// Alipay 25–30, UnionPay 62. `None` for anything else (refused, not guessed).
pub fn barcode_channel(auth_code: &str) -> Option<&'static str> {
    if auth_code.len() < 16 || auth_code.len() > 24 || !auth_code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let prefix: u32 = auth_code[..2].parse().ok()?;
    match prefix {
        10..=15 => Some("wechatpay"),
        25..=30 => Some("alipay"),
        62 => Some("unionpay"),
        _ => None,
    }
}

/// One merchant configuration as routing sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub config_id: String,
    pub channel: String,
    pub enabled: bool,
    /// Higher is tried first.
    pub priority: i64,
    /// The channel (as registered) serves the way.
    pub serves_way: bool,
    pub single_limit: Option<i64>,
    pub daily_limit: Option<i64>,
    /// Amount already taken through this configuration today.
    pub used_today: i64,
    /// The circuit breaker lets a call through now.
    pub healthy: bool,
}

/// Why a candidate was passed over (reported when nothing is left).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    Disabled,
    WayNotServed,
    WrongChannelForCode,
    AboveSingleLimit,
    AboveDailyLimit,
    CircuitOpen,
}

/// Candidates to try, best first: enabled, serving the way (and, for
/// `barcode`, of the code's channel), within limits, healthy; by priority
/// then id so the order is stable. Returns the skipped ones with reasons.
pub fn rank(
    way: Way,
    amount: i64,
    auth_code: Option<&str>,
    candidates: &[Candidate],
) -> (Vec<Candidate>, Vec<(String, Skip)>) {
    let code_channel = match way {
        Way::Barcode => auth_code.and_then(barcode_channel),
        _ => None,
    };
    let mut usable = Vec::new();
    let mut skipped = Vec::new();
    for c in candidates {
        let skip = if !c.enabled {
            Some(Skip::Disabled)
        } else if !c.serves_way {
            Some(Skip::WayNotServed)
        } else if way == Way::Barcode && code_channel != Some(c.channel.as_str()) {
            Some(Skip::WrongChannelForCode)
        } else if c.single_limit.is_some_and(|l| amount > l) {
            Some(Skip::AboveSingleLimit)
        } else if c.daily_limit.is_some_and(|l| c.used_today.saturating_add(amount) > l) {
            Some(Skip::AboveDailyLimit)
        } else if !c.healthy {
            Some(Skip::CircuitOpen)
        } else {
            None
        };
        match skip {
            Some(reason) => skipped.push((c.config_id.clone(), reason)),
            None => usable.push(c.clone()),
        }
    }
    usable.sort_by(|a, b| b.priority.cmp(&a.priority).then_with(|| a.config_id.cmp(&b.config_id)));
    (usable, skipped)
}

/// After an attempt at one channel, what the payment does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterAttempt {
    /// The attempt certainly took no money: try the next candidate (if any).
    TryNext,
    /// Stop here: the outcome stands (success, pending, or unknown and to
    /// be resolved by querying this same channel).
    Stop,
}

/// The failover rule: only a definite "no money taken" moves on.
pub fn after_attempt(result: &Result<(), ChannelError>) -> AfterAttempt {
    match result {
        Err(e) if e.took_no_money() => AfterAttempt::TryNext,
        _ => AfterAttempt::Stop,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn candidate(id: &str, channel: &str, priority: i64) -> Candidate {
        Candidate {
            config_id: id.into(),
            channel: channel.into(),
            enabled: true,
            priority,
            serves_way: true,
            single_limit: None,
            daily_limit: None,
            used_today: 0,
            healthy: true,
        }
    }

    #[test]
    fn payment_codes_route_by_prefix() {
        assert_eq!(barcode_channel("134567890123456789"), Some("wechatpay"));
        assert_eq!(barcode_channel("101234567890123456"), Some("wechatpay"));
        assert_eq!(barcode_channel("151234567890123456"), Some("wechatpay"));
        assert_eq!(barcode_channel("281234567890123456"), Some("alipay"));
        assert_eq!(barcode_channel("25123456789012345678"), Some("alipay"));
        assert_eq!(barcode_channel("6212345678901234567"), Some("unionpay"));
        for bad in [
            "161234567890123456",
            "311234567890123456",
            "631234567890123456",
            "13456",
            "13456789012345678a",
        ] {
            assert_eq!(barcode_channel(bad), None, "{bad}");
        }
    }

    #[test]
    fn ranking_respects_everything() {
        let mut disabled = candidate("c1", "alipay", 9);
        disabled.enabled = false;
        let mut limited = candidate("c2", "alipay", 8);
        limited.single_limit = Some(100);
        let mut daily = candidate("c3", "alipay", 7);
        daily.daily_limit = Some(1000);
        daily.used_today = 950;
        let mut open = candidate("c4", "alipay", 6);
        open.healthy = false;
        let low = candidate("c5", "alipay", 1);
        let high = candidate("c6", "wechatpay", 5);
        let all = [disabled, limited, daily, open, low, high];
        let (usable, skipped) = rank(Way::Qr, 101, None, &all);
        let ids: Vec<&str> = usable.iter().map(|c| c.config_id.as_str()).collect();
        assert_eq!(ids, ["c6", "c5"]);
        assert_eq!(skipped.len(), 4);
        let (usable, _) = rank(Way::Barcode, 101, Some("281234567890123456"), &all);
        let ids: Vec<&str> = usable.iter().map(|c| c.config_id.as_str()).collect();
        assert_eq!(ids, ["c5"]);
        let (usable, _) = rank(Way::Barcode, 101, Some("991234567890123456"), &all);
        assert!(usable.is_empty());
    }

    /// What a simulated channel does with an attempt.
    #[derive(Debug, Clone)]
    enum Behaviour {
        Succeeds,
        Pending,
        Declines,
        Unreachable,
        TimesOutAfterCharging,
        TimesOutWithoutCharging,
    }

    fn behaviour() -> impl Strategy<Value = Behaviour> {
        prop_oneof![
            Just(Behaviour::Succeeds),
            Just(Behaviour::Pending),
            Just(Behaviour::Declines),
            Just(Behaviour::Unreachable),
            Just(Behaviour::TimesOutAfterCharging),
            Just(Behaviour::TimesOutWithoutCharging),
        ]
    }

    proptest! {
        /// Routing never charges a payer twice: whatever each channel does,
        /// the failover loop makes at most one attempt that may have taken
        /// money, and it is the last attempt (resolved by querying it).
        #[test]
        fn failover_never_charges_twice(behaviours in proptest::collection::vec(behaviour(), 1..8)) {
            let mut charged = 0;
            let mut attempts_that_may_have_charged = 0;
            let mut attempts = 0;
            for b in &behaviours {
                attempts += 1;
                let (result, took_money, may_have) = match b {
                    Behaviour::Succeeds => (Ok(()), true, true),
                    Behaviour::Pending => (Ok(()), false, true),
                    Behaviour::Declines => (Err(ChannelError::declined("DECLINED", "no")), false, false),
                    Behaviour::Unreachable => (Err(ChannelError::NotSent("refused".into())), false, false),
                    Behaviour::TimesOutAfterCharging => (Err(ChannelError::Unknown("timeout".into())), true, true),
                    Behaviour::TimesOutWithoutCharging => (Err(ChannelError::Unknown("timeout".into())), false, true),
                };
                if took_money { charged += 1; }
                if may_have { attempts_that_may_have_charged += 1; }
                if after_attempt(&result) == AfterAttempt::Stop {
                    break;
                }
            }
            prop_assert!(charged <= 1);
            prop_assert!(attempts_that_may_have_charged <= 1);
            // The loop only stops early on an attempt that may have charged.
            if attempts < behaviours.len() {
                prop_assert_eq!(attempts_that_may_have_charged, 1);
            }
        }
    }
}
