//! The request messages juhe sends, field by field (unsigned).

use crate::protocol::codes::{QUERY, TxnKind};
use crate::protocol::fields::{FieldError, txn_time};
use crate::protocol::{ACCESS_TYPE, ENCODING, Fields, VERSION};
use juhe_channel::ChannelError;
use juhe_domain::{Currency, Money};

fn insert(fields: &mut Fields, key: &str, value: &str) {
    fields.insert(key.to_string(), value.to_string());
}

fn time_error(e: FieldError) -> ChannelError {
    ChannelError::NotSent(format!("request time: {e}"))
}

/// Fields every transaction carries.
pub fn base(kind: TxnKind, mer_id: &str, order_id: &str, at_ms: i64) -> Result<Fields, ChannelError> {
    let mut f = Fields::new();
    insert(&mut f, "version", VERSION);
    insert(&mut f, "encoding", ENCODING);
    insert(&mut f, "txnType", kind.txn_type);
    insert(&mut f, "txnSubType", kind.txn_sub_type);
    insert(&mut f, "bizType", kind.biz_type);
    if !kind.channel_type.is_empty() {
        insert(&mut f, "channelType", kind.channel_type);
    }
    insert(&mut f, "accessType", ACCESS_TYPE);
    insert(&mut f, "merId", mer_id);
    insert(&mut f, "orderId", order_id);
    insert(&mut f, "txnTime", &txn_time(at_ms).map_err(time_error)?);
    Ok(f)
}

/// Adds `txnAmt` (fen) and `currencyCode`: UnionPay online settles CNY only.
pub fn add_amount(fields: &mut Fields, money: &Money) -> Result<(), ChannelError> {
    if money.currency != Currency::CNY {
        return Err(ChannelError::declined(
            "UNSUPPORTED_CURRENCY",
            "UnionPay online accepts CNY only",
        ));
    }
    insert(fields, "txnAmt", &money.amount.to_string());
    insert(fields, "currencyCode", &money.currency.numeric_code());
    Ok(())
}

/// `payTimeout`: the latest time the payer may pay, as a `txnTime`.
pub fn add_pay_timeout(fields: &mut Fields, expire_at_ms: i64) -> Result<(), ChannelError> {
    if expire_at_ms > 0 {
        insert(fields, "payTimeout", &txn_time(expire_at_ms).map_err(time_error)?);
    }
    Ok(())
}

pub fn set(fields: &mut Fields, key: &str, value: &str) {
    insert(fields, key, value);
}

/// The status query of one transaction (by `orderId` + `txnTime`).
pub fn query(mer_id: &str, order_id: &str, at_ms: i64) -> Result<Fields, ChannelError> {
    base(QUERY, mer_id, order_id, at_ms)
}
