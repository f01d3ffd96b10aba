//! The closed-loop HTTP load: `concurrency` tokio tasks, each sending its next request as soon as
//! the previous one is answered, until the deadline or the request budget runs out.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hyper::StatusCode;
use serde::Deserialize;

use crate::client::{Answer, Api, Connection, error_code};
use crate::error::BenchError;
use crate::report::{ErrorKey, PhaseReport};
use crate::stats::LatencySummary;

/// How long a worker pauses after a transport failure, so a dead server is not spun on.
const TRANSPORT_ERROR_PAUSE: Duration = Duration::from_millis(10);

/// The request a phase repeats.
pub(crate) enum Workload {
    /// Unsigned `GET /healthz`; success is HTTP 200.
    Healthz,
    /// Signed `POST /v1/payments` from the customer's wallet; success is 2xx with status "succeeded".
    Payments(PaymentTemplate),
}

/// A payment body split around the per-request order number, built once per run.
pub(crate) struct PaymentTemplate {
    /// `{"merchant_order_no":"bench-<run>-`
    head: String,
    /// `","amount":…,"payer":{"customer_id":"…"}}`
    tail: String,
    /// `bench-<run>-`, the Idempotency-Key before the request number.
    key_prefix: String,
}

impl PaymentTemplate {
    pub fn new(run_id: &str, customer_id: &str, amount: i64, currency: &str) -> PaymentTemplate {
        // serde_json quotes and escapes the strings that come from outside.
        let customer = serde_json::Value::from(customer_id);
        let currency = serde_json::Value::from(currency);
        PaymentTemplate {
            head: format!(r#"{{"merchant_order_no":"bench-{run_id}-"#),
            tail: format!(
                r#"","amount":{amount},"currency":{currency},"subject":"bench","way":"wallet","payer":{{"customer_id":{customer}}}}}"#
            ),
            key_prefix: format!("bench-{run_id}-"),
        }
    }

    /// The body and Idempotency-Key of request number `n`.
    pub fn request(&self, n: u64) -> (String, String) {
        let mut body = String::with_capacity(self.head.len() + self.tail.len() + 20);
        body.push_str(&self.head);
        let _ = write!(body, "{n}");
        body.push_str(&self.tail);
        let mut key = String::with_capacity(self.key_prefix.len() + 20);
        key.push_str(&self.key_prefix);
        let _ = write!(key, "{n}");
        (body, key)
    }
}

impl Workload {
    pub fn name(&self) -> &'static str {
        match self {
            Workload::Healthz => "GET /healthz",
            Workload::Payments(_) => "POST /v1/payments",
        }
    }

    /// Sends request number `n`; `Err` says why it does not count as a success.
    async fn send(&self, api: &Api, conn: &mut Connection, n: u64) -> Result<(), ErrorKey> {
        match self {
            Workload::Healthz => {
                let req = api.get("/healthz").map_err(|e| e.key())?;
                let answer = conn.send(api, req).await.map_err(|e| e.key())?;
                if answer.status == StatusCode::OK {
                    Ok(())
                } else {
                    Err(answer_error(&answer))
                }
            }
            Workload::Payments(template) => {
                let (body, key) = template.request(n);
                let req = api.post_signed("/v1/payments", body, Some(&key)).map_err(|e| e.key())?;
                let answer = conn.send(api, req).await.map_err(|e| e.key())?;
                if !answer.status.is_success() {
                    return Err(answer_error(&answer));
                }
                payment_succeeded(&answer)
            }
        }
    }
}

fn answer_error(answer: &Answer) -> ErrorKey {
    ErrorKey {
        status: Some(answer.status.as_u16()),
        code: error_code(&answer.body),
    }
}

/// A 2xx payment answer counts only when the payment's status is "succeeded".
fn payment_succeeded(answer: &Answer) -> Result<(), ErrorKey> {
    #[derive(Deserialize)]
    struct Payment {
        status: Option<String>,
    }
    let status = serde_json::from_slice::<Payment>(&answer.body)
        .ok()
        .and_then(|p| p.status);
    match status.as_deref() {
        Some("succeeded") => Ok(()),
        other => Err(ErrorKey {
            status: Some(answer.status.as_u16()),
            code: format!("status={}", other.unwrap_or("-")),
        }),
    }
}

/// How long and how much a phase may run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LoadPlan {
    pub concurrency: u32,
    pub duration: Duration,
    pub max_requests: Option<u64>,
}

#[derive(Default)]
struct Tally {
    succeeded: u64,
    latencies_us: Vec<u64>,
    errors: BTreeMap<ErrorKey, u64>,
}

/// Runs one phase and summarises it. Connections are opened before the clock starts.
pub(crate) async fn run_load(
    api: Arc<Api>,
    workload: Arc<Workload>,
    plan: LoadPlan,
) -> Result<PhaseReport, BenchError> {
    let mut connections = Vec::with_capacity(plan.concurrency as usize);
    for _ in 0..plan.concurrency {
        connections.push(Connection::open(&api).await);
    }
    let issued = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + plan.duration;
    let workers: Vec<_> = connections
        .into_iter()
        .map(|conn| {
            let (api, workload, issued) = (api.clone(), workload.clone(), issued.clone());
            tokio::spawn(async move { worker(&api, conn, &workload, &issued, deadline, plan.max_requests).await })
        })
        .collect();
    let mut total = Tally::default();
    for handle in workers {
        let tally = handle.await?;
        total.succeeded += tally.succeeded;
        total.latencies_us.extend(tally.latencies_us);
        for (key, count) in tally.errors {
            *total.errors.entry(key).or_default() += count;
        }
    }
    let elapsed = start.elapsed();
    Ok(PhaseReport {
        name: workload.name().to_owned(),
        succeeded: total.succeeded,
        errors: total.errors,
        elapsed,
        latency: LatencySummary::from_micros(total.latencies_us),
    })
}

async fn worker(
    api: &Api,
    mut conn: Connection,
    workload: &Workload,
    issued: &AtomicU64,
    deadline: Instant,
    max: Option<u64>,
) -> Tally {
    let mut tally = Tally::default();
    loop {
        if Instant::now() >= deadline {
            break;
        }
        let n = issued.fetch_add(1, Ordering::Relaxed);
        if max.is_some_and(|max| n >= max) {
            break;
        }
        let sent = Instant::now();
        let outcome = workload.send(api, &mut conn, n).await;
        let micros = u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX);
        match outcome {
            Ok(()) => {
                tally.succeeded += 1;
                tally.latencies_us.push(micros);
            }
            Err(key) => {
                let transport = key.status.is_none();
                *tally.errors.entry(key).or_default() += 1;
                if transport {
                    tokio::time::sleep(TRANSPORT_ERROR_PAUSE).await;
                }
            }
        }
    }
    tally
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payment_template_builds_the_documented_body() {
        let t = PaymentTemplate::new("r1", "cus_\"x", 1, "CNY");
        let (body, key) = t.request(42);
        assert_eq!(key, "bench-r1-42");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "merchant_order_no": "bench-r1-42",
                "amount": 1,
                "currency": "CNY",
                "subject": "bench",
                "way": "wallet",
                "payer": {"customer_id": "cus_\"x"}
            })
        );
    }

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status: StatusCode::from_u16(status).unwrap(),
            body: bytes::Bytes::copy_from_slice(body.as_bytes()),
        }
    }

    #[test]
    fn only_succeeded_payments_count() {
        assert!(payment_succeeded(&answer(201, r#"{"id":"p","status":"succeeded"}"#)).is_ok());
        let pending = payment_succeeded(&answer(201, r#"{"status":"pending"}"#)).unwrap_err();
        assert_eq!(pending.to_string(), "HTTP 201 status=pending");
        let garbage = payment_succeeded(&answer(200, "ok")).unwrap_err();
        assert_eq!(garbage.to_string(), "HTTP 200 status=-");
        let err = answer_error(&answer(402, r#"{"error":{"code":"insufficient_funds"}}"#));
        assert_eq!(err.to_string(), "HTTP 402 insufficient_funds");
    }
}
