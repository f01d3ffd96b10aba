//! `juhe serve --demo`, the real binary, wired to the channel sandboxes:
//! QR payments through WeChat Pay, Alipay and JD Pay (the external service)
//! paid on the payer page's endpoint, an Alipay barcode payment paid at
//! once, a card payment through the acquirer, signed webhooks to a local
//! receiver, and `juhe ledger verify` exits 0 afterwards.

use juhe_testkit::{Client, WebhookReceiver};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const JUHE: &str = env!("CARGO_BIN_EXE_juhe");

/// A running `juhe serve --demo`; killed and reaped when dropped.
struct Server {
    child: Child,
    log: PathBuf,
    base_url: String,
    dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn spawn() -> Server {
        let dir = tempfile::tempdir().expect("data dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let log = dir.path().join("serve.log");
        let out = std::fs::File::create(&log).expect("log file");
        let mut cmd = Command::new(JUHE);
        cmd.args(["serve", "--demo", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--data-dir", &dir.path().display().to_string()]);
        for var in [
            "JUHE_LISTEN",
            "JUHE_DATA_DIR",
            "JUHE_DATABASE_URL",
            "JUHE_CONFIG",
            "JUHE_MASTER_KEY_FILE",
            "JUHE_SANDBOX_URL",
            "JUHE_ADMIN_TOKEN",
            "JUHE_CHANNEL_TOKEN",
        ] {
            cmd.env_remove(var);
        }
        let child = cmd
            .env("JUHE_WEBHOOK_RETRY_SCALE", "1000")
            .env("JUHE_CHANNEL_POLL_SCALE", "100")
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
            dir,
        }
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    async fn wait_ready(&mut self) {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("juhe serve exited with {status}:\n{}", self.log_tail());
            }
            let probe = http.get(format!("{}/healthz", self.base_url)).send().await;
            if matches!(&probe, Ok(r) if r.status() == 200) {
                return;
            }
            assert!(Instant::now() < deadline, "not ready in 90 s:\n{}", self.log_tail());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn demo(&self) -> Value {
        let text = std::fs::read_to_string(self.dir.path().join("demo.json")).expect("demo.json");
        serde_json::from_str(&text).expect("demo.json is JSON")
    }

    fn admin_token(&self) -> String {
        let text = std::fs::read_to_string(self.dir.path().join("admin.token")).expect("admin.token");
        text.lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
            .expect("a token line")
            .to_string()
    }

    async fn configs(&self) -> Vec<Value> {
        let listed: Value = reqwest::Client::new()
            .get(format!("{}/admin/v1/merchants/mch_demo/channel-configs", self.base_url))
            .bearer_auth(self.admin_token())
            .send()
            .await
            .expect("list configs")
            .json()
            .await
            .expect("configs JSON");
        match listed {
            Value::Array(all) => all,
            other => other["data"].as_array().cloned().unwrap_or_default(),
        }
    }

    /// Makes `channel` the first choice for QR payments.
    async fn prefer(&self, channel: &str, priority: i64) {
        let config = self
            .configs()
            .await
            .into_iter()
            .find(|c| c["channel"] == channel)
            .unwrap_or_else(|| panic!("no {channel} configuration"));
        let status = reqwest::Client::new()
            .put(format!(
                "{}/admin/v1/merchants/mch_demo/channel-configs/{}",
                self.base_url,
                config["id"].as_str().expect("id")
            ))
            .bearer_auth(self.admin_token())
            .json(&json!({
                "channel": channel,
                "name": config["name"],
                "params": config["params"],
                "fee_bps": config["fee_bps"],
                "priority": priority,
            }))
            .send()
            .await
            .expect("update config")
            .status();
        assert_eq!(status, 200, "updating {channel}");
    }
}

/// Polls the payment until it leaves `processing` (or 60 s pass).
async fn settled(client: &Client, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let p = client.get(&format!("/v1/payments/{id}")).await.body;
        if p["status"] != "processing" || Instant::now() > deadline {
            return p;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn pay_on_page(page: &str, code_url: &str) -> Value {
    let http = reqwest::Client::new();
    // The page lists the order before the payer pays it.
    let listed: Value = http
        .get(format!("{page}/api/orders"))
        .send()
        .await
        .expect("orders")
        .json()
        .await
        .expect("orders JSON");
    assert!(
        listed
            .as_array()
            .expect("a list")
            .iter()
            .any(|o| o["code_url"] == code_url),
        "{code_url} not on the page: {listed}"
    );
    let paid = http
        .post(format!("{page}/api/pay"))
        .json(&json!({ "code": code_url }))
        .send()
        .await
        .expect("pay");
    assert_eq!(paid.status(), 200);
    paid.json().await.expect("pay JSON")
}

async fn qr_payment(client: &Client, page: &str, channel: &str, order: &str, amount: i64, notify_url: &str) -> String {
    let created = client
        .post(
            "/v1/payments",
            json!({"merchant_order_no": order, "amount": amount, "subject": "sandbox QR", "way": "qr",
                   "notify_url": notify_url}),
        )
        .await;
    assert!(
        created.status == 201 || created.status == 200,
        "{channel}: {:?}",
        created.body
    );
    let p = created.body;
    assert_eq!(p["channel"], channel, "{p}");
    assert_eq!(p["status"], "processing", "{p}");
    assert_eq!(p["pay_action"]["type"], "qr_code", "{p}");
    let code_url = p["pay_action"]["code_url"].as_str().expect("code_url").to_string();
    let paid = pay_on_page(page, &code_url).await;
    assert_eq!(paid["channel"], channel);
    assert_eq!(paid["payable"], false, "{paid}");
    let id = p["id"].as_str().expect("id").to_string();
    let done = settled(client, &id).await;
    assert_eq!(done["status"], "succeeded", "{channel}: {done}");
    id
}

#[tokio::test]
async fn demo_merchant_pays_through_every_sandbox() {
    let mut server = Server::spawn();
    server.wait_ready().await;
    let demo = server.demo();
    let page = demo["sandbox_url"]
        .as_str()
        .expect("sandbox_url in demo.json")
        .to_string();
    let webhook_secret = demo["webhook_secret"].as_str().expect("webhook_secret").to_string();
    let client = Client::new(
        &server.base_url,
        demo["app_id"].as_str().expect("app_id"),
        demo["app_secret"].as_str().expect("app_secret"),
    );
    let page_html = reqwest::get(&page)
        .await
        .expect("page")
        .text()
        .await
        .expect("page text");
    assert!(page_html.contains("Payer's phone"));

    // JD Pay's configuration appears once its service has registered.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !server.configs().await.iter().any(|c| c["channel"] == "jdpay") {
        assert!(
            Instant::now() < deadline,
            "no JD Pay configuration:\n{}",
            server.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let channels: Vec<String> = server
        .configs()
        .await
        .iter()
        .map(|c| c["channel"].as_str().unwrap_or_default().to_string())
        .collect();
    for c in ["wechatpay", "alipay", "unionpay", "jdpay", "bankcard"] {
        assert!(channels.iter().any(|x| x == c), "{c} missing in {channels:?}");
    }

    let receiver = WebhookReceiver::always(200).await;

    // WeChat Pay has the highest priority; then Alipay, then JD Pay are preferred.
    let wechat = qr_payment(&client, &page, "wechatpay", "demo-qr-wx", 1234, &receiver.url).await;
    server.prefer("alipay", 100).await;
    let alipay = qr_payment(&client, &page, "alipay", "demo-qr-ali", 2345, &receiver.url).await;
    server.prefer("jdpay", 200).await;
    let jdpay = qr_payment(&client, &page, "jdpay", "demo-qr-jd", 3456, &receiver.url).await;

    // An Alipay payment code: paid at once.
    let barcode = client
        .post(
            "/v1/payments",
            json!({"merchant_order_no": "demo-bc-ali", "amount": 500, "subject": "sandbox barcode",
                   "way": "barcode", "payer": {"auth_code": "286648048691290423"}}),
        )
        .await;
    assert!(barcode.status == 201 || barcode.status == 200, "{:?}", barcode.body);
    assert_eq!(barcode.body["channel"], "alipay");
    let barcode = settled(&client, barcode.body["id"].as_str().expect("id")).await;
    assert_eq!(barcode["status"], "succeeded", "{barcode}");

    // A card at the acquirer.
    let pan = "6221235200000000001";
    let card = client
        .post(
            "/v1/payments",
            json!({"merchant_order_no": "demo-card", "amount": 8800, "subject": "sandbox card", "way": "card",
                   "card": {"pan": pan, "track2": format!("{pan}=2512101"), "expiry": "2512", "entry_mode": "051",
                            "pin_block": "A1B2C3D4E5F60718", "icc_data": "9F2608A1B2C3D4E5F60718", "sequence": "001"}}),
        )
        .await;
    assert!(card.status == 201 || card.status == 200, "{:?}", card.body);
    assert_eq!(card.body["channel"], "bankcard");
    let card = settled(&client, card.body["id"].as_str().expect("id")).await;
    assert_eq!(card["status"], "succeeded", "{card}");

    // Signed webhooks for the QR payments reached the receiver.
    for id in [&wechat, &alipay, &jdpay] {
        let arrived = receiver
            .wait_until(Duration::from_secs(30), |all| {
                all.iter()
                    .any(|r| r.json()["data"]["id"] == id.as_str() || r.json()["data"]["object"]["id"] == id.as_str())
            })
            .await;
        assert!(
            arrived,
            "no webhook for {id}: {:?}",
            receiver.receptions().iter().map(|r| r.json()).collect::<Vec<_>>()
        );
    }
    let receptions = receiver.receptions();
    assert!(receptions.iter().all(|r| r.signature_valid(&webhook_secret)));

    let _ = server.child.kill();
    let _ = server.child.wait();
    let verify = tokio::process::Command::new(JUHE)
        .args([
            "ledger",
            "verify",
            "--data-dir",
            &server.dir.path().display().to_string(),
        ])
        .env_remove("JUHE_DATABASE_URL")
        .env_remove("JUHE_DATA_DIR")
        .env_remove("JUHE_CONFIG")
        .output()
        .await
        .expect("run ledger verify");
    let stdout = String::from_utf8_lossy(&verify.stdout);
    assert!(
        verify.status.success(),
        "ledger verify: {stdout}\n{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    assert!(stdout.contains("ledger OK"), "{stdout}");
}
