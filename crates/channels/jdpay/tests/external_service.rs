//! The protocol round trip in process: juhe's directory and registry, the
//! JD Pay service (pointing at the JD Pay sandbox) registering itself,
//! every operation through `registry.get("jdpay")`, a crash and restart of
//! the service, and an unrelated channel that keeps working throughout.

mod common;

use async_trait::async_trait;
use common::*;
use juhe_channel::http::HttpClient;
use juhe_channel::{
    Capabilities, Channel, ChannelConfig, ChannelError, ChannelPaymentState, Notification, Operation, PayAction,
    PaymentRef, RefundState, Registry,
};
use juhe_channel_external::{
    DirectoryConfig, MemoryServiceStore, SERVICE_UNAVAILABLE, ServiceDirectory, ServiceSecret, directory_router,
};
use juhe_channel_jdpay::{ServiceConfig, run_service};
use juhe_domain::way::Way;
use std::sync::Arc;
use std::time::Duration;

const TOKEN: &str = "registration-token-for-tests";
const LEASE: Duration = Duration::from_millis(1500);

/// A built-in channel that has nothing to do with the external one.
struct FakeChannel;

#[async_trait]
impl Channel for FakeChannel {
    fn code(&self) -> &str {
        "fake"
    }
    fn display_name(&self) -> &str {
        "Fake"
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
    async fn create(
        &self,
        _cfg: &ChannelConfig,
        _req: &juhe_channel::CreatePayment,
    ) -> Result<juhe_channel::CreateOutcome, ChannelError> {
        Err(ChannelError::Unsupported(Operation::Create))
    }
    async fn query(&self, _cfg: &ChannelConfig, _payment: &PaymentRef) -> Result<ChannelPaymentState, ChannelError> {
        Ok(ChannelPaymentState::AwaitingPayer)
    }
}

async fn fake_still_works(registry: &Registry, cfg: &ChannelConfig) {
    let fake = registry.get("fake").expect("fake channel registered");
    assert_eq!(
        fake.query(cfg, &payment("X", 1)).await.unwrap(),
        ChannelPaymentState::AwaitingPayer
    );
}

fn service_config(juhe_url: &str) -> ServiceConfig {
    ServiceConfig {
        juhe_url: juhe_url.into(),
        registration_token: ServiceSecret::new(TOKEN),
        listen: "127.0.0.1:0".parse().unwrap(),
        public_base_url: None,
        http: HttpClient::with_timeouts(Duration::from_secs(2), Duration::from_secs(15)).unwrap(),
        backoff_initial: Duration::from_millis(50),
        backoff_max: Duration::from_millis(200),
    }
}

async fn wait_until(mut f: impl FnMut() -> bool) {
    for _ in 0..500 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("condition not reached in 10 s");
}

// Several threads: the sandbox's RSA work (slow in debug builds) must not
// hold up the service's heartbeats.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jdpay_runs_as_an_external_service() {
    let registry = Arc::new(Registry::new());
    registry.register(Arc::new(FakeChannel));
    let dir = Arc::new(ServiceDirectory::new(
        registry.clone(),
        Arc::new(MemoryServiceStore::new()),
        DirectoryConfig {
            registration_token: ServiceSecret::new(TOKEN),
            lease_ttl: LEASE,
            http: HttpClient::with_timeouts(Duration::from_secs(1), Duration::from_secs(20)).unwrap(),
        },
    ));
    let juhe_url = serve(directory_router(dir.clone())).await;
    let (sandbox, sandbox_url) = start_sandbox().await;
    let (received, notify) = start_receiver().await;
    let cfg = config(&sandbox_url, &notify);

    let service = tokio::spawn(run_service(service_config(&juhe_url)));
    wait_until(|| registry.get("jdpay").is_some()).await;
    let jd = registry.get("jdpay").unwrap();
    assert_eq!(jd.display_name(), "JD Pay");
    assert_eq!(jd.capabilities().ways, vec![Way::Qr, Way::Barcode, Way::H5]);
    assert!(jd.capabilities().supports(Operation::RefundQuery));
    assert_eq!(jd.ack(true).body, b"success");

    // create (qr), paid on the payer page, query.
    let qr = jd.create(&cfg, &create("E-QR1", 880, Way::Qr, None)).await.unwrap();
    assert_eq!(qr.state, ChannelPaymentState::AwaitingPayer);
    assert!(matches!(qr.action, Some(PayAction::QrCode { .. })));
    let paid = reqwest::Client::new()
        .post(format!("{sandbox_url}/_sandbox/orders/E-QR1/pay"))
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), 204);
    assert!(matches!(
        jd.query(&cfg, &payment("E-QR1", 880)).await.unwrap(),
        ChannelPaymentState::Succeeded { amount: 880, .. }
    ));
    // The payment notification, parsed through the service.
    let notes = received.wait_for(1).await;
    match jd.parse_notification(&cfg, &notes[0]).await.unwrap() {
        Notification::Payment {
            channel_order_no,
            state,
        } => {
            assert_eq!(channel_order_no, "E-QR1");
            assert!(matches!(state, ChannelPaymentState::Succeeded { amount: 880, .. }));
        }
        other => panic!("{other:?}"),
    }
    // A forged notification is refused by the service's verification.
    let mut forged = notes[0].clone();
    forged.body = String::from_utf8(forged.body)
        .unwrap()
        .replace("<encrypt>", "<encrypt>QUFB")
        .into_bytes();
    assert!(matches!(
        jd.parse_notification(&cfg, &forged).await.unwrap_err(),
        ChannelError::BadNotification(_)
    ));

    // create (barcode), refund, refund query, close, reverse.
    let bc = jd
        .create(&cfg, &create("E-BC1", 300, Way::Barcode, Some("181234567890123456")))
        .await
        .unwrap();
    assert!(matches!(bc.state, ChannelPaymentState::Succeeded { amount: 300, .. }));
    let refund_report = jd.refund(&cfg, &refund("E-BC1-R", "E-BC1", 300, 100)).await.unwrap();
    assert!(matches!(refund_report.state, RefundState::Succeeded { .. }));
    let queried = jd
        .query_refund(&cfg, &refund_ref("E-BC1-R", "E-BC1", 300, 100))
        .await
        .unwrap();
    assert_eq!(queried.amount, 100);
    jd.create(&cfg, &create("E-QR2", 50, Way::Qr, None)).await.unwrap();
    jd.close(&cfg, &payment("E-QR2", 50)).await.unwrap();
    assert_eq!(
        jd.query(&cfg, &payment("E-QR2", 50)).await.unwrap(),
        ChannelPaymentState::Closed
    );
    jd.reverse(&cfg, &payment("E-BC1", 300)).await.unwrap();
    assert_eq!(
        jd.query(&cfg, &payment("E-BC1", 300)).await.unwrap(),
        ChannelPaymentState::Closed
    );
    // Classified errors cross the protocol unchanged.
    assert_eq!(
        jd.query(&cfg, &payment("E-NONE", 1)).await.unwrap_err(),
        ChannelError::NotFound
    );
    assert!(matches!(
        jd.download_bill(
            &cfg,
            &juhe_channel::BillRequest {
                date: time::macros::date!(2026 - 01 - 01),
                kind: juhe_channel::BillKind::All,
            }
        )
        .await
        .unwrap_err(),
        ChannelError::Unsupported(Operation::Bill)
    ));
    // JD's 5xx crosses the protocol as `unknown`.
    sandbox.script.set_faults(juhe_sandbox_kit::Faults {
        fail_next: 1,
        ..juhe_sandbox_kit::Faults::default()
    });
    assert!(matches!(
        jd.query(&cfg, &payment("E-QR1", 880)).await.unwrap_err(),
        ChannelError::Unknown(_)
    ));
    fake_still_works(&registry, &cfg).await;

    // The service crashes: calls fail NotSent at once, then the lease runs out.
    // A call that rides a kept-alive connection of the dead service may see
    // the reset instead (`Unknown`: the request may have arrived); the next
    // one connects afresh and is refused.
    service.abort();
    let _ = service.await;
    let first = jd.query(&cfg, &payment("E-QR1", 880)).await.unwrap_err();
    assert!(
        matches!(first, ChannelError::NotSent(_) | ChannelError::Unknown(_)),
        "{first:?}"
    );
    let down = jd.query(&cfg, &payment("E-QR1", 880)).await.unwrap_err();
    assert!(matches!(down, ChannelError::NotSent(_)), "{down:?}");
    fake_still_works(&registry, &cfg).await;
    tokio::time::sleep(LEASE + Duration::from_millis(100)).await;
    assert_eq!(dir.sync(now_ms_i64()).await.unwrap().expired, vec!["jdpay".to_string()]);
    assert!(!dir.is_available("jdpay", now_ms_i64()).await.unwrap());
    let expired = jd.query(&cfg, &payment("E-QR1", 880)).await.unwrap_err();
    assert_eq!(expired, ChannelError::NotSent(SERVICE_UNAVAILABLE.into()));
    // Still in the registry (routing sees it as down, not gone).
    assert!(registry.get("jdpay").is_some());
    fake_still_works(&registry, &cfg).await;

    // Restarted: it registers again and the same registry entry works.
    let service = tokio::spawn(run_service(service_config(&juhe_url)));
    for _ in 0..500 {
        if dir.is_available("jdpay", now_ms_i64()).await.unwrap() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(matches!(
        jd.query(&cfg, &payment("E-QR1", 880)).await.unwrap(),
        ChannelPaymentState::Succeeded { amount: 880, .. }
    ));
    // Heartbeats keep it available past the first lease.
    tokio::time::sleep(LEASE * 2).await;
    assert!(dir.is_available("jdpay", now_ms_i64()).await.unwrap());
    assert!(jd.query(&cfg, &payment("E-QR2", 50)).await.is_ok());
    fake_still_works(&registry, &cfg).await;
    service.abort();
}

fn now_ms_i64() -> i64 {
    now_ms()
}
