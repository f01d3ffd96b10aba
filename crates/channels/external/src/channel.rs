//! `ExternalChannel`: a `juhe_channel::Channel` whose every operation is a
//! signed JSON call to a separately running channel service. One instance
//! lives in the registry per channel code for as long as juhe runs; the
//! directory swaps the service it points at (re-registration after a
//! redeploy) or marks it unavailable (lease expired, deregistered), in
//! which case every call fails with `NotSent` without touching the network.

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
use std::sync::RwLock;

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

#[derive(Debug)]
struct Attachment {
    target: ServiceTarget,
    /// False after deregistration or lease expiry.
    available: bool,
}

pub struct ExternalChannel {
    code: String,
    display_name: String,
    http: HttpClient,
    attachment: RwLock<Attachment>,
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
    pub fn new(code: String, display_name: String, http: HttpClient, target: ServiceTarget) -> ExternalChannel {
        ExternalChannel {
            code,
            display_name,
            http,
            attachment: RwLock::new(Attachment {
                target,
                available: true,
            }),
        }
    }

    fn read<T>(&self, f: impl FnOnce(&Attachment) -> T) -> T {
        match self.attachment.read() {
            Ok(guard) => f(&guard),
            Err(poisoned) => f(&poisoned.into_inner()),
        }
    }

    fn write<T>(&self, f: impl FnOnce(&mut Attachment) -> T) -> T {
        match self.attachment.write() {
            Ok(mut guard) => f(&mut guard),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    /// Points the channel at a (re-)registered service and makes it available.
    pub fn attach(&self, target: ServiceTarget) {
        self.write(|a| {
            a.target = target;
            a.available = true;
        });
    }

    /// Renews the lease if `service_id` is still the attached service.
    pub fn renew(&self, service_id: &str, lease_until_ms: i64) -> bool {
        self.write(|a| {
            if a.available && a.target.service_id == service_id {
                a.target.lease_until_ms = lease_until_ms;
                true
            } else {
                false
            }
        })
    }

    /// Marks the service unavailable (deregistered or lease expired).
    pub fn detach(&self) {
        self.write(|a| a.available = false);
    }

    pub fn service_id(&self) -> String {
        self.read(|a| a.target.service_id.clone())
    }

    pub fn secret(&self) -> ServiceSecret {
        self.read(|a| a.target.secret.clone())
    }

    pub fn lease_until_ms(&self) -> i64 {
        self.read(|a| a.target.lease_until_ms)
    }

    /// Attached to a service (not deregistered, not yet found expired).
    pub fn is_attached(&self) -> bool {
        self.read(|a| a.available)
    }

    /// Whether calls go out now: attached and within the lease.
    pub fn is_available(&self, now_ms: i64) -> bool {
        self.read(|a| a.available && now_ms < a.target.lease_until_ms)
    }

    fn live_target(&self) -> Result<ServiceTarget, ChannelError> {
        let now = signing::now_ms();
        self.read(|a| {
            if a.available && now < a.target.lease_until_ms {
                Ok(a.target.clone())
            } else {
                Err(ChannelError::NotSent(SERVICE_UNAVAILABLE.into()))
            }
        })
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
        let target = self.live_target()?;
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
        self.read(|a| capabilities_from_wire(&a.target.capabilities))
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
        self.read(|a| {
            if accepted {
                a.target.acks.accepted.to_ack()
            } else {
                a.target.acks.rejected.to_ack()
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
