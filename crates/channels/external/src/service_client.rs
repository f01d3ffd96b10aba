//! The service side of the directory: register with juhe, keep the lease
//! with heartbeats (backing off while juhe is unreachable, registering
//! again when juhe has forgotten the service), deregister on shutdown.

use crate::registration::{ErrorBody, HeartbeatAnswer, ProtocolOnly, RegisterAnswer, RegisterRequest};
use crate::session::{Credentials, ServiceSession};
use crate::signing::{self, ServiceSecret, SignedHeaders};
use crate::wire::{PROTOCOL_VERSION, WireAck, WireAcks, WireCapabilities};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// What the service registers as.
#[derive(Debug, Clone)]
pub struct ServiceRegistration {
    pub code: String,
    pub display_name: String,
    pub capabilities: WireCapabilities,
    /// Where juhe reaches this service's operation endpoints.
    pub base_url: String,
    pub acks: WireAcks,
}

impl ServiceRegistration {
    /// What `channel` registers as when served at `base_url`: its code,
    /// name, capabilities and notification acks.
    pub fn of(channel: &dyn juhe_channel::Channel, base_url: String) -> ServiceRegistration {
        let c = channel.capabilities();
        ServiceRegistration {
            code: channel.code().to_string(),
            display_name: channel.display_name().to_string(),
            capabilities: WireCapabilities {
                ways: c.ways,
                operations: c.operations.into_iter().map(Into::into).collect(),
                currencies: c.currencies.into_iter().map(str::to_string).collect(),
            },
            base_url,
            acks: WireAcks {
                accepted: WireAck::from_ack(&channel.ack(true)),
                rejected: WireAck::from_ack(&channel.ack(false)),
            },
        }
    }
}

#[derive(Debug, Clone)]
pub struct ServiceClientConfig {
    /// juhe's base URL (`https://juhe.example/`).
    pub juhe_url: String,
    pub registration_token: ServiceSecret,
    pub registration: ServiceRegistration,
    /// First retry delay after a failure; doubles up to `backoff_max`.
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServiceClientError {
    #[error("juhe unreachable: {0}")]
    Unreachable(String),
    #[error("juhe refused (HTTP {status}): {code}: {message}")]
    Refused { status: u16, code: String, message: String },
    #[error("juhe's answer is unreadable or unverifiable: {0}")]
    BadAnswer(String),
    #[error("not registered")]
    NotRegistered,
}

impl ServiceClientError {
    /// juhe no longer knows this service id: register again.
    pub fn is_unknown_service(&self) -> bool {
        matches!(self, ServiceClientError::Refused { status: 404, .. })
    }
}

#[derive(Debug, Clone)]
pub struct ServiceClient {
    config: ServiceClientConfig,
    session: Arc<ServiceSession>,
    http: reqwest::Client,
}

impl ServiceClient {
    pub fn new(config: ServiceClientConfig, session: Arc<ServiceSession>) -> Result<ServiceClient, ServiceClientError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| ServiceClientError::Unreachable(format!("HTTP client: {e}")))?;
        Ok(ServiceClient { config, session, http })
    }

    pub fn session(&self) -> &Arc<ServiceSession> {
        &self.session
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.juhe_url.trim_end_matches('/'))
    }

    async fn refused(response: reqwest::Response) -> ServiceClientError {
        let status = response.status().as_u16();
        let body = response.bytes().await.unwrap_or_default();
        match serde_json::from_slice::<ErrorBody>(&body) {
            Ok(e) => ServiceClientError::Refused {
                status,
                code: e.error.code,
                message: e.error.message,
            },
            Err(_) => ServiceClientError::Refused {
                status,
                code: "http_error".into(),
                message: String::from_utf8_lossy(&body).chars().take(200).collect(),
            },
        }
    }

    /// Registers and stores the issued id and secret in the session.
    pub async fn register(&self) -> Result<RegisterAnswer, ServiceClientError> {
        let r = &self.config.registration;
        let body = RegisterRequest {
            protocol: PROTOCOL_VERSION,
            code: r.code.clone(),
            display_name: r.display_name.clone(),
            capabilities: r.capabilities.clone(),
            base_url: r.base_url.clone(),
            token: self.config.registration_token.expose().to_string(),
            acks: r.acks.clone(),
        };
        let response = self
            .http
            .post(self.url("/v1/channel-services/register"))
            .json(&body)
            .send()
            .await
            .map_err(|e| ServiceClientError::Unreachable(e.without_url().to_string()))?;
        if !response.status().is_success() {
            return Err(Self::refused(response).await);
        }
        let answer: RegisterAnswer = response
            .json()
            .await
            .map_err(|e| ServiceClientError::BadAnswer(e.without_url().to_string()))?;
        self.session.set(Credentials {
            service_id: answer.service_id.clone(),
            secret: ServiceSecret::new(answer.secret.clone()),
        });
        Ok(answer)
    }

    /// A signed call to one of the service's own directory endpoints; the
    /// answer must carry juhe's signature with the same secret.
    async fn signed_call(&self, action: &str) -> Result<Vec<u8>, ServiceClientError> {
        let creds = self.session.current().ok_or(ServiceClientError::NotRegistered)?;
        let path = format!("/v1/channel-services/{}/{action}", creds.service_id);
        let body = serde_json::to_vec(&ProtocolOnly {
            protocol: PROTOCOL_VERSION,
        })
        .map_err(|e| ServiceClientError::BadAnswer(e.to_string()))?;
        let signed = signing::sign(&creds.secret, &creds.service_id, "POST", &path, &body);
        let mut request = self
            .http
            .post(self.url(&path))
            .header("content-type", "application/json")
            .body(body);
        for (name, value) in signed.pairs() {
            request = request.header(name, value);
        }
        let response = request
            .send()
            .await
            .map_err(|e| ServiceClientError::Unreachable(e.without_url().to_string()))?;
        if !response.status().is_success() {
            return Err(Self::refused(response).await);
        }
        let headers = response.headers().clone();
        let answer = response
            .bytes()
            .await
            .map_err(|e| ServiceClientError::BadAnswer(e.without_url().to_string()))?;
        let signed = SignedHeaders::read(|name| headers.get(name).and_then(|v| v.to_str().ok()))
            .map_err(|e| ServiceClientError::BadAnswer(e.to_string()))?;
        signing::verify(&creds.secret, &signed, "POST", &path, &answer, signing::now_s())
            .map_err(|e| ServiceClientError::BadAnswer(e.to_string()))?;
        Ok(answer.to_vec())
    }

    pub async fn heartbeat(&self) -> Result<HeartbeatAnswer, ServiceClientError> {
        let body = self.signed_call("heartbeat").await?;
        serde_json::from_slice(&body).map_err(|e| ServiceClientError::BadAnswer(e.to_string()))
    }

    /// Deregisters and forgets the credentials.
    pub async fn deregister(&self) -> Result<(), ServiceClientError> {
        self.signed_call("deregister").await?;
        self.session.clear();
        Ok(())
    }

    /// Registers, heartbeats until `shutdown` completes, then deregisters.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) {
        let mut shutdown = std::pin::pin!(shutdown);
        let initial = self.config.backoff_initial;
        let mut backoff = initial;
        loop {
            let interval = match self.register().await {
                Ok(answer) => {
                    backoff = initial;
                    Duration::from_millis(u64::try_from(answer.heartbeat_interval_ms.max(10)).unwrap_or(10))
                }
                Err(e) => {
                    tracing::warn!(error = %e, retry_in = ?backoff, "channel service registration failed");
                    tokio::select! {
                        _ = tokio::time::sleep(backoff) => {}
                        _ = &mut shutdown => return,
                    }
                    backoff = (backoff * 2).min(self.config.backoff_max);
                    continue;
                }
            };
            let mut wait = interval;
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = &mut shutdown => {
                        if let Err(e) = self.deregister().await {
                            tracing::warn!(error = %e, "channel service deregistration failed");
                        }
                        return;
                    }
                }
                match self.heartbeat().await {
                    Ok(_) => {
                        backoff = initial;
                        wait = interval;
                    }
                    Err(e) if e.is_unknown_service() => {
                        tracing::warn!("juhe forgot this channel service; registering again");
                        break;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, retry_in = ?backoff, "heartbeat failed");
                        wait = backoff.min(interval);
                        backoff = (backoff * 2).min(self.config.backoff_max);
                    }
                }
            }
        }
    }
}
