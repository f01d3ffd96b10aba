//! The directory and the protocol with a fake channel: registration rules,
//! signatures refused both ways, heartbeats, deregistration, lease expiry,
//! two nodes sharing one store.

use async_trait::async_trait;
use juhe_channel::http::HttpClient;
use juhe_channel::{
    Capabilities, Channel, ChannelConfig, ChannelError, ChannelPaymentState, CreateOutcome, CreatePayment, Operation,
    PaymentRef, Registry, Secrets,
};
use juhe_channel_external::signing::{self, ServiceSecret};
use juhe_channel_external::wire::{WireAck, WireAcks, WireCapabilities, WireOperation};
use juhe_channel_external::{
    DirectoryConfig, MemoryServiceStore, SERVICE_UNAVAILABLE, ServiceClient, ServiceClientConfig, ServiceClientError,
    ServiceDirectory, ServiceRegistration, ServiceSession, ServiceStore, SyncReport, directory_router, serve_channel,
};
use juhe_domain::way::Way;
use juhe_domain::{Currency, Money};
use std::sync::Arc;
use std::time::Duration;

const TOKEN: &str = "the-token";

struct Echo;

#[async_trait]
impl Channel for Echo {
    fn code(&self) -> &str {
        "echo"
    }
    fn display_name(&self) -> &str {
        "Echo"
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            ways: vec![Way::Qr],
            operations: vec![Operation::Create, Operation::Query],
            currencies: vec!["CNY"],
        }
    }
    fn validate_config(&self, _cfg: &ChannelConfig) -> Result<(), ChannelError> {
        Ok(())
    }
    async fn create(&self, _cfg: &ChannelConfig, req: &CreatePayment) -> Result<CreateOutcome, ChannelError> {
        Err(ChannelError::declined("ECHO", req.channel_order_no.clone()))
    }
    /// Answers what the configuration's secret says, to prove it crossed.
    async fn query(&self, cfg: &ChannelConfig, payment: &PaymentRef) -> Result<ChannelPaymentState, ChannelError> {
        Ok(ChannelPaymentState::Succeeded {
            channel_trade_no: format!("{}:{}", payment.channel_order_no, cfg.secret("key")?),
            paid_at_ms: 1,
            amount: payment.money.amount,
        })
    }
}

async fn serve(router: axum::Router) -> String {
    juhe_sandbox_kit::serve_local(router).await.expect("serve").url
}

fn cfg() -> ChannelConfig {
    let mut secrets = Secrets::new();
    secrets.insert("key", "k1");
    ChannelConfig {
        id: "chc_e".into(),
        merchant_id: "m".into(),
        channel: "echo".into(),
        params: serde_json::Map::new(),
        secrets,
        notify_url: "http://127.0.0.1:1/n".into(),
    }
}

fn payment() -> PaymentRef {
    PaymentRef {
        channel_order_no: "O1".into(),
        channel_trade_no: None,
        money: Money::new(42, Currency::CNY),
        created_at_ms: 0,
    }
}

fn registration(base_url: &str) -> ServiceRegistration {
    ServiceRegistration {
        code: "echo".into(),
        display_name: "Echo".into(),
        capabilities: WireCapabilities {
            ways: vec![Way::Qr],
            operations: vec![WireOperation::Create, WireOperation::Query],
            currencies: vec!["CNY".into()],
        },
        base_url: base_url.into(),
        acks: WireAcks {
            accepted: WireAck {
                status: 200,
                content_type: "text/plain".into(),
                body: "OK".into(),
            },
            rejected: WireAck {
                status: 500,
                content_type: "text/plain".into(),
                body: "NO".into(),
            },
        },
    }
}

struct Juhe {
    registry: Arc<Registry>,
    dir: Arc<ServiceDirectory>,
    url: String,
}

async fn juhe(lease: Duration) -> Juhe {
    let registry = Arc::new(Registry::new());
    let dir = Arc::new(ServiceDirectory::new(
        registry.clone(),
        Arc::new(MemoryServiceStore::new()),
        DirectoryConfig {
            registration_token: ServiceSecret::new(TOKEN),
            lease_ttl: lease,
            http: HttpClient::with_timeouts(Duration::from_secs(1), Duration::from_secs(2)).unwrap(),
        },
    ));
    let url = serve(directory_router(dir.clone())).await;
    Juhe { registry, dir, url }
}

fn client(juhe_url: &str, token: &str, base_url: &str, session: Arc<ServiceSession>) -> ServiceClient {
    ServiceClient::new(
        ServiceClientConfig {
            juhe_url: juhe_url.into(),
            registration_token: ServiceSecret::new(token),
            registration: registration(base_url),
            backoff_initial: Duration::from_millis(20),
            backoff_max: Duration::from_millis(100),
        },
        session,
    )
    .unwrap()
}

/// juhe + the echo service, registered.
async fn registered(lease: Duration) -> (Juhe, ServiceClient, String) {
    let j = juhe(lease).await;
    let session = Arc::new(ServiceSession::new());
    let service_url = serve(serve_channel(Arc::new(Echo), session.clone())).await;
    let c = client(&j.url, TOKEN, &service_url, session);
    c.register().await.unwrap();
    (j, c, service_url)
}

#[tokio::test]
async fn operations_round_trip_with_classified_errors_and_acks() {
    let (j, _client, _) = registered(Duration::from_secs(30)).await;
    let echo = j.registry.get("echo").unwrap();
    match echo.query(&cfg(), &payment()).await.unwrap() {
        ChannelPaymentState::Succeeded {
            channel_trade_no,
            amount,
            ..
        } => {
            assert_eq!(channel_trade_no, "O1:k1");
            assert_eq!(amount, 42);
        }
        other => panic!("{other:?}"),
    }
    let req = CreatePayment {
        payment_id: "p".into(),
        channel_order_no: "O2".into(),
        money: Money::new(1, Currency::CNY),
        subject: "s".into(),
        way: Way::Qr,
        auth_code: None,
        payer_id: None,
        payer_ip: None,
        return_url: None,
        card: None,
        terminal_id: None,
        site_id: None,
        expire_at_ms: 0,
        created_at_ms: 0,
    };
    assert_eq!(
        echo.create(&cfg(), &req).await.unwrap_err(),
        ChannelError::declined("ECHO", "O2")
    );
    // Not implemented by the echo channel: `unsupported` crosses too.
    assert_eq!(echo.close_probe().await, ChannelError::Unsupported(Operation::Close));
    assert_eq!(echo.ack(true).body, b"OK");
    assert_eq!(echo.ack(false).status, 500);
    assert_eq!(echo.capabilities().currencies, vec!["CNY"]);
}

/// Calls `close`, which Echo leaves to the trait default.
#[async_trait]
trait Probe {
    async fn close_probe(&self) -> ChannelError;
}

#[async_trait]
impl Probe for Arc<dyn Channel> {
    async fn close_probe(&self) -> ChannelError {
        self.close(&cfg(), &payment()).await.unwrap_err()
    }
}

#[tokio::test]
async fn registration_needs_the_token_and_a_free_code() {
    let j = juhe(Duration::from_secs(30)).await;
    let session = Arc::new(ServiceSession::new());
    let bad = client(&j.url, "wrong-token", "http://127.0.0.1:9", session.clone());
    match bad.register().await.unwrap_err() {
        ServiceClientError::Refused { status, code, .. } => {
            assert_eq!(status, 401);
            assert_eq!(code, "invalid_token");
        }
        other => panic!("{other:?}"),
    }
    // A built-in channel's code cannot be taken over.
    j.registry.register(Arc::new(Echo));
    let taken = client(&j.url, TOKEN, "http://127.0.0.1:9", session);
    match taken.register().await.unwrap_err() {
        ServiceClientError::Refused { status, code, .. } => {
            assert_eq!(status, 409);
            assert_eq!(code, "code_taken");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(j.dir.sync(i64::MAX).await.unwrap(), SyncReport::default());
}

#[tokio::test]
async fn the_service_refuses_calls_not_signed_by_juhe() {
    let (_j, client, service_url) = registered(Duration::from_secs(30)).await;
    let creds = client.session().current().unwrap();
    let body = br#"{"protocol":1}"#;
    // Signed with the wrong secret.
    let forged = signing::sign(&ServiceSecret::new("guess"), &creds.service_id, "POST", "/query", body);
    let mut request = reqwest::Client::new()
        .post(format!("{service_url}/query"))
        .body(body.to_vec());
    for (k, v) in forged.pairs() {
        request = request.header(k, v);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 401);
    let answer: serde_json::Value = response.json().await.unwrap();
    assert_eq!(answer["error"]["kind"], "not_sent");
    // Correctly signed but replayed (same nonce twice).
    let good = signing::sign(&creds.secret, &creds.service_id, "POST", "/query", body);
    for expected in [400, 401] {
        let mut request = reqwest::Client::new()
            .post(format!("{service_url}/query"))
            .body(body.to_vec());
        for (k, v) in good.pairs() {
            request = request.header(k, v);
        }
        // First: signature fine, body malformed (400); second: replay (401).
        assert_eq!(request.send().await.unwrap().status(), expected);
    }
}

#[tokio::test]
async fn juhe_refuses_answers_not_signed_by_the_service() {
    let j = juhe(Duration::from_secs(30)).await;
    // An impostor at the service's address: answers a result with a bad signature.
    let impostor = axum::Router::new().route(
        "/query",
        axum::routing::post(|| async {
            (
                [
                    ("x-juhe-service-id", "svc_x"),
                    ("x-juhe-timestamp", "1"),
                    ("x-juhe-nonce", "n"),
                    ("x-juhe-signature", "AAAA"),
                ],
                r#"{"protocol":1,"result":{"status":"closed"}}"#,
            )
        }),
    );
    let impostor_url = serve(impostor).await;
    let c = client(&j.url, TOKEN, &impostor_url, Arc::new(ServiceSession::new()));
    c.register().await.unwrap();
    let echo = j.registry.get("echo").unwrap();
    let e = echo.query(&cfg(), &payment()).await.unwrap_err();
    assert!(matches!(e, ChannelError::Unknown(_)), "{e:?}");
}

#[tokio::test]
async fn heartbeats_keep_the_lease_and_expiry_takes_it() {
    let (j, client, _) = registered(Duration::from_millis(300)).await;
    let echo = j.registry.get("echo").unwrap();
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(150)).await;
        client.heartbeat().await.unwrap();
    }
    assert!(echo.query(&cfg(), &payment()).await.is_ok());
    // A heartbeat signed with another secret is refused.
    let creds = client.session().current().unwrap();
    let path = format!("/v1/channel-services/{}/heartbeat", creds.service_id);
    let forged = signing::sign(
        &ServiceSecret::new("guess"),
        &creds.service_id,
        "POST",
        &path,
        br#"{"protocol":1}"#,
    );
    let mut request = reqwest::Client::new()
        .post(format!("{}{path}", j.url))
        .body(r#"{"protocol":1}"#);
    for (k, v) in forged.pairs() {
        request = request.header(k, v);
    }
    assert_eq!(request.send().await.unwrap().status(), 401);

    // No more heartbeats: the lease runs out.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        echo.query(&cfg(), &payment()).await.unwrap_err(),
        ChannelError::NotSent(SERVICE_UNAVAILABLE.into())
    );
    assert_eq!(
        j.dir.sync(signing::now_ms()).await.unwrap().expired,
        vec!["echo".to_string()]
    );
    assert!(client.heartbeat().await.unwrap_err().is_unknown_service());
    // Registering again revives the same registry entry.
    client.register().await.unwrap();
    assert!(echo.query(&cfg(), &payment()).await.is_ok());
}

#[tokio::test]
async fn deregistration_and_the_run_loop() {
    let j = juhe(Duration::from_millis(300)).await;
    let session = Arc::new(ServiceSession::new());
    let service_url = serve(serve_channel(Arc::new(Echo), session.clone())).await;
    let c = client(&j.url, TOKEN, &service_url, session);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let runner = {
        let c = c.clone();
        tokio::spawn(async move {
            c.run(async {
                let _ = stopped.await;
            })
            .await
        })
    };
    for _ in 0..100 {
        if j.registry.get("echo").is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let echo = j.registry.get("echo").unwrap();
    // Several leases long: the loop's heartbeats keep it up.
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert!(echo.query(&cfg(), &payment()).await.is_ok());
    stop.send(()).unwrap();
    runner.await.unwrap();
    assert_eq!(
        echo.query(&cfg(), &payment()).await.unwrap_err(),
        ChannelError::NotSent(SERVICE_UNAVAILABLE.into())
    );
    assert!(c.session().current().is_none());
}

#[tokio::test]
async fn the_sync_reports_silent_services_once() {
    let (j, _client, _) = registered(Duration::from_millis(200)).await;
    assert!(j.dir.is_available("echo", signing::now_ms()).await.unwrap());
    let syncing = j.dir.spawn_sync(Duration::from_millis(50));
    tokio::time::sleep(Duration::from_millis(400)).await;
    // Already reported by the background sync: nothing new for a manual one.
    assert_eq!(j.dir.sync(signing::now_ms()).await.unwrap(), SyncReport::default());
    assert!(!j.dir.is_available("echo", signing::now_ms()).await.unwrap());
    assert!(j.registry.get("echo").is_some());
    syncing.abort();
}

/// Two nodes over one store, as two juhe nodes over one database.
#[tokio::test]
async fn a_service_registered_with_one_node_is_routed_by_every_node() {
    let store: Arc<dyn ServiceStore> = Arc::new(MemoryServiceStore::new());
    let node = |store: Arc<dyn ServiceStore>| async move {
        let registry = Arc::new(Registry::new());
        let dir = Arc::new(ServiceDirectory::new(
            registry.clone(),
            store,
            DirectoryConfig {
                registration_token: ServiceSecret::new(TOKEN),
                lease_ttl: Duration::from_millis(400),
                http: HttpClient::with_timeouts(Duration::from_secs(1), Duration::from_secs(2)).unwrap(),
            },
        ));
        let url = serve(directory_router(dir.clone())).await;
        Juhe { registry, dir, url }
    };
    let (a, b) = (node(store.clone()).await, node(store.clone()).await);
    let session = Arc::new(ServiceSession::new());
    let service_url = serve(serve_channel(Arc::new(Echo), session.clone())).await;
    let c = client(&a.url, TOKEN, &service_url, session.clone());
    c.register().await.unwrap();
    // Node B learns the code at its next sync and calls the service.
    assert!(b.registry.get("echo").is_none());
    let report = b.dir.sync(signing::now_ms()).await.unwrap();
    assert_eq!(report.added, vec!["echo".to_string()]);
    let echo_b = b.registry.get("echo").unwrap();
    assert!(echo_b.query(&cfg(), &payment()).await.is_ok());
    // Heartbeats through node B renew the registration made at node A.
    let through_b = client(&b.url, TOKEN, &service_url, session.clone());
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        through_b.heartbeat().await.unwrap();
    }
    let echo_a = a.registry.get("echo").unwrap();
    assert!(echo_a.query(&cfg(), &payment()).await.is_ok());
    // Deregistered through node B: node A stops calling at once.
    through_b.deregister().await.unwrap();
    for echo in [&echo_a, &echo_b] {
        assert_eq!(
            echo.query(&cfg(), &payment()).await.unwrap_err(),
            ChannelError::NotSent(SERVICE_UNAVAILABLE.into())
        );
    }
    // Registered again at node B (new id and secret): node A follows at once.
    through_b.register().await.unwrap();
    assert!(echo_a.query(&cfg(), &payment()).await.is_ok());
    // Silent past the lease: unavailable for both nodes alike.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let now = signing::now_ms();
    assert!(!a.dir.is_available("echo", now).await.unwrap());
    assert!(!b.dir.is_available("echo", now).await.unwrap());
    for echo in [&echo_a, &echo_b] {
        assert!(matches!(
            echo.query(&cfg(), &payment()).await,
            Err(ChannelError::NotSent(_))
        ));
    }
}
