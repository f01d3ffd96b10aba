//! Shared test harness: the sandbox on 127.0.0.1:0, a merchant configured
//! against it, and a local receiver for notifications.
#![allow(dead_code)]

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use juhe_channel::http::HttpClient;
use juhe_channel::{ChannelConfig, InboundRequest, PaymentRef, Secrets};
use juhe_channel_wechatpay::WechatPayChannel;
use juhe_channel_wechatpay::sandbox::{
    self, MerchantRegistration, PlatformMode, SandboxOptions, SandboxPlatform, SandboxState,
};
use juhe_domain::{Currency, Money};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::mpsc;

pub const MCHID: &str = "1900000109";
pub const APPID: &str = "wxd678efh567hg6787";
/// The Java SDK's test APIv3 key (32 bytes).
pub const APIV3_KEY: &str = "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";
/// The serial of the Go SDK test certificate for the Go test key.
pub const MERCHANT_SERIAL: &str = "F5765756002FDD77";

pub fn vectors() -> &'static serde_json::Value {
    static V: OnceLock<serde_json::Value> = OnceLock::new();
    V.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../vectors/wechatpay_v3.json");
        let text = std::fs::read_to_string(path).expect("vectors/wechatpay_v3.json");
        serde_json::from_str(&text).expect("vectors parse")
    })
}

pub fn key_text(name: &str) -> String {
    vectors()["keys"][name].as_str().expect(name).to_string()
}

pub fn merchant_private_key() -> String {
    key_text("go_test_rsa2048_private_key_pkcs8_pem")
}

pub fn merchant_certificate() -> String {
    key_text("go_test_cert_serial_F5765756002FDD77_pem")
}

pub fn registration(mode: PlatformMode) -> MerchantRegistration {
    serde_json::from_value(serde_json::json!({
        "mchid": MCHID,
        "merchant_serial_no": MERCHANT_SERIAL,
        "merchant_public_key": merchant_certificate(),
        "apiv3_key": APIV3_KEY,
        "platform_mode": match mode { PlatformMode::Certificate => "certificate", PlatformMode::PublicKey => "public_key" },
    }))
    .expect("registration")
}

pub struct Harness {
    pub base_url: String,
    pub state: Arc<SandboxState>,
    pub channel: WechatPayChannel,
    pub mode: PlatformMode,
}

pub async fn start(mode: PlatformMode) -> Harness {
    let platform = SandboxPlatform::test_fixture().expect("fixture platform");
    let options = SandboxOptions {
        retry_divisor: 1000,
        refund_settle: Duration::from_millis(100),
    };
    let state = SandboxState::new(platform, &[registration(mode)], options).expect("sandbox");
    let app = sandbox::router(state.clone());
    let addr = juhe_sandbox_kit::serve_local(app).await.expect("serve").addr;
    let http = HttpClient::with_timeouts(Duration::from_secs(5), Duration::from_secs(20)).expect("http");
    Harness {
        base_url: format!("http://{addr}"),
        state,
        channel: WechatPayChannel::with_http(http),
        mode,
    }
}

impl Harness {
    pub fn config(&self, notify_url: &str) -> ChannelConfig {
        config(&self.base_url, self.mode, notify_url)
    }

    pub async fn pay(&self, out_trade_no: &str) -> serde_json::Value {
        reqwest::Client::new()
            .post(format!("{}/_sandbox/orders/{out_trade_no}/pay", self.base_url))
            .send()
            .await
            .expect("pay")
            .json()
            .await
            .expect("pay json")
    }

    pub async fn script(&self, rule: serde_json::Value) {
        let status = reqwest::Client::new()
            .post(format!("{}/_sandbox/script", self.base_url))
            .json(&rule)
            .send()
            .await
            .expect("script")
            .status();
        assert_eq!(status, 204);
    }

    pub async fn faults(&self, faults: serde_json::Value) {
        let status = reqwest::Client::new()
            .put(format!("{}/_sandbox/faults", self.base_url))
            .json(&faults)
            .send()
            .await
            .expect("faults")
            .status();
        assert_eq!(status, 204);
    }
}

pub fn config(base_url: &str, mode: PlatformMode, notify_url: &str) -> ChannelConfig {
    let mut secrets = Secrets::new();
    secrets.insert("private_key", merchant_private_key());
    secrets.insert("apiv3_key", APIV3_KEY);
    let mut params = serde_json::json!({
        "mchid": MCHID,
        "appid": APPID,
        "merchant_serial_no": MERCHANT_SERIAL,
        "base_url": base_url,
    });
    match mode {
        PlatformMode::Certificate => {
            params["platform_certificates"] = serde_json::json!([sandbox::platform::TEST_PLATFORM_CERTIFICATE]);
        }
        PlatformMode::PublicKey => {
            params["platform_public_key_id"] = sandbox::platform::TEST_PLATFORM_PUBLIC_KEY_ID.into();
            secrets.insert("platform_public_key", sandbox::platform::TEST_PLATFORM_PUBLIC_KEY);
        }
    }
    ChannelConfig {
        id: "chc_test".into(),
        merchant_id: "mch_test".into(),
        channel: "wechatpay".into(),
        params: params.as_object().cloned().unwrap_or_default(),
        secrets,
        notify_url: notify_url.to_string(),
    }
}

pub fn cny(fen: i64) -> Money {
    Money::new(fen, Currency::CNY)
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

pub fn payment_ref(order_no: &str, fen: i64) -> PaymentRef {
    PaymentRef {
        channel_order_no: order_no.into(),
        channel_trade_no: None,
        money: cny(fen),
        created_at_ms: now_ms(),
    }
}

/// A payment request for `way`, with what that way needs (the payer's
/// code, openid or IP) filled in with test values.
pub fn payment_request(order_no: &str, way: juhe_domain::way::Way, fen: i64) -> juhe_channel::CreatePayment {
    use juhe_domain::way::Way;
    juhe_channel::CreatePayment {
        payment_id: format!("pay_{order_no}"),
        channel_order_no: order_no.into(),
        money: cny(fen),
        subject: "测试商品".into(),
        way,
        auth_code: (way == Way::Barcode).then(|| "134567890123456789".to_string()),
        payer_id: (way == Way::Jsapi).then(|| "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".to_string()),
        payer_ip: (way == Way::H5).then(|| "203.0.113.7".to_string()),
        return_url: None,
        card: None,
        terminal_id: None,
        site_id: None,
        expire_at_ms: now_ms() + 60_000,
        created_at_ms: now_ms(),
    }
}

/// A unique order number per test run.
pub fn order_no(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}{}{}",
        now_ms() % 1_000_000_000,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Collects inbound notifications; answers 500 `FAIL` to the first
/// `fail_first` of them (to exercise WeChat's retries), 204 afterwards.
pub struct Receiver {
    pub url: String,
    pub rx: mpsc::UnboundedReceiver<InboundRequest>,
}

struct ReceiverState {
    tx: mpsc::UnboundedSender<InboundRequest>,
    fail_first: AtomicU32,
}

pub async fn receiver(fail_first: u32) -> Receiver {
    let (tx, rx) = mpsc::unbounded_channel();
    let shared = Arc::new(ReceiverState {
        tx,
        fail_first: AtomicU32::new(fail_first),
    });
    let app = Router::new().route("/notify", post(receive)).with_state(shared);
    let addr = juhe_sandbox_kit::serve_local(app).await.expect("serve").addr;
    Receiver {
        url: format!("http://{addr}/notify"),
        rx,
    }
}

async fn receive(State(shared): State<Arc<ReceiverState>>, headers: HeaderMap, body: Bytes) -> (StatusCode, String) {
    let request = InboundRequest {
        headers: headers
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect(),
        query: None,
        body: body.to_vec(),
        received_at_s: now_ms() / 1000,
    };
    let failing = shared
        .fail_first
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    let _ = shared.tx.send(request);
    if failing {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            r#"{"code":"FAIL","message":"失败"}"#.into(),
        )
    } else {
        (StatusCode::NO_CONTENT, String::new())
    }
}

impl Receiver {
    pub async fn next(&mut self) -> InboundRequest {
        tokio::time::timeout(Duration::from_secs(5), self.rx.recv())
            .await
            .expect("a notification within 5 s")
            .expect("receiver open")
    }

    /// True if nothing more arrives within `ms`.
    pub async fn quiet_for(&mut self, ms: u64) -> bool {
        tokio::time::timeout(Duration::from_millis(ms), self.rx.recv())
            .await
            .is_err()
    }
}
