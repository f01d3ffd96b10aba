//! Notifications as WeChat sends them: the resource encrypted with the
//! merchant's APIv3 key, the envelope signed with the platform key, sent
//! through the kit's `Notifier` on WeChat's retry schedule.

use super::SandboxState;
use super::merchant::Merchant;
use super::store::{RefundRecord, key, lock};
use crate::protocol::auth::new_nonce;
use crate::protocol::clock::{now_ms, now_s, rfc3339_china};
use crate::protocol::models::NotificationEnvelope;
use crate::protocol::notify::{RESOURCE_TYPE, event};
use crate::protocol::scheme::Scheme;
use crate::protocol::states::refund_status;
use crate::protocol::{ProtocolError, resource};
use juhe_sandbox_kit::Delivery;

/// WeChat counts 200 and 204 as received; anything else is retried.
fn acknowledged(status: u16, _body: &[u8]) -> bool {
    status == 200 || status == 204
}

/// Sends `TRANSACTION.SUCCESS` for a paid order (if it has a notify_url).
pub fn payment_succeeded(state: &SandboxState, merchant: &Merchant, mchid: &str, out_trade_no: &str) {
    // Sign outside the lock: RSA is slow next to a map lookup.
    let Some(order) = lock(&state.books.orders).get(&key(mchid, out_trade_no)).cloned() else {
        return;
    };
    let Some(url) = order.notify_url.clone() else {
        return;
    };
    let delivery = order
        .transaction()
        .and_then(|tx| serde_json::to_vec(&tx).map_err(ProtocolError::from))
        .and_then(|plain| {
            build(
                state,
                merchant,
                &url,
                event::TRANSACTION_SUCCESS,
                "支付成功",
                "transaction",
                &plain,
            )
        });
    match delivery {
        Ok(delivery) => {
            let older = remember(state, mchid, out_trade_no, &delivery);
            state.notifier.send(delivery, older);
        }
        Err(e) => tracing::warn!(error = %e, "sandbox could not build a payment notification"),
    }
}

/// Records the order's latest notification; returns the one before it.
fn remember(state: &SandboxState, mchid: &str, out_trade_no: &str, delivery: &Delivery) -> Option<Delivery> {
    lock(&state.books.orders)
        .get_mut(&key(mchid, out_trade_no))
        .and_then(|order| order.last_delivery.replace(delivery.clone()))
}

/// Sends `REFUND.SUCCESS` / `ABNORMAL` / `CLOSED` for a refund.
pub fn refund_settled(state: &SandboxState, merchant: &Merchant, refund: &RefundRecord) {
    let Some(url) = refund.notify_url.clone() else {
        return;
    };
    let (event_type, summary) = match refund.status.as_str() {
        refund_status::SUCCESS => (event::REFUND_SUCCESS, "退款成功"),
        refund_status::ABNORMAL => (event::REFUND_ABNORMAL, "退款异常"),
        _ => (event::REFUND_CLOSED, "退款关闭"),
    };
    let delivery = refund
        .notice()
        .and_then(|notice| serde_json::to_vec(&notice).map_err(ProtocolError::from))
        .and_then(|plain| build(state, merchant, &url, event_type, summary, "refund", &plain));
    let delivery = match delivery {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(error = %e, "sandbox could not build a refund notification");
            return;
        }
    };
    let older = remember(state, &refund.mchid, &refund.out_trade_no, &delivery);
    state.notifier.send(delivery, older);
}

fn build(
    state: &SandboxState,
    merchant: &Merchant,
    url: &str,
    event_type: &str,
    summary: &str,
    original_type: &str,
    plaintext: &[u8],
) -> Result<Delivery, ProtocolError> {
    let sealed = match merchant.scheme() {
        Scheme::Rsa => resource::encrypt(&merchant.apiv3_key, original_type, Some(original_type), plaintext)?,
        Scheme::Sm2 => resource::encrypt_sm4(&merchant.apiv3_key, original_type, Some(original_type), plaintext)?,
    };
    let envelope = NotificationEnvelope {
        id: state.next_id("EV-"),
        create_time: rfc3339_china(now_ms())?,
        event_type: event_type.to_string(),
        resource_type: RESOURCE_TYPE.to_string(),
        summary: summary.to_string(),
        resource: sealed,
    };
    let body = serde_json::to_vec(&envelope)?;
    let timestamp = now_s();
    let nonce = new_nonce();
    let (signature, serial) = state.sign_as_platform(merchant, timestamp, &nonce, &body)?;
    Ok(Delivery {
        url: url.to_string(),
        headers: vec![
            ("wechatpay-timestamp".into(), timestamp.to_string()),
            ("wechatpay-nonce".into(), nonce),
            ("wechatpay-signature".into(), signature),
            ("wechatpay-serial".into(), serial),
            ("wechatpay-signature-type".into(), merchant.scheme().name().into()),
        ],
        content_type: "application/json".into(),
        body,
        acknowledged,
    })
}
