//! Back-end notifications (后台通知): a form POST to `backUrl`, verified
//! like an answer, then read by `txnType`.

use crate::client::interpret;
use crate::client::setup::MerchantSetup;
use crate::client::transport::now_s;
use crate::protocol::codes::{CONSUME_TXN_TYPE, REFUND_TXN_TYPE, VOID_TXN_TYPE};
use crate::protocol::fields::Reserved;
use crate::protocol::form::decode_form;
use juhe_channel::{ChannelError, InboundRequest, Notification};

pub fn parse(setup: &MerchantSetup, request: &InboundRequest) -> Result<Notification, ChannelError> {
    let fields = decode_form(&request.body);
    setup
        .verifier
        .verify(&fields, now_s())
        .map_err(|e| ChannelError::BadNotification(e.to_string()))?;
    if fields.get("merId") != Some(&setup.mer_id) {
        return Err(ChannelError::BadNotification(
            "notification is for another merchant".into(),
        ));
    }
    let bad = |what: &str| ChannelError::BadNotification(what.to_string());
    let reserved = fields.get("reqReserved").and_then(|r| Reserved::decode(r));
    let order_id = fields.get("orderId").cloned().ok_or_else(|| bad("no orderId"))?;
    match fields.get("txnType").map(String::as_str) {
        Some(CONSUME_TXN_TYPE) => {
            let channel_order_no = match reserved {
                Some(Reserved::Payment { order_no }) => order_no,
                _ => order_id,
            };
            let state = interpret::final_payment_state(&fields, "respCode", "respMsg")
                .map_err(|e| ChannelError::BadNotification(e.to_string()))?;
            Ok(Notification::Payment {
                channel_order_no,
                state,
            })
        }
        Some(REFUND_TXN_TYPE) => {
            let (channel_order_no, channel_refund_no) = match reserved {
                Some(Reserved::Refund { order_no, refund_no }) => (order_no, refund_no),
                _ => return Err(bad("refund notification without juhe's reqReserved")),
            };
            let report = interpret::refund_report(&fields, "respCode", "respMsg", channel_refund_no)
                .map_err(|e| ChannelError::BadNotification(e.to_string()))?;
            Ok(Notification::Refund {
                channel_order_no,
                report,
            })
        }
        Some(VOID_TXN_TYPE) => Ok(Notification::Ignored {
            reason: "void (消费撤销) result; reverse already confirmed it".into(),
        }),
        other => Ok(Notification::Ignored {
            reason: format!("txnType {}", other.unwrap_or("missing")),
        }),
    }
}
