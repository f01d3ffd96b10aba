//! The sandbox's books: orders and refunds in memory.

use crate::protocol::ProtocolError;
use crate::protocol::amount::CURRENCY;
use crate::protocol::clock::rfc3339_china;
use crate::protocol::models::{
    Payer, Refund, RefundAmount, RefundNotice, RefundNoticeAmount, Transaction, TransactionAmount,
};
use crate::protocol::states::trade_state;
use juhe_sandbox_kit::{Behaviour, Delivery};
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Debug, Clone)]
pub struct Order {
    pub mchid: String,
    pub appid: String,
    pub out_trade_no: String,
    /// Assigned when the payer pays (NOTPAY orders have none).
    pub transaction_id: Option<String>,
    /// `NATIVE`, `JSAPI`, `MWEB`, `APP`, `MICROPAY`.
    pub trade_type: String,
    pub trade_state: String,
    pub trade_state_desc: String,
    pub description: String,
    pub attach: Option<String>,
    pub notify_url: Option<String>,
    pub total: i64,
    pub openid: Option<String>,
    pub success_ms: Option<i64>,
    pub behaviour: Behaviour,
    /// The last notification sent for this order (a reordering fault
    /// delivers it again after the next one).
    pub last_delivery: Option<Delivery>,
    /// The `code_url` a NATIVE order was given (the payer page finds
    /// orders by it).
    pub code_url: Option<String>,
}

impl Order {
    pub fn transaction(&self) -> Result<Transaction, ProtocolError> {
        let paid = self.success_ms.is_some();
        Ok(Transaction {
            appid: Some(self.appid.clone()),
            mchid: Some(self.mchid.clone()),
            out_trade_no: Some(self.out_trade_no.clone()),
            transaction_id: self.transaction_id.clone(),
            trade_type: Some(self.trade_type.clone()),
            trade_state: self.trade_state.clone(),
            trade_state_desc: Some(self.trade_state_desc.clone()),
            bank_type: paid.then(|| "OTHERS".to_string()),
            attach: self.attach.clone(),
            success_time: self.success_ms.map(rfc3339_china).transpose()?,
            payer: self.openid.clone().map(|openid| Payer { openid }),
            amount: Some(TransactionAmount {
                total: Some(self.total),
                payer_total: paid.then_some(self.total),
                currency: Some(CURRENCY.into()),
                payer_currency: Some(CURRENCY.into()),
            }),
        })
    }

    pub fn is_paid(&self) -> bool {
        matches!(self.trade_state.as_str(), trade_state::SUCCESS | trade_state::REFUND)
    }
}

#[derive(Debug, Clone)]
pub struct RefundRecord {
    pub mchid: String,
    pub refund_id: String,
    pub out_refund_no: String,
    pub out_trade_no: String,
    pub transaction_id: String,
    pub refund: i64,
    pub total: i64,
    pub status: String,
    pub created_ms: i64,
    pub success_ms: Option<i64>,
    pub notify_url: Option<String>,
}

impl RefundRecord {
    pub fn refund(&self) -> Result<Refund, ProtocolError> {
        Ok(Refund {
            refund_id: self.refund_id.clone(),
            out_refund_no: self.out_refund_no.clone(),
            transaction_id: self.transaction_id.clone(),
            out_trade_no: self.out_trade_no.clone(),
            channel: "ORIGINAL".into(),
            user_received_account: "支付用户零钱".into(),
            success_time: self.success_ms.map(rfc3339_china).transpose()?,
            create_time: rfc3339_china(self.created_ms)?,
            status: self.status.clone(),
            funds_account: Some("AVAILABLE".into()),
            amount: RefundAmount {
                total: self.total,
                refund: self.refund,
                payer_total: self.total,
                payer_refund: self.refund,
                settlement_refund: self.refund,
                settlement_total: self.total,
                discount_refund: 0,
                currency: CURRENCY.into(),
            },
        })
    }

    pub fn notice(&self) -> Result<RefundNotice, ProtocolError> {
        Ok(RefundNotice {
            mchid: self.mchid.clone(),
            out_trade_no: self.out_trade_no.clone(),
            transaction_id: self.transaction_id.clone(),
            out_refund_no: self.out_refund_no.clone(),
            refund_id: self.refund_id.clone(),
            refund_status: self.status.clone(),
            success_time: self.success_ms.map(rfc3339_china).transpose()?,
            user_received_account: "支付用户零钱".into(),
            amount: RefundNoticeAmount {
                total: self.total,
                refund: self.refund,
                payer_total: self.total,
                payer_refund: self.refund,
            },
        })
    }
}

type Key = (String, String);

/// Orders by (mchid, out_trade_no), refunds by (mchid, out_refund_no),
/// bill files by download token.
#[derive(Debug, Default)]
pub struct Books {
    pub orders: Mutex<HashMap<Key, Order>>,
    pub refunds: Mutex<HashMap<Key, RefundRecord>>,
    pub bills: Mutex<HashMap<String, Vec<u8>>>,
}

pub fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

pub fn key(mchid: &str, number: &str) -> Key {
    (mchid.to_string(), number.to_string())
}
