//! `UnionPayChannel`: juhe's side of ACP 5.1.0.

mod interpret;
mod messages;
mod notification;
pub mod setup;
mod transport;

use crate::protocol::codes::{self, Verdict, verdict};
use crate::protocol::fields::{Reserved, order_id, void_order_id};
use crate::protocol::form::Fields;
use crate::protocol::{PRODUCTION_URL, paths};
use async_trait::async_trait;
use juhe_channel::http::HttpClient;
use juhe_channel::{
    Ack, Capabilities, Channel, ChannelConfig, ChannelError, ChannelPaymentState, CreateOutcome, CreatePayment,
    CreateRefund, InboundRequest, Notification, Operation, PayAction, PaymentRef, RefundRef, RefundReport, RefundState,
};
use juhe_domain::way::Way;
use setup::MerchantSetup;
use transport::{call, required, response_code};

#[derive(Debug, Clone)]
pub struct UnionPayChannel {
    http: HttpClient,
}

impl UnionPayChannel {
    pub fn new() -> Result<UnionPayChannel, ChannelError> {
        Ok(UnionPayChannel {
            http: HttpClient::new()?,
        })
    }

    /// With a given HTTP client (tests use short timeouts).
    pub fn with_http(http: HttpClient) -> UnionPayChannel {
        UnionPayChannel { http }
    }

    fn url(cfg: &ChannelConfig, path: &str) -> String {
        format!("{}{path}", cfg.base_url(PRODUCTION_URL))
    }

    /// The refusal carried by a verified answer.
    fn refused(answer: &Fields) -> ChannelError {
        let (code, message) = response_code(answer).unwrap_or_default();
        ChannelError::declined(code, message)
    }

    async fn create_back(
        &self,
        cfg: &ChannelConfig,
        setup: &MerchantSetup,
        req: &CreatePayment,
        fields: Fields,
        path: &str,
    ) -> Result<(Verdict, Fields), ChannelError> {
        let answer = call(&self.http, setup, &Self::url(cfg, path), fields).await?;
        let (code, _) = response_code(&answer)?;
        match verdict(&code) {
            Verdict::Success | Verdict::Pending => Ok((verdict(&code), answer)),
            Verdict::NotFound | Verdict::Refused => {
                tracing::debug!(order = %req.channel_order_no, code, "UnionPay refused the payment");
                Err(Self::refused(&answer))
            }
        }
    }

    /// Runs a status query; `None` when UnionPay has no such transaction.
    async fn query_fields(
        &self,
        cfg: &ChannelConfig,
        setup: &MerchantSetup,
        order_id: &str,
        at_ms: i64,
    ) -> Result<Option<Fields>, ChannelError> {
        let fields = messages::query(&setup.mer_id, order_id, at_ms)?;
        let answer = call(&self.http, setup, &Self::url(cfg, paths::QUERY), fields).await?;
        let (code, message) = response_code(&answer)?;
        match verdict(&code) {
            Verdict::Success => Ok(Some(answer)),
            Verdict::NotFound => Ok(None),
            Verdict::Pending => Err(ChannelError::Unknown(format!("query answered {code}: {message}"))),
            Verdict::Refused => Err(ChannelError::declined(code, message)),
        }
    }

    /// UnionPay's `queryId` of a payment: known already, or asked for.
    async fn original_query_id(
        &self,
        cfg: &ChannelConfig,
        setup: &MerchantSetup,
        payment: &PaymentRef,
    ) -> Result<Option<String>, ChannelError> {
        if let Some(id) = payment.channel_trade_no.as_ref().filter(|id| !id.is_empty()) {
            return Ok(Some(id.clone()));
        }
        let found = self
            .query_fields(cfg, setup, &order_id(&payment.channel_order_no), payment.created_at_ms)
            .await?;
        Ok(found.and_then(|answer| answer.get("queryId").filter(|q| !q.is_empty()).cloned()))
    }
}

#[async_trait]
impl Channel for UnionPayChannel {
    fn code(&self) -> &str {
        "unionpay"
    }

    fn display_name(&self) -> &str {
        "UnionPay"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            ways: vec![Way::Qr, Way::Barcode, Way::App, Way::H5],
            operations: vec![
                Operation::Create,
                Operation::Query,
                Operation::Reverse,
                Operation::Refund,
                Operation::RefundQuery,
                Operation::Notification,
            ],
            currencies: vec!["CNY"],
        }
    }

    fn validate_config(&self, cfg: &ChannelConfig) -> Result<(), ChannelError> {
        MerchantSetup::from_config(cfg).map(|_| ())
    }

    async fn create(&self, cfg: &ChannelConfig, req: &CreatePayment) -> Result<CreateOutcome, ChannelError> {
        let setup = MerchantSetup::from_config(cfg)?;
        let kind = match req.way {
            Way::Qr => codes::QR_REQUEST,
            Way::Barcode => codes::SCANNED_CODE,
            Way::App => codes::APP,
            Way::H5 => codes::WAP,
            _ => return Err(ChannelError::Unsupported(Operation::Create)),
        };
        let mut fields = messages::base(kind, &setup.mer_id, &order_id(&req.channel_order_no), req.created_at_ms)?;
        messages::add_amount(&mut fields, &req.money)?;
        messages::set(&mut fields, "backUrl", &cfg.notify_url);
        let reserved = Reserved::Payment {
            order_no: req.channel_order_no.clone(),
        };
        messages::set(&mut fields, "reqReserved", &reserved.encode());
        match req.way {
            Way::Barcode => {
                let code = req.auth_code.as_deref().filter(|c| !c.is_empty()).ok_or_else(|| {
                    ChannelError::declined("MISSING_AUTH_CODE", "barcode payment needs the payer's code")
                })?;
                messages::set(&mut fields, "qrNo", code);
                if let Some(terminal) = req.terminal_id.as_deref() {
                    messages::set(&mut fields, "termId", terminal);
                }
                let (verdict, answer) = self.create_back(cfg, &setup, req, fields, paths::BACK).await?;
                let trade_no = answer.get("queryId").filter(|q| !q.is_empty()).cloned();
                let state = match verdict {
                    Verdict::Success => interpret::final_payment_state(&answer, "respCode", "respMsg")?,
                    _ => ChannelPaymentState::Paying,
                };
                Ok(CreateOutcome {
                    state,
                    action: None,
                    channel_trade_no: trade_no,
                })
            }
            Way::Qr => {
                messages::add_pay_timeout(&mut fields, req.expire_at_ms)?;
                let (_, answer) = self.create_back(cfg, &setup, req, fields, paths::BACK).await?;
                let code_url = required(&answer, "qrCode")?.to_string();
                Ok(CreateOutcome {
                    state: ChannelPaymentState::AwaitingPayer,
                    action: Some(PayAction::QrCode { code_url }),
                    channel_trade_no: answer.get("queryId").filter(|q| !q.is_empty()).cloned(),
                })
            }
            Way::App => {
                messages::add_pay_timeout(&mut fields, req.expire_at_ms)?;
                let (_, answer) = self.create_back(cfg, &setup, req, fields, paths::APP).await?;
                let tn = required(&answer, "tn")?.to_string();
                let mut params = serde_json::Map::new();
                params.insert("tn".into(), serde_json::Value::String(tn));
                Ok(CreateOutcome {
                    state: ChannelPaymentState::AwaitingPayer,
                    action: Some(PayAction::Sdk { params }),
                    channel_trade_no: None,
                })
            }
            _ => {
                // WAP: nothing is sent now; the payer's browser posts the
                // signed form to the front gateway.
                messages::add_pay_timeout(&mut fields, req.expire_at_ms)?;
                if let Some(front) = req.return_url.as_deref() {
                    messages::set(&mut fields, "frontUrl", front);
                }
                transport::sign(&setup, &mut fields)?;
                let fields = fields
                    .into_iter()
                    .filter(|(_, v)| !v.is_empty())
                    .map(|(k, v)| (k, serde_json::Value::String(v)))
                    .collect();
                Ok(CreateOutcome {
                    state: ChannelPaymentState::AwaitingPayer,
                    action: Some(PayAction::Form {
                        action: Self::url(cfg, paths::FRONT),
                        fields,
                    }),
                    channel_trade_no: None,
                })
            }
        }
    }

    async fn query(&self, cfg: &ChannelConfig, payment: &PaymentRef) -> Result<ChannelPaymentState, ChannelError> {
        let setup = MerchantSetup::from_config(cfg)?;
        let answer = self
            .query_fields(cfg, &setup, &order_id(&payment.channel_order_no), payment.created_at_ms)
            .await?
            .ok_or(ChannelError::NotFound)?;
        interpret::final_payment_state(&answer, "origRespCode", "origRespMsg")
    }

    /// Voids (消费撤销) the payment: same-day only at UnionPay. A payment
    /// UnionPay never saw needs no reversing.
    async fn reverse(&self, cfg: &ChannelConfig, payment: &PaymentRef) -> Result<(), ChannelError> {
        let setup = MerchantSetup::from_config(cfg)?;
        let Some(orig_query_id) = self.original_query_id(cfg, &setup, payment).await? else {
            return Ok(());
        };
        let now_ms = transport::now_s() * 1000;
        let mut fields = messages::base(
            codes::VOID,
            &setup.mer_id,
            &void_order_id(&payment.channel_order_no),
            now_ms,
        )?;
        messages::add_amount(&mut fields, &payment.money)?;
        messages::set(&mut fields, "origQryId", &orig_query_id);
        messages::set(&mut fields, "backUrl", &cfg.notify_url);
        let answer = call(&self.http, &setup, &Self::url(cfg, paths::BACK), fields).await?;
        let (code, message) = response_code(&answer)?;
        match verdict(&code) {
            Verdict::Success => Ok(()),
            Verdict::Pending => Err(ChannelError::Unknown(format!("void answered {code}: {message}"))),
            Verdict::NotFound | Verdict::Refused => Err(ChannelError::declined(code, message)),
        }
    }

    async fn refund(&self, cfg: &ChannelConfig, req: &CreateRefund) -> Result<RefundReport, ChannelError> {
        let setup = MerchantSetup::from_config(cfg)?;
        let orig_query_id = self
            .original_query_id(cfg, &setup, &req.payment)
            .await?
            .ok_or_else(|| ChannelError::declined("NO_ORIGINAL", "UnionPay has no such payment to refund"))?;
        let mut fields = messages::base(
            codes::REFUND,
            &setup.mer_id,
            &order_id(&req.channel_refund_no),
            req.created_at_ms,
        )?;
        messages::add_amount(&mut fields, &req.refund)?;
        messages::set(&mut fields, "origQryId", &orig_query_id);
        messages::set(&mut fields, "backUrl", &cfg.notify_url);
        let reserved = Reserved::Refund {
            order_no: req.payment.channel_order_no.clone(),
            refund_no: req.channel_refund_no.clone(),
        };
        messages::set(&mut fields, "reqReserved", &reserved.encode());
        let answer = call(&self.http, &setup, &Self::url(cfg, paths::BACK), fields).await?;
        let (code, message) = response_code(&answer)?;
        match verdict(&code) {
            // 00 here means accepted: the result comes by notification or query.
            Verdict::Success | Verdict::Pending => Ok(RefundReport {
                channel_refund_no: req.channel_refund_no.clone(),
                channel_refund_id: answer.get("queryId").filter(|q| !q.is_empty()).cloned(),
                state: RefundState::Processing,
                amount: req.refund.amount,
            }),
            Verdict::NotFound | Verdict::Refused => Err(ChannelError::declined(code, message)),
        }
    }

    async fn query_refund(&self, cfg: &ChannelConfig, refund: &RefundRef) -> Result<RefundReport, ChannelError> {
        let setup = MerchantSetup::from_config(cfg)?;
        let answer = self
            .query_fields(cfg, &setup, &order_id(&refund.channel_refund_no), refund.created_at_ms)
            .await?
            .ok_or(ChannelError::NotFound)?;
        interpret::refund_report(&answer, "origRespCode", "origRespMsg", refund.channel_refund_no.clone())
    }

    async fn parse_notification(
        &self,
        cfg: &ChannelConfig,
        req: &InboundRequest,
    ) -> Result<Notification, ChannelError> {
        let setup = MerchantSetup::from_config(cfg)?;
        notification::parse(&setup, req)
    }

    /// UnionPay counts HTTP 200 as received (the SDK demos write `ok`);
    /// anything else makes it send again.
    fn ack(&self, accepted: bool) -> Ack {
        if accepted {
            Ack::text(200, "ok")
        } else {
            Ack::text(500, "fail")
        }
    }
}
