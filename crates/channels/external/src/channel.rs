//! `ExternalChannel`: a `juhe_channel::Channel` whose every operation is a
//! signed JSON call to a separately running channel service. One instance
//! lives in each node's registry per channel code for as long as the node
//! runs. Every call reads the code's current registration from the
//! directory's store, so a re-registration (a redeploy, through any node)
//! is followed at once, and a lease that ran out (or a deregistration)
//! makes every call fail with `NotSent` without touching the network.

use crate::service_store::ServiceStore;
use crate::signing::{self, ServiceSecret, SignedHeaders};
use crate::wire::{
    AnswerBody, CallBody, Done, PROTOCOL_VERSION, WireAcks, WireBillFile, WireBillRequest, WireCapabilities,
    WireConfig, WireCreateOutcome, WireCreatePayment, WireCreateRefund, WireInbound, WireNotification, WirePaymentRef,
    WirePaymentState, WireRefundRef, WireRefundReport, operation_path,
};
use async_trait::async_trait;
use juhe_channel::http::HttpClient;
use juhe_channel::{
    Ack, BillFile, BillRequest, Capabilities, Channel, ChannelConfig, ChannelError, ChannelPaymentState, CreateOutcome,
    CreatePayment, CreateRefund, InboundRequest, Notification, Operation, PaymentRef, RefundRef, RefundReport,
};
use juhe_domain::Currency;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::{Arc, RwLock};

/// Where the channel's service is, and for how long juhe trusts it is there.
#[derive(Debug, Clone)]
pub struct ServiceTarget {
    pub service_id: String,
    pub base_url: String,
    pub secret: ServiceSecret,
    pub capabilities: WireCapabilities,
    pub acks: WireAcks,
    /// Unix milliseconds after which calls fail `NotSent` until a heartbeat.
    pub lease_until_ms: i64,
}

impl ServiceTarget {
    /// Whether calls go out at `now_ms`.
    pub fn is_live(&self, now_ms: i64) -> bool {
        now_ms < self.lease_until_ms
    }
}

pub struct ExternalChannel {
    code: String,
    display_name: String,
    http: HttpClient,
    store: Arc<dyn ServiceStore>,
    /// The registration as last read: what the synchronous parts of the
    /// trait (capabilities for routing, notification acks) answer from.
    last_seen: RwLock<ServiceTarget>,
}

impl std::fmt::Debug for ExternalChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExternalChannel")
            .field("code", &self.code)
            .finish_non_exhaustive()
    }
}

/// The message of every call refused because the service is down.
pub const SERVICE_UNAVAILABLE: &str = "service unavailable";

impl ExternalChannel {
    pub fn new(
        code: String,
        display_name: String,
        http: HttpClient,
        store: Arc<dyn ServiceStore>,
        seen: ServiceTarget,
    ) -> ExternalChannel {
        ExternalChannel {
            code,
            display_name,
            http,
            store,
            last_seen: RwLock::new(seen),
        }
    }

    fn read<T>(&self, f: impl FnOnce(&ServiceTarget) -> T) -> T {
        match self.last_seen.read() {
            Ok(guard) => f(&guard),
            Err(poisoned) => f(&poisoned.into_inner()),
        }
    }

    /// Remembers the registration as just read from the store.
    pub fn seen(&self, target: ServiceTarget) {
        match self.last_seen.write() {
            Ok(mut guard) => *guard = target,
            Err(poisoned) => *poisoned.into_inner() = target,
        }
    }

    /// The registration as last read (not a fresh look at the store).
    pub fn last_seen(&self) -> ServiceTarget {
        self.read(Clone::clone)
    }

    /// The current registration, read from the store now, if its lease runs.
    async fn live_target(&self) -> Result<ServiceTarget, ChannelError> {
        let stored = self
            .store
            .by_code(&self.code)
            .await
            .map_err(|e| ChannelError::NotSent(format!("{SERVICE_UNAVAILABLE}: {e}")))?
            .ok_or_else(|| ChannelError::NotSent(SERVICE_UNAVAILABLE.into()))?;
        self.seen(stored.target.clone());
        if stored.target.is_live(signing::now_ms()) {
            Ok(stored.target)
        } else {
            Err(ChannelError::NotSent(SERVICE_UNAVAILABLE.into()))
        }
    }

    /// One operation call: sign, send, verify the answer's signature, and
    /// read the classified result. Anything unverifiable is `Unknown`: the
    /// service may have acted on the call.
    async fn call<Req: Serialize, Res: DeserializeOwned>(
        &self,
        op: Operation,
        cfg: &ChannelConfig,
        request: Req,
    ) -> Result<Res, ChannelError> {
        let target = self.live_target().await?;
        let body = serde_json::to_vec(&CallBody {
            protocol: PROTOCOL_VERSION,
            config: WireConfig::from(cfg),
            request,
        })
        .map_err(|e| ChannelError::NotSent(format!("encoding the call: {e}")))?;
        let path = operation_path(op);
        let url = format!("{}{path}", target.base_url.trim_end_matches('/'));
        let signed = signing::sign(&target.secret, &target.service_id, "POST", path, &body);
        let mut request = self
            .http
            .raw()
            .post(url)
            .header("content-type", "application/json")
            .body(body);
        for (name, value) in signed.pairs() {
            request = request.header(name, value);
        }
        let reply = self.http.send(request).await?;
        let headers = SignedHeaders::read(|name| reply.header(name))
            .map_err(|e| ChannelError::Unknown(format!("service answer (HTTP {}): {e}", reply.status)))?;
        if headers.service_id != target.service_id {
            return Err(ChannelError::Unknown(
                "service answer signed by another service id".into(),
            ));
        }
        signing::verify(&target.secret, &headers, "POST", path, &reply.body, signing::now_s())
            .map_err(|e| ChannelError::Unknown(format!("service answer (HTTP {}): {e}", reply.status)))?;
        let answer: AnswerBody<Res> = serde_json::from_slice(&reply.body)
            .map_err(|e| ChannelError::Unknown(format!("service answer unreadable: {e}")))?;
        if answer.protocol != PROTOCOL_VERSION {
            return Err(ChannelError::Unknown(format!(
                "service answered protocol {}",
                answer.protocol
            )));
        }
        match (answer.result, answer.error) {
            (_, Some(error)) => Err(error.into_channel_error(op)),
            (Some(result), None) => Ok(result),
            (None, None) => Err(ChannelError::Unknown(
                "service answer has neither result nor error".into(),
            )),
        }
    }
}

/// Capabilities as registered; unknown currency codes are dropped (juhe
/// cannot route a currency it does not know).
pub fn capabilities_from_wire(c: &WireCapabilities) -> Capabilities {
    Capabilities {
        ways: c.ways.clone(),
        operations: c.operations.iter().map(|o| (*o).into()).collect(),
        currencies: c
            .currencies
            .iter()
            .filter_map(|code| Currency::parse(code).ok().map(|cur| cur.code()))
            .collect(),
    }
}

#[async_trait]
impl Channel for ExternalChannel {
    fn code(&self) -> &str {
        &self.code
    }

    fn display_name(&self) -> &str {
        &self.display_name
    }

    fn capabilities(&self) -> Capabilities {
        self.read(|t| capabilities_from_wire(&t.capabilities))
    }

    /// Local checks only (the trait forbids contacting anyone): the
    /// configuration is for this channel. The service checks the rest on
    /// each call and answers `config` errors.
    fn validate_config(&self, cfg: &ChannelConfig) -> Result<(), ChannelError> {
        if cfg.channel != self.code {
            return Err(ChannelError::Config(format!(
                "configuration is for channel {:?}, not {:?}",
                cfg.channel, self.code
            )));
        }
        Ok(())
    }

    async fn create(&self, cfg: &ChannelConfig, req: &CreatePayment) -> Result<CreateOutcome, ChannelError> {
        let wire = WireCreatePayment::from_request(req)?;
        let outcome: WireCreateOutcome = self.call(Operation::Create, cfg, wire).await?;
        Ok(outcome.into())
    }

    async fn query(&self, cfg: &ChannelConfig, payment: &PaymentRef) -> Result<ChannelPaymentState, ChannelError> {
        let state: WirePaymentState = self.call(Operation::Query, cfg, WirePaymentRef::from(payment)).await?;
        Ok(state.into())
    }

    async fn close(&self, cfg: &ChannelConfig, payment: &PaymentRef) -> Result<(), ChannelError> {
        let _: Done = self.call(Operation::Close, cfg, WirePaymentRef::from(payment)).await?;
        Ok(())
    }

    async fn reverse(&self, cfg: &ChannelConfig, payment: &PaymentRef) -> Result<(), ChannelError> {
        let _: Done = self
            .call(Operation::Reverse, cfg, WirePaymentRef::from(payment))
            .await?;
        Ok(())
    }

    async fn refund(&self, cfg: &ChannelConfig, req: &CreateRefund) -> Result<RefundReport, ChannelError> {
        let report: WireRefundReport = self.call(Operation::Refund, cfg, WireCreateRefund::from(req)).await?;
        Ok(report.into())
    }

    async fn query_refund(&self, cfg: &ChannelConfig, refund: &RefundRef) -> Result<RefundReport, ChannelError> {
        let report: WireRefundReport = self
            .call(Operation::RefundQuery, cfg, WireRefundRef::from(refund))
            .await?;
        Ok(report.into())
    }

    /// Verification happens in the service (it holds the institution's
    /// keys and rules); a service that cannot be asked answers `NotSent` /
    /// `Unknown` like any call, and juhe then refuses the notification so
    /// the institution retries it later.
    async fn parse_notification(
        &self,
        cfg: &ChannelConfig,
        req: &InboundRequest,
    ) -> Result<Notification, ChannelError> {
        let n: WireNotification = self.call(Operation::Notification, cfg, WireInbound::from(req)).await?;
        Ok(n.into())
    }

    fn ack(&self, accepted: bool) -> Ack {
        self.read(|t| {
            if accepted {
                t.acks.accepted.to_ack()
            } else {
                t.acks.rejected.to_ack()
            }
        })
    }

    async fn download_bill(&self, cfg: &ChannelConfig, req: &BillRequest) -> Result<BillFile, ChannelError> {
        let wire = WireBillRequest::from_request(req)?;
        let file: WireBillFile = self.call(Operation::Bill, cfg, wire).await?;
        file.into_file()
            .map_err(|e| ChannelError::Unknown(format!("service answer unreadable: {e}")))
    }
}
