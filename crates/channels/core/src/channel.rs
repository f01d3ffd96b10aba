//! The one trait every channel implements. Operations a channel lacks keep
//! the default, which answers `Unsupported` (and the capability matrix says
//! so, from `capabilities`).

use crate::capability::{Capabilities, Operation};
use crate::config::ChannelConfig;
use crate::error::ChannelError;
use crate::notify::{Ack, InboundRequest, Notification};
use crate::outcome::{BillFile, ChannelPaymentState, CreateOutcome, RefundReport};
use crate::request::{BillRequest, CreatePayment, CreateRefund, PaymentRef, RefundRef};
use async_trait::async_trait;

#[async_trait]
pub trait Channel: Send + Sync {
    /// The channel's code: `wechatpay`, `alipay`, `unionpay`, `bankcard`, `jdpay`, …
    fn code(&self) -> &str;

    /// A human name for consoles ("WeChat Pay").
    fn display_name(&self) -> &str;

    fn capabilities(&self) -> Capabilities;

    /// Checks a merchant configuration before it is saved: required
    /// parameters present, keys parse. Never contacts the channel.
    fn validate_config(&self, cfg: &ChannelConfig) -> Result<(), ChannelError>;

    /// Creates the payment at the channel for `req.way`. For QR / JSAPI /
    /// H5 / APP the outcome is `AwaitingPayer` with a `PayAction`; for a
    /// payment code it may be final at once or `Paying`.
    async fn create(&self, cfg: &ChannelConfig, req: &CreatePayment) -> Result<CreateOutcome, ChannelError>;

    /// The payment's state at the channel. `NotFound` if the channel never saw it.
    async fn query(&self, cfg: &ChannelConfig, payment: &PaymentRef) -> Result<ChannelPaymentState, ChannelError>;

    /// Closes an unpaid payment so it can no longer be paid.
    async fn close(&self, _cfg: &ChannelConfig, _payment: &PaymentRef) -> Result<(), ChannelError> {
        Err(ChannelError::Unsupported(Operation::Close))
    }

    /// Reverses / cancels a payment-code payment whose outcome is in doubt or
    /// past its deadline: afterwards no money is taken (or it is returned).
    async fn reverse(&self, _cfg: &ChannelConfig, _payment: &PaymentRef) -> Result<(), ChannelError> {
        Err(ChannelError::Unsupported(Operation::Reverse))
    }

    async fn refund(&self, _cfg: &ChannelConfig, _req: &CreateRefund) -> Result<RefundReport, ChannelError> {
        Err(ChannelError::Unsupported(Operation::Refund))
    }

    async fn query_refund(&self, _cfg: &ChannelConfig, _refund: &RefundRef) -> Result<RefundReport, ChannelError> {
        Err(ChannelError::Unsupported(Operation::RefundQuery))
    }

    /// Verifies (signature, freshness) and decrypts an inbound notification.
    async fn parse_notification(
        &self,
        _cfg: &ChannelConfig,
        _req: &InboundRequest,
    ) -> Result<Notification, ChannelError> {
        Err(ChannelError::Unsupported(Operation::Notification))
    }

    /// The exact answer the channel expects to a notification: `accepted`
    /// is true once juhe has durably recorded it (or it was a duplicate).
    fn ack(&self, accepted: bool) -> Ack {
        if accepted {
            Ack::text(200, "success")
        } else {
            Ack::text(500, "fail")
        }
    }

    async fn download_bill(&self, _cfg: &ChannelConfig, _req: &BillRequest) -> Result<BillFile, ChannelError> {
        Err(ChannelError::Unsupported(Operation::Bill))
    }
}
