//! How objects look to merchants: in API responses and in webhook events.
//! Amounts are integers in minor units with their currency; times are
//! RFC 3339 UTC.

use juhe_store::clock::rfc3339;
use juhe_store::customers::CustomerRow;
use juhe_store::ledger::AccountRow;
use juhe_store::payments::PaymentRow;
use juhe_store::refunds::RefundRow;
use juhe_store::topups::TopupRow;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaymentView {
    #[schema(example = "pay_01JD5Y4Z3M9Q8W6X7V2T1S0R9P")]
    pub id: String,
    pub object: &'static str,
    pub merchant_id: String,
    pub app_id: String,
    pub merchant_order_no: String,
    /// Minor units (fen for CNY).
    pub amount: i64,
    pub currency: String,
    pub subject: String,
    /// How the payer pays: wallet, qr, barcode, jsapi, h5, app, card, plate, cash.
    pub way: String,
    pub channel: String,
    /// created, processing, succeeded, failed or closed.
    pub status: String,
    pub payer: PayerView,
    pub refunded_amount: i64,
    pub fee: i64,
    pub notify_url: Option<String>,
    #[schema(value_type = Object)]
    pub metadata: serde_json::Value,
    pub failure_code: Option<String>,
    pub failure_message: Option<String>,
    pub expire_at: String,
    pub created_at: String,
    pub updated_at: String,
    pub succeeded_at: Option<String>,
    pub closed_at: Option<String>,
    /// The channel's own trade number, once known.
    pub channel_trade_no: Option<String>,
    /// What the payer's device needs to pay (`qr_code` with `code_url`,
    /// `sdk` with signed `params`, `redirect` with `url`, `form`), for ways
    /// where the payer acts; null otherwise.
    #[schema(value_type = Option<Object>)]
    pub pay_action: Option<serde_json::Value>,
    /// Where the payment was taken (terminal, site) and, for cash, by whom.
    pub terminal_id: Option<String>,
    pub site_id: Option<String>,
    pub operator_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PayerView {
    pub customer_id: Option<String>,
}

impl From<&PaymentRow> for PaymentView {
    fn from(p: &PaymentRow) -> Self {
        PaymentView {
            id: p.id.clone(),
            object: "payment",
            merchant_id: p.merchant_id.clone(),
            app_id: p.app_id.clone(),
            merchant_order_no: p.merchant_order_no.clone(),
            amount: p.amount,
            currency: p.currency.clone(),
            subject: p.subject.clone(),
            way: p.way.clone(),
            channel: p.channel.clone(),
            status: p.status.clone(),
            payer: PayerView {
                customer_id: p.payer_customer_id.clone(),
            },
            refunded_amount: p.refunded_amount,
            fee: p.fee,
            notify_url: p.notify_url.clone(),
            metadata: p
                .metadata
                .as_deref()
                .and_then(|m| serde_json::from_str(m).ok())
                .unwrap_or(serde_json::Value::Null),
            failure_code: p.failure_code.clone(),
            failure_message: p.failure_message.clone(),
            expire_at: rfc3339(p.expire_at),
            created_at: rfc3339(p.created_at),
            updated_at: rfc3339(p.updated_at),
            succeeded_at: p.succeeded_at.map(rfc3339),
            closed_at: p.closed_at.map(rfc3339),
            channel_trade_no: p.channel_trade_no.clone(),
            pay_action: p.pay_action.as_deref().and_then(|a| serde_json::from_str(a).ok()),
            terminal_id: p.terminal_id.clone(),
            site_id: p.site_id.clone(),
            operator_id: p.operator_id.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RefundView {
    pub id: String,
    pub object: &'static str,
    pub payment_id: String,
    pub merchant_refund_no: String,
    pub amount: i64,
    pub currency: String,
    pub reason: Option<String>,
    /// processing, succeeded or failed.
    pub status: String,
    /// The part of the payment's fee this refund gave back to the merchant.
    pub fee_refund: i64,
    pub created_at: String,
    pub succeeded_at: Option<String>,
    /// The channel's refund id, once known.
    pub channel_refund_id: Option<String>,
    pub failure_code: Option<String>,
    pub failure_message: Option<String>,
}

impl From<&RefundRow> for RefundView {
    fn from(r: &RefundRow) -> Self {
        RefundView {
            id: r.id.clone(),
            object: "refund",
            payment_id: r.payment_id.clone(),
            merchant_refund_no: r.merchant_refund_no.clone(),
            amount: r.amount,
            currency: r.currency.clone(),
            reason: r.reason.clone(),
            status: r.status.clone(),
            fee_refund: r.fee_refund,
            created_at: rfc3339(r.created_at),
            succeeded_at: r.succeeded_at.map(rfc3339),
            channel_refund_id: r.channel_refund_id.clone(),
            failure_code: r.failure_code.clone(),
            failure_message: r.failure_message.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TopupView {
    pub id: String,
    pub object: &'static str,
    pub customer_id: String,
    pub merchant_topup_no: String,
    pub amount: i64,
    pub currency: String,
    pub channel: String,
    pub status: String,
    pub created_at: String,
}

impl From<&TopupRow> for TopupView {
    fn from(t: &TopupRow) -> Self {
        TopupView {
            id: t.id.clone(),
            object: "topup",
            customer_id: t.customer_id.clone(),
            merchant_topup_no: t.merchant_topup_no.clone(),
            amount: t.amount,
            currency: t.currency.clone(),
            channel: t.channel.clone(),
            status: t.status.clone(),
            created_at: rfc3339(t.created_at),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WalletView {
    pub currency: String,
    /// Posted balance in minor units.
    pub balance: i64,
    /// Reserved by active holds.
    pub held: i64,
    /// balance − held + credit_limit: what a payment may take now.
    pub available: i64,
    pub credit_limit: i64,
}

impl From<&AccountRow> for WalletView {
    fn from(a: &AccountRow) -> Self {
        WalletView {
            currency: a.currency.clone(),
            balance: a.balance,
            held: a.held,
            available: a.balance - a.held + a.credit_limit,
            credit_limit: a.credit_limit,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomerView {
    pub id: String,
    pub object: &'static str,
    pub name: String,
    pub phone: Option<String>,
    pub external_id: Option<String>,
    pub wallets: Vec<WalletView>,
    pub created_at: String,
}

impl CustomerView {
    pub fn new(c: &CustomerRow, wallets: &[AccountRow]) -> CustomerView {
        CustomerView {
            id: c.id.clone(),
            object: "customer",
            name: c.name.clone(),
            phone: c.phone.clone(),
            external_id: c.external_id.clone(),
            wallets: wallets.iter().map(WalletView::from).collect(),
            created_at: rfc3339(c.created_at),
        }
    }
}
