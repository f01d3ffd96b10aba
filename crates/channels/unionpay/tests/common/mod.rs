//! Shared test scaffolding: a sandbox on 127.0.0.1:0 with three merchants
//! (one per sign method), their channel configurations, and a local
//! receiver for notifications.
#![allow(dead_code)]

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use juhe_channel::{ChannelConfig, InboundRequest, Secrets};
use juhe_channel_unionpay::sandbox::merchants::SandboxMerchant;
use juhe_channel_unionpay::sandbox::{self, FIXTURE_MIDDLE_CERT, FIXTURE_ROOT_CERT, SandboxOptions, SandboxState};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

pub const MERCHANT_CERT: &str = include_str!("../../fixtures/merchant_sign.cer");
pub const MERCHANT_KEY: &str = include_str!("../../fixtures/merchant_sign.key");
pub const ROGUE_CERT: &str = include_str!("../../fixtures/rogue_sign.cer");
pub const ROGUE_KEY: &str = include_str!("../../fixtures/rogue_sign.key");

pub const MER_RSA: &str = "777290058110048";
pub const MER_SHA256: &str = "777290058110049";
pub const MER_SM3: &str = "777290058110050";
pub const SECURE_KEY_11: &str = "88888888";
pub const SECURE_KEY_12: &str = "sm3-secure-key-12";

pub fn merchants() -> Vec<SandboxMerchant> {
    vec![
        SandboxMerchant {
            mer_id: MER_RSA.into(),
            sign_cert: Some(MERCHANT_CERT.into()),
            secure_key: None,
        },
        SandboxMerchant {
            mer_id: MER_SHA256.into(),
            sign_cert: None,
            secure_key: Some(SECURE_KEY_11.into()),
        },
        SandboxMerchant {
            mer_id: MER_SM3.into(),
            sign_cert: None,
            secure_key: Some(SECURE_KEY_12.into()),
        },
    ]
}

pub fn fast_options() -> SandboxOptions {
    SandboxOptions {
        notify_schedule: vec![Duration::from_millis(20), Duration::from_millis(40)],
        public_base_url: "http://sandbox.test".into(),
        refund_delay: Duration::from_millis(30),
    }
}

pub struct Sandbox {
    pub base_url: String,
    pub state: Arc<SandboxState>,
}

pub async fn serve(router: Router) -> String {
    juhe_sandbox_kit::serve_local(router).await.expect("serve").url
}

pub async fn start_sandbox() -> Sandbox {
    start_with_state(SandboxState::new(&merchants(), fast_options()).unwrap()).await
}

pub async fn start_with_state(state: SandboxState) -> Sandbox {
    let state = Arc::new(state);
    let base_url = serve(sandbox::router(state.clone())).await;
    Sandbox { base_url, state }
}

/// A receiver of notifications: every POST body arrives on the channel and
/// is answered 200 `ok`.
pub struct Receiver {
    pub url: String,
    pub bodies: mpsc::UnboundedReceiver<Vec<u8>>,
}

pub async fn start_receiver() -> Receiver {
    let (tx, rx) = mpsc::unbounded_channel::<Vec<u8>>();
    async fn take(State(tx): State<mpsc::UnboundedSender<Vec<u8>>>, body: Bytes) -> &'static str {
        let _ = tx.send(body.to_vec());
        "ok"
    }
    let url = serve(Router::new().route("/notify", post(take)).with_state(tx)).await;
    Receiver {
        url: format!("{url}/notify"),
        bodies: rx,
    }
}

impl Receiver {
    pub async fn next(&mut self) -> InboundRequest {
        let body = tokio::time::timeout(Duration::from_secs(5), self.bodies.recv())
            .await
            .expect("a notification within 5 s")
            .expect("receiver open");
        InboundRequest {
            headers: vec![("content-type".into(), "application/x-www-form-urlencoded".into())],
            query: None,
            body,
            received_at_s: 0,
        }
    }

    pub async fn nothing_within(&mut self, ms: u64) -> bool {
        tokio::time::timeout(Duration::from_millis(ms), self.bodies.recv())
            .await
            .is_err()
    }
}

pub fn config(method: &str, base_url: &str, notify_url: &str) -> ChannelConfig {
    let mut secrets = Secrets::new();
    let mut params = serde_json::Map::new();
    let mer_id = match method {
        "01" => {
            secrets.insert("sign_private_key", MERCHANT_KEY);
            params.insert("sign_cert".into(), MERCHANT_CERT.into());
            params.insert("root_cert".into(), FIXTURE_ROOT_CERT.into());
            params.insert("middle_cert".into(), FIXTURE_MIDDLE_CERT.into());
            MER_RSA
        }
        "11" => {
            secrets.insert("secure_key", SECURE_KEY_11);
            MER_SHA256
        }
        _ => {
            secrets.insert("secure_key", SECURE_KEY_12);
            MER_SM3
        }
    };
    params.insert("mer_id".into(), mer_id.into());
    params.insert("sign_method".into(), method.into());
    params.insert("base_url".into(), base_url.into());
    ChannelConfig {
        id: "chc_unionpay_test".into(),
        merchant_id: "mch_test".into(),
        channel: "unionpay".into(),
        params,
        secrets,
        notify_url: notify_url.into(),
    }
}

pub const METHODS: [&str; 3] = ["01", "11", "12"];

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

use juhe_channel::{CreatePayment, CreateRefund, PaymentRef, RefundRef};
use juhe_domain::way::Way;
use juhe_domain::{Currency, Money};

pub fn cny(amount: i64) -> Money {
    Money::new(amount, Currency::CNY)
}

/// A payment request; order numbers carry `_` as juhe's do.
pub fn payment(way: Way, order_no: &str, amount: i64) -> CreatePayment {
    let now = now_ms();
    CreatePayment {
        payment_id: format!("pay_{order_no}"),
        channel_order_no: order_no.into(),
        money: cny(amount),
        subject: "test".into(),
        way,
        auth_code: (way == Way::Barcode).then(|| "6212345678901234567".to_string()),
        payer_id: None,
        payer_ip: Some("127.0.0.1".into()),
        return_url: Some("https://shop.example/return".into()),
        card: None,
        terminal_id: Some("T0000001".into()),
        site_id: None,
        expire_at_ms: now + 15 * 60_000,
        created_at_ms: now,
    }
}

pub fn payment_ref(req: &CreatePayment, trade_no: Option<String>) -> PaymentRef {
    PaymentRef {
        channel_order_no: req.channel_order_no.clone(),
        channel_trade_no: trade_no,
        money: req.money,
        created_at_ms: req.created_at_ms,
    }
}

pub fn refund_request(payment: PaymentRef, refund_no: &str, amount: i64) -> CreateRefund {
    CreateRefund {
        refund_id: format!("ref_{refund_no}"),
        channel_refund_no: refund_no.into(),
        payment,
        refund: cny(amount),
        reason: None,
        created_at_ms: now_ms(),
    }
}

pub fn refund_ref(req: &CreateRefund, refund_id: Option<String>) -> RefundRef {
    RefundRef {
        channel_refund_no: req.channel_refund_no.clone(),
        channel_refund_id: refund_id,
        payment: req.payment.clone(),
        refund: req.refund,
        created_at_ms: req.created_at_ms,
    }
}

/// A unique order number per test and method.
pub fn order_no(test: &str, method: &str) -> String {
    format!("att_{test}_{method}_{}", now_ms() % 1_000_000_000)
}
