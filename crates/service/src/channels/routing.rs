//! Builds routing candidates from a merchant's stored configurations, the
//! registry's capabilities, today's usage and the breakers, and ranks them
//! with `juhe_channel::routing::rank`.

use super::ChannelHub;
use crate::error::ServiceError;
use juhe_channel::routing::{Candidate, Skip, rank};
use juhe_domain::way::Way;
use juhe_domain::{DomainError, Money};
use juhe_store::channel_configs::{self, ChannelConfigRow};
use sqlx::AnyPool;
use std::collections::HashMap;

/// The day (UTC+8, the business day of mainland channels) a time falls on.
pub fn business_day(ms: i64) -> String {
    const OFFSET_MS: i64 = 8 * 60 * 60 * 1000;
    let days = (ms + OFFSET_MS).div_euclid(86_400_000);
    match time::Date::from_julian_day(2_440_588 + days as i32) {
        Ok(d) => format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()),
        Err(_) => "0000-00-00".to_string(),
    }
}

/// The configurations to try for this payment, best first, with their rows.
pub async fn candidates(
    pool: &AnyPool,
    hub: &ChannelHub,
    merchant_id: &str,
    way: Way,
    money: Money,
    auth_code: Option<&str>,
    now: i64,
) -> Result<Vec<ChannelConfigRow>, ServiceError> {
    let rows = channel_configs::list_for_merchant(pool, merchant_id).await?;
    let usage: HashMap<String, i64> = channel_configs::usage_on(pool, merchant_id, &business_day(now))
        .await?
        .into_iter()
        .collect();
    let list: Vec<Candidate> = rows
        .iter()
        .map(|row| {
            let serves_way = hub.registry.get(&row.channel).is_some_and(|c| {
                let caps = c.capabilities();
                caps.supports_way(way) && caps.currencies.contains(&money.currency.code())
            });
            Candidate {
                config_id: row.id.clone(),
                channel: row.channel.clone(),
                enabled: row.enabled != 0,
                priority: row.priority,
                serves_way,
                single_limit: row.single_limit,
                daily_limit: row.daily_limit,
                used_today: usage.get(&row.id).copied().unwrap_or(0),
                healthy: hub.breakers.is_available(&row.id, now),
            }
        })
        .collect();
    let (usable, skipped) = rank(way, money.amount, auth_code, &list);
    if usable.is_empty() {
        return Err(explain(way, auth_code, &skipped));
    }
    let by_id: HashMap<&str, &ChannelConfigRow> = rows.iter().map(|r| (r.id.as_str(), r)).collect();
    Ok(usable
        .iter()
        .filter_map(|c| by_id.get(c.config_id.as_str()).map(|r| (*r).clone()))
        .collect())
}

/// Why no channel can take the payment, as the client's error.
fn explain(way: Way, auth_code: Option<&str>, skipped: &[(String, Skip)]) -> ServiceError {
    let has = |s: &Skip| skipped.iter().any(|(_, k)| k == s);
    if way == Way::Barcode && auth_code.and_then(juhe_channel::routing::barcode_channel).is_none() {
        return ServiceError::InvalidRequest(
            "payer.auth_code is not a payment code of a supported channel (WeChat 10-15, Alipay 25-30, UnionPay 62)"
                .into(),
        );
    }
    if has(&Skip::CircuitOpen) {
        return ServiceError::ChannelUnavailable(format!(
            "every channel configured for way {:?} is failing; try again shortly",
            way.as_str()
        ));
    }
    if has(&Skip::AboveSingleLimit) || has(&Skip::AboveDailyLimit) {
        return DomainError::LimitExceeded.into();
    }
    ServiceError::UnsupportedWay(format!(
        "no enabled channel of this merchant serves way {:?}",
        way.as_str()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_days_are_beijing_days() {
        // 2026-11-22T15:59:59Z is 23:59:59 in Beijing; one second later is the 23rd.
        assert_eq!(business_day(1_795_363_199_000), "2026-11-22");
        assert_eq!(business_day(1_795_363_200_000), "2026-11-23");
        assert_eq!(business_day(0), "1970-01-01");
    }
}
