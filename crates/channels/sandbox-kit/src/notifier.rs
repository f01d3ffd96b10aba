//! Sends a sandbox's notifications to the merchant (juhe) the way the
//! institution does: a prepared HTTP request (each sandbox signs and
//! encrypts its own), retried on its channel's schedule until the answer is
//! what the channel counts as acknowledged. Faults from the script apply:
//! duplicates, reordering, dropping.

use crate::behaviour::Script;
use std::sync::Arc;
use std::time::Duration;

/// One notification, ready to send.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub content_type: String,
    pub body: Vec<u8>,
    /// Decides from status and body whether the receiver acknowledged it
    /// (WeChat: 2xx; Alipay: body `success`; UnionPay: 200).
    pub acknowledged: fn(u16, &[u8]) -> bool,
}

#[derive(Clone)]
pub struct Notifier {
    client: reqwest::Client,
    script: Arc<Script>,
    /// Delays between attempts (scaled down for tests by the sandbox).
    schedule: Arc<Vec<Duration>>,
}

impl Notifier {
    pub fn new(script: Arc<Script>, schedule: Vec<Duration>) -> Notifier {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_default();
        Notifier {
            client,
            script,
            schedule: Arc::new(schedule),
        }
    }

    /// Sends in the background, honouring the script's faults. `older` is a
    /// stale earlier notification for the same order (if any) that a
    /// reordering fault delivers after this one.
    pub fn send(&self, delivery: Delivery, older: Option<Delivery>) {
        let faults = self.script.faults();
        if faults.drop_notifications {
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            this.deliver(&delivery).await;
            if faults.duplicate_notifications {
                this.deliver(&delivery).await;
            }
            if faults.reorder_notifications
                && let Some(older) = older
            {
                this.deliver(&older).await;
            }
        });
    }

    /// Tries until acknowledged or the schedule runs out.
    pub async fn deliver(&self, d: &Delivery) -> bool {
        let delays = std::iter::once(Duration::ZERO).chain(self.schedule.iter().copied());
        for delay in delays {
            tokio::time::sleep(delay).await;
            let mut request = self
                .client
                .post(&d.url)
                .header("content-type", &d.content_type)
                .body(d.body.clone());
            for (k, v) in &d.headers {
                request = request.header(k, v);
            }
            match request.send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let body = response.bytes().await.unwrap_or_default();
                    if (d.acknowledged)(status, &body) {
                        return true;
                    }
                    tracing::debug!(status, url = %d.url, "sandbox notification not acknowledged");
                }
                Err(e) => tracing::debug!(error = %e, "sandbox notification failed"),
            }
        }
        false
    }
}
