//! Webhook delivery. Events reach the outbox in the transaction of the
//! change they report; this worker claims due deliveries with a lease (so a
//! crashed node's claims return to the pool when the lease runs out), sends
//! each signed, and records every attempt. A 2xx is delivered; anything else
//! is retried on the schedule, then marked exhausted for an operator.
//!
//! Headers: `Juhe-Event-Id`, `Juhe-Timestamp`, `Juhe-Nonce`,
//! `Juhe-Signature = base64(HMAC-SHA256(webhook_secret, TIMESTAMP\nNONCE\nBODY\n))`.

use juhe_crypto::{MasterKey, hmac_sha256_base64, webhook_string_to_sign};
use juhe_domain::webhook::RetrySchedule;
use juhe_service::ServiceError;
use juhe_store::clock::now_ms;
use juhe_store::events::{AttemptRecord, DueDelivery, claim_due, record_attempt};
use juhe_store::ids::random_hex;
use juhe_store::{Db, merchants};
use std::time::{Duration, Instant};
use tokio::sync::watch;

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub schedule: RetrySchedule,
    /// How often to look for due deliveries when idle.
    pub poll_interval: Duration,
    /// How long one attempt may take.
    pub request_timeout: Duration,
    /// How long a claim is held; a crashed worker's claims free up after it.
    pub lease: Duration,
    /// Deliveries claimed (and sent concurrently) per round.
    pub batch: i64,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            schedule: RetrySchedule::default(),
            poll_interval: Duration::from_millis(500),
            request_timeout: Duration::from_secs(10),
            lease: Duration::from_secs(60),
            batch: 32,
        }
    }
}

pub struct Worker {
    db: Db,
    keys: MasterKey,
    config: WorkerConfig,
    client: reqwest::Client,
}

impl Worker {
    pub fn new(db: Db, keys: MasterKey, config: WorkerConfig) -> Result<Worker, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .user_agent(concat!("juhe-webhooks/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Worker {
            db,
            keys,
            config,
            client,
        })
    }

    /// Runs until `stop` turns true.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        loop {
            let sent = match self.round().await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "webhook round failed");
                    0
                }
            };
            if *stop.borrow() {
                return;
            }
            // A full batch means more may be waiting: go again at once.
            if sent < self.config.batch as usize {
                tokio::select! {
                    _ = tokio::time::sleep(self.config.poll_interval) => {}
                    _ = stop.changed() => return,
                }
            }
        }
    }

    /// Claims and sends one batch; returns how many were attempted.
    pub async fn round(&self) -> Result<usize, ServiceError> {
        let now = now_ms();
        let lease_until = now + self.config.lease.as_millis() as i64;
        let limit = self.config.batch;
        let due = self
            .db
            .write(move |tx| {
                Box::pin(async move { Ok::<_, ServiceError>(claim_due(tx, now, lease_until, limit).await?) })
            })
            .await?;
        let n = due.len();
        futures::future::join_all(due.into_iter().map(|d| self.deliver(d))).await;
        Ok(n)
    }

    async fn deliver(&self, d: DueDelivery) {
        let attempt = d.attempts + 1;
        let started_at = now_ms();
        let clock = Instant::now();
        let (status_code, error) = match self.send(&d).await {
            Ok(code) if (200..300).contains(&code) => (Some(i64::from(code)), None),
            Ok(code) => (Some(i64::from(code)), Some(format!("HTTP {code}"))),
            Err(e) => (None, Some(e)),
        };
        let duration_ms = clock.elapsed().as_millis() as i64;
        let (new_status, next_attempt_at) = if error.is_none() {
            ("delivered", started_at)
        } else {
            match self
                .config
                .schedule
                .delay_after(u32::try_from(attempt).unwrap_or(u32::MAX))
            {
                Some(delay) => ("pending", started_at + duration_ms + delay.as_millis() as i64),
                None => ("exhausted", started_at),
            }
        };
        let (delivery_id, lease_until) = (d.id.clone(), d.lease_until);
        let written = self
            .db
            .write(move |tx| {
                let (id, error) = (delivery_id.clone(), error.clone());
                Box::pin(async move {
                    let rec = AttemptRecord {
                        delivery_id: &id,
                        lease_until,
                        attempt,
                        started_at,
                        duration_ms,
                        status_code,
                        error: error.as_deref(),
                        new_status,
                        next_attempt_at,
                    };
                    Ok::<_, ServiceError>(record_attempt(tx, &rec).await?)
                })
            })
            .await;
        match written {
            Ok(true) => {}
            Ok(false) => tracing::warn!(delivery = %d.id, "lease lost before the attempt was recorded"),
            Err(e) => tracing::warn!(delivery = %d.id, error = %e, "could not record a webhook attempt"),
        }
    }

    /// Signs and posts the event; the receiver's status code, or why there is none.
    async fn send(&self, d: &DueDelivery) -> Result<u16, String> {
        let app = merchants::get_app(self.db.reader(), &d.app_id)
            .await
            .map_err(|e| format!("app lookup: {e}"))?
            .ok_or("the app no longer exists")?;
        let secrets = juhe_service::provision::open_secrets(&self.keys, &app).map_err(|e| e.to_string())?;
        let timestamp = (now_ms() / 1000).to_string();
        let nonce = random_hex(16);
        let message = webhook_string_to_sign(&timestamp, &nonce, d.payload.as_bytes());
        let signature = hmac_sha256_base64(secrets.webhook_secret.as_bytes(), &message);
        let response = self
            .client
            .post(&d.url)
            .header("Content-Type", "application/json")
            .header("Juhe-Event-Id", &d.event_id)
            .header("Juhe-Timestamp", &timestamp)
            .header("Juhe-Nonce", &nonce)
            .header("Juhe-Signature", signature)
            .body(d.payload.clone())
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    "timed out".to_string()
                } else {
                    format!("request failed: {e}")
                }
            })?;
        Ok(response.status().as_u16())
    }
}
