//! `AlipayChannel`: juhe's side of Alipay face-to-face payments (当面付).

mod bill;
pub mod config;
mod gateway;
pub mod notify;
mod payments;
mod refunds;

use config::AlipayConfig;
use juhe_channel::http::HttpClient;
use juhe_channel::{
    BillFile, BillRequest, Capabilities, Channel, ChannelConfig, ChannelError, ChannelPaymentState, CreateOutcome,
    CreatePayment, CreateRefund, InboundRequest, Notification, Operation, PaymentRef, RefundRef, RefundReport,
};
use juhe_domain::way::Way;

pub const CODE: &str = "alipay";

#[derive(Debug, Clone)]
pub struct AlipayChannel {
    http: HttpClient,
}

impl AlipayChannel {
    pub fn new() -> Result<AlipayChannel, ChannelError> {
        Ok(AlipayChannel::with_http(HttpClient::new()?))
    }

    /// With a given HTTP client (tests use short timeouts).
    pub fn with_http(http: HttpClient) -> AlipayChannel {
        AlipayChannel { http }
    }
}

#[async_trait::async_trait]
impl Channel for AlipayChannel {
    fn code(&self) -> &str {
        CODE
    }

    fn display_name(&self) -> &str {
        "Alipay"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            ways: vec![Way::Qr, Way::Barcode],
            operations: Operation::ALL.to_vec(),
            currencies: vec!["CNY"],
        }
    }

    fn validate_config(&self, cfg: &ChannelConfig) -> Result<(), ChannelError> {
        AlipayConfig::from_channel_config(cfg).map(|_| ())
    }

    async fn create(&self, cfg: &ChannelConfig, req: &CreatePayment) -> Result<CreateOutcome, ChannelError> {
        let cfg = AlipayConfig::from_channel_config(cfg)?;
        match req.way {
            Way::Qr => payments::precreate(&self.http, &cfg, req).await,
            Way::Barcode => payments::pay(&self.http, &cfg, req).await,
            _ => Err(ChannelError::Unsupported(Operation::Create)),
        }
    }

    async fn query(&self, cfg: &ChannelConfig, payment: &PaymentRef) -> Result<ChannelPaymentState, ChannelError> {
        payments::query(&self.http, &AlipayConfig::from_channel_config(cfg)?, payment).await
    }

    async fn close(&self, cfg: &ChannelConfig, payment: &PaymentRef) -> Result<(), ChannelError> {
        payments::close(&self.http, &AlipayConfig::from_channel_config(cfg)?, payment).await
    }

    async fn reverse(&self, cfg: &ChannelConfig, payment: &PaymentRef) -> Result<(), ChannelError> {
        payments::cancel(&self.http, &AlipayConfig::from_channel_config(cfg)?, payment).await
    }

    async fn refund(&self, cfg: &ChannelConfig, req: &CreateRefund) -> Result<RefundReport, ChannelError> {
        refunds::refund(&self.http, &AlipayConfig::from_channel_config(cfg)?, req).await
    }

    async fn query_refund(&self, cfg: &ChannelConfig, refund: &RefundRef) -> Result<RefundReport, ChannelError> {
        refunds::query_refund(&self.http, &AlipayConfig::from_channel_config(cfg)?, refund).await
    }

    async fn parse_notification(
        &self,
        cfg: &ChannelConfig,
        req: &InboundRequest,
    ) -> Result<Notification, ChannelError> {
        notify::parse(&AlipayConfig::from_channel_config(cfg)?, req)
    }

    async fn download_bill(&self, cfg: &ChannelConfig, req: &BillRequest) -> Result<BillFile, ChannelError> {
        bill::download(&self.http, &AlipayConfig::from_channel_config(cfg)?, req).await
    }
}
