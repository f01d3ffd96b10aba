//! `JdPayChannel`: juhe's `Channel` over the JD Pay merchant API.
//!
//! Configuration: params `merchant` (JD merchant number), `jd_public_key`
//! (JD's RSA public key, PEM or one-line base64), optional `base_url` (the
//! payment gateway) and `h5_base_url` (the H5 cashier);
//! secrets `private_key` (the merchant's RSA private key) and `des_key`
//! (the 24-byte 3DES key, base64).

mod h5;
mod keys;
mod states;

pub use states::{payment_state, refund_report};

use crate::protocol::envelope::{self, SUCCESS_CODE};
use crate::protocol::messages::{self, codes};
use crate::protocol::{JdXml, ProtocolError};
use async_trait::async_trait;
use h5::h5_form;
use juhe_channel::http::HttpClient;
use juhe_channel::{
    Capabilities, Channel, ChannelConfig, ChannelError, ChannelPaymentState, CreateOutcome, CreatePayment,
    CreateRefund, InboundRequest, Notification, Operation, PayAction, PaymentRef, RefundRef, RefundReport,
};
use juhe_domain::way::Way;
use keys::{Keys, fen, keys, now_ms};

pub const CODE: &str = "jdpay";

#[derive(Debug, Clone)]
pub struct JdPayChannel {
    http: HttpClient,
}

/// An answer juhe cannot read or verify: JD may have acted on the request.
fn unknown(e: ProtocolError) -> ChannelError {
    ChannelError::Unknown(format!("JD Pay answer: {e}"))
}

impl JdPayChannel {
    pub fn new(http: HttpClient) -> JdPayChannel {
        JdPayChannel { http }
    }

    /// One request: seal, post, read the result code, open the answer.
    async fn call(&self, cfg: &ChannelConfig, keys: &Keys, path: &str, fields: JdXml) -> Result<JdXml, ChannelError> {
        let mut inner = JdXml::new()
            .with("version", envelope::VERSION)
            .with("merchant", keys.merchant.as_str());
        inner.fields.extend(fields.fields);
        let encrypt = envelope::seal(&inner, &keys.des_key, &keys.private)
            .map_err(|e| ChannelError::NotSent(format!("sealing the request: {e}")))?;
        let body = envelope::request_document(&keys.merchant, encrypt);
        let url = format!("{}{path}", cfg.base_url(messages::PRODUCTION_URL));
        let request = self
            .http
            .raw()
            .post(url)
            .header("content-type", "application/xml;charset=utf-8")
            .body(body);
        let reply = self.http.send(request).await?;
        if let Some(limited) = reply.too_many_requests("JD Pay") {
            return Err(limited);
        }
        if reply.status != 200 {
            return Err(ChannelError::Unknown(format!("JD Pay answered HTTP {}", reply.status)));
        }
        let outer = JdXml::parse(&reply.body_text()).map_err(|e| unknown(e.into()))?;
        let code = outer.require("result/code").map_err(|e| unknown(e.into()))?;
        let desc = outer.get("result/desc").unwrap_or_default();
        if code != SUCCESS_CODE {
            // Error answers carry no signed body (JD sends `result` only).
            return Err(if messages::is_system_error(code) {
                ChannelError::Unknown(format!("JD Pay {code}: {desc}"))
            } else {
                ChannelError::declined(code, desc)
            });
        }
        let encrypt = outer.require("encrypt").map_err(|e| unknown(e.into()))?;
        let answer = keys.open(encrypt).map_err(unknown)?;
        if answer.get("merchant").is_some_and(|m| m != keys.merchant) {
            return Err(ChannelError::Unknown("JD Pay answer is for another merchant".into()));
        }
        Ok(answer)
    }

    async fn query_trade(
        &self,
        cfg: &ChannelConfig,
        keys: &Keys,
        trade_num: &str,
        trade_type: &str,
    ) -> Result<JdXml, ChannelError> {
        let fields = JdXml::new().with("tradeNum", trade_num).with("tradeType", trade_type);
        match self.call(cfg, keys, messages::PATH_QUERY, fields).await {
            Err(ChannelError::Declined { code, .. }) if code == codes::ORDER_NOT_FOUND => Err(ChannelError::NotFound),
            other => other,
        }
    }

    async fn revoke(&self, cfg: &ChannelConfig, keys: &Keys, payment: &PaymentRef) -> Result<(), ChannelError> {
        let fields = JdXml::new()
            .with("tradeNum", format!("{}R", payment.channel_order_no))
            .with("oTradeNum", payment.channel_order_no.as_str())
            .with("amount", fen(&payment.money)?)
            .with("currency", "CNY")
            .with("tradeTime", messages::format_time(now_ms()));
        self.call(cfg, keys, messages::PATH_REVOKE, fields).await.map(|_| ())
    }
}

#[async_trait]
impl Channel for JdPayChannel {
    fn code(&self) -> &str {
        CODE
    }

    fn display_name(&self) -> &str {
        "JD Pay"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            ways: vec![Way::Qr, Way::Barcode, Way::H5],
            operations: vec![
                Operation::Create,
                Operation::Query,
                Operation::Close,
                Operation::Reverse,
                Operation::Refund,
                Operation::RefundQuery,
                Operation::Notification,
            ],
            currencies: vec!["CNY"],
        }
    }

    fn validate_config(&self, cfg: &ChannelConfig) -> Result<(), ChannelError> {
        keys(cfg).map(|_| ())
    }

    async fn create(&self, cfg: &ChannelConfig, req: &CreatePayment) -> Result<CreateOutcome, ChannelError> {
        let keys = keys(cfg)?;
        let mut fields = JdXml::new()
            .with("tradeNum", req.channel_order_no.as_str())
            .with("tradeName", req.subject.as_str())
            .with("tradeTime", messages::format_time(req.created_at_ms))
            .with("amount", fen(&req.money)?)
            .with("currency", "CNY")
            .with("notifyUrl", cfg.notify_url.as_str());
        match req.way {
            Way::Qr => {
                fields.push("orderType", messages::ORDER_TYPE_VIRTUAL);
                fields.push("tradeType", messages::UNIORDER_QR);
                fields.push("expireTime", messages::format_time(req.expire_at_ms));
                let answer = self.call(cfg, &keys, messages::PATH_UNIORDER, fields).await?;
                let code_url = answer.require("qrCode").map_err(|e| unknown(e.into()))?;
                Ok(CreateOutcome {
                    state: ChannelPaymentState::AwaitingPayer,
                    action: Some(PayAction::QrCode {
                        code_url: code_url.to_string(),
                    }),
                    channel_trade_no: answer.get("orderId").map(str::to_string),
                })
            }
            Way::Barcode => {
                let token = req
                    .auth_code
                    .as_deref()
                    .filter(|c| !c.is_empty())
                    .ok_or_else(|| ChannelError::Config("a payment-code payment needs the payer's code".into()))?;
                fields.push("token", token);
                if let Some(terminal) = req.terminal_id.as_deref() {
                    fields.push("device", terminal);
                }
                let answer = self.call(cfg, &keys, messages::PATH_FKM_PAY, fields).await?;
                let state = payment_state(&answer).map_err(unknown)?;
                Ok(CreateOutcome {
                    state,
                    action: None,
                    channel_trade_no: answer.get("orderId").map(str::to_string),
                })
            }
            Way::H5 => h5_form(cfg, &keys, req),
            other => Err(ChannelError::Config(format!(
                "JD Pay does not serve the {} way here",
                other.as_str()
            ))),
        }
    }

    async fn query(&self, cfg: &ChannelConfig, payment: &PaymentRef) -> Result<ChannelPaymentState, ChannelError> {
        let keys = keys(cfg)?;
        let answer = self
            .query_trade(cfg, &keys, &payment.channel_order_no, messages::TRADE_TYPE_PAYMENT)
            .await?;
        payment_state(&answer).map_err(unknown)
    }

    /// JD Pay has no separate close: an unpaid order is closed by revoking
    /// it. Revoke would also return a *paid* order's money, which is not
    /// what closing means, so the order is queried first and a paid one is
    /// refused (`TJ0B0010`) for juhe to record as paid.
    async fn close(&self, cfg: &ChannelConfig, payment: &PaymentRef) -> Result<(), ChannelError> {
        let keys = keys(cfg)?;
        let current = self
            .query_trade(cfg, &keys, &payment.channel_order_no, messages::TRADE_TYPE_PAYMENT)
            .await;
        match current {
            Ok(doc) => match payment_state(&doc).map_err(unknown)? {
                ChannelPaymentState::Succeeded { .. } => Err(ChannelError::declined(
                    codes::ORDER_PAID,
                    "the order is paid and cannot be closed",
                )),
                ChannelPaymentState::Closed | ChannelPaymentState::Failed { .. } => Ok(()),
                ChannelPaymentState::AwaitingPayer | ChannelPaymentState::Paying => {
                    self.revoke(cfg, &keys, payment).await
                }
            },
            // Never reached JD: nothing to close.
            Err(ChannelError::NotFound) => Ok(()),
            Err(e) => Err(e),
        }
    }

    async fn reverse(&self, cfg: &ChannelConfig, payment: &PaymentRef) -> Result<(), ChannelError> {
        let keys = keys(cfg)?;
        self.revoke(cfg, &keys, payment).await
    }

    async fn refund(&self, cfg: &ChannelConfig, req: &CreateRefund) -> Result<RefundReport, ChannelError> {
        let keys = keys(cfg)?;
        let mut fields = JdXml::new()
            .with("tradeNum", req.channel_refund_no.as_str())
            .with("oTradeNum", req.payment.channel_order_no.as_str())
            .with("amount", fen(&req.refund)?)
            .with("currency", "CNY")
            .with("tradeTime", messages::format_time(req.created_at_ms))
            .with("notifyUrl", cfg.notify_url.as_str());
        if let Some(reason) = req.reason.as_deref() {
            fields.push("note", reason);
        }
        let answer = self.call(cfg, &keys, messages::PATH_REFUND, fields).await?;
        refund_report(&answer).map_err(unknown)
    }

    async fn query_refund(&self, cfg: &ChannelConfig, refund: &RefundRef) -> Result<RefundReport, ChannelError> {
        let keys = keys(cfg)?;
        let answer = self
            .query_trade(cfg, &keys, &refund.channel_refund_no, messages::TRADE_TYPE_REFUND)
            .await?;
        refund_report(&answer).map_err(unknown)
    }

    async fn parse_notification(
        &self,
        cfg: &ChannelConfig,
        req: &InboundRequest,
    ) -> Result<Notification, ChannelError> {
        let keys = keys(cfg)?;
        let bad = |e: ProtocolError| ChannelError::BadNotification(e.to_string());
        let text =
            std::str::from_utf8(&req.body).map_err(|_| ChannelError::BadNotification("body is not UTF-8".into()))?;
        let outer = JdXml::parse(text).map_err(|e| bad(e.into()))?;
        if outer.get("merchant") != Some(keys.merchant.as_str()) {
            return Err(ChannelError::BadNotification(
                "notification is for another merchant".into(),
            ));
        }
        let encrypt = outer.require("encrypt").map_err(|e| bad(e.into()))?;
        let inner = keys.open(encrypt).map_err(bad)?;
        if inner.get("tradeType") == Some(messages::TRADE_TYPE_REFUND) {
            let report = refund_report(&inner).map_err(bad)?;
            let channel_order_no = inner.require("oTradeNum").map_err(|e| bad(e.into()))?.to_string();
            Ok(Notification::Refund {
                channel_order_no,
                report,
            })
        } else {
            let state = payment_state(&inner).map_err(bad)?;
            Ok(Notification::Payment {
                channel_order_no: inner.require("tradeNum").map_err(|e| bad(e.into()))?.to_string(),
                state,
            })
        }
    }
}
