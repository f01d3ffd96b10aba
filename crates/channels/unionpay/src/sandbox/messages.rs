//! The fields of the sandbox's answers and notifications (unsigned).

use crate::protocol::form::Fields;
use crate::protocol::{ENCODING, VERSION};
use crate::sandbox::ledger::{Txn, TxnState};
use juhe_domain::Currency;

const ECHOED: &[&str] = &[
    "version",
    "encoding",
    "bizType",
    "txnType",
    "txnSubType",
    "accessType",
    "merId",
    "orderId",
    "txnTime",
    "txnAmt",
    "currencyCode",
    "reqReserved",
    "origQryId",
];

/// An answer echoing the request's identifying fields, with a code.
pub fn answer(request: &Fields, code: &str, message: &str) -> Fields {
    let mut fields: Fields = ECHOED
        .iter()
        .filter_map(|k| request.get(*k).map(|v| (k.to_string(), v.clone())))
        .collect();
    fields.insert("version".into(), VERSION.into());
    fields.insert("encoding".into(), ENCODING.into());
    fields.insert("respCode".into(), code.into());
    fields.insert("respMsg".into(), message.into());
    fields
}

/// What a transaction's state reports as its result code.
pub fn result_code(state: &TxnState) -> (String, String) {
    match state {
        TxnState::Waiting | TxnState::Paying => ("05".into(), "交易已受理，请稍后查询交易结果".into()),
        TxnState::Succeeded { .. } => ("00".into(), "成功[0000000]".into()),
        TxnState::Failed { code, message } => (code.clone(), message.clone()),
    }
}

/// A transaction's own fields, as notifications and queries report them.
pub fn txn_fields(txn: &Txn) -> Fields {
    let mut f = Fields::new();
    let mut put = |k: &str, v: &str| {
        if !v.is_empty() {
            f.insert(k.to_string(), v.to_string());
        }
    };
    put("version", VERSION);
    put("encoding", ENCODING);
    put("bizType", &txn.biz_type);
    put("txnType", &txn.txn_type);
    put("txnSubType", &txn.txn_sub_type);
    put("accessType", "0");
    put("merId", &txn.mer_id);
    put("orderId", &txn.order_id);
    put("txnTime", &txn.txn_time);
    put("txnAmt", &txn.amount.to_string());
    put("currencyCode", &Currency::CNY.numeric_code());
    put("queryId", &txn.query_id);
    put("traceNo", &txn.trace_no);
    put("reqReserved", txn.req_reserved.as_deref().unwrap_or_default());
    put("origQryId", txn.orig_query_id.as_deref().unwrap_or_default());
    if let TxnState::Succeeded { trace_time } = &txn.state {
        put("traceTime", trace_time);
        put("settleAmt", &txn.amount.to_string());
        put("settleCurrencyCode", &Currency::CNY.numeric_code());
        put("settleDate", &trace_time[..4.min(trace_time.len())]);
    }
    f
}

/// The back-end notification of a transaction's final state.
pub fn notification(txn: &Txn) -> Fields {
    let mut f = txn_fields(txn);
    let (code, message) = result_code(&txn.state);
    f.insert("respCode".into(), code);
    f.insert("respMsg".into(), message);
    f
}

/// The query answer: the original transaction in `origRespCode`.
pub fn query_answer(txn: &Txn) -> Fields {
    let mut f = txn_fields(txn);
    let (code, message) = result_code(&txn.state);
    f.insert("origRespCode".into(), code);
    f.insert("origRespMsg".into(), message);
    f.insert("respCode".into(), "00".into());
    f.insert("respMsg".into(), "成功[0000000]".into());
    // The transaction's own txnType/txnSubType are reported ([MEM]): they
    // tell the merchant what the orderId was.
    f
}
