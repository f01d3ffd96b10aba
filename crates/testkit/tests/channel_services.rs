//! External channel services in a cluster, on every engine: two juhe nodes
//! on one database share the service directory. A service registered with
//! one node is routed to by the other; heartbeats and deregistration
//! through either node count for both; a re-registration (new id and
//! secret) is followed by both at once; a lease that runs out does so for
//! both nodes alike. The service's secret is sealed in the database.

use juhe_channel_external::{
    ServiceClient, ServiceClientConfig, ServiceRegistration, ServiceSecret, ServiceSession, serve_channel,
};
use juhe_domain::way::Way;
use juhe_store::clock::now_ms;
use juhe_testkit::{ChannelSetup, Client, Plan, ScriptedChannel, ServiceSetup, Step, TestServer, engines};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

const TOKEN: &str = "channel-service-token-for-tests";
const LEASE: Duration = Duration::from_millis(1_500);

fn setup() -> ChannelSetup {
    ChannelSetup {
        services: Some(ServiceSetup {
            token: TOKEN.into(),
            lease: LEASE,
        }),
        ..ChannelSetup::default()
    }
}

fn client_via(node: &TestServer, registration: &ServiceRegistration, session: &Arc<ServiceSession>) -> ServiceClient {
    ServiceClient::new(
        ServiceClientConfig {
            juhe_url: node.base_url.clone(),
            registration_token: ServiceSecret::new(TOKEN),
            registration: registration.clone(),
            backoff_initial: Duration::from_millis(20),
            backoff_max: Duration::from_millis(100),
        },
        session.clone(),
    )
    .expect("service client")
}

/// A QR payment through `client`; the payment as answered.
async fn pay(client: &Client, order: &str) -> Value {
    let r = client
        .post(
            "/v1/payments",
            json!({"merchant_order_no": order, "amount": 321, "subject": "external", "way": "qr"}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body
}

async fn available(node: &TestServer, now: i64) -> bool {
    node.directory
        .as_ref()
        .expect("directory")
        .is_available("extpay", now)
        .await
        .expect("directory readable")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_registration_serves_every_node_on_the_database() {
    for engine in engines() {
        let ext = ScriptedChannel::new("extpay", &[Way::Qr]);
        let a = TestServer::start_with_channels(engine, setup()).await;
        let b = a.another_node(setup()).await;
        let (dir_a, dir_b) = (a.directory.clone().expect("dir"), b.directory.clone().expect("dir"));

        let session = Arc::new(ServiceSession::new());
        let service = juhe_sandbox_kit::serve_local(serve_channel(ext.clone(), session.clone()))
            .await
            .expect("serve the service");
        let registration = ServiceRegistration::of(ext.as_ref(), service.url.clone());
        let (to_a, to_b) = (
            client_via(&a, &registration, &session),
            client_via(&b, &registration, &session),
        );

        // Registered once, with node A: node B knows it at its next sync.
        to_a.register().await.expect("register with A");
        assert!(b.hub.registry.get("extpay").is_none(), "{engine:?}");
        let report = dir_b.sync(now_ms()).await.expect("sync B");
        assert_eq!(report.added, ["extpay"], "{engine:?}");
        let entry = b.hub.registry.get("extpay").expect("B routes to extpay");
        assert_eq!(entry.capabilities().ways, [Way::Qr]);

        // Its secret is sealed at rest.
        let creds = session.current().expect("registered");
        let (service_id, sealed): (String, String) =
            sqlx::query_as("SELECT service_id, secret_sealed FROM channel_services WHERE code = $1")
                .bind("extpay")
                .fetch_one(a.db.reader())
                .await
                .expect("stored registration");
        assert_eq!(service_id, creds.service_id);
        assert!(
            !sealed.contains(creds.secret.expose()),
            "{engine:?}: secret stored in the clear"
        );

        // A merchant configured through node B pays through node B.
        let app = a.merchant(0, None).await;
        b.channel_config(
            &app.merchant_id,
            json!({"channel": "extpay", "name": "external", "priority": 1, "fee_bps": 0,
                   "secrets": {"notify_key": "k"}, "params": {}}),
        )
        .await;
        let (via_a, via_b) = (a.client(&app), b.client(&app));
        ext.plan(Plan::create(Step::Paid));
        let p = pay(&via_b, "ext-1").await;
        assert_eq!(p["status"], "succeeded", "{engine:?} {p}");
        assert_eq!(p["channel"], "extpay");

        // Heartbeats through node B keep node A's registration alive past
        // several leases.
        let until = tokio::time::Instant::now() + LEASE * 2;
        while tokio::time::Instant::now() < until {
            tokio::time::sleep(LEASE / 4).await;
            to_b.heartbeat().await.expect("heartbeat through B");
        }
        ext.plan(Plan::create(Step::Paid));
        assert_eq!(pay(&via_a, "ext-2").await["status"], "succeeded", "{engine:?}");

        // Deregistered through node B: node A stops calling it at once.
        to_b.deregister().await.expect("deregister through B");
        let now = now_ms();
        assert!(!available(&a, now).await && !available(&b, now).await, "{engine:?}");
        let creates = ext.count(juhe_channel::Operation::Create);
        let p = pay(&via_a, "ext-3").await;
        assert_eq!(
            (p["status"].as_str(), p["failure_code"].as_str()),
            (Some("failed"), Some("channel_not_reached")),
            "{engine:?} {p}"
        );
        assert_eq!(
            ext.count(juhe_channel::Operation::Create),
            creates,
            "{engine:?}: not called"
        );

        // Registered again through node B (a new id and secret): node A
        // calls the new registration at once, without a sync.
        to_b.register().await.expect("register again through B");
        assert_ne!(session.current().expect("registered").service_id, creds.service_id);
        ext.plan(Plan::create(Step::Paid));
        assert_eq!(pay(&via_a, "ext-4").await["status"], "succeeded", "{engine:?}");
        assert!(dir_a.sync(now_ms()).await.expect("sync A").added.is_empty());

        // Silent past its lease: gone for both nodes at the same moment.
        tokio::time::sleep(LEASE + Duration::from_millis(200)).await;
        let now = now_ms();
        assert!(!available(&a, now).await && !available(&b, now).await, "{engine:?}");
        for dir in [&dir_a, &dir_b] {
            assert_eq!(dir.sync(now).await.expect("sync").expired, ["extpay"], "{engine:?}");
        }
        let p = pay(&via_b, "ext-5").await;
        assert_eq!(p["failure_code"], "channel_not_reached", "{engine:?} {p}");
        assert!(
            to_a.heartbeat().await.expect_err("lease over").is_unknown_service(),
            "{engine:?}"
        );
        assert_eq!(ext.charged_orders().len(), 3, "{engine:?}");
        a.assert_ledger_ok().await;
        service.stop();
    }
}
