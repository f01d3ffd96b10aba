//! The JD Pay sandbox's memory: registered merchants, orders, refunds.

use crate::protocol::envelope::{self, SUCCESS_CODE};
use crate::protocol::messages::{self, status};
use crate::protocol::{JdXml, ProtocolError, des3};
use juhe_crypto::{RsaPrivate, RsaPublic};
use juhe_sandbox_kit::{Delivery, Notifier, Script};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A merchant as registered with the sandbox (`POST /_sandbox/merchants`).
#[derive(Clone, Deserialize)]
pub struct SandboxMerchant {
    pub merchant: String,
    /// The 24-byte 3DES key, base64.
    pub des_key: String,
    /// The merchant's RSA public key (PEM or one-line base64).
    pub public_key: String,
}

impl std::fmt::Debug for SandboxMerchant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxMerchant")
            .field("merchant", &self.merchant)
            .finish_non_exhaustive()
    }
}

pub(crate) struct MerchantKeys {
    pub des_key: Vec<u8>,
    pub public_key: RsaPublic,
}

#[derive(Debug, Clone)]
pub(crate) struct Order {
    pub merchant: String,
    pub trade_num: String,
    pub order_id: String,
    pub amount: i64,
    pub status: &'static str,
    pub pay_time_ms: Option<i64>,
    pub notify_url: String,
    pub refunded: i64,
    /// The last notification sent about this order (a reordering fault
    /// delivers it again after the next one).
    pub last_notice: Option<Delivery>,
}

#[derive(Debug, Clone)]
pub(crate) struct Refund {
    pub trade_num: String,
    pub o_trade_num: String,
    pub order_id: String,
    pub amount: i64,
    pub status: &'static str,
    pub pay_time_ms: i64,
}

pub struct SandboxState {
    pub script: Arc<Script>,
    notifier: Notifier,
    jd_private: RsaPrivate,
    merchants: Mutex<HashMap<String, Arc<MerchantKeys>>>,
    pub(crate) orders: Mutex<HashMap<String, Order>>,
    pub(crate) refunds: Mutex<HashMap<String, Refund>>,
    seq: AtomicU64,
}

impl std::fmt::Debug for SandboxState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxState").finish_non_exhaustive()
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

pub(crate) fn key(merchant: &str, trade_num: &str) -> String {
    format!("{merchant}\u{1f}{trade_num}")
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn acknowledged(status: u16, body: &[u8]) -> bool {
    status == 200 && body.trim_ascii().eq_ignore_ascii_case(b"success")
}

impl SandboxState {
    /// `jd_private_key` is the sandbox's own signing key (its public half is
    /// what merchants configure as `jd_public_key`); `notify_schedule` is
    /// the retry schedule of notifications (scaled down in tests).
    pub fn new(
        jd_private_key: &str,
        merchants: Vec<SandboxMerchant>,
        notify_schedule: Vec<Duration>,
    ) -> Result<Arc<SandboxState>, ProtocolError> {
        let script = Arc::new(Script::new());
        let jd_private =
            RsaPrivate::parse(jd_private_key).map_err(|_| ProtocolError::Key("sandbox private key".into()))?;
        let state = SandboxState {
            notifier: Notifier::new(script.clone(), notify_schedule),
            script,
            jd_private,
            merchants: Mutex::new(HashMap::new()),
            orders: Mutex::new(HashMap::new()),
            refunds: Mutex::new(HashMap::new()),
            seq: AtomicU64::new(1),
        };
        for m in merchants {
            state.add_merchant(m)?;
        }
        Ok(Arc::new(state))
    }

    pub fn add_merchant(&self, m: SandboxMerchant) -> Result<(), ProtocolError> {
        let des_key = des3::parse_key(&m.des_key)?;
        let public_key =
            RsaPublic::parse(&m.public_key).map_err(|_| ProtocolError::Key("merchant public key".into()))?;
        lock(&self.merchants).insert(m.merchant, Arc::new(MerchantKeys { des_key, public_key }));
        Ok(())
    }

    pub(crate) fn merchant(&self, merchant: &str) -> Option<Arc<MerchantKeys>> {
        lock(&self.merchants).get(merchant).cloned()
    }

    pub(crate) fn next_order_id(&self) -> String {
        let n = self.seq.fetch_add(1, Ordering::Relaxed);
        format!("{}{n:06}", messages::format_time(now_ms()))
    }

    /// A sealed success answer for `merchant`.
    pub(crate) fn seal_answer(
        &self,
        merchant: &str,
        keys: &MerchantKeys,
        fields: JdXml,
    ) -> Result<String, ProtocolError> {
        let mut inner = JdXml::new()
            .with("version", envelope::VERSION)
            .with("merchant", merchant)
            .with("result/code", SUCCESS_CODE)
            .with("result/desc", "成功");
        inner.fields.extend(fields.fields);
        let encrypt = envelope::seal(&inner, &keys.des_key, &self.jd_private)?;
        Ok(envelope::answer_document(merchant, SUCCESS_CODE, "成功", Some(encrypt)))
    }

    /// The trade fields of an order, as query answers and notifications carry them.
    pub(crate) fn order_fields(order: &Order) -> JdXml {
        let mut doc = JdXml::new()
            .with("tradeNum", order.trade_num.as_str())
            .with("tradeType", messages::TRADE_TYPE_PAYMENT)
            .with("orderId", order.order_id.as_str())
            .with("amount", order.amount.to_string())
            .with("currency", "CNY")
            .with("status", order.status);
        if let Some(paid) = order.pay_time_ms {
            doc.push("payTime", messages::format_time(paid));
        }
        doc
    }

    pub(crate) fn refund_fields(refund: &Refund) -> JdXml {
        JdXml::new()
            .with("tradeNum", refund.trade_num.as_str())
            .with("oTradeNum", refund.o_trade_num.as_str())
            .with("tradeType", messages::TRADE_TYPE_REFUND)
            .with("orderId", refund.order_id.as_str())
            .with("amount", refund.amount.to_string())
            .with("currency", "CNY")
            .with("status", refund.status)
            .with("payTime", messages::format_time(refund.pay_time_ms))
    }

    /// Sends a notification about an order's trade (or one of its refunds)
    /// to its notify URL, remembering it as the order's latest.
    pub(crate) fn notify(&self, order_key: &str, fields: JdXml) {
        let mut orders = lock(&self.orders);
        let Some(order) = orders.get_mut(order_key) else {
            return;
        };
        let Some(keys) = self.merchant(&order.merchant) else {
            return;
        };
        let body = match self.seal_answer(&order.merchant, &keys, fields) {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "sandbox could not seal a notification");
                return;
            }
        };
        let delivery = Delivery {
            url: order.notify_url.clone(),
            headers: Vec::new(),
            content_type: "application/xml;charset=utf-8".into(),
            body: body.into_bytes(),
            acknowledged,
        };
        let older = order.last_notice.replace(delivery.clone());
        drop(orders);
        self.notifier.send(delivery, older);
    }

    /// Marks an unpaid order paid and notifies. False if it cannot be paid.
    pub fn pay(&self, order_key: &str) -> bool {
        self.end_open_order(order_key, |order| {
            order.status = status::SUCCESS;
            order.pay_time_ms = Some(now_ms());
        })
    }

    /// The payer declines an unpaid order: it fails (status `3`) and the
    /// merchant is notified of the failure. False if it is no longer open.
    pub fn decline(&self, order_key: &str) -> bool {
        self.end_open_order(order_key, |order| order.status = status::FAILED)
    }

    /// Applies `end` to an order still open (created or processing) and
    /// notifies its new state. False if there is no such open order.
    fn end_open_order(&self, order_key: &str, end: impl FnOnce(&mut Order)) -> bool {
        let fields = {
            let mut orders = lock(&self.orders);
            let Some(order) = orders.get_mut(order_key) else {
                return false;
            };
            if order.status != status::CREATED && order.status != status::PROCESSING {
                return false;
            }
            end(order);
            Self::order_fields(order)
        };
        self.notify(order_key, fields);
        true
    }

    /// The key of the order with this trade number (any merchant).
    pub fn find_order(&self, trade_num: &str) -> Option<String> {
        lock(&self.orders)
            .iter()
            .find(|(_, o)| o.trade_num == trade_num)
            .map(|(k, _)| k.clone())
    }
}
