//! `WechatPayChannel`: juhe's `Channel` over WeChat Pay API v3.

mod amount_check;
mod bill;
mod create;
mod notification;
mod payments;
mod refunds;
pub mod settings;
mod transport;

use juhe_channel::http::HttpClient;
use juhe_channel::{
    Ack, BillFile, BillRequest, Capabilities, Channel, ChannelConfig, ChannelError, ChannelPaymentState, CreateOutcome,
    CreatePayment, CreateRefund, InboundRequest, Notification, Operation, PaymentRef, RefundRef, RefundReport,
};
use juhe_domain::way::Way;
use settings::Settings;
use transport::Transport;

pub const PRODUCTION_URL: &str = "https://api.mch.weixin.qq.com";

#[derive(Debug, Clone)]
pub struct WechatPayChannel {
    http: HttpClient,
}

impl WechatPayChannel {
    pub fn new() -> Result<WechatPayChannel, ChannelError> {
        Ok(WechatPayChannel {
            http: HttpClient::new()?,
        })
    }

    /// With a caller's HTTP client (tests use short timeouts).
    pub fn with_http(http: HttpClient) -> WechatPayChannel {
        WechatPayChannel { http }
    }

    fn transport<'a>(&'a self, cfg: &'a ChannelConfig, settings: &'a Settings) -> Transport<'a> {
        Transport {
            http: &self.http,
            settings,
            base_url: cfg.base_url(PRODUCTION_URL),
        }
    }
}

#[async_trait::async_trait]
impl Channel for WechatPayChannel {
    fn code(&self) -> &str {
        "wechatpay"
    }

    fn display_name(&self) -> &str {
        "WeChat Pay"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            ways: vec![Way::Qr, Way::Jsapi, Way::H5, Way::App, Way::Barcode],
            operations: Operation::ALL.to_vec(),
            currencies: vec!["CNY"],
        }
    }

    fn validate_config(&self, cfg: &ChannelConfig) -> Result<(), ChannelError> {
        Settings::from_config(cfg).map(|_| ())
    }

    async fn create(&self, cfg: &ChannelConfig, req: &CreatePayment) -> Result<CreateOutcome, ChannelError> {
        let settings = Settings::from_config(cfg)?;
        create::create(&self.transport(cfg, &settings), &cfg.notify_url, req).await
    }

    async fn query(&self, cfg: &ChannelConfig, payment: &PaymentRef) -> Result<ChannelPaymentState, ChannelError> {
        let settings = Settings::from_config(cfg)?;
        payments::query(&self.transport(cfg, &settings), payment).await
    }

    async fn close(&self, cfg: &ChannelConfig, payment: &PaymentRef) -> Result<(), ChannelError> {
        let settings = Settings::from_config(cfg)?;
        payments::close(&self.transport(cfg, &settings), payment).await
    }

    async fn reverse(&self, cfg: &ChannelConfig, payment: &PaymentRef) -> Result<(), ChannelError> {
        let settings = Settings::from_config(cfg)?;
        payments::reverse(&self.transport(cfg, &settings), payment).await
    }

    async fn refund(&self, cfg: &ChannelConfig, req: &CreateRefund) -> Result<RefundReport, ChannelError> {
        let settings = Settings::from_config(cfg)?;
        refunds::refund(&self.transport(cfg, &settings), &cfg.notify_url, req).await
    }

    async fn query_refund(&self, cfg: &ChannelConfig, refund: &RefundRef) -> Result<RefundReport, ChannelError> {
        let settings = Settings::from_config(cfg)?;
        refunds::query_refund(&self.transport(cfg, &settings), refund).await
    }

    async fn parse_notification(
        &self,
        cfg: &ChannelConfig,
        req: &InboundRequest,
    ) -> Result<Notification, ChannelError> {
        let settings = Settings::from_config(cfg)?;
        notification::parse(&settings, req)
    }

    fn ack(&self, accepted: bool) -> Ack {
        notification::ack(accepted)
    }

    async fn download_bill(&self, cfg: &ChannelConfig, req: &BillRequest) -> Result<BillFile, ChannelError> {
        let settings = Settings::from_config(cfg)?;
        bill::download(&self.transport(cfg, &settings), req).await
    }
}
