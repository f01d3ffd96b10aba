//! An in-process juhe server on a free local port, with merchants and apps
//! provisioned the way the platform provisions them.

use crate::client::Client;
use crate::db::{Engine, TestDb};
use juhe_crypto::MasterKey;
use juhe_gateway::{AppState, GatewayConfig};
use juhe_store::Db;
use serde_json::json;

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
    pub test_db: TestDb,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl TestServer {
    pub async fn start(engine: Engine) -> TestServer {
        TestServer::start_with(engine, GatewayConfig::default()).await
    }

    pub async fn start_with(engine: Engine, config: GatewayConfig) -> TestServer {
        let test_db = TestDb::new(engine).await;
        let db = test_db.open().await;
        let keys = MasterKey::parse(&MasterKey::generate_encoded()).expect("key");
        let state = AppState::new(db.clone(), keys.clone(), config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base_url = format!("http://{}", listener.local_addr().expect("addr"));
        let router = juhe_gateway::router(state);
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        TestServer {
            engine,
            base_url,
            db,
            keys,
            test_db,
            server,
        }
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
