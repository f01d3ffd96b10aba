//! The gateway endpoints. Each checks the signature before anything else
//! and answers in ACP's raw `k=v&…` form, signed like the request.

use crate::protocol::VERSION;
use crate::protocol::codes::resp;
use crate::protocol::fields::parse_fen;
use crate::protocol::form::{Fields, decode_form, encode_raw};
use crate::protocol::sign::SignMethod;
use crate::sandbox::SandboxState;
use crate::sandbox::ledger::{Txn, TxnState};
use crate::sandbox::merchants::{MerchantKeys, Refusal};
use crate::sandbox::{messages, settle};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use juhe_domain::Currency;
use juhe_sandbox_kit::Behaviour;
use std::sync::Arc;
use std::time::Duration;

type Shared = State<Arc<SandboxState>>;

/// A verified request and how to sign its answer.
struct Inbound {
    fields: Fields,
    method: SignMethod,
    keys: MerchantKeys,
}

fn system_error() -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, "system error").into_response()
}

fn reply(state: &SandboxState, method: SignMethod, keys: Option<&MerchantKeys>, mut fields: Fields) -> Response {
    if state.signing.sign(method, keys, &mut fields).is_err() {
        return system_error();
    }
    (
        StatusCode::OK,
        [("content-type", "text/plain;charset=UTF-8")],
        encode_raw(&fields),
    )
        .into_response()
}

fn refuse(state: &SandboxState, inbound: &Inbound, code: &str, message: &str) -> Response {
    reply(
        state,
        inbound.method,
        Some(&inbound.keys),
        messages::answer(&inbound.fields, code, message),
    )
}

/// Faults, version and signature: what every endpoint does first.
fn receive(state: &SandboxState, body: &[u8]) -> Result<Inbound, Box<Response>> {
    if state.script.take_failure() {
        return Err(Box::new(system_error()));
    }
    let fields = decode_form(body);
    let claimed = fields
        .get("signMethod")
        .and_then(|m| SignMethod::parse(m))
        .unwrap_or(SignMethod::Rsa);
    let keys = fields.get("merId").and_then(|m| state.merchants.keys(m));
    if fields.get("version").map(String::as_str) != Some(VERSION) {
        let answer = messages::answer(&fields, resp::BAD_FORMAT, "报文格式错误[version]");
        return Err(Box::new(reply(state, claimed, keys.as_ref(), answer)));
    }
    if !valid_txn_time(&fields) {
        let answer = messages::answer(&fields, resp::BAD_FORMAT, "报文格式错误[txnTime]");
        return Err(Box::new(reply(state, claimed, keys.as_ref(), answer)));
    }
    match state.merchants.verify(&fields) {
        Ok((method, keys)) => Ok(Inbound { fields, method, keys }),
        Err(Refusal::UnknownMerchant) => {
            let answer = messages::answer(&fields, resp::UNKNOWN_MERCHANT, "商户状态不正确");
            Err(Box::new(reply(state, claimed, None, answer)))
        }
        Err(Refusal::BadSignature) => {
            let answer = messages::answer(&fields, resp::BAD_SIGNATURE, "验证签名失败");
            Err(Box::new(reply(state, claimed, keys.as_ref(), answer)))
        }
    }
}

/// `txnTime` must be `YYYYMMDDhhmmss`.
fn valid_txn_time(fields: &Fields) -> bool {
    fields
        .get("txnTime")
        .is_some_and(|t| t.len() == 14 && t.bytes().all(|b| b.is_ascii_digit()))
}

fn missing(fields: &Fields, names: &[&str]) -> Option<String> {
    names
        .iter()
        .find(|n| fields.get(**n).is_none_or(|v| v.is_empty()))
        .map(|n| n.to_string())
}

fn field(fields: &Fields, name: &str) -> String {
    fields.get(name).cloned().unwrap_or_default()
}

/// Holds the connection open and never answers (scripted `never_answer`).
async fn never_answer() -> Response {
    tokio::time::sleep(Duration::from_secs(24 * 3600)).await;
    system_error()
}

/// Records a consumption from a verified request; `Err` is the answer
/// when it cannot be recorded.
fn record_consumption(state: &SandboxState, inbound: &Inbound, state0: TxnState) -> Result<Txn, Box<Response>> {
    let f = &inbound.fields;
    if let Some(name) = missing(f, &["orderId", "txnTime", "txnAmt", "currencyCode"]) {
        return Err(Box::new(refuse(
            state,
            inbound,
            resp::MISSING_FIELD,
            &format!("报文交易要素缺失[{name}]"),
        )));
    }
    let Ok(amount) = parse_fen(&field(f, "txnAmt")) else {
        return Err(Box::new(refuse(
            state,
            inbound,
            resp::BAD_FORMAT,
            "报文格式错误[txnAmt]",
        )));
    };
    if field(f, "currencyCode") != Currency::CNY.numeric_code() || amount == 0 {
        return Err(Box::new(refuse(
            state,
            inbound,
            resp::BAD_FORMAT,
            "报文格式错误[currencyCode]",
        )));
    }
    let txn_time = field(f, "txnTime");
    let (query_id, trace_no) = state.ledger.next_ids(&txn_time);
    let txn = Txn {
        mer_id: field(f, "merId"),
        order_id: field(f, "orderId"),
        txn_time,
        txn_type: field(f, "txnType"),
        txn_sub_type: field(f, "txnSubType"),
        biz_type: field(f, "bizType"),
        amount,
        query_id,
        trace_no,
        state: state0,
        back_url: f.get("backUrl").cloned(),
        req_reserved: f.get("reqReserved").cloned(),
        orig_query_id: None,
        sign_method: inbound.method,
        refunded: 0,
        voided: false,
        last_notification: None,
    };
    match state.ledger.insert(txn.clone()) {
        Ok(()) => Ok(txn),
        Err(_) => Err(Box::new(refuse(state, inbound, resp::DUPLICATE, "重复交易"))),
    }
}

/// The state a new order starts in, and the refusal it is answered with
/// (declines and insufficient funds are decided at once).
fn starting_state(behaviour: &Behaviour) -> (TxnState, Option<(String, String)>) {
    match behaviour {
        Behaviour::Decline { code, message } => (
            TxnState::Failed {
                code: code.clone(),
                message: message.clone(),
            },
            Some((code.clone(), message.clone())),
        ),
        Behaviour::InsufficientFunds => {
            let (code, message) = (resp::INSUFFICIENT_FUNDS.to_string(), "余额不足".to_string());
            (
                TxnState::Failed {
                    code: code.clone(),
                    message: message.clone(),
                },
                Some((code, message)),
            )
        }
        Behaviour::StayPaying | Behaviour::NeverAnswer => (TxnState::Paying, None),
        Behaviour::Pay { .. } | Behaviour::Wait => (TxnState::Waiting, None),
    }
}

/// Creates an order the payer still has to pay (QR, app, front page).
/// Returns the verified request and the recorded order, or the answer.
fn open_order(state: &Arc<SandboxState>, inbound: &Inbound) -> Result<(Txn, Behaviour), Box<Response>> {
    let amount = parse_fen(&field(&inbound.fields, "txnAmt")).unwrap_or(0);
    let behaviour = state
        .script
        .behaviour_for(amount, None, &field(&inbound.fields, "orderId"), Behaviour::Wait);
    let (initial, refusal) = starting_state(&behaviour);
    let txn = record_consumption(state, inbound, initial)?;
    if let Some((code, message)) = refusal {
        return Err(Box::new(refuse(state, inbound, &code, &message)));
    }
    if let Behaviour::Pay { after_ms } = behaviour {
        settle::succeed_later(
            state.clone(),
            txn.mer_id.clone(),
            txn.order_id.clone(),
            Duration::from_millis(after_ms),
        );
    }
    Ok((txn, behaviour))
}

fn accepted(inbound: &Inbound, txn: &Txn) -> Fields {
    let mut answer = messages::answer(&inbound.fields, resp::SUCCESS, "成功[0000000]");
    answer.insert("queryId".into(), txn.query_id.clone());
    answer
}

/// `backTransReq.do`: QR request, scanned code, void, refund.
pub async fn back(State(state): Shared, body: Bytes) -> Response {
    let inbound = match receive(&state, &body) {
        Ok(inbound) => inbound,
        Err(answer) => return *answer,
    };
    let kind = (field(&inbound.fields, "txnType"), field(&inbound.fields, "txnSubType"));
    match (kind.0.as_str(), kind.1.as_str()) {
        ("01", "07") => qr_request(&state, &inbound).await,
        ("01", "06") => scanned_code(&state, &inbound).await,
        ("31", "00") => void(&state, &inbound),
        ("04", "00") => refund(&state, &inbound),
        _ => refuse(&state, &inbound, resp::BAD_FORMAT, "报文格式错误[txnType]"),
    }
}

async fn qr_request(state: &Arc<SandboxState>, inbound: &Inbound) -> Response {
    let (txn, behaviour) = match open_order(state, inbound) {
        Ok(opened) => opened,
        Err(answer) => return *answer,
    };
    if behaviour == Behaviour::NeverAnswer {
        return never_answer().await;
    }
    let mut answer = accepted(inbound, &txn);
    let qr_code = format!(
        "{}/_sandbox/qr/{}",
        state.options.public_base_url.trim_end_matches('/'),
        txn.order_id
    );
    answer.insert("qrCode".into(), qr_code);
    reply(state, inbound.method, Some(&inbound.keys), answer)
}

async fn scanned_code(state: &Arc<SandboxState>, inbound: &Inbound) -> Response {
    if let Some(name) = missing(&inbound.fields, &["qrNo"]) {
        return refuse(
            state,
            inbound,
            resp::MISSING_FIELD,
            &format!("报文交易要素缺失[{name}]"),
        );
    }
    let amount = parse_fen(&field(&inbound.fields, "txnAmt")).unwrap_or(0);
    let code = field(&inbound.fields, "qrNo");
    let behaviour = state.script.behaviour_for(
        amount,
        Some(&code),
        &field(&inbound.fields, "orderId"),
        Behaviour::Pay { after_ms: 0 },
    );
    let (initial, refusal) = starting_state(&behaviour);
    let txn = match record_consumption(state, inbound, initial) {
        Ok(txn) => txn,
        Err(answer) => return *answer,
    };
    if let Some((code, message)) = refusal {
        return refuse(state, inbound, &code, &message);
    }
    let txn = match behaviour {
        Behaviour::NeverAnswer => return never_answer().await,
        Behaviour::Pay { after_ms: 0 } => settle::succeed(state, &txn.mer_id, &txn.order_id).unwrap_or(txn),
        Behaviour::Pay { after_ms } => {
            let waiting = state
                .ledger
                .update(&txn.mer_id, &txn.order_id, |t| t.state = TxnState::Paying)
                .unwrap_or(txn);
            settle::succeed_later(
                state.clone(),
                waiting.mer_id.clone(),
                waiting.order_id.clone(),
                Duration::from_millis(after_ms),
            );
            waiting
        }
        _ => state
            .ledger
            .update(&txn.mer_id, &txn.order_id, |t| t.state = TxnState::Paying)
            .unwrap_or(txn),
    };
    let mut answer = messages::txn_fields(&txn);
    let (code, message) = messages::result_code(&txn.state);
    answer.insert("respCode".into(), code);
    answer.insert("respMsg".into(), message);
    reply(state, inbound.method, Some(&inbound.keys), answer)
}

/// The original consumption named by `origQryId`, or the refusal.
fn original(state: &SandboxState, inbound: &Inbound) -> Result<Txn, Box<Response>> {
    if let Some(name) = missing(&inbound.fields, &["origQryId", "orderId", "txnTime", "txnAmt"]) {
        return Err(Box::new(refuse(
            state,
            inbound,
            resp::MISSING_FIELD,
            &format!("报文交易要素缺失[{name}]"),
        )));
    }
    state
        .ledger
        .find_by_query_id(&field(&inbound.fields, "merId"), &field(&inbound.fields, "origQryId"))
        .filter(|t| t.txn_type == "01")
        .ok_or_else(|| Box::new(refuse(state, inbound, resp::BAD_ORIGINAL, "原交易不存在或状态不正确")))
}

/// Records a void or refund that has passed its checks.
fn record_follow_up(
    state: &SandboxState,
    inbound: &Inbound,
    orig: &Txn,
    amount: i64,
    initial: TxnState,
) -> Option<Txn> {
    let txn_time = field(&inbound.fields, "txnTime");
    let (query_id, trace_no) = state.ledger.next_ids(&txn_time);
    let txn = Txn {
        mer_id: orig.mer_id.clone(),
        order_id: field(&inbound.fields, "orderId"),
        txn_time,
        txn_type: field(&inbound.fields, "txnType"),
        txn_sub_type: field(&inbound.fields, "txnSubType"),
        biz_type: field(&inbound.fields, "bizType"),
        amount,
        query_id,
        trace_no,
        state: initial,
        back_url: inbound.fields.get("backUrl").cloned(),
        req_reserved: inbound.fields.get("reqReserved").cloned(),
        orig_query_id: Some(orig.query_id.clone()),
        sign_method: inbound.method,
        refunded: 0,
        voided: false,
        last_notification: None,
    };
    state.ledger.insert(txn.clone()).ok().map(|()| txn)
}

/// 消费撤销: cancels a paid or still-confirming consumption in full.
fn void(state: &Arc<SandboxState>, inbound: &Inbound) -> Response {
    let orig = match original(state, inbound) {
        Ok(orig) => orig,
        Err(answer) => return *answer,
    };
    let order_id = field(&inbound.fields, "orderId");
    // A retried void (same orderId, same original) gets the same answer.
    if let Some(done) = state.ledger.get(&orig.mer_id, &order_id) {
        if done.txn_type == "31" && done.orig_query_id.as_deref() == Some(orig.query_id.as_str()) {
            return reply(state, inbound.method, Some(&inbound.keys), accepted(inbound, &done));
        }
        return refuse(state, inbound, resp::DUPLICATE, "重复交易");
    }
    let voidable =
        matches!(orig.state, TxnState::Succeeded { .. } | TxnState::Paying) && !orig.voided && orig.refunded == 0;
    if !voidable {
        return refuse(state, inbound, resp::BAD_ORIGINAL, "原交易不存在或状态不正确");
    }
    if parse_fen(&field(&inbound.fields, "txnAmt")).ok() != Some(orig.amount) {
        return refuse(state, inbound, resp::MISMATCH_ORIGINAL, "与原交易信息不符[txnAmt]");
    }
    let initial = TxnState::Succeeded {
        trace_time: settle::trace_time_now(),
    };
    let Some(void) = record_follow_up(state, inbound, &orig, orig.amount, initial) else {
        return refuse(state, inbound, resp::DUPLICATE, "重复交易");
    };
    state.ledger.update(&orig.mer_id, &orig.order_id, |t| {
        t.voided = true;
        if t.state == TxnState::Paying {
            // The payer never confirmed: the consumption ends without money.
            t.state = TxnState::Failed {
                code: resp::FAILED.into(),
                message: "交易失败[已撤销]".into(),
            };
        }
    });
    settle::notify(state, &void, None);
    reply(state, inbound.method, Some(&inbound.keys), accepted(inbound, &void))
}

/// 退货: accepted now, completed shortly after with a notification.
fn refund(state: &Arc<SandboxState>, inbound: &Inbound) -> Response {
    let orig = match original(state, inbound) {
        Ok(orig) => orig,
        Err(answer) => return *answer,
    };
    let Ok(amount) = parse_fen(&field(&inbound.fields, "txnAmt")) else {
        return refuse(state, inbound, resp::BAD_FORMAT, "报文格式错误[txnAmt]");
    };
    if !matches!(orig.state, TxnState::Succeeded { .. }) || orig.voided {
        return refuse(state, inbound, resp::BAD_ORIGINAL, "原交易不存在或状态不正确");
    }
    if amount == 0 || orig.refunded + amount > orig.amount {
        return refuse(state, inbound, resp::MISMATCH_ORIGINAL, "与原交易信息不符[txnAmt]");
    }
    let Some(refund) = record_follow_up(state, inbound, &orig, amount, TxnState::Paying) else {
        return refuse(state, inbound, resp::DUPLICATE, "重复交易");
    };
    state
        .ledger
        .update(&orig.mer_id, &orig.order_id, |t| t.refunded += amount);
    settle::complete_refund_later(
        state.clone(),
        refund.mer_id.clone(),
        refund.order_id.clone(),
        orig.order_id.clone(),
    );
    reply(state, inbound.method, Some(&inbound.keys), accepted(inbound, &refund))
}

/// `appTransReq.do`: app control payment, answered with `tn`.
pub async fn app(State(state): Shared, body: Bytes) -> Response {
    let inbound = match receive(&state, &body) {
        Ok(inbound) => inbound,
        Err(answer) => return *answer,
    };
    if field(&inbound.fields, "txnType") != "01" {
        return refuse(&state, &inbound, resp::BAD_FORMAT, "报文格式错误[txnType]");
    }
    let (txn, behaviour) = match open_order(&state, &inbound) {
        Ok(opened) => opened,
        Err(answer) => return *answer,
    };
    if behaviour == Behaviour::NeverAnswer {
        return never_answer().await;
    }
    let mut answer = accepted(&inbound, &txn);
    // The app control takes the transaction number; the sandbox uses the queryId.
    answer.insert("tn".into(), txn.query_id.clone());
    reply(&state, inbound.method, Some(&inbound.keys), answer)
}

/// `queryTrans.do`: the state of one transaction by `orderId` + `txnTime`.
pub async fn query(State(state): Shared, body: Bytes) -> Response {
    let inbound = match receive(&state, &body) {
        Ok(inbound) => inbound,
        Err(answer) => return *answer,
    };
    if let Some(name) = missing(&inbound.fields, &["orderId", "txnTime"]) {
        return refuse(
            &state,
            &inbound,
            resp::MISSING_FIELD,
            &format!("报文交易要素缺失[{name}]"),
        );
    }
    let found = state
        .ledger
        .get(&field(&inbound.fields, "merId"), &field(&inbound.fields, "orderId"))
        .filter(|t| t.txn_time == field(&inbound.fields, "txnTime"));
    match found {
        Some(txn) => reply(
            &state,
            inbound.method,
            Some(&inbound.keys),
            messages::query_answer(&txn),
        ),
        None => refuse(&state, &inbound, resp::NO_SUCH_TXN, "查无此交易"),
    }
}

/// `frontTransReq.do`: the payer's browser posts the signed form; the
/// sandbox answers with its payment page.
pub async fn front(State(state): Shared, body: Bytes) -> Response {
    let inbound = match receive(&state, &body) {
        Ok(inbound) => inbound,
        Err(answer) => return *answer,
    };
    match open_order(&state, &inbound) {
        Ok((txn, behaviour)) => {
            if behaviour == Behaviour::NeverAnswer {
                return never_answer().await;
            }
            Html(payment_page(&txn)).into_response()
        }
        Err(answer) => *answer,
    }
}

fn payment_page(txn: &Txn) -> String {
    // orderId is alphanumeric (checked by the ledger key), safe in HTML.
    let order_id: String = txn.order_id.chars().filter(char::is_ascii_alphanumeric).collect();
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>UnionPay sandbox</title></head><body>\
         <h1>银联在线支付 (sandbox)</h1><p>订单 {order_id}: {}.{:02} 元</p>\
         <form method=\"post\" action=\"/_sandbox/orders/{order_id}/pay\"><button>支付</button></form></body></html>",
        txn.amount / 100,
        txn.amount % 100
    )
}
