//! Before measuring: a fresh customer with a wallet topped up for every payment, via the public API.

use serde::Deserialize;

use crate::client::{Answer, Api, Connection};
use crate::error::BenchError;

/// juhe's largest amount (`juhe_domain::money::MAX_AMOUNT`): the default top-up never asks for more.
pub const MAX_TOPUP: i64 = 1_000_000_000_000_000;

/// An upper bound on payments one phase can make: more than a million per second is out of reach.
const PAYMENTS_PER_SEC_CEILING: u64 = 1_000_000;

/// The default top-up: `amount` for every payment the run could possibly make, capped at [`MAX_TOPUP`].
pub fn default_topup(amount: i64, duration_secs: u64, max_requests: Option<u64>) -> i64 {
    let by_time = duration_secs.max(1).saturating_mul(PAYMENTS_PER_SEC_CEILING);
    let payments = max_requests.map_or(by_time, |m| m.min(by_time));
    let payments = i64::try_from(payments).unwrap_or(i64::MAX);
    amount.saturating_mul(payments).clamp(1, MAX_TOPUP)
}

/// `POST /v1/customers` with `{"name":"bench-<run>"}`; returns the new customer's id.
pub(crate) async fn create_customer(api: &Api, run_id: &str) -> Result<String, BenchError> {
    #[derive(Deserialize)]
    struct Created {
        id: String,
    }
    let body = serde_json::json!({ "name": format!("bench-{run_id}") }).to_string();
    let key = format!("bench-customer-{run_id}");
    let answer = send(api, "create customer", "/v1/customers", body, &key).await?;
    let failed = |body: &[u8]| BenchError::Setup {
        step: "create customer",
        status: answer.status.as_u16(),
        body: String::from_utf8_lossy(body).chars().take(500).collect(),
    };
    if !answer.status.is_success() {
        return Err(failed(&answer.body));
    }
    let created: Created = serde_json::from_slice(&answer.body).map_err(|_| failed(&answer.body))?;
    Ok(created.id)
}

/// `POST /v1/topups` of `amount` in cash to the customer's wallet.
pub(crate) async fn top_up(
    api: &Api,
    run_id: &str,
    customer_id: &str,
    amount: i64,
    currency: &str,
) -> Result<(), BenchError> {
    let topup_no = format!("bench-topup-{run_id}");
    let body = serde_json::json!({
        "customer_id": customer_id,
        "amount": amount,
        "currency": currency,
        "channel": "cash",
        "merchant_topup_no": topup_no,
    })
    .to_string();
    let answer = send(api, "top up wallet", "/v1/topups", body, &topup_no).await?;
    if !answer.status.is_success() {
        return Err(BenchError::Setup {
            step: "top up wallet",
            status: answer.status.as_u16(),
            body: String::from_utf8_lossy(&answer.body).chars().take(500).collect(),
        });
    }
    Ok(())
}

async fn send(api: &Api, step: &'static str, path: &str, body: String, key: &str) -> Result<Answer, BenchError> {
    let transport = |source| BenchError::Transport { step, source };
    let req = api.post_signed(path, body, Some(key)).map_err(transport)?;
    Connection::new().send(api, req).await.map_err(transport)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_topup_covers_every_payment() {
        assert_eq!(default_topup(1, 10, None), 10_000_000);
        assert_eq!(default_topup(1, 10, Some(500)), 500);
        assert_eq!(default_topup(3, 10, Some(500)), 1_500);
        assert_eq!(default_topup(7, 0, None), 7_000_000);
        assert_eq!(default_topup(i64::MAX, 10, None), MAX_TOPUP);
        assert_eq!(default_topup(2, u64::MAX, None), MAX_TOPUP);
    }
}
