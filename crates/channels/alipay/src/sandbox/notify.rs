//! `trade_status_sync` notifications as Alipay sends them: a form POST to
//! the trade's `notify_url`, signed (V1: without `sign` and `sign_type`)
//! with the sandbox's Alipay key, repeated on Alipay's schedule until the
//! answer body is exactly `success`.

use super::state::{BUYER_ID, BUYER_LOGON_ID, RefundRecord, SandboxState, Trade, TradeStatus};
use crate::protocol::amount::yuan;
use crate::protocol::clock;
use crate::protocol::params::{Params, encode_form};
use crate::protocol::sign::{self, SignType};
use juhe_sandbox_kit::Delivery;

/// Alipay counts a notification as received only on the body `success`.
pub fn acknowledged(_status: u16, body: &[u8]) -> bool {
    body == b"success"
}

/// The parameters of a notification about `trade` (and `refund`, if it is
/// about one), signed.
pub fn signed_params(
    state: &SandboxState,
    trade: &Trade,
    pid: &str,
    refund: Option<&RefundRecord>,
) -> Result<Params, crate::protocol::ProtocolError> {
    let now = clock::now_ms();
    let mut p = Params::new();
    let mut put = |k: &str, v: String| {
        p.insert(k.to_string(), v);
    };
    put("notify_time", clock::format_seconds(now));
    put("notify_type", crate::protocol::TRADE_STATUS_SYNC.to_string());
    put(
        "notify_id",
        format!(
            "{}{:010}",
            clock::format_seconds(now).replace(['-', ' ', ':'], ""),
            state.next_seq()
        ),
    );
    put("charset", "utf-8".into());
    put("version", "1.0".into());
    put("app_id", trade.app_id.clone());
    put("auth_app_id", trade.app_id.clone());
    put("seller_id", pid.to_string());
    put("trade_no", trade.trade_no.clone());
    put("out_trade_no", trade.out_trade_no.clone());
    put("trade_status", trade.status.as_str().to_string());
    put("subject", trade.subject.clone());
    put("total_amount", yuan(trade.total));
    put("gmt_create", clock::format_seconds(trade.created_ms));
    if let Some(paid) = trade.paid_ms {
        put("buyer_id", BUYER_ID.into());
        put("buyer_logon_id", BUYER_LOGON_ID.into());
        put("gmt_payment", clock::format_seconds(paid));
        put("receipt_amount", yuan(trade.total));
        put("invoice_amount", yuan(trade.total));
        put("buyer_pay_amount", yuan(trade.total));
        put("point_amount", yuan(0));
        // Notifications spell the fund channel in camel case, unlike answers.
        put(
            "fund_bill_list",
            format!(
                r#"[{{"amount":"{}","fundChannel":"ALIPAYACCOUNT"}}]"#,
                yuan(trade.total)
            ),
        );
    }
    if let Some(closed) = trade.closed_ms.filter(|_| trade.status == TradeStatus::Closed) {
        put("gmt_close", clock::format_seconds(closed));
    }
    if let Some(refund) = refund {
        put("out_biz_no", refund.out_request_no.clone());
        // The trade's refunded total, as Alipay reports it.
        put("refund_fee", yuan(trade.refunded()));
        put("gmt_refund", clock::format_millis(refund.at_ms));
    }
    let signature = sign::sign(&state.identity().key, SignType::Rsa2, &sign::notify_content_v1(&p))?;
    p.insert("sign".into(), signature);
    p.insert("sign_type".into(), SignType::Rsa2.as_str().into());
    Ok(p)
}

/// Sends the notification for the trade's current state, if it has a
/// `notify_url`. Remembers it so a reordering fault can replay it later.
pub fn send(state: &SandboxState, trade: &mut Trade, refund: Option<&RefundRecord>) {
    let Some(url) = trade.notify_url.clone() else {
        return;
    };
    let Some(merchant) = state.merchant(&trade.app_id) else {
        return;
    };
    let params = match signed_params(state, trade, &merchant.pid, refund) {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(error = %e, "sandbox could not sign a notification");
            return;
        }
    };
    let delivery = Delivery {
        url,
        headers: Vec::new(),
        content_type: "application/x-www-form-urlencoded; charset=utf-8".into(),
        body: encode_form(params.iter().map(|(k, v)| (k.as_str(), v.as_str()))).into_bytes(),
        acknowledged,
    };
    let older = trade.last_notice.replace(delivery.clone());
    state.notifier.send(delivery, older);
}
