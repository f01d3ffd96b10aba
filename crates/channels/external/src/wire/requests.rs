//! What juhe sends: the merchant's configuration and each operation's
//! request, with exact conversions from the `juhe_channel` types.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use juhe_channel::{
    BillKind, BillRequest, ChannelConfig, ChannelError, CreatePayment, CreateRefund, InboundRequest, PaymentRef,
    RefundRef, Secrets,
};
use juhe_domain::way::Way;
use juhe_domain::{Currency, Money};
use serde::{Deserialize, Serialize};

/// A money amount on the wire: integer minor units and an ISO 4217 code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireMoney {
    pub amount: i64,
    pub currency: Currency,
}

impl From<Money> for WireMoney {
    fn from(m: Money) -> WireMoney {
        WireMoney {
            amount: m.amount,
            currency: m.currency,
        }
    }
}

impl From<WireMoney> for Money {
    fn from(m: WireMoney) -> Money {
        Money::new(m.amount, m.currency)
    }
}

/// The merchant's configuration of the channel, secrets included: the
/// service needs the merchant's keys to talk to its institution. `Debug`
/// names the secrets, never their values.
#[derive(Clone, Serialize, Deserialize)]
pub struct WireConfig {
    pub id: String,
    pub merchant_id: String,
    pub channel: String,
    pub params: serde_json::Map<String, serde_json::Value>,
    /// Each secret's signing version.
    pub secrets: std::collections::BTreeMap<String, String>,
    /// Older versions of secrets being rotated, newest first: they still
    /// verify / decrypt (absent when no secret has more than one).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub previous_secrets: std::collections::BTreeMap<String, Vec<String>>,
    pub notify_url: String,
}

impl std::fmt::Debug for WireConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WireConfig")
            .field("id", &self.id)
            .field("channel", &self.channel)
            .field("secrets", &self.secrets.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl From<&ChannelConfig> for WireConfig {
    fn from(cfg: &ChannelConfig) -> WireConfig {
        let secrets = cfg
            .secrets
            .names()
            .filter_map(|name| cfg.secrets.get(name).map(|v| (name.to_string(), v.to_string())))
            .collect();
        let previous_secrets = cfg
            .secrets
            .names()
            .map(|name| {
                let older: Vec<String> = cfg.secrets.versions(name).skip(1).map(str::to_string).collect();
                (name.to_string(), older)
            })
            .filter(|(_, older)| !older.is_empty())
            .collect();
        WireConfig {
            id: cfg.id.clone(),
            merchant_id: cfg.merchant_id.clone(),
            channel: cfg.channel.clone(),
            params: cfg.params.clone(),
            secrets,
            previous_secrets,
            notify_url: cfg.notify_url.clone(),
        }
    }
}

impl WireConfig {
    pub fn into_config(self) -> ChannelConfig {
        let mut secrets = Secrets::new();
        let mut previous = self.previous_secrets;
        for (name, value) in self.secrets {
            let older = previous.remove(&name).unwrap_or_default();
            secrets.insert_versions(name, std::iter::once(value).chain(older));
        }
        ChannelConfig {
            id: self.id,
            merchant_id: self.merchant_id,
            channel: self.channel,
            params: self.params,
            secrets,
            notify_url: self.notify_url,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireCreatePayment {
    pub payment_id: String,
    pub channel_order_no: String,
    pub money: WireMoney,
    pub subject: String,
    pub way: Way,
    pub auth_code: Option<String>,
    pub payer_id: Option<String>,
    pub payer_ip: Option<String>,
    pub return_url: Option<String>,
    pub terminal_id: Option<String>,
    pub site_id: Option<String>,
    pub expire_at_ms: i64,
    pub created_at_ms: i64,
}

impl WireCreatePayment {
    /// Card-present data never crosses to an external service (protocol 1
    /// has no field for it), so a `card` payment is refused before sending.
    pub fn from_request(req: &CreatePayment) -> Result<WireCreatePayment, ChannelError> {
        if req.card.is_some() {
            return Err(ChannelError::Config(
                "card-present data is not sent to external channel services".into(),
            ));
        }
        Ok(WireCreatePayment {
            payment_id: req.payment_id.clone(),
            channel_order_no: req.channel_order_no.clone(),
            money: req.money.into(),
            subject: req.subject.clone(),
            way: req.way,
            auth_code: req.auth_code.clone(),
            payer_id: req.payer_id.clone(),
            payer_ip: req.payer_ip.clone(),
            return_url: req.return_url.clone(),
            terminal_id: req.terminal_id.clone(),
            site_id: req.site_id.clone(),
            expire_at_ms: req.expire_at_ms,
            created_at_ms: req.created_at_ms,
        })
    }

    pub fn into_request(self) -> CreatePayment {
        CreatePayment {
            payment_id: self.payment_id,
            channel_order_no: self.channel_order_no,
            money: self.money.into(),
            subject: self.subject,
            way: self.way,
            auth_code: self.auth_code,
            payer_id: self.payer_id,
            payer_ip: self.payer_ip,
            return_url: self.return_url,
            card: None,
            terminal_id: self.terminal_id,
            site_id: self.site_id,
            expire_at_ms: self.expire_at_ms,
            created_at_ms: self.created_at_ms,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WirePaymentRef {
    pub channel_order_no: String,
    pub channel_trade_no: Option<String>,
    pub money: WireMoney,
    pub created_at_ms: i64,
}

impl From<&PaymentRef> for WirePaymentRef {
    fn from(p: &PaymentRef) -> WirePaymentRef {
        WirePaymentRef {
            channel_order_no: p.channel_order_no.clone(),
            channel_trade_no: p.channel_trade_no.clone(),
            money: p.money.into(),
            created_at_ms: p.created_at_ms,
        }
    }
}

impl From<WirePaymentRef> for PaymentRef {
    fn from(p: WirePaymentRef) -> PaymentRef {
        PaymentRef {
            channel_order_no: p.channel_order_no,
            channel_trade_no: p.channel_trade_no,
            money: p.money.into(),
            created_at_ms: p.created_at_ms,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireCreateRefund {
    pub refund_id: String,
    pub channel_refund_no: String,
    pub payment: WirePaymentRef,
    pub refund: WireMoney,
    pub reason: Option<String>,
    pub created_at_ms: i64,
}

impl From<&CreateRefund> for WireCreateRefund {
    fn from(r: &CreateRefund) -> WireCreateRefund {
        WireCreateRefund {
            refund_id: r.refund_id.clone(),
            channel_refund_no: r.channel_refund_no.clone(),
            payment: (&r.payment).into(),
            refund: r.refund.into(),
            reason: r.reason.clone(),
            created_at_ms: r.created_at_ms,
        }
    }
}

impl From<WireCreateRefund> for CreateRefund {
    fn from(r: WireCreateRefund) -> CreateRefund {
        CreateRefund {
            refund_id: r.refund_id,
            channel_refund_no: r.channel_refund_no,
            payment: r.payment.into(),
            refund: r.refund.into(),
            reason: r.reason,
            created_at_ms: r.created_at_ms,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireRefundRef {
    pub channel_refund_no: String,
    pub channel_refund_id: Option<String>,
    pub payment: WirePaymentRef,
    pub refund: WireMoney,
    pub created_at_ms: i64,
}

impl From<&RefundRef> for WireRefundRef {
    fn from(r: &RefundRef) -> WireRefundRef {
        WireRefundRef {
            channel_refund_no: r.channel_refund_no.clone(),
            channel_refund_id: r.channel_refund_id.clone(),
            payment: (&r.payment).into(),
            refund: r.refund.into(),
            created_at_ms: r.created_at_ms,
        }
    }
}

impl From<WireRefundRef> for RefundRef {
    fn from(r: WireRefundRef) -> RefundRef {
        RefundRef {
            channel_refund_no: r.channel_refund_no,
            channel_refund_id: r.channel_refund_id,
            payment: r.payment.into(),
            refund: r.refund.into(),
            created_at_ms: r.created_at_ms,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WireBillKind {
    All,
    Payments,
    Refunds,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireBillRequest {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub kind: WireBillKind,
}

const DATE_FORMAT: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

impl WireBillRequest {
    pub fn from_request(r: &BillRequest) -> Result<WireBillRequest, ChannelError> {
        let date = r
            .date
            .format(DATE_FORMAT)
            .map_err(|e| ChannelError::Config(format!("bill date: {e}")))?;
        let kind = match r.kind {
            BillKind::All => WireBillKind::All,
            BillKind::Payments => WireBillKind::Payments,
            BillKind::Refunds => WireBillKind::Refunds,
        };
        Ok(WireBillRequest { date, kind })
    }

    pub fn into_request(self) -> Result<BillRequest, String> {
        let date = time::Date::parse(&self.date, DATE_FORMAT).map_err(|e| format!("bill date: {e}"))?;
        let kind = match self.kind {
            WireBillKind::All => BillKind::All,
            WireBillKind::Payments => BillKind::Payments,
            WireBillKind::Refunds => BillKind::Refunds,
        };
        Ok(BillRequest { date, kind })
    }
}

/// A raw inbound notification, forwarded byte for byte (body in base64).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireInbound {
    pub headers: Vec<(String, String)>,
    pub query: Option<String>,
    pub body_base64: String,
    pub received_at_s: i64,
}

impl From<&InboundRequest> for WireInbound {
    fn from(r: &InboundRequest) -> WireInbound {
        WireInbound {
            headers: r.headers.clone(),
            query: r.query.clone(),
            body_base64: STANDARD.encode(&r.body),
            received_at_s: r.received_at_s,
        }
    }
}

impl WireInbound {
    pub fn into_request(self) -> Result<InboundRequest, String> {
        let body = STANDARD
            .decode(self.body_base64.as_bytes())
            .map_err(|e| format!("body_base64: {e}"))?;
        Ok(InboundRequest {
            headers: self.headers,
            query: self.query,
            body,
            received_at_s: self.received_at_s,
        })
    }
}
