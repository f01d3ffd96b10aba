//! Shared test scaffolding: the sandbox on a local port, a merchant
//! configuration for it, and a notification receiver.
#![allow(dead_code)]

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use juhe_channel::{ChannelConfig, InboundRequest, PaymentRef, Secrets};
use juhe_channel_jdpay::sandbox::{self, SandboxMerchant, SandboxState};
use juhe_domain::{Currency, Money};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const MERCHANT: &str = "110000000001";

pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path).unwrap()
}

pub async fn serve(router: Router) -> String {
    juhe_sandbox_kit::serve_local(router).await.expect("serve").url
}

pub async fn start_sandbox() -> (Arc<SandboxState>, String) {
    let state = SandboxState::new(
        &fixture("jd_private.pem"),
        vec![SandboxMerchant {
            merchant: MERCHANT.into(),
            des_key: fixture("des_key.txt").trim().into(),
            public_key: fixture("merchant_public.pem"),
        }],
        vec![Duration::from_millis(50), Duration::from_millis(100)],
    )
    .unwrap();
    let url = serve(sandbox::router(state.clone())).await;
    (state, url)
}

#[derive(Clone, Default)]
pub struct Received(pub Arc<Mutex<Vec<InboundRequest>>>);

impl Received {
    pub fn all(&self) -> Vec<InboundRequest> {
        self.0.lock().unwrap().clone()
    }

    /// Waits up to 10 s for `n` notifications (RSA in debug builds is slow).
    pub async fn wait_for(&self, n: usize) -> Vec<InboundRequest> {
        for _ in 0..500 {
            if self.0.lock().unwrap().len() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.all()
    }
}

async fn receive(State(received): State<Received>, headers: HeaderMap, body: Bytes) -> &'static str {
    let headers = headers
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or_default().to_string()))
        .collect();
    received.0.lock().unwrap().push(InboundRequest {
        headers,
        query: None,
        body: body.to_vec(),
        received_at_s: 0,
    });
    "success"
}

/// A local notify endpoint answering `success`; returns its URL.
pub async fn start_receiver() -> (Received, String) {
    let received = Received::default();
    let router = Router::new()
        .route("/notify", axum::routing::post(receive))
        .with_state(received.clone());
    let url = serve(router).await;
    (received, format!("{url}/notify"))
}

pub fn config(sandbox_url: &str, notify_url: &str) -> ChannelConfig {
    let mut secrets = Secrets::new();
    secrets.insert("private_key", fixture("merchant_private.pem"));
    secrets.insert("des_key", fixture("des_key.txt").trim());
    ChannelConfig {
        id: "chc_jd".into(),
        merchant_id: "mch_1".into(),
        channel: "jdpay".into(),
        params: serde_json::json!({
            "merchant": MERCHANT,
            "jd_public_key": fixture("jd_public.pem"),
            "base_url": sandbox_url,
            "h5_base_url": sandbox_url,
        })
        .as_object()
        .cloned()
        .unwrap(),
        secrets,
        notify_url: notify_url.into(),
    }
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

pub fn cny(amount: i64) -> Money {
    Money::new(amount, Currency::CNY)
}

pub fn create(
    order_no: &str,
    amount: i64,
    way: juhe_domain::way::Way,
    auth_code: Option<&str>,
) -> juhe_channel::CreatePayment {
    juhe_channel::CreatePayment {
        payment_id: format!("pay_{order_no}"),
        channel_order_no: order_no.into(),
        money: cny(amount),
        subject: "测试商品".into(),
        way,
        auth_code: auth_code.map(str::to_string),
        payer_id: None,
        payer_ip: None,
        return_url: None,
        card: None,
        terminal_id: Some("T1".into()),
        site_id: None,
        expire_at_ms: now_ms() + 600_000,
        created_at_ms: now_ms(),
    }
}

pub fn payment(order_no: &str, amount: i64) -> PaymentRef {
    PaymentRef {
        channel_order_no: order_no.into(),
        channel_trade_no: None,
        money: cny(amount),
        created_at_ms: now_ms(),
    }
}

pub fn refund(refund_no: &str, order_no: &str, paid: i64, amount: i64) -> juhe_channel::CreateRefund {
    juhe_channel::CreateRefund {
        refund_id: format!("ref_{refund_no}"),
        channel_refund_no: refund_no.into(),
        payment: payment(order_no, paid),
        refund: cny(amount),
        reason: Some("退货".into()),
        created_at_ms: now_ms(),
    }
}

pub fn refund_ref(refund_no: &str, order_no: &str, paid: i64, amount: i64) -> juhe_channel::RefundRef {
    juhe_channel::RefundRef {
        channel_refund_no: refund_no.into(),
        channel_refund_id: None,
        payment: payment(order_no, paid),
        refund: cny(amount),
        created_at_ms: now_ms(),
    }
}
