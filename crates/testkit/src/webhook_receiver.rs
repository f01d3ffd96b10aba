//! A local webhook receiver for the delivery tests: an HTTP server on
//! 127.0.0.1 that records every request it gets (arrival time, the juhe
//! webhook headers, the body) and answers as a script says, per event and
//! per attempt: a status code, or hanging longer than the sender will wait.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// How the receiver answers one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Answer at once with this status code.
    Status(u16),
    /// Answer nothing for this long (then 200, which nobody should wait for).
    Hang(Duration),
}

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
pub struct Reception {
    /// `juhe_store::clock::now_ms()` when the request arrived (same clock as
    /// the store's timestamps).
    pub at_ms: i64,
    /// The 1-based count of requests with this `Juhe-Event-Id` so far.
    pub nth: usize,
    pub event_id: Option<String>,
    pub timestamp: Option<String>,
    pub nonce: Option<String>,
    pub signature: Option<String>,
    pub path: String,
    pub body: Vec<u8>,
    pub answer: Answer,
}

impl Reception {
    /// The body as JSON (Null if it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// Whether `Juhe-Signature` is base64(HMAC-SHA256(secret, TIMESTAMP\nNONCE\nBODY\n)).
    pub fn signature_valid(&self, webhook_secret: &str) -> bool {
        match (&self.timestamp, &self.nonce, &self.signature) {
            (Some(ts), Some(nonce), Some(sig)) => juhe_crypto::verify_hmac_sha256_base64(
                webhook_secret.as_bytes(),
                &juhe_crypto::webhook_string_to_sign(ts, nonce, &self.body),
                sig,
            ),
            _ => false,
        }
    }
}

type Script = dyn Fn(&str, usize) -> Answer + Send + Sync;

struct Inner {
    script: Box<Script>,
    log: Mutex<Vec<Reception>>,
    arrived: Notify,
}

/// The receiver; stops serving when dropped.
pub struct WebhookReceiver {
    /// Where to point a notify_url (`http://127.0.0.1:PORT/hook`).
    pub url: String,
    inner: Arc<Inner>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl WebhookReceiver {
    /// Starts a receiver whose answer to the `nth` (1-based) request for an
    /// event id is `script(event_id, nth)`. Requests without an event id
    /// count under "".
    pub async fn start(script: impl Fn(&str, usize) -> Answer + Send + Sync + 'static) -> WebhookReceiver {
        let inner = Arc::new(Inner {
            script: Box::new(script),
            log: Mutex::new(Vec::new()),
            arrived: Notify::new(),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind receiver");
        let url = format!("http://{}/hook", listener.local_addr().expect("receiver addr"));
        let router = Router::new().fallback(receive).with_state(inner.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        WebhookReceiver { url, inner, task }
    }

    /// A receiver that always answers `status`.
    pub async fn always(status: u16) -> WebhookReceiver {
        WebhookReceiver::start(move |_, _| Answer::Status(status)).await
    }

    /// Everything received so far, in arrival order.
    pub fn receptions(&self) -> Vec<Reception> {
        self.inner.log.lock().expect("receiver log").clone()
    }

    /// The receptions of one event, in arrival order.
    pub fn receptions_of(&self, event_id: &str) -> Vec<Reception> {
        self.receptions()
            .into_iter()
            .filter(|r| r.event_id.as_deref() == Some(event_id))
            .collect()
    }

    /// Waits until `done(receptions)` holds or `timeout` passes; returns
    /// whether it held.
    pub async fn wait_until(&self, timeout: Duration, done: impl Fn(&[Reception]) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let arrived = self.inner.arrived.notified();
            if done(&self.receptions()) {
                return true;
            }
            // Re-check at least every 100 ms in case a wake-up is missed.
            let wake = deadline.min(tokio::time::Instant::now() + Duration::from_millis(100));
            if tokio::time::timeout_at(wake, arrived).await.is_err() && tokio::time::Instant::now() >= deadline {
                return done(&self.receptions());
            }
        }
    }
}

async fn receive(State(inner): State<Arc<Inner>>, uri: axum::http::Uri, headers: HeaderMap, body: Bytes) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let event_id = header("juhe-event-id");
    let answer = {
        let mut log = inner.log.lock().expect("receiver log");
        let key = event_id.clone().unwrap_or_default();
        let nth = 1 + log
            .iter()
            .filter(|r| r.event_id.as_deref().unwrap_or_default() == key)
            .count();
        let answer = (inner.script)(&key, nth);
        log.push(Reception {
            at_ms: juhe_store::clock::now_ms(),
            nth,
            event_id,
            timestamp: header("juhe-timestamp"),
            nonce: header("juhe-nonce"),
            signature: header("juhe-signature"),
            path: uri.path().to_string(),
            body: body.to_vec(),
            answer,
        });
        answer
    };
    inner.arrived.notify_waiters();
    match answer {
        Answer::Status(code) => StatusCode::from_u16(code)
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            .into_response(),
        Answer::Hang(d) => {
            tokio::time::sleep(d).await;
            StatusCode::OK.into_response()
        }
    }
}
