//! Inbound notifications: verified (signature, serial, 5-minute window,
//! probes refused), decrypted, and read into juhe's words.

use super::settings::Settings;
use crate::protocol::headers;
use crate::protocol::models::{RefundNotice, Transaction};
use crate::protocol::notify::{event, open};
use crate::protocol::platform::SignedHeaders;
use crate::protocol::states::{payment_state, refund_notice_state};
use juhe_channel::{Ack, ChannelError, InboundRequest, Notification, RefundReport};

pub fn parse(s: &Settings, req: &InboundRequest) -> Result<Notification, ChannelError> {
    let signed = SignedHeaders {
        timestamp: req.header(headers::TIMESTAMP),
        nonce: req.header(headers::NONCE),
        signature: req.header(headers::SIGNATURE),
        serial: req.header(headers::SERIAL),
    };
    let opened = open(
        s.scheme(),
        &s.platform,
        s.apiv3_keys.iter().map(|k| k.as_slice()),
        &signed,
        req.header(headers::SIGNATURE_TYPE),
        &req.body,
        req.received_at_s,
    )
    .map_err(|e| ChannelError::BadNotification(e.to_string()))?;
    let bad = |e: String| ChannelError::BadNotification(e);
    match opened.envelope.event_type.as_str() {
        event::TRANSACTION_SUCCESS => {
            let tx: Transaction = serde_json::from_slice(&opened.plaintext).map_err(|e| bad(e.to_string()))?;
            if tx.mchid.as_deref().is_some_and(|m| m != s.mchid) {
                return Err(bad("notification is for another merchant".into()));
            }
            let channel_order_no = tx
                .out_trade_no
                .clone()
                .ok_or_else(|| bad("transaction without out_trade_no".into()))?;
            Ok(Notification::Payment {
                channel_order_no,
                state: payment_state(&tx).map_err(|e| bad(e.to_string()))?,
            })
        }
        event::REFUND_SUCCESS | event::REFUND_ABNORMAL | event::REFUND_CLOSED => {
            let notice: RefundNotice = serde_json::from_slice(&opened.plaintext).map_err(|e| bad(e.to_string()))?;
            if notice.mchid != s.mchid {
                return Err(bad("notification is for another merchant".into()));
            }
            Ok(Notification::Refund {
                channel_order_no: notice.out_trade_no.clone(),
                report: RefundReport {
                    channel_refund_no: notice.out_refund_no.clone(),
                    channel_refund_id: Some(notice.refund_id.clone()),
                    state: refund_notice_state(&notice).map_err(|e| bad(e.to_string()))?,
                    amount: notice.amount.refund,
                },
            })
        }
        other => Ok(Notification::Ignored {
            reason: format!("event {other} is not acted on"),
        }),
    }
}

/// 204 with no body accepts; a JSON `FAIL` with a 5xx makes WeChat retry.
pub fn ack(accepted: bool) -> Ack {
    if accepted {
        Ack::empty(204)
    } else {
        Ack::json(500, &serde_json::json!({"code": "FAIL", "message": "失败"}))
    }
}
