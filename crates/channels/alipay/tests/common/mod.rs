//! Shared test setup: the fixture keys from `vectors/alipay.json`, a sandbox
//! on 127.0.0.1:0, channel configurations and a notification receiver.
#![allow(dead_code)]

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use juhe_channel::http::HttpClient;
use juhe_channel::{Channel, ChannelConfig, CreatePayment, InboundRequest, Notification, PaymentRef, Secrets};
use juhe_channel_alipay::AlipayChannel;
use juhe_channel_alipay::sandbox::{self, FIXTURE_ALIPAY_PUBLIC_KEY, Merchant, SandboxState};
use juhe_crypto::RsaPublic;
use juhe_domain::way::Way;
use juhe_domain::{Currency, Money};
use juhe_sandbox_kit::{LocalServer, serve_local, serve_on};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const APP_ID: &str = "2021000122671080";
pub const PID: &str = "2088621955555555";
pub const AUTH_CODE: &str = "286648048691290423";

pub fn vectors() -> serde_json::Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../vectors/alipay.json");
    let text = std::fs::read_to_string(path).expect("vectors/alipay.json");
    serde_json::from_str(&text).expect("vectors JSON")
}

pub fn key(name: &str) -> String {
    vectors()["keys"][name].as_str().expect("key in vectors").to_string()
}

pub fn app_private_key() -> String {
    key("app_private_key_pkcs1_pem")
}

pub struct Sandbox {
    pub state: Arc<SandboxState>,
    pub base: String,
    server: LocalServer,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.server.stop();
    }
}

impl Sandbox {
    pub fn gateway(&self) -> String {
        format!("{}/gateway.do", self.base)
    }

    pub async fn put_faults(&self, faults: serde_json::Value) {
        let status = reqwest::Client::new()
            .put(format!("{}/_sandbox/faults", self.base))
            .json(&faults)
            .send()
            .await
            .expect("faults")
            .status();
        assert_eq!(status, 204);
    }

    pub async fn add_rule(&self, rule: serde_json::Value) {
        let status = reqwest::Client::new()
            .post(format!("{}/_sandbox/script", self.base))
            .json(&rule)
            .send()
            .await
            .expect("script")
            .status();
        assert_eq!(status, 204);
    }

    /// Presses pay on the payer page; returns the HTTP status.
    pub async fn pay(&self, out_trade_no: &str) -> u16 {
        reqwest::Client::new()
            .post(format!("{}/_sandbox/orders/{out_trade_no}/pay", self.base))
            .send()
            .await
            .expect("pay")
            .status()
            .as_u16()
    }
}

/// Alipay's notification schedule, 60 000 times faster (4 ms … 0.9 s).
pub async fn start_sandbox() -> Sandbox {
    let merchant = Merchant::new(
        APP_ID,
        PID,
        RsaPublic::parse(&key("app_public_key_pem")).expect("app public key"),
    );
    let state =
        SandboxState::with_fixture_key(vec![merchant], sandbox::alipay_retry_schedule(60_000)).expect("fixture key");
    let server = serve_local(sandbox::router(state.clone())).await.expect("serve");
    Sandbox {
        state,
        base: server.url.clone(),
        server,
    }
}

/// `params` signed with the fixture app key, as a query string (every
/// parameter in the query, as python-alipay-sdk sends them).
pub fn signed_query(params: &mut juhe_channel_alipay::protocol::params::Params) -> String {
    use juhe_channel_alipay::protocol::sign::{self, SignType};
    let key = juhe_crypto::RsaPrivate::parse(&app_private_key()).expect("app key");
    let signature = sign::sign(&key, SignType::Rsa2, &sign::request_content(params)).expect("sign");
    params.insert("sign".into(), signature);
    juhe_channel_alipay::protocol::params::encode_form(params.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

pub fn config(gateway: &str, notify_url: &str) -> ChannelConfig {
    let mut secrets = Secrets::new();
    secrets.insert("app_private_key", app_private_key());
    ChannelConfig {
        id: "chc_alipay".into(),
        merchant_id: "mch_1".into(),
        channel: "alipay".into(),
        params: serde_json::json!({
            "app_id": APP_ID,
            "seller_id": PID,
            "base_url": gateway,
            "alipay_public_key": FIXTURE_ALIPAY_PUBLIC_KEY,
        })
        .as_object()
        .cloned()
        .unwrap_or_default(),
        secrets,
        notify_url: notify_url.into(),
    }
}

pub fn channel() -> AlipayChannel {
    AlipayChannel::new().expect("channel")
}

/// A channel that gives up on an answer after `ms`.
pub fn impatient_channel(ms: u64) -> AlipayChannel {
    AlipayChannel::with_http(
        HttpClient::with_timeouts(Duration::from_secs(1), Duration::from_millis(ms)).expect("http"),
    )
}

pub fn now_ms() -> i64 {
    juhe_channel_alipay::protocol::clock::now_ms()
}

pub fn order_no(tag: &str) -> String {
    format!("{tag}{}", now_ms())
}

pub fn payment(way: Way, order: &str, fen: i64) -> CreatePayment {
    let now = now_ms();
    CreatePayment {
        payment_id: format!("pay_{order}"),
        channel_order_no: order.into(),
        money: Money::new(fen, Currency::CNY),
        subject: "测试商品 Test".into(),
        way,
        auth_code: (way == Way::Barcode).then(|| AUTH_CODE.to_string()),
        payer_id: None,
        payer_ip: None,
        return_url: None,
        card: None,
        terminal_id: Some("T01".into()),
        site_id: Some("S01".into()),
        expire_at_ms: now + 15 * 60_000,
        created_at_ms: now,
    }
}

pub fn payment_ref(order: &str, fen: i64) -> PaymentRef {
    PaymentRef {
        channel_order_no: order.into(),
        channel_trade_no: None,
        money: Money::new(fen, Currency::CNY),
        created_at_ms: now_ms(),
    }
}

/// A merchant endpoint that hands every notification to the channel's
/// `parse_notification` and answers with the channel's `ack`.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    pub parsed: Arc<Mutex<Vec<Result<Notification, String>>>>,
    pub raw: Arc<Mutex<Vec<Vec<u8>>>>,
    /// How many deliveries to refuse (answer `fail`) before accepting.
    refuse_first: Arc<Mutex<usize>>,
}

#[derive(Clone)]
struct ReceiverState {
    receiver: Receiver,
    channel: Arc<AlipayChannel>,
    cfg: Arc<Mutex<Option<ChannelConfig>>>,
}

impl Receiver {
    pub fn notifications(&self) -> Vec<Notification> {
        self.parsed
            .lock()
            .expect("lock")
            .iter()
            .filter_map(|r| r.as_ref().ok().cloned())
            .collect()
    }

    pub fn deliveries(&self) -> usize {
        self.raw.lock().expect("lock").len()
    }

    /// Waits until `n` deliveries arrived (at most 5 s).
    pub async fn wait_for(&self, n: usize) {
        for _ in 0..250 {
            if self.deliveries() >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("expected {n} deliveries, got {}", self.deliveries());
    }
}

async fn receive(State(s): State<ReceiverState>, headers: HeaderMap, body: Bytes) -> (StatusCode, String) {
    s.receiver.raw.lock().expect("lock").push(body.to_vec());
    let request = InboundRequest {
        headers: headers
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or_default().to_string()))
            .collect(),
        query: None,
        body: body.to_vec(),
        received_at_s: now_ms() / 1000,
    };
    let cfg = s.cfg.lock().expect("lock").clone().expect("receiver config");
    let parsed = s.channel.parse_notification(&cfg, &request).await;
    let accepted = {
        let mut refuse = s.receiver.refuse_first.lock().expect("lock");
        if *refuse > 0 {
            *refuse -= 1;
            false
        } else {
            parsed.is_ok()
        }
    };
    if accepted {
        s.receiver
            .parsed
            .lock()
            .expect("lock")
            .push(parsed.map_err(|e| e.to_string()));
    }
    let ack = s.channel.ack(accepted);
    (
        StatusCode::from_u16(ack.status).unwrap_or(StatusCode::OK),
        String::from_utf8(ack.body).unwrap_or_default(),
    )
}

/// Starts a receiver; returns it and the config whose `notify_url` points at it.
pub async fn start_receiver(gateway: &str, refuse_first: usize) -> (Receiver, ChannelConfig) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/notify", listener.local_addr().expect("addr"));
    let cfg = config(gateway, &url);
    let receiver = Receiver {
        url,
        parsed: Arc::default(),
        raw: Arc::default(),
        refuse_first: Arc::new(Mutex::new(refuse_first)),
    };
    let state = ReceiverState {
        receiver: receiver.clone(),
        channel: Arc::new(channel()),
        cfg: Arc::new(Mutex::new(Some(cfg.clone()))),
    };
    let app = Router::new().route("/notify", post(receive)).with_state(state);
    serve_on(listener, app).expect("serve");
    (receiver, cfg)
}
