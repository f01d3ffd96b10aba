//! An in-process juhe server on a free local port, with merchants and apps
//! provisioned the way the platform provisions them.

use crate::client::Client;
use crate::db::{Engine, TestDb};
use juhe_channel::breaker::BreakerPolicy;
use juhe_channel::http::HttpClient;
use juhe_channel::{Channel, Registry};
use juhe_channel_external::{DirectoryConfig, ServiceDirectory, ServiceSecret};
use juhe_console::{ConsoleConfig, ConsoleState};
use juhe_crypto::MasterKey;
use juhe_gateway::{AppState, GatewayConfig};
use juhe_service::channels::services::DbServiceStore;
use juhe_service::channels::{ChannelHub, PollPolicy};
use juhe_store::Db;
use serde_json::json;
use std::sync::Arc;

pub struct TestApp {
    pub merchant_id: String,
    pub app_id: String,
    pub app_secret: String,
    pub webhook_secret: String,
}

pub struct TestServer {
    pub engine: Engine,
    pub base_url: String,
    pub db: Db,
    pub keys: MasterKey,
    pub test_db: Arc<TestDb>,
    pub hub: ChannelHub,
    /// The platform admin API token of this server.
    pub admin_token: String,
    /// The external channel service directory (over this database), when
    /// the setup asked for one; its routes are served at `/v1/channel-services`.
    pub directory: Option<Arc<ServiceDirectory>>,
    server: tokio::task::JoinHandle<()>,
    tasks: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.server.abort();
        if let Some(t) = &self.tasks {
            t.abort();
        }
    }
}

/// A stopped server's database and master key, to start it again.
pub struct StoppedServer {
    test_db: Arc<TestDb>,
    keys: MasterKey,
}

impl StoppedServer {
    pub async fn start(self, setup: ChannelSetup) -> TestServer {
        TestServer::start_on(
            self.test_db,
            self.keys,
            GatewayConfig::default(),
            setup,
            console_config(),
        )
        .await
    }
}

/// The consoles as tests run them: plain HTTP on loopback, so no `Secure` cookies.
pub fn console_config() -> ConsoleConfig {
    ConsoleConfig {
        secure_cookies: false,
        ..ConsoleConfig::default()
    }
}

/// Channels for a test server: what is registered, how fast follow-ups run,
/// and whether the channel task worker runs in the background.
pub struct ChannelSetup {
    pub channels: Vec<Arc<dyn Channel>>,
    pub poll: PollPolicy,
    pub breaker: BreakerPolicy,
    /// Run the task worker (tests that drive tasks by hand set false).
    pub worker: bool,
    /// Serve the external channel service directory (in the database, as
    /// `juhe serve` does).
    pub services: Option<ServiceSetup>,
}

/// The directory of external channel services a test server runs.
#[derive(Debug, Clone)]
pub struct ServiceSetup {
    /// The registration token services present.
    pub token: String,
    pub lease: std::time::Duration,
}

impl Default for ChannelSetup {
    fn default() -> ChannelSetup {
        ChannelSetup {
            channels: Vec::new(),
            // In-process channels answer at once: the longest call is what a
            // test delays it by, well under a second.
            poll: PollPolicy {
                max_call_ms: 1_000,
                lease_ms: 3_000,
                ..PollPolicy::default().scaled_down(100)
            },
            breaker: BreakerPolicy::default(),
            worker: true,
            services: None,
        }
    }
}

impl TestServer {
    pub async fn start(engine: Engine) -> TestServer {
        TestServer::start_with(engine, GatewayConfig::default()).await
    }

    pub async fn start_with(engine: Engine, config: GatewayConfig) -> TestServer {
        TestServer::start_full(
            engine,
            config,
            ChannelSetup {
                worker: false,
                ..ChannelSetup::default()
            },
        )
        .await
    }

    /// A server with these channels registered (and, by default, the
    /// channel task worker running with a fast poll schedule).
    pub async fn start_with_channels(engine: Engine, setup: ChannelSetup) -> TestServer {
        TestServer::start_full(engine, GatewayConfig::default(), setup).await
    }

    pub async fn start_full(engine: Engine, config: GatewayConfig, setup: ChannelSetup) -> TestServer {
        let test_db = Arc::new(TestDb::new(engine).await);
        let keys = MasterKey::parse(&MasterKey::generate_encoded()).expect("key");
        TestServer::start_on(test_db, keys, config, setup, console_config()).await
    }

    /// A server whose consoles run with `console` (sign-in and session policy).
    pub async fn start_with_console(engine: Engine, console: ConsoleConfig) -> TestServer {
        let test_db = Arc::new(TestDb::new(engine).await);
        let keys = MasterKey::parse(&MasterKey::generate_encoded()).expect("key");
        let setup = ChannelSetup {
            worker: false,
            ..ChannelSetup::default()
        };
        TestServer::start_on(test_db, keys, GatewayConfig::default(), setup, console).await
    }

    /// Stops this server (HTTP and channel worker, as a crash would: nothing
    /// is finished gracefully) and starts a new one on the same database
    /// and master key, as after a restart.
    pub async fn restart(self, setup: ChannelSetup) -> TestServer {
        self.stop().await.start(setup).await
    }

    /// Another node of the same deployment: a server of its own (HTTP,
    /// channel registry, breakers, task worker) on this one's database and
    /// master key, as several `juhe serve` on one PostgreSQL.
    pub async fn another_node(&self, setup: ChannelSetup) -> TestServer {
        TestServer::start_on(
            self.test_db.clone(),
            self.keys.clone(),
            GatewayConfig::default(),
            setup,
            console_config(),
        )
        .await
    }

    /// Stops this server as a crash would; its database stays for `start`.
    pub async fn stop(self) -> StoppedServer {
        self.server.abort();
        if let Some(t) = &self.tasks {
            t.abort();
        }
        self.db.close().await;
        StoppedServer {
            test_db: self.test_db.clone(),
            keys: self.keys.clone(),
        }
    }

    async fn start_on(
        test_db: Arc<TestDb>,
        keys: MasterKey,
        mut config: GatewayConfig,
        setup: ChannelSetup,
        console: ConsoleConfig,
    ) -> TestServer {
        let engine = test_db.engine;
        let db = test_db.open().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base_url = format!("http://{}", listener.local_addr().expect("addr"));
        let admin_token = juhe_store::ids::random_hex(16);
        config.admin_token = Some(admin_token.clone());
        config.public_url = base_url.clone();
        let registry = Arc::new(Registry::new());
        for channel in setup.channels {
            registry.register(channel);
        }
        let directory = setup.services.map(|s| {
            Arc::new(ServiceDirectory::new(
                registry.clone(),
                Arc::new(DbServiceStore::new(db.clone(), keys.clone())),
                DirectoryConfig {
                    registration_token: ServiceSecret::new(s.token),
                    lease_ttl: s.lease,
                    http: HttpClient::with_timeouts(
                        std::time::Duration::from_secs(2),
                        std::time::Duration::from_secs(5),
                    )
                    .expect("HTTP client"),
                },
            ))
        });
        let hub = ChannelHub::with_breakers(registry, keys.clone(), &base_url, setup.poll, setup.breaker);
        let state = AppState::with_hub(db.clone(), keys.clone(), config, hub.clone());
        let consoles = juhe_console::router(ConsoleState::new(db.clone(), keys.clone(), hub.clone(), console));
        let mut router = juhe_gateway::router(state).merge(consoles);
        if let Some(dir) = &directory {
            router = router.merge(juhe_channel_external::directory_router(dir.clone()));
        }
        let server = tokio::spawn(async move {
            let _ = axum::serve(
                listener,
                router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .await;
        });
        let tasks = setup.worker.then(|| {
            let (db, hub) = (db.clone(), hub.clone());
            tokio::spawn(juhe_service::channels::tasks::run(
                db,
                hub,
                std::time::Duration::from_millis(20),
                std::future::pending(),
            ))
        });
        TestServer {
            engine,
            base_url,
            db,
            keys,
            test_db,
            hub,
            admin_token,
            directory,
            server,
            tasks,
        }
    }

    /// Creates a channel configuration for `merchant_id` through the admin
    /// API; returns the created configuration (JSON).
    pub async fn channel_config(&self, merchant_id: &str, body: serde_json::Value) -> serde_json::Value {
        let reply = reqwest::Client::new()
            .post(format!(
                "{}/admin/v1/merchants/{merchant_id}/channel-configs",
                self.base_url
            ))
            .bearer_auth(&self.admin_token)
            .json(&body)
            .send()
            .await
            .expect("admin call");
        let status = reply.status().as_u16();
        let body: serde_json::Value = reply.json().await.expect("admin json");
        assert_eq!(status, 201, "{body}");
        body
    }

    /// A new merchant with one app; `fee_bps` is its wallet fee rate.
    pub async fn merchant(&self, fee_bps: i64, notify_url: Option<&str>) -> TestApp {
        let merchant_id = juhe_store::ids::new_id("mch");
        let app_id = juhe_store::ids::new_id("app");
        let (m, a, keys, url) = (
            merchant_id.clone(),
            app_id.clone(),
            self.keys.clone(),
            notify_url.map(str::to_string),
        );
        let secrets = self
            .db
            .write(move |tx| {
                let (m, a, keys, url) = (m.clone(), a.clone(), keys.clone(), url.clone());
                Box::pin(async move {
                    juhe_service::provision::create_merchant(&mut *tx, &m, "Test merchant", fee_bps).await?;
                    juhe_service::provision::create_app(&mut *tx, &keys, &a, &m, "test app", url.as_deref()).await
                })
            })
            .await
            .expect("provision merchant");
        TestApp {
            merchant_id,
            app_id,
            app_secret: secrets.app_secret.to_string(),
            webhook_secret: secrets.webhook_secret.to_string(),
        }
    }

    pub fn client(&self, app: &TestApp) -> Client {
        Client::new(&self.base_url, &app.app_id, &app.app_secret)
    }

    /// A customer with `balance` in their CNY wallet (topped up in cash).
    pub async fn funded_customer(&self, client: &Client, balance: i64) -> String {
        let c = client.post("/v1/customers", json!({"name": "Test payer"})).await;
        assert_eq!(c.status, 201, "{:?}", c.body);
        let id = c.body["id"].as_str().expect("customer id").to_string();
        if balance > 0 {
            let t = client
                .post(
                    "/v1/topups",
                    json!({"customer_id": id, "amount": balance, "currency": "CNY", "channel": "cash",
                           "merchant_topup_no": juhe_store::ids::random_hex(8)}),
                )
                .await;
            assert_eq!(t.status, 201, "{:?}", t.body);
        }
        id
    }

    /// Runs `juhe ledger verify`'s checks and fails the test on any finding.
    pub async fn assert_ledger_ok(&self) {
        let report = juhe_store::ledger::verify(self.db.reader()).await.expect("verify runs");
        assert!(
            report.ok(),
            "ledger findings on {:?}: {:?}",
            self.engine,
            report.findings
        );
    }
}

/// Who a console user in a test is.
pub enum ConsoleRole<'a> {
    Platform(juhe_domain::access::BuiltinRole),
    Merchant(&'a str, juhe_domain::access::BuiltinRole),
    Site(&'a str, &'a str, juhe_domain::access::BuiltinRole),
}

impl TestServer {
    /// Creates a console user directly (as the CLI does); returns its id.
    pub async fn console_user(&self, username: &str, password: &str, role: ConsoleRole<'_>) -> String {
        use juhe_domain::access::UserScope;
        let (scope, role) = match role {
            ConsoleRole::Platform(r) => (UserScope::Platform, r),
            ConsoleRole::Merchant(m, r) => (UserScope::Merchant { merchant_id: m.into() }, r),
            ConsoleRole::Site(m, s, r) => (
                UserScope::Site {
                    merchant_id: m.into(),
                    site_id: s.into(),
                },
                r,
            ),
        };
        let new = Arc::new(juhe_service::identity::users::NewUser {
            username: username.into(),
            display_name: username.into(),
            scope,
            password_hash: juhe_crypto::password::hash_password(password).expect("hash"),
            locale: "en".into(),
            role_ids: vec![role.id().into()],
            overrides: Vec::new(),
        });
        self.db
            .write(move |tx| {
                let new = new.clone();
                Box::pin(async move {
                    juhe_service::identity::users::create(tx, &juhe_service::identity::Actor::system("test"), &new)
                        .await
                })
            })
            .await
            .expect("create console user")
            .id
    }

    /// A site of a merchant (created as its administrators would); returns its id.
    pub async fn site(&self, merchant_id: &str, name: &str) -> String {
        let (m, n) = (merchant_id.to_string(), name.to_string());
        self.db
            .write(move |tx| {
                let (m, n) = (m.clone(), n.clone());
                Box::pin(async move {
                    juhe_service::sites::create_site(
                        tx,
                        &juhe_service::identity::Actor::system("test"),
                        &m,
                        &juhe_service::sites::SiteInput {
                            name: n,
                            kind: "toll_plaza".into(),
                            address: None,
                            active: true,
                        },
                    )
                    .await
                })
            })
            .await
            .expect("create site")
            .id
    }

    pub fn browser(&self) -> crate::console_client::Browser {
        crate::console_client::Browser::new(&self.base_url)
    }
}
