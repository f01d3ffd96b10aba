//! The trade endpoints: `uniorder`, `fkmPay`, `query`, `revoke`, `refund`.

use crate::protocol::JdXml;
use crate::protocol::messages::{self, codes, status};
use crate::sandbox::call::{Outcome, Refusal, Verified, refuse, serve};
use crate::sandbox::state::{Order, Refund, SandboxState, key, lock, now_ms};
use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use juhe_sandbox_kit::Behaviour;
use std::sync::Arc;
use std::time::Duration;

/// Creates an order from a `uniorder` / `fkmPay` request; refuses a trade
/// number used before.
pub(crate) fn new_order(state: &SandboxState, v: &Verified, initial: &'static str) -> Result<(String, Order), Refusal> {
    let trade_num = v.fields.require("tradeNum")?.to_string();
    let amount = messages::parse_amount("amount", v.fields.require("amount")?)?;
    if v.fields.get("currency").unwrap_or("CNY") != "CNY" {
        return Err(refuse(codes::BAD_REQUEST, "currency must be CNY"));
    }
    let notify_url = v.fields.require("notifyUrl")?.to_string();
    let order_key = key(&v.merchant, &trade_num);
    let mut orders = lock(&state.orders);
    if let Some(existing) = orders.get(&order_key) {
        if existing.amount != amount {
            return Err(refuse(codes::DUPLICATE_TRADE, "交易号重复"));
        }
        return Ok((order_key, existing.clone()));
    }
    let order = Order {
        merchant: v.merchant.clone(),
        trade_num,
        order_id: state.next_order_id(),
        amount,
        status: initial,
        pay_time_ms: None,
        notify_url,
        refunded: 0,
        last_notice: None,
    };
    orders.insert(order_key.clone(), order.clone());
    Ok((order_key, order))
}

pub(crate) fn pay_later(state: &Arc<SandboxState>, order_key: String, after_ms: u64) {
    let state = Arc::clone(state);
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(after_ms)).await;
        state.pay(&order_key);
    });
}

pub(crate) fn behaviour_for(
    state: &SandboxState,
    v: &Verified,
    auth_code: Option<&str>,
    default: Behaviour,
) -> Behaviour {
    let amount = v
        .fields
        .get("amount")
        .and_then(|a| messages::parse_amount("amount", a).ok())
        .unwrap_or(0);
    let trade_num = v.fields.get("tradeNum").unwrap_or_default();
    state.script.behaviour_for(amount, auth_code, trade_num, default)
}

pub(crate) async fn uniorder(State(state): State<Arc<SandboxState>>, body: Bytes) -> Response {
    serve(state, body, |state, v| {
        let behaviour = behaviour_for(state, v, None, Behaviour::Wait);
        match behaviour {
            Behaviour::Decline { code, message } => {
                return Outcome::Refused(Refusal { code, desc: message });
            }
            Behaviour::InsufficientFunds => return Outcome::Refused(refuse(codes::INSUFFICIENT_BALANCE, "余额不足")),
            _ => {}
        }
        let initial = if behaviour == Behaviour::StayPaying {
            status::PROCESSING
        } else {
            status::CREATED
        };
        let (order_key, order) = match new_order(state, v, initial) {
            Ok(o) => o,
            Err(r) => return Outcome::Refused(r),
        };
        match behaviour {
            Behaviour::Pay { after_ms } => pay_later(state, order_key, after_ms),
            Behaviour::NeverAnswer => return Outcome::Hang,
            _ => {}
        }
        Outcome::Answer(
            JdXml::new()
                .with("tradeNum", order.trade_num.as_str())
                .with("orderId", order.order_id.as_str())
                .with("amount", order.amount.to_string())
                .with("qrCode", format!("https://h5pay.jd.com/code?c={}", order.order_id)),
        )
    })
    .await
}

pub(crate) async fn fkm_pay(State(state): State<Arc<SandboxState>>, body: Bytes) -> Response {
    serve(state, body, |state, v| {
        let token = v.fields.get("token").unwrap_or_default().to_string();
        if token.is_empty() {
            return Outcome::Refused(refuse(codes::BAD_REQUEST, "token is missing"));
        }
        let behaviour = behaviour_for(state, v, Some(&token), Behaviour::Pay { after_ms: 0 });
        match behaviour {
            Behaviour::Decline { code, message } => {
                return Outcome::Refused(Refusal { code, desc: message });
            }
            Behaviour::InsufficientFunds => return Outcome::Refused(refuse(codes::INSUFFICIENT_BALANCE, "余额不足")),
            _ => {}
        }
        let (order_key, _) = match new_order(state, v, status::PROCESSING) {
            Ok(o) => o,
            Err(r) => return Outcome::Refused(r),
        };
        match behaviour {
            Behaviour::Pay { after_ms: 0 } => {
                state.pay(&order_key);
            }
            Behaviour::Pay { after_ms } => pay_later(state, order_key.clone(), after_ms),
            Behaviour::NeverAnswer => return Outcome::Hang,
            _ => {}
        }
        match lock(&state.orders).get(&order_key) {
            Some(order) => Outcome::Answer(SandboxState::order_fields(order)),
            None => Outcome::Refused(refuse(codes::SYSTEM_BUSY, "order vanished")),
        }
    })
    .await
}

pub(crate) async fn query(State(state): State<Arc<SandboxState>>, body: Bytes) -> Response {
    serve(state, body, |state, v| {
        let result = (|| {
            let trade_num = v.fields.require("tradeNum")?;
            let k = key(&v.merchant, trade_num);
            if v.fields.get("tradeType") == Some(messages::TRADE_TYPE_REFUND) {
                lock(&state.refunds)
                    .get(&k)
                    .map(SandboxState::refund_fields)
                    .ok_or_else(|| refuse(codes::ORDER_NOT_FOUND, "退款不存在"))
            } else {
                lock(&state.orders)
                    .get(&k)
                    .map(SandboxState::order_fields)
                    .ok_or_else(|| refuse(codes::ORDER_NOT_FOUND, "订单不存在"))
            }
        })();
        result.into()
    })
    .await
}

pub(crate) async fn revoke(State(state): State<Arc<SandboxState>>, body: Bytes) -> Response {
    serve(state, body, |state, v| {
        let result = (|| {
            let trade_num = v.fields.require("tradeNum")?.to_string();
            let o_trade_num = v.fields.require("oTradeNum")?;
            let mut orders = lock(&state.orders);
            let order = orders
                .get_mut(&key(&v.merchant, o_trade_num))
                .ok_or_else(|| refuse(codes::ORDER_NOT_FOUND, "订单不存在"))?;
            if order.status == status::SUCCESS {
                // A reversal returns the whole payment.
                order.refunded = order.amount;
            }
            order.status = status::CLOSED;
            Ok(JdXml::new()
                .with("tradeNum", trade_num)
                .with("oTradeNum", order.trade_num.as_str())
                .with("amount", order.amount.to_string())
                .with("status", status::SUCCESS))
        })();
        result.into()
    })
    .await
}

pub(crate) async fn refund(State(state): State<Arc<SandboxState>>, body: Bytes) -> Response {
    serve(state, body, |state, v| {
        let result = (|| {
            let trade_num = v.fields.require("tradeNum")?.to_string();
            let o_trade_num = v.fields.require("oTradeNum")?.to_string();
            let amount = messages::parse_amount("amount", v.fields.require("amount")?)?;
            let refund_key = key(&v.merchant, &trade_num);
            if let Some(existing) = lock(&state.refunds).get(&refund_key) {
                // Same refund number again: the same answer (idempotent).
                return Ok((None, SandboxState::refund_fields(existing)));
            }
            let order_key = key(&v.merchant, &o_trade_num);
            let mut orders = lock(&state.orders);
            let order = orders
                .get_mut(&order_key)
                .ok_or_else(|| refuse(codes::ORDER_NOT_FOUND, "订单不存在"))?;
            if order.status != status::SUCCESS {
                return Err(refuse(codes::ORDER_CLOSED, "订单未支付或已撤销"));
            }
            if amount <= 0 || order.refunded + amount > order.amount {
                return Err(refuse(codes::REFUND_TOO_LARGE, "退款金额超过可退金额"));
            }
            order.refunded += amount;
            let refund = Refund {
                trade_num,
                o_trade_num,
                order_id: state.next_order_id(),
                amount,
                status: status::SUCCESS,
                pay_time_ms: now_ms(),
            };
            let fields = SandboxState::refund_fields(&refund);
            lock(&state.refunds).insert(refund_key, refund);
            Ok((Some(order_key), fields))
        })();
        match result {
            Ok((Some(order_key), fields)) => {
                state.notify(&order_key, fields.clone());
                Outcome::Answer(fields)
            }
            Ok((None, fields)) => Outcome::Answer(fields),
            Err(r) => Outcome::Refused(r),
        }
    })
    .await
}
