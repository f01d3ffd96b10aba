//! kill -9 in the middle of a stream of payments, with the real binary, on
//! both engines: every payment the server acknowledged survives the crash,
//! the books still verify (`juhe ledger verify` exits 0), and every
//! committed payment's `payment.succeeded` webhook still arrives after the
//! restart — none lost, including those claimed by the killed process.

use futures::StreamExt;
use juhe_store::{Db, DbConfig};
use juhe_testkit::{Client, Engine, TestDb, WebhookReceiver, engines};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const JUHE: &str = env!("CARGO_BIN_EXE_juhe");
/// Concurrent payment streams.
const STREAMS: usize = 16;
/// How long the stream runs before the kill.
const KILL_AFTER: Duration = Duration::from_millis(1_500);
/// Bound on every wait for the restarted server to catch up.
const CATCH_UP: Duration = Duration::from_secs(30);

/// Where one engine's juhe keeps its state across restarts: a data dir
/// (master key, demo.json, and the SQLite database) and, for PostgreSQL, a
/// fresh database.
struct Site {
    dir: tempfile::TempDir,
    pg: Option<TestDb>,
}

impl Site {
    async fn new(engine: Engine) -> Site {
        let pg = match engine {
            Engine::Sqlite => None,
            Engine::Postgres => Some(TestDb::new(Engine::Postgres).await),
        };
        Site {
            dir: tempfile::tempdir().expect("data dir"),
            pg,
        }
    }

    /// The database flags every juhe command of this site gets.
    fn db_args(&self) -> Vec<String> {
        let mut args = vec!["--data-dir".to_string(), self.dir.path().display().to_string()];
        if let Some(pg) = &self.pg {
            args.extend(["--database-url".to_string(), pg.url.clone()]);
        }
        args
    }

    /// The same database, for the test's own reads.
    fn database_url(&self) -> String {
        match &self.pg {
            Some(pg) => pg.url.clone(),
            None => format!("sqlite://{}?mode=rwc", self.dir.path().join("juhe.db").display()),
        }
    }

    fn demo(&self) -> Value {
        let text = std::fs::read_to_string(self.dir.path().join("demo.json")).expect("demo.json");
        serde_json::from_str(&text).expect("demo.json is JSON")
    }
}

/// A running `juhe serve`; SIGKILLed and reaped when dropped, so no server
/// outlives a failing test.
struct Server {
    child: Child,
    log: PathBuf,
    base_url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// `juhe serve --demo --listen 127.0.0.1:<free port> <db args>`, with fast webhook retries.
    fn spawn(site: &Site, run: &str) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let log = site.dir.path().join(format!("serve-{run}.log"));
        let out = std::fs::File::create(&log).expect("log file");
        let mut cmd = Command::new(JUHE);
        cmd.arg("serve")
            .arg("--demo")
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(site.db_args());
        for var in [
            "JUHE_LISTEN",
            "JUHE_DATA_DIR",
            "JUHE_DATABASE_URL",
            "JUHE_CONFIG",
            "JUHE_MASTER_KEY_FILE",
        ] {
            cmd.env_remove(var);
        }
        let child = cmd
            .env("JUHE_WEBHOOK_RETRY_SCALE", "1000")
            .env("RUST_LOG", "info,sqlx=warn")
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("log file"))
            .stderr(out)
            .spawn()
            .expect("start juhe serve");
        Server {
            child,
            log,
            base_url: format!("http://127.0.0.1:{port}"),
        }
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// Waits for /healthz to answer 200; fails with the server's log if it
    /// exits or takes longer than a minute.
    async fn wait_ready(&mut self) {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "juhe serve exited with {status} before it was ready:\n{}",
                    self.log_tail()
                );
            }
            let probe = http
                .get(format!("{}/healthz", self.base_url))
                .timeout(Duration::from_secs(2))
                .send()
                .await;
            if matches!(&probe, Ok(r) if r.status() == 200) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "juhe serve was not ready within 60 s:\n{}",
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// kill -9 (what `Child::kill` sends on Unix), then reap it.
    fn kill_9(&mut self) {
        self.child.kill().expect("SIGKILL");
        let status = self.child.wait().expect("reap");
        assert!(!status.success(), "killed, not exited: {status}");
    }
}

/// A signed POST that reports transport failures instead of panicking: the
/// server dies under it. The order number doubles as the Idempotency-Key.
async fn try_post(
    http: &reqwest::Client,
    client: &Client,
    path: &str,
    body: &Value,
    key: &str,
) -> Result<(u16, Value), String> {
    let body = body.to_string();
    let nonce = juhe_store::ids::random_hex(16);
    let timestamp = (juhe_store::clock::now_ms() / 1000).to_string();
    let message = juhe_crypto::request_string_to_sign("POST", path, &timestamp, &nonce, body.as_bytes());
    let signature = juhe_crypto::hmac_sha256_base64(client.app_secret.as_bytes(), &message);
    let auth = format!(
        r#"JUHE-HMAC-SHA256 app_id="{}",timestamp="{timestamp}",nonce="{nonce}",signature="{signature}""#,
        client.app_id
    );
    let response = http
        .post(format!("{}{path}", client.base_url))
        .header("Authorization", auth)
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", key)
        .timeout(Duration::from_secs(20))
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let text = response.text().await.map_err(|e| e.to_string())?;
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

/// A 1-fen wallet payment whose webhook goes to `notify_url`.
fn payment_body(order: &str, customer: &str, notify_url: &str) -> Value {
    json!({"merchant_order_no": order, "amount": 1, "subject": "kill -9 test", "way": "wallet",
           "payer": {"customer_id": customer}, "notify_url": notify_url})
}

/// What the payment streams saw.
#[derive(Default)]
struct Outcomes {
    /// (payment id, order no) of every 2xx.
    acked: Vec<(String, String)>,
    /// Orders whose request failed in transit: committed or not, nobody knows.
    unknown: Vec<String>,
    /// Any answer other than 2xx (there should be none).
    refused: Vec<(String, u16, Value)>,
}

/// Streams 1-fen wallet payments from STREAMS tasks until the server dies,
/// killing it KILL_AFTER into the stream.
async fn pay_until_killed(server: &mut Server, client: &Client, customer: &str, notify_url: &str) -> Outcomes {
    let outcomes = Arc::new(Mutex::new(Outcomes::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let http = reqwest::Client::new();
    let tasks: Vec<_> = (0..STREAMS)
        .map(|t| {
            let (outcomes, stop, http, client) = (outcomes.clone(), stop.clone(), http.clone(), client.clone());
            let (customer, notify_url) = (customer.to_string(), notify_url.to_string());
            tokio::spawn(async move {
                for i in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let order = format!("crash-{t}-{i}");
                    let body = payment_body(&order, &customer, &notify_url);
                    let result = try_post(&http, &client, "/v1/payments", &body, &order).await;
                    let mut o = outcomes.lock().unwrap();
                    match result {
                        Ok((status, body)) if (200..300).contains(&status) => {
                            let id = body["id"].as_str().expect("payment id").to_string();
                            o.acked.push((id, order));
                        }
                        Ok((status, body)) => o.refused.push((order, status, body)),
                        Err(_) => {
                            // The server is gone: this one's fate is unknown, and we stop.
                            o.unknown.push(order);
                            break;
                        }
                    }
                }
            })
        })
        .collect();

    // Let the stream get going, run it for a while, then kill -9.
    let deadline = Instant::now() + Duration::from_secs(60);
    while outcomes.lock().unwrap().acked.is_empty() {
        assert!(
            Instant::now() < deadline,
            "no payment succeeded:\n{}",
            server.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(KILL_AFTER).await;
    server.kill_9();
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        tokio::time::timeout(Duration::from_secs(60), t)
            .await
            .expect("payment streams end once the server is dead")
            .expect("payment stream task");
    }
    Arc::try_unwrap(outcomes)
        .ok()
        .expect("streams done")
        .into_inner()
        .unwrap()
}

async fn scalar(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(db.reader()).await.expect(sql)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_stream_loses_no_acknowledged_payment_or_webhook() {
    for engine in engines() {
        let started = Instant::now();
        let receiver = WebhookReceiver::always(200).await;
        let site = Site::new(engine).await;

        // 1. First life: serve the demo, stream payments, kill -9.
        let mut first = Server::spawn(&site, "1");
        first.wait_ready().await;
        let demo = site.demo();
        let (customer, webhook_secret) = (
            demo["customer_id"].as_str().expect("customer_id").to_string(),
            demo["webhook_secret"].as_str().expect("webhook_secret").to_string(),
        );
        let client = Client::new(
            demo["base_url"].as_str().expect("base_url"),
            demo["app_id"].as_str().expect("app_id"),
            demo["app_secret"].as_str().expect("app_secret"),
        );
        assert_eq!(client.base_url, first.base_url);
        let outcomes = pay_until_killed(&mut first, &client, &customer, &receiver.url).await;
        let killed_at = started.elapsed();
        assert!(
            outcomes.refused.is_empty(),
            "{engine:?}: answers other than 2xx before the kill: {:?}",
            &outcomes.refused[..outcomes.refused.len().min(5)]
        );
        assert!(!outcomes.acked.is_empty());

        // 2. Second life on the same data dir / database.
        let mut second = Server::spawn(&site, "2");
        second.wait_ready().await;
        let demo2 = site.demo();
        for field in ["app_id", "app_secret", "webhook_secret", "customer_id", "merchant_id"] {
            assert_eq!(demo2[field], demo[field], "{engine:?}: {field} survives the restart");
        }
        let client = Client::new(&second.base_url, &client.app_id, &client.app_secret);

        // Every acknowledged payment is there, succeeded.
        let lookups: Vec<_> = futures::stream::iter(outcomes.acked.iter().cloned())
            .map(|(id, order)| {
                let client = client.clone();
                async move { (id.clone(), order, client.get(&format!("/v1/payments/{id}")).await) }
            })
            .buffer_unordered(16)
            .collect()
            .await;
        for (id, order, r) in &lookups {
            assert_eq!(
                r.status, 200,
                "{engine:?}: acknowledged payment {id} is gone: {:?}",
                r.body
            );
            assert_eq!(r.body["status"], "succeeded", "{engine:?} {id}");
            assert_eq!(r.body["merchant_order_no"], order.as_str());
            assert_eq!(r.body["amount"], 1);
        }
        // The ones in flight at the kill either committed whole or not at
        // all; and a client retrying them with the same Idempotency-Key gets
        // the one payment (the committed one, or a new one), never two.
        let mut committed: HashSet<String> = outcomes.acked.iter().map(|(id, _)| id.clone()).collect();
        let mut in_flight_committed = 0;
        let http = reqwest::Client::new();
        for order in &outcomes.unknown {
            let r = client.get(&format!("/v1/payments?merchant_order_no={order}")).await;
            let before = match r.status {
                404 => None,
                200 => {
                    assert_eq!(r.body["status"], "succeeded", "{engine:?}: {:?}", r.body);
                    in_flight_committed += 1;
                    Some(r.body["id"].as_str().unwrap().to_string())
                }
                s => panic!("{engine:?}: looking up in-flight order {order}: {s} {:?}", r.body),
            };
            let body = payment_body(order, &customer, &receiver.url);
            let (status, retried) = try_post(&http, &client, "/v1/payments", &body, order)
                .await
                .expect("retry reaches the restarted server");
            assert!(
                (200..300).contains(&status),
                "{engine:?}: retry of {order}: {status} {retried:?}"
            );
            let id = retried["id"].as_str().expect("payment id").to_string();
            if let Some(before) = before {
                assert_eq!(id, before, "{engine:?}: the retry of {order} is the committed payment");
            }
            committed.insert(id);
        }

        // The database agrees: only whole payments, the wallet debited once each.
        let db = Db::connect(&DbConfig::new(site.database_url()))
            .await
            .expect("open the database");
        let succeeded = scalar(&db, "SELECT COUNT(*) FROM payments WHERE status = 'succeeded'").await;
        assert_eq!(
            succeeded,
            committed.len() as i64,
            "{engine:?}: payments nobody was told about"
        );
        assert_eq!(
            scalar(&db, "SELECT COUNT(*) FROM payments WHERE status <> 'succeeded'").await,
            0,
            "{engine:?}: half-made payments"
        );
        let c = client.get(&format!("/v1/customers/{customer}")).await;
        assert_eq!(c.body["wallets"][0]["balance"], 100_000 - succeeded, "{engine:?}");

        // The books verify, with the real command.
        let verify = tokio::time::timeout(
            Duration::from_secs(60),
            tokio::process::Command::new(JUHE)
                .args(["ledger", "verify"])
                .args(site.db_args())
                .env_remove("JUHE_DATABASE_URL")
                .env_remove("JUHE_DATA_DIR")
                .env_remove("JUHE_CONFIG")
                .output(),
        )
        .await
        .expect("ledger verify finishes")
        .expect("run ledger verify");
        let stdout = String::from_utf8_lossy(&verify.stdout);
        assert!(
            verify.status.success(),
            "{engine:?}: juhe ledger verify: {}\n{stdout}\n{}",
            verify.status,
            String::from_utf8_lossy(&verify.stderr)
        );
        assert!(stdout.contains("ledger OK"), "{stdout}");

        // Every committed payment's payment.succeeded arrives, signed; no
        // delivery is left behind (those the dead process had claimed come
        // back when its lease runs out).
        let arrived = |receptions: &[juhe_testkit::Reception]| -> HashSet<String> {
            receptions
                .iter()
                .map(|r| r.json())
                .filter(|b| b["type"] == "payment.succeeded")
                .filter_map(|b| b["data"]["id"].as_str().map(str::to_string))
                .collect()
        };
        let all_arrived = receiver
            .wait_until(CATCH_UP, |r| committed.is_subset(&arrived(r)))
            .await;
        let missing: Vec<_> = committed
            .difference(&arrived(&receiver.receptions()))
            .cloned()
            .collect();
        assert!(
            all_arrived,
            "{engine:?}: {} of {} payment.succeeded webhooks missing after {CATCH_UP:?}, e.g. {:?}\n{}",
            missing.len(),
            committed.len(),
            &missing[..missing.len().min(5)],
            second.log_tail()
        );
        let deadline = Instant::now() + CATCH_UP;
        loop {
            let counts: HashMap<String, i64> = juhe_store::events::delivery_counts(db.reader())
                .await
                .expect("delivery counts")
                .into_iter()
                .collect();
            if counts.keys().all(|s| s == "delivered") {
                assert_eq!(
                    counts.get("delivered"),
                    Some(&succeeded),
                    "{engine:?}: one delivery per payment"
                );
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{engine:?}: deliveries not all delivered: {counts:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let receptions = receiver.receptions();
        for r in &receptions {
            assert!(r.signature_valid(&webhook_secret), "{engine:?}: bad signature on {r:?}");
            assert_eq!(r.json()["id"].as_str(), r.event_id.as_deref());
        }
        let distinct: HashSet<_> = receptions.iter().map(|r| r.event_id.clone()).collect();
        assert_eq!(distinct.len() as i64, succeeded, "{engine:?}: one event per payment");

        db.close().await;
        drop(second);
        eprintln!(
            "{engine:?}: {} acknowledged, {} in flight at the kill ({} of them committed), killed after {:.1?}, \
             {} webhook requests for {} events; {:.1?} in all",
            outcomes.acked.len(),
            outcomes.unknown.len(),
            in_flight_committed,
            killed_at,
            receptions.len(),
            distinct.len(),
            started.elapsed()
        );
    }
}
