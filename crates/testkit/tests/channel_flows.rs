//! How juhe drives payment channels, end to end through HTTP on every
//! engine, against in-memory scripted channels (`ScriptedChannel`): QR
//! payments settled by notification (duplicates change nothing), rejected
//! and misdirected notifications, payment codes resolved by querying with
//! backoff or reversed at their deadline, failover only on definite "no
//! money taken" answers (checked over every combination of channel
//! behaviours), the circuit breaker, per-payment and daily limits, merchant
//! close, channel refunds, crash safety of the first write, amount
//! mismatches, the capability matrix and the admin API.
//!
//! The last tests pin down defects these flows found (cross-configuration
//! refund notifications, creates still in flight, crashes between failover
//! attempts, stale trade numbers, unsupported refunds, key replays).

use juhe_channel::breaker::BreakerPolicy;
use juhe_channel::{Channel, Operation};
use juhe_domain::way::Way;
use juhe_domain::webhook::RetrySchedule;
use juhe_domain::{Currency, Money};
use juhe_service::channels::PollPolicy;
use juhe_testkit::{
    ChannelSetup, Client, ConsoleRole, Plan, Reply, ScriptedChannel, Step, TestApp, TestServer, WebhookReceiver,
    assert_error, engines,
};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

const KEY_A: &str = "notify-key-of-config-a";
const KEY_B: &str = "notify-key-of-config-b";
/// A WeChat payment code (prefix 13): barcode routing only picks `wechatpay`.
const WECHAT_CODE: &str = "134567890123456789";
/// How long a test waits for something the worker does.
const PATIENCE: Duration = Duration::from_secs(15);

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

async fn start(engine: juhe_testkit::Engine, channels: &[&Arc<ScriptedChannel>], setup: ChannelSetup) -> TestServer {
    let channels = channels.iter().map(|c| Arc::clone(c) as Arc<dyn Channel>).collect();
    TestServer::start_with_channels(engine, ChannelSetup { channels, ..setup }).await
}

/// A configuration of `channel` for the merchant; returns its id.
async fn config(
    server: &TestServer,
    merchant_id: &str,
    channel: &str,
    key: &str,
    priority: i64,
    fee_bps: i64,
) -> String {
    config_with(server, merchant_id, channel, key, priority, fee_bps, json!({})).await
}

async fn config_with(
    server: &TestServer,
    merchant_id: &str,
    channel: &str,
    key: &str,
    priority: i64,
    fee_bps: i64,
    extra: Value,
) -> String {
    let mut body = json!({"channel": channel, "name": format!("{channel} p{priority}"), "priority": priority,
                          "fee_bps": fee_bps, "secrets": {"notify_key": key}, "params": {"mch_no": "M-1"}});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let created = server.channel_config(merchant_id, body).await;
    created["id"].as_str().expect("config id").to_string()
}

/// The test schedule, but attempts are looked at as orphans only after a
/// minute, so a deliberately slow channel answer never meets that query.
fn patient_orphans() -> PollPolicy {
    PollPolicy {
        orphan_after_ms: 60_000,
        ..PollPolicy::default().scaled_down(100)
    }
}

fn qr(order: &str, amount: i64) -> Value {
    json!({"merchant_order_no": order, "amount": amount, "subject": "channel test", "way": "qr"})
}

fn card(order: &str, amount: i64) -> Value {
    json!({"merchant_order_no": order, "amount": amount, "subject": "channel test", "way": "card",
           "card": {"pan": "6221235200000000001", "entry_mode": "051"}})
}

fn barcode(order: &str, amount: i64) -> Value {
    json!({"merchant_order_no": order, "amount": amount, "subject": "channel test", "way": "barcode",
           "payer": {"auth_code": WECHAT_CODE}})
}

/// POSTs a payment, expecting 201; returns the payment.
async fn create(server: &TestServer, client: &Client, body: Value) -> Value {
    let r = client.post("/v1/payments", body).await;
    assert_eq!(r.status, 201, "{:?}: {:?}", server.engine, r.body);
    r.body
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_string()
}

/// Polls `path` until its `status` is one of `statuses`; returns the object.
async fn wait_status(server: &TestServer, client: &Client, path: &str, statuses: &[&str]) -> Value {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let r = client.get(path).await;
        assert_eq!(r.status, 200, "{:?} {path}: {:?}", server.engine, r.body);
        if statuses.iter().any(|s| r.body["status"] == *s) {
            return r.body;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{:?}: {path} did not reach {statuses:?} within {PATIENCE:?}: {}",
            server.engine,
            r.body
        );
        tokio::time::sleep(ms(20)).await;
    }
}

async fn wait_payment(server: &TestServer, client: &Client, payment_id: &str, statuses: &[&str]) -> Value {
    wait_status(server, client, &format!("/v1/payments/{payment_id}"), statuses).await
}

/// Posts a notification to juhe as a channel would; returns status and body.
async fn notify(
    server: &TestServer,
    channel: &str,
    config_id: &str,
    signature: Option<&str>,
    body: Vec<u8>,
) -> (u16, String) {
    let mut req = reqwest::Client::new().post(format!("{}/v1/notify/{channel}/{config_id}", server.base_url));
    if let Some(sig) = signature {
        req = req.header("x-test-signature", sig);
    }
    let resp = req.body(body).send().await.expect("notification reaches juhe");
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap_or_default())
}

/// A correctly signed notification.
async fn notify_signed(server: &TestServer, channel: &str, config_id: &str, key: &str, body: Vec<u8>) -> (u16, String) {
    let sig = ScriptedChannel::sign(key, &body);
    notify(server, channel, config_id, Some(&sig), body).await
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
struct Attempt {
    seq: i64,
    channel: String,
    config_id: String,
    channel_order_no: String,
    status: String,
    error_code: Option<String>,
}

async fn attempts(server: &TestServer, payment_id: &str) -> Vec<Attempt> {
    sqlx::query_as(
        "SELECT seq, channel, config_id, channel_order_no, status, error_code FROM payment_attempts \
         WHERE payment_id = $1 ORDER BY seq",
    )
    .bind(payment_id)
    .fetch_all(server.db.reader())
    .await
    .expect("read attempts")
}

/// The channel order number of the payment's last attempt.
async fn order_no(server: &TestServer, payment_id: &str) -> String {
    let all = attempts(server, payment_id).await;
    all.last().expect("an attempt").channel_order_no.clone()
}

async fn count(server: &TestServer, sql: &str, bind: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .bind(bind)
        .fetch_one(server.db.reader())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Journal entries posted for an object (payment or refund).
async fn entries_of(server: &TestServer, object_id: &str) -> i64 {
    count(
        server,
        "SELECT COUNT(*) FROM journal_entries WHERE ref_id = $1",
        object_id,
    )
    .await
}

/// Types of the events about an object, oldest first.
async fn event_types(server: &TestServer, object_id: &str) -> Vec<String> {
    juhe_store::events::events_of_object(server.db.reader(), object_id)
        .await
        .expect("events")
        .into_iter()
        .map(|e| e.event_type)
        .collect()
}

/// Outcomes logged for notifications about a payment (sorted).
async fn notification_outcomes(server: &TestServer, config_id: &str) -> Vec<String> {
    let mut v: Vec<String> = sqlx::query_scalar("SELECT outcome FROM channel_notifications WHERE config_id = $1")
        .bind(config_id)
        .fetch_all(server.db.reader())
        .await
        .expect("notifications");
    v.sort();
    v
}

/// The merchant's payable balance (what juhe owes it).
async fn payable(server: &TestServer, merchant_id: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(
        "SELECT CAST(COALESCE(SUM(balance), 0) AS BIGINT) FROM accounts \
         WHERE owner_type = 'merchant' AND owner_id = $1 AND kind = 'merchant_payable'",
    )
    .bind(merchant_id)
    .fetch_one(server.db.reader())
    .await
    .expect("payable")
}

fn pay_action_type(p: &Value) -> &str {
    p["pay_action"]["type"].as_str().unwrap_or("")
}

// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qr_paid_by_notification_once_with_one_webhook() {
    for engine in engines() {
        let alpha = ScriptedChannel::new("alphapay", &[Way::Qr, Way::Card]);
        let server = start(engine, &[&alpha], ChannelSetup::default()).await;
        let receiver = WebhookReceiver::always(200).await;
        let app = server.merchant(0, Some(&receiver.url)).await;
        let client = server.client(&app);
        let cfg = config(&server, &app.merchant_id, "alphapay", KEY_A, 10, 60).await;

        let p = create(&server, &client, qr("qr-1", 10_000)).await;
        assert_eq!(p["status"], "processing", "{engine:?} {p}");
        assert_eq!(pay_action_type(&p), "qr_code", "{p}");
        let order = order_no(&server, &id(&p)).await;
        assert_eq!(p["pay_action"]["code_url"], format!("scripted://alphapay/{order}"));
        assert_eq!(
            (p["channel"].as_str(), p["fee"].as_i64()),
            (Some("alphapay"), Some(60)),
            "0.6% of 100.00"
        );

        let paid = ScriptedChannel::payment_notification(&order, "paid", 10_000, "T-QR-1");
        let (status, body) = notify_signed(&server, "alphapay", &cfg, KEY_A, paid.clone()).await;
        assert_eq!((status, body.as_str()), (200, "success"), "{engine:?}");
        let done = wait_payment(&server, &client, &id(&p), &["succeeded"]).await;
        assert_eq!(done["channel_trade_no"], "T-QR-1");
        // The same notification again: acknowledged, nothing posted twice.
        let (status, body) = notify_signed(&server, "alphapay", &cfg, KEY_A, paid).await;
        assert_eq!((status, body.as_str()), (200, "success"), "{engine:?}");
        assert_eq!(entries_of(&server, &id(&p)).await, 1, "{engine:?}: one ledger entry");
        assert_eq!(
            notification_outcomes(&server, &cfg).await,
            ["applied", "duplicate"],
            "{engine:?}"
        );
        assert_eq!(payable(&server, &app.merchant_id).await, 10_000 - 60, "{engine:?}");
        assert_eq!(event_types(&server, &id(&p)).await, ["payment.succeeded"], "{engine:?}");
        assert_eq!(
            alpha.ops_of(&order).iter().filter(|o| **o == Operation::Create).count(),
            1
        );

        // The webhook reaches the merchant exactly once per event id.
        let events = juhe_store::events::events_of_object(server.db.reader(), &id(&p))
            .await
            .unwrap();
        let event_id = events[0].id.clone();
        let worker = juhe_webhooks::Worker::new(
            server.db.clone(),
            server.keys.clone(),
            juhe_webhooks::WorkerConfig {
                schedule: RetrySchedule::new(vec![ms(50); 5]),
                poll_interval: ms(20),
                request_timeout: Duration::from_secs(10),
                lease: Duration::from_secs(30),
                batch: 32,
            },
        )
        .expect("webhook worker");
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let handle = tokio::spawn(worker.run(stopped));
        assert!(
            receiver
                .wait_until(PATIENCE, |r| r.iter().any(|r| r.event_id.as_deref() == Some(&event_id)))
                .await,
            "{engine:?}: payment.succeeded was not delivered"
        );
        tokio::time::sleep(ms(300)).await;
        let _ = stop.send(true);
        let _ = tokio::time::timeout(Duration::from_secs(10), handle).await;
        let got = receiver.receptions_of(&event_id);
        assert_eq!(got.len(), 1, "{engine:?}: {got:#?}");
        assert_eq!(got[0].json()["type"], "payment.succeeded");
        assert_eq!(got[0].json()["data"]["status"], "succeeded");
        assert!(got[0].signature_valid(&app.webhook_secret));
        assert_eq!(receiver.receptions().len(), 1, "{engine:?}: only that event was sent");

        server.assert_ledger_ok().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_and_misdirected_notifications_change_nothing() {
    for engine in engines() {
        let alpha = ScriptedChannel::new("alphapay", &[Way::Qr]);
        let beta = ScriptedChannel::new("betapay", &[Way::Qr]);
        let server = start(engine, &[&alpha, &beta], ChannelSetup::default()).await;
        let a = server.merchant(0, None).await;
        let b = server.merchant(0, None).await;
        let cfg_a = config(&server, &a.merchant_id, "alphapay", KEY_A, 1, 0).await;
        let cfg_b = config(&server, &b.merchant_id, "alphapay", KEY_B, 1, 0).await;
        let client = server.client(&a);
        let p = create(&server, &client, qr("forge-1", 5_000)).await;
        let order = order_no(&server, &id(&p)).await;
        let paid = ScriptedChannel::payment_notification(&order, "paid", 5_000, "T-F");
        let before = server.snapshot().await;

        let fail = (500, "fail".to_string());
        // Signed with another key, unsigned, a body other than the one signed.
        let forged = ScriptedChannel::sign(KEY_B, &paid);
        assert_eq!(
            notify(&server, "alphapay", &cfg_a, Some(&forged), paid.clone()).await,
            fail
        );
        assert_eq!(notify(&server, "alphapay", &cfg_a, None, paid.clone()).await, fail);
        let other = ScriptedChannel::payment_notification(&order, "paid", 5_000, "T-OTHER");
        let sig_of_other = ScriptedChannel::sign(KEY_A, &other);
        assert_eq!(
            notify(&server, "alphapay", &cfg_a, Some(&sig_of_other), paid.clone()).await,
            fail
        );
        // Properly signed, but for configuration B (merchant B) about merchant A's order:
        // acknowledged (so B's channel stops resending) and ignored.
        let (status, _) = notify_signed(&server, "alphapay", &cfg_b, KEY_B, paid.clone()).await;
        assert_eq!(status, 200, "{engine:?}");
        // A's key on B's URL does not verify there.
        assert_eq!(
            notify_signed(&server, "alphapay", &cfg_b, KEY_A, paid.clone()).await,
            fail
        );
        // Configuration A under another channel's URL, or an unknown configuration.
        assert_eq!(
            notify_signed(&server, "betapay", &cfg_a, KEY_A, paid.clone()).await,
            fail
        );
        assert_eq!(
            notify_signed(&server, "alphapay", "chc_nope", KEY_A, paid.clone()).await,
            fail
        );
        assert_eq!(
            notify_signed(&server, "nopay", &cfg_a, KEY_A, paid.clone()).await.0,
            404
        );

        server
            .assert_unchanged(&before, "forged or misdirected notifications")
            .await;
        let now = client.get(&format!("/v1/payments/{}", id(&p))).await;
        assert_eq!(now.body["status"], "processing", "{engine:?}");
        assert_eq!(entries_of(&server, &id(&p)).await, 0);
        let outcomes = notification_outcomes(&server, &cfg_a).await;
        assert!(
            outcomes.iter().all(|o| o == "rejected") && outcomes.len() == 3,
            "{engine:?}: {outcomes:?}"
        );
        assert!(
            !notification_outcomes(&server, &cfg_b)
                .await
                .iter()
                .any(|o| o == "applied")
        );

        // The genuine one still works afterwards.
        assert_eq!(notify_signed(&server, "alphapay", &cfg_a, KEY_A, paid).await.0, 200);
        wait_payment(&server, &client, &id(&p), &["succeeded"]).await;
        server.assert_ledger_ok().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn barcode_paying_is_queried_with_backoff_until_paid() {
    for engine in engines() {
        let wx = ScriptedChannel::new("wechatpay", &[Way::Barcode]);
        let server = start(engine, &[&wx], ChannelSetup::default()).await;
        let app = server.merchant(0, None).await;
        let client = server.client(&app);
        config(&server, &app.merchant_id, "wechatpay", KEY_A, 1, 30).await;

        wx.plan(Plan::create(Step::Paying).then(Operation::Query, [Step::Paying, Step::Paying, Step::Paid]));
        let p = create(&server, &client, barcode("bc-1", 2_000)).await;
        assert_eq!(p["status"], "processing", "{engine:?} {p}");
        assert!(p["pay_action"].is_null());
        let done = wait_payment(&server, &client, &id(&p), &["succeeded", "failed", "closed"]).await;
        assert_eq!(done["status"], "succeeded", "{engine:?} {done}");
        let order = order_no(&server, &id(&p)).await;
        let calls = wx.calls_of(&order);
        let ops: Vec<Operation> = calls.iter().map(|c| c.op).collect();
        use Operation::{Create, Query};
        assert_eq!(ops, [Create, Query, Query, Query], "{engine:?}");
        // Each query waits at least the backoff for its try: 1st, 2nd, 3rd.
        let poll = server.hub.poll;
        assert!(calls[1].at_ms - calls[0].at_ms >= poll.first_ms, "{calls:?}");
        for k in 1..3 {
            let gap = calls[k + 1].at_ms - calls[k].at_ms;
            assert!(
                gap >= poll.backoff(k as i64),
                "{engine:?}: gap {gap} after query {k}: {calls:?}"
            );
        }
        assert_eq!(entries_of(&server, &id(&p)).await, 1);
        assert_eq!(event_types(&server, &id(&p)).await, ["payment.succeeded"]);

        // Payment codes route by their prefix: an Alipay code finds no
        // configuration here, and digits that are no payment code are refused.
        let mut alipay = barcode("bc-alipay", 100);
        alipay["payer"]["auth_code"] = json!("281234567890123456");
        assert_error(&client.post("/v1/payments", alipay).await, 400, "unsupported_way");
        let mut junk = barcode("bc-junk", 100);
        junk["payer"]["auth_code"] = json!("991234567890123456");
        assert_error(&client.post("/v1/payments", junk).await, 400, "invalid_request");
        assert_eq!(wx.count(Operation::Create), 1);
        server.assert_ledger_ok().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn barcode_still_paying_at_the_deadline_is_reversed() {
    for engine in engines() {
        let wx = ScriptedChannel::new("wechatpay", &[Way::Barcode]);
        let server = start(engine, &[&wx], ChannelSetup::default()).await;
        let app = server.merchant(0, None).await;
        let client = server.client(&app);
        config(&server, &app.merchant_id, "wechatpay", KEY_A, 1, 0).await;

        // Paying, and every query says paying still (the channel's memory).
        wx.plan(Plan::create(Step::Paying));
        let p = create(&server, &client, barcode("bc-2", 2_000)).await;
        let done = wait_payment(&server, &client, &id(&p), &["succeeded", "failed", "closed"]).await;
        assert_eq!(done["status"], "closed", "{engine:?} {done}");
        tokio::time::sleep(ms(200)).await;
        let order = order_no(&server, &id(&p)).await;
        let ops = wx.ops_of(&order);
        assert_eq!(ops.first(), Some(&Operation::Create), "{ops:?}");
        assert_eq!(
            ops.iter().filter(|o| **o == Operation::Create).count(),
            1,
            "never created twice: {ops:?}"
        );
        assert_eq!(ops.last(), Some(&Operation::Reverse), "{engine:?}: {ops:?}");
        assert_eq!(ops.iter().filter(|o| **o == Operation::Reverse).count(), 1, "{ops:?}");
        assert_eq!(
            ops[ops.len() - 2],
            Operation::Query,
            "queried right before reversing: {ops:?}"
        );
        assert!(!ops.contains(&Operation::Close), "{ops:?}");
        assert_eq!(wx.count(Operation::Create), 1);
        assert_eq!(attempts(&server, &id(&p)).await[0].status, "closed");
        assert_eq!(event_types(&server, &id(&p)).await, ["payment.closed"]);
        assert_eq!(entries_of(&server, &id(&p)).await, 0);
        server.assert_ledger_ok().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failover_only_on_answers_that_took_no_money() {
    for engine in engines() {
        let alpha = ScriptedChannel::new("alphapay", &[Way::Card]);
        let beta = ScriptedChannel::new("betapay", &[Way::Card]);
        let server = start(engine, &[&alpha, &beta], ChannelSetup::default()).await;
        let app = server.merchant(0, None).await;
        let client = server.client(&app);
        let cfg_alpha = config(&server, &app.merchant_id, "alphapay", KEY_A, 20, 60).await;
        let cfg_beta = config(&server, &app.merchant_id, "betapay", KEY_B, 10, 100).await;

        // Declined by the first (higher priority): the second takes it.
        alpha.plan(Plan::create(Step::Declined("NOTENOUGH")));
        let p = create(&server, &client, card("fo-1", 10_000)).await;
        assert_eq!(p["status"], "succeeded", "{engine:?} {p}");
        assert_eq!(p["channel"], "betapay");
        assert_eq!(p["fee"], 100, "the fee of the configuration that took the money");
        let tries = attempts(&server, &id(&p)).await;
        assert_eq!(tries.len(), 2, "{tries:?}");
        assert_eq!(
            (
                tries[0].config_id.as_str(),
                tries[0].status.as_str(),
                tries[0].error_code.as_deref()
            ),
            (cfg_alpha.as_str(), "failed", Some("NOTENOUGH"))
        );
        assert_eq!(
            (tries[1].config_id.as_str(), tries[1].status.as_str()),
            (cfg_beta.as_str(), "succeeded")
        );
        assert_ne!(
            tries[0].channel_order_no, tries[1].channel_order_no,
            "a new order number per attempt"
        );
        assert_eq!(payable(&server, &app.merchant_id).await, 10_000 - 100);
        // The declined channel later claims it was paid after all: recorded as a
        // discrepancy for reconciliation, never a second collection.
        let late = ScriptedChannel::payment_notification(&tries[0].channel_order_no, "paid", 10_000, "T-LATE");
        assert_eq!(notify_signed(&server, "alphapay", &cfg_alpha, KEY_A, late).await.0, 200);
        assert_eq!(
            notification_outcomes(&server, &cfg_alpha).await,
            ["discrepancy"],
            "{engine:?}"
        );
        let p = client.get(&format!("/v1/payments/{}", id(&p))).await.body;
        assert_eq!(
            (p["status"].as_str(), p["channel"].as_str()),
            (Some("succeeded"), Some("betapay"))
        );
        assert_eq!(entries_of(&server, &id(&p)).await, 1, "{engine:?}");
        // A refund goes to the channel that took the money.
        let r = refund(&client, &id(&p), "fo-1-r", 1_000).await;
        assert_eq!(r.body["status"], "succeeded", "{engine:?} {:?}", r.body);
        assert!(beta.ops_of(&tries[1].channel_order_no).contains(&Operation::Refund));
        assert!(!alpha.ops_of(&tries[0].channel_order_no).contains(&Operation::Refund));

        // A failed state answered at creation is a decline too.
        alpha.plan(Plan::create(Step::Failed("CARD_EXPIRED")));
        let p = create(&server, &client, card("fo-2", 1_000)).await;
        assert_eq!(
            (p["status"].as_str(), p["channel"].as_str()),
            (Some("succeeded"), Some("betapay")),
            "{p}"
        );

        // An unknown outcome (timeout) at the first: no failover; the query decides.
        let beta_creates = beta.count(Operation::Create);
        alpha.plan(Plan::create(Step::Unknown).then(Operation::Query, [Step::Paid]));
        let p = create(&server, &client, card("fo-3", 3_000)).await;
        assert_eq!(p["status"], "processing", "{engine:?} {p}");
        let done = wait_payment(&server, &client, &id(&p), &["succeeded", "failed", "closed"]).await;
        assert_eq!(
            (done["status"].as_str(), done["channel"].as_str()),
            (Some("succeeded"), Some("alphapay"))
        );
        assert_eq!(done["fee"], 18, "0.6% of 30.00");
        assert_eq!(
            beta.count(Operation::Create),
            beta_creates,
            "{engine:?}: never sent to the second channel"
        );
        let tries = attempts(&server, &id(&p)).await;
        assert_eq!(tries.len(), 1, "{tries:?}");
        assert_eq!(
            alpha.ops_of(&tries[0].channel_order_no),
            [Operation::Create, Operation::Query]
        );

        // Every configuration declines: failed with the last failure, one event.
        alpha.plan(Plan::create(Step::Declined("A_REFUSED")));
        beta.plan(Plan::create(Step::Declined("B_REFUSED")));
        let p = create(&server, &client, card("fo-4", 4_000)).await;
        assert_eq!(p["status"], "failed", "{engine:?} {p}");
        assert_eq!(p["failure_code"], "B_REFUSED");
        let tries = attempts(&server, &id(&p)).await;
        assert_eq!(
            tries.iter().map(|t| t.status.as_str()).collect::<Vec<_>>(),
            ["failed", "failed"]
        );
        assert_eq!(event_types(&server, &id(&p)).await, ["payment.failed"]);
        assert_eq!(entries_of(&server, &id(&p)).await, 0);

        server.assert_ledger_ok().await;
    }
}

/// What one channel does with an attempt, in the routing property test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Behaviour {
    Declines,
    NotSent,
    UnknownThenPaid,
    UnknownThenUnpaid,
    Pays,
}

const BEHAVIOURS: [Behaviour; 5] = [
    Behaviour::Declines,
    Behaviour::NotSent,
    Behaviour::UnknownThenPaid,
    Behaviour::UnknownThenUnpaid,
    Behaviour::Pays,
];

impl Behaviour {
    fn plan(self) -> Plan {
        match self {
            Behaviour::Declines => Plan::create(Step::Declined("DECLINED")),
            Behaviour::NotSent => Plan::create(Step::NotSent),
            Behaviour::UnknownThenPaid => Plan::create(Step::Unknown).then(Operation::Query, [Step::Paid]),
            Behaviour::UnknownThenUnpaid => Plan::create(Step::Unknown).then(Operation::Query, [Step::NotFound]),
            Behaviour::Pays => Plan::create(Step::Paid),
        }
    }
}

/// What routing may end with: the (status, failure code) pairs allowed,
/// and the number of attempts made.
fn expected(behaviours: &[Behaviour]) -> (Vec<(&'static str, Option<&'static str>)>, usize) {
    let mut last = None;
    for (i, b) in behaviours.iter().enumerate() {
        match b {
            Behaviour::Declines => last = Some("DECLINED"),
            Behaviour::NotSent => last = Some("channel_not_reached"),
            Behaviour::Pays | Behaviour::UnknownThenPaid => return (vec![("succeeded", None)], i + 1),
            // Nothing taken: failed once the channel's "no such order" is
            // final (the longest call is over), or reversed ("closed") at the
            // deadline if that comes first.
            Behaviour::UnknownThenUnpaid => {
                return (vec![("failed", Some("channel_not_reached")), ("closed", None)], i + 1);
            }
        }
    }
    (vec![("failed", last)], behaviours.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routing_never_charges_a_payer_twice() {
    // Every combination over two configurations, and a spread of those over three.
    let mut cases: Vec<Vec<Behaviour>> = Vec::new();
    for a in BEHAVIOURS {
        for b in BEHAVIOURS {
            cases.push(vec![a, b]);
            for (k, c) in BEHAVIOURS.into_iter().enumerate() {
                if (cases.len() + k).is_multiple_of(4) {
                    cases.push(vec![a, b, c]);
                }
            }
        }
    }
    for engine in engines() {
        let channels = [
            ScriptedChannel::new("alphapay", &[Way::Card]),
            ScriptedChannel::new("betapay", &[Way::Card]),
            ScriptedChannel::new("gammapay", &[Way::Card]),
        ];
        let defaults = ChannelSetup::default();
        let setup = ChannelSetup {
            breaker: BreakerPolicy {
                threshold: 1_000,
                open_for_ms: 1_000,
            },
            // Scripted calls answer at once: "no such order" may be taken as
            // final soon, which keeps the 50-odd cases quick.
            poll: PollPolicy {
                max_call_ms: 100,
                ..defaults.poll
            },
            ..defaults
        };
        let server = start(engine, &[&channels[0], &channels[1], &channels[2]], setup).await;
        for (n, case) in cases.iter().enumerate() {
            // A fresh merchant per case: its own configurations, breakers and limits.
            let app: TestApp = server.merchant(0, None).await;
            let client = server.client(&app);
            for (i, b) in case.iter().enumerate() {
                let code = channels[i].code().to_string();
                config(&server, &app.merchant_id, &code, KEY_A, 100 - i as i64, 0).await;
                channels[i].plan(b.plan());
            }
            let p = create(&server, &client, card(&format!("prop-{n}"), 1_000 + n as i64)).await;
            let done = wait_payment(&server, &client, &id(&p), &["succeeded", "failed", "closed"]).await;
            for c in &channels {
                c.clear_plans();
            }
            let (allowed, tried) = expected(case);
            let what = format!("{engine:?} case {n} {case:?}: {done}");
            let ended = (done["status"].as_str().unwrap_or(""), done["failure_code"].as_str());
            assert!(allowed.contains(&ended), "{what}: expected one of {allowed:?}");
            let tries = attempts(&server, &id(&p)).await;
            assert_eq!(tries.len(), tried, "{what}: {tries:?}");
            // The orders of this payment at which money was taken.
            let mut charged = Vec::new();
            for t in &tries {
                let ch = channels.iter().find(|c| c.code() == t.channel).expect("known channel");
                let calls = ch.calls_of(&t.channel_order_no);
                assert_eq!(
                    calls.iter().filter(|c| c.op == Operation::Create).count(),
                    1,
                    "{what}: one create per attempt: {calls:?}"
                );
                if ch.charged_orders().contains(&t.channel_order_no) {
                    charged.push(t.channel.clone());
                }
            }
            assert!(charged.len() <= 1, "{what}: charged more than once: {charged:?}");
            match charged.first() {
                Some(channel) => {
                    assert_eq!(done["status"], "succeeded", "{what}");
                    assert_eq!(done["channel"].as_str(), Some(channel.as_str()), "{what}");
                    assert_eq!(entries_of(&server, &id(&p)).await, 1, "{what}");
                }
                None => {
                    assert_ne!(done["status"], "succeeded", "{what}");
                    assert_eq!(entries_of(&server, &id(&p)).await, 0, "{what}");
                }
            }
            // Configurations after the one that stopped routing were never called.
            for later in channels.iter().take(case.len()).skip(tried) {
                assert!(
                    tries.iter().all(|t| t.channel != later.code()),
                    "{what}: {} was tried",
                    later.code()
                );
            }
        }
        server.assert_ledger_ok().await;
    }
}

async fn circuit_of(client: &Client, channel: &str, config_id: &str) -> String {
    let list = client.get("/v1/channels").await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    let entry = list.body["data"]
        .as_array()
        .and_then(|d| d.iter().find(|c| c["code"] == channel))
        .unwrap_or_else(|| panic!("{channel} listed: {}", list.body));
    let cfg = entry["configs"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == config_id))
        .unwrap_or_else(|| panic!("{config_id} listed: {entry}"));
    cfg["circuit"].as_str().unwrap_or("").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_faults_open_the_circuit_and_a_probe_closes_it() {
    const OPEN_MS: u64 = 500;
    for engine in engines() {
        let alpha = ScriptedChannel::new("alphapay", &[Way::Card]);
        let setup = ChannelSetup {
            breaker: BreakerPolicy {
                threshold: 2,
                open_for_ms: OPEN_MS as i64,
            },
            // A slow probe below must not meet the orphan query (see `a_create_still_in_flight_…`).
            poll: patient_orphans(),
            ..ChannelSetup::default()
        };
        let server = start(engine, &[&alpha], setup).await;
        let app = server.merchant(0, None).await;
        let client = server.client(&app);
        let cfg = config(&server, &app.merchant_id, "alphapay", KEY_A, 1, 0).await;

        for n in 0..2 {
            alpha.plan(Plan::create(Step::NotSent));
            let p = create(&server, &client, card(&format!("cb-{n}"), 100)).await;
            assert_eq!(
                (p["status"].as_str(), p["failure_code"].as_str()),
                (Some("failed"), Some("channel_not_reached")),
                "{engine:?} {p}"
            );
        }
        assert_eq!(alpha.count(Operation::Create), 2);
        assert_eq!(circuit_of(&client, "alphapay", &cfg).await, "open");
        // Open: refused without calling the channel, and nothing is recorded.
        let refused = client.post("/v1/payments", card("cb-open", 100)).await;
        assert_error(&refused, 503, "channel_unavailable");
        assert_eq!(
            alpha.count(Operation::Create),
            2,
            "{engine:?}: the channel was not called"
        );
        assert_eq!(client.get("/v1/payments?merchant_order_no=cb-open").await.status, 404);

        // After the open period one probe goes through; it fails: open again.
        tokio::time::sleep(ms(OPEN_MS + 100)).await;
        alpha.plan(Plan::create(Step::NotSent));
        let probe = create(&server, &client, card("cb-probe-1", 100)).await;
        assert_eq!(probe["status"], "failed");
        assert_eq!(alpha.count(Operation::Create), 3);
        assert_error(
            &client.post("/v1/payments", card("cb-open-2", 100)).await,
            503,
            "channel_unavailable",
        );
        assert_eq!(alpha.count(Operation::Create), 3);

        // Next open period over: while one (slow) probe is out, others are refused.
        tokio::time::sleep(ms(OPEN_MS + 100)).await;
        alpha.delay(Operation::Create, ms(300));
        let (first, second) = tokio::join!(client.post("/v1/payments", card("cb-probe-2", 100)), async {
            tokio::time::sleep(ms(100)).await;
            client.post("/v1/payments", card("cb-during-probe", 100)).await
        });
        alpha.delay(Operation::Create, Duration::ZERO);
        // Whichever claimed the probe first went through; the other was refused.
        let (probe, refused) = if first.status == 201 {
            (first, second)
        } else {
            (second, first)
        };
        assert_eq!(probe.status, 201, "{engine:?} {:?}", probe.body);
        assert_eq!(probe.body["status"], "succeeded", "{engine:?} {:?}", probe.body);
        assert_error(&refused, 503, "channel_unavailable");
        assert_eq!(alpha.count(Operation::Create), 4, "exactly one probe");
        // The successful probe closed the circuit.
        assert_eq!(circuit_of(&client, "alphapay", &cfg).await, "closed");
        let after = create(&server, &client, card("cb-after", 100)).await;
        assert_eq!(after["status"], "succeeded");
        server.assert_ledger_ok().await;
    }
}

/// The date (UTC+8) of a Unix millisecond time, as `YYYY-MM-DD` (civil-from-days).
fn beijing_day(ms: i64) -> String {
    let z = (ms + 8 * 3_600_000).div_euclid(86_400_000) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limited_channel_is_failed_over_held_off_and_waited_for() {
    const WAIT_MS: i64 = 400;
    for engine in engines() {
        let alpha = ScriptedChannel::new("alphapay", &[Way::Card]);
        let beta = ScriptedChannel::new("betapay", &[Way::Card]);
        let server = start(engine, &[&alpha, &beta], ChannelSetup::default()).await;
        let app = server.merchant(0, None).await;
        let client = server.client(&app);
        let cfg_a = config(&server, &app.merchant_id, "alphapay", KEY_A, 2, 0).await;
        config(&server, &app.merchant_id, "betapay", KEY_B, 1, 0).await;

        // Refused as too frequent, without a wait: nothing was taken, so the
        // next configuration is tried; one such answer does not open alpha.
        alpha.plan(Plan::create(Step::RateLimited(None)));
        let p = create(&server, &client, card("rl-1", 100)).await;
        assert_eq!(p["status"], "succeeded", "{engine:?} {p}");
        assert_eq!(p["channel"], "betapay", "{engine:?} {p}");
        let tries = attempts(&server, &id(&p)).await;
        assert_eq!(
            tries
                .iter()
                .map(|t| (t.channel.as_str(), t.status.as_str()))
                .collect::<Vec<_>>(),
            [("alphapay", "failed"), ("betapay", "succeeded")],
            "{engine:?}"
        );
        assert_eq!(tries[0].error_code.as_deref(), Some("channel_rate_limited"));
        assert_eq!(circuit_of(&client, "alphapay", &cfg_a).await, "closed");
        assert!(alpha.charged_orders().is_empty());

        // With a wait: alpha is held off for that long (no call at all), then
        // tried again.
        alpha.plan(Plan::create(Step::RateLimited(Some(WAIT_MS))));
        let p = create(&server, &client, card("rl-2", 100)).await;
        assert_eq!(p["channel"], "betapay", "{engine:?} {p}");
        assert_eq!(circuit_of(&client, "alphapay", &cfg_a).await, "open");
        let calls_before = alpha.count(Operation::Create);
        let p = create(&server, &client, card("rl-3", 100)).await;
        assert_eq!(p["channel"], "betapay", "{engine:?} {p}");
        assert_eq!(
            alpha.count(Operation::Create),
            calls_before,
            "{engine:?}: alpha was held off"
        );
        tokio::time::sleep(ms(WAIT_MS as u64 + 50)).await;
        let p = create(&server, &client, card("rl-4", 100)).await;
        assert_eq!(p["channel"], "alphapay", "{engine:?}: tried again after the wait: {p}");
        assert_eq!(circuit_of(&client, "alphapay", &cfg_a).await, "closed");
        server.assert_ledger_ok().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limited_query_waits_as_long_as_asked() {
    const WAIT_MS: i64 = 300;
    for engine in engines() {
        let wx = ScriptedChannel::new("wechatpay", &[Way::Barcode]);
        let server = start(engine, &[&wx], ChannelSetup::default()).await;
        let app = server.merchant(0, None).await;
        let client = server.client(&app);
        config(&server, &app.merchant_id, "wechatpay", KEY_A, 1, 0).await;

        wx.plan(Plan::create(Step::Paying).then(Operation::Query, [Step::RateLimited(Some(WAIT_MS)), Step::Paid]));
        let p = create(&server, &client, barcode("rl-q", 700)).await;
        let done = wait_payment(&server, &client, &id(&p), &["succeeded", "failed", "closed"]).await;
        assert_eq!(done["status"], "succeeded", "{engine:?} {done}");
        let calls = wx.calls_of(&order_no(&server, &id(&p)).await);
        use Operation::{Create, Query};
        assert_eq!(calls.iter().map(|c| c.op).collect::<Vec<_>>(), [Create, Query, Query]);
        // The backoff after the first query is far shorter; the wait wins.
        assert!(server.hub.poll.backoff(1) < WAIT_MS);
        let gap = calls[2].at_ms - calls[1].at_ms;
        assert!(gap >= WAIT_MS, "{engine:?}: queried again after {gap} ms: {calls:?}");
        assert_eq!(wx.charged_orders().len(), 1);
        assert_eq!(entries_of(&server, &id(&p)).await, 1);
        server.assert_ledger_ok().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_and_daily_limits() {
    for engine in engines() {
        let alpha = ScriptedChannel::new("alphapay", &[Way::Card]);
        let server = start(engine, &[&alpha], ChannelSetup::default()).await;
        let app = server.merchant(0, None).await;
        let client = server.client(&app);
        let cfg = config_with(
            &server,
            &app.merchant_id,
            "alphapay",
            KEY_A,
            1,
            0,
            json!({"single_limit": 1_000, "daily_limit": 2_500}),
        )
        .await;

        assert_error(
            &client.post("/v1/payments", card("lim-0", 1_001)).await,
            422,
            "limit_exceeded",
        );
        assert_eq!(alpha.count(Operation::Create), 0);
        // A declined payment takes nothing from the day's limit.
        alpha.plan(Plan::create(Step::Declined("NO")));
        assert_eq!(create(&server, &client, card("lim-1", 1_000)).await["status"], "failed");
        for (order, amount) in [("lim-2", 1_000), ("lim-3", 1_000)] {
            assert_eq!(
                create(&server, &client, card(order, amount)).await["status"],
                "succeeded"
            );
        }
        assert_error(
            &client.post("/v1/payments", card("lim-4", 600)).await,
            422,
            "limit_exceeded",
        );
        assert_eq!(
            create(&server, &client, card("lim-5", 500)).await["status"],
            "succeeded"
        );
        assert_error(
            &client.post("/v1/payments", card("lim-6", 1)).await,
            422,
            "limit_exceeded",
        );
        let usage: Vec<(String, i64)> = sqlx::query_as("SELECT day, amount FROM channel_usage WHERE config_id = $1")
            .bind(&cfg)
            .fetch_all(server.db.reader())
            .await
            .unwrap();
        let today = beijing_day(juhe_store::clock::now_ms());
        assert_eq!(usage, [(today.clone(), 2_500)], "{engine:?}: counted on the UTC+8 day");

        // Another day's usage does not count today.
        let other = server.merchant(0, None).await;
        let other_client = server.client(&other);
        let cfg2 = config_with(
            &server,
            &other.merchant_id,
            "alphapay",
            KEY_A,
            1,
            0,
            json!({"daily_limit": 1_000}),
        )
        .await;
        let yesterday = beijing_day(juhe_store::clock::now_ms() - 86_400_000);
        let (c, d) = (cfg2.clone(), yesterday.clone());
        server
            .db
            .write(move |tx| {
                let (c, d) = (c.clone(), d.clone());
                Box::pin(async move {
                    juhe_store::sql::query(
                        "INSERT INTO channel_usage (config_id, day, amount, count) VALUES ($1, $2, $3, $4)",
                    )
                    .bind(c)
                    .bind(d)
                    .bind(1_000i64)
                    .bind(1i64)
                    .execute(tx)
                    .await
                    .map(|_| ())
                })
            })
            .await
            .expect("seed yesterday's usage");
        assert_eq!(
            create(&server, &other_client, card("lim-o-1", 1_000)).await["status"],
            "succeeded"
        );
        assert_error(
            &other_client.post("/v1/payments", card("lim-o-2", 1)).await,
            422,
            "limit_exceeded",
        );
        server.assert_ledger_ok().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merchant_close_closes_at_the_channel_unless_paid_meanwhile() {
    for engine in engines() {
        let alpha = ScriptedChannel::new("alphapay", &[Way::Qr]);
        // The worker leaves waiting QR payments alone during this test.
        let setup = ChannelSetup {
            poll: PollPolicy {
                awaiting_first_ms: 600_000,
                ..PollPolicy::default().scaled_down(100)
            },
            ..ChannelSetup::default()
        };
        let server = start(engine, &[&alpha], setup).await;
        let app = server.merchant(0, None).await;
        let client = server.client(&app);
        config(&server, &app.merchant_id, "alphapay", KEY_A, 1, 0).await;

        let p = create(&server, &client, qr("close-1", 800)).await;
        let order = order_no(&server, &id(&p)).await;
        let closed = client.post(&format!("/v1/payments/{}/close", id(&p)), json!({})).await;
        assert_eq!(closed.status, 200, "{engine:?} {:?}", closed.body);
        assert_eq!(closed.body["status"], "closed");
        assert_eq!(alpha.ops_of(&order), [Operation::Create, Operation::Close]);
        assert_eq!(event_types(&server, &id(&p)).await, ["payment.closed"]);

        // The channel refuses to close: the payer paid meanwhile.
        let p = create(&server, &client, qr("close-2", 900)).await;
        let order = order_no(&server, &id(&p)).await;
        alpha.script(&order, Operation::Close, [Step::Declined("ORDERPAID")]);
        alpha.script(&order, Operation::Query, [Step::Paid]);
        let refused = client.post(&format!("/v1/payments/{}/close", id(&p)), json!({})).await;
        assert_error(&refused, 409, "illegal_state_transition");
        let now = client.get(&format!("/v1/payments/{}", id(&p))).await;
        assert_eq!(now.body["status"], "succeeded", "{engine:?}");
        assert_eq!(
            alpha.ops_of(&order),
            [Operation::Create, Operation::Close, Operation::Query]
        );
        assert_eq!(event_types(&server, &id(&p)).await, ["payment.succeeded"]);
        assert_eq!(entries_of(&server, &id(&p)).await, 1);
        server.assert_ledger_ok().await;
    }
}

async fn refund(client: &Client, payment_id: &str, no: &str, amount: i64) -> Reply {
    client
        .post(
            &format!("/v1/payments/{payment_id}/refunds"),
            json!({"merchant_refund_no": no, "amount": amount}),
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channel_refunds_succeed_later_or_fail_and_release() {
    for engine in engines() {
        let alpha = ScriptedChannel::new("alphapay", &[Way::Card]);
        let server = start(engine, &[&alpha], ChannelSetup::default()).await;
        let app = server.merchant(0, None).await;
        let client = server.client(&app);
        let cfg = config(&server, &app.merchant_id, "alphapay", KEY_A, 1, 100).await;
        let p = create(&server, &client, card("rf-1", 10_000)).await;
        assert_eq!(p["status"], "succeeded");
        let pid = id(&p);
        let order = order_no(&server, &pid).await;

        // Immediate success.
        let r1 = refund(&client, &pid, "rf-1-a", 3_000).await;
        assert_eq!(
            (r1.status, r1.body["status"].as_str()),
            (201, Some("succeeded")),
            "{engine:?} {:?}",
            r1.body
        );
        assert_eq!(r1.body["fee_refund"], 30);

        // Processing, then a later query says succeeded.
        alpha.script(&order, Operation::Refund, [Step::RefundProcessing]);
        alpha.script(
            &order,
            Operation::RefundQuery,
            [Step::RefundProcessing, Step::RefundSucceeded],
        );
        let r2 = refund(&client, &pid, "rf-1-b", 2_000).await;
        assert_eq!(
            (r2.status, r2.body["status"].as_str()),
            (201, Some("processing")),
            "{:?}",
            r2.body
        );
        let r2 = wait_status(
            &server,
            &client,
            &format!("/v1/refunds/{}", id(&r2.body)),
            &["succeeded", "failed"],
        )
        .await;
        assert_eq!(r2["status"], "succeeded", "{engine:?} {r2}");
        assert!(alpha.ops_of(&order).contains(&Operation::RefundQuery));

        // Processing, then the channel's notification (a form) says succeeded.
        alpha.script(&order, Operation::Refund, [Step::RefundProcessing]);
        let r3 = refund(&client, &pid, "rf-1-c", 1_000).await;
        assert_eq!(r3.body["status"], "processing", "{:?}", r3.body);
        let r3_id = id(&r3.body);
        let form = ScriptedChannel::refund_notification(&r3_id, "succeeded", 1_000);
        assert_eq!(
            notify_signed(&server, "alphapay", &cfg, KEY_A, form).await,
            (200, "success".to_string())
        );
        let r3 = wait_status(
            &server,
            &client,
            &format!("/v1/refunds/{r3_id}"),
            &["succeeded", "failed"],
        )
        .await;
        assert_eq!(r3["status"], "succeeded", "{engine:?} {r3}");
        assert_eq!(r3["channel_refund_id"], format!("R-{r3_id}"));
        let paid = client.get(&format!("/v1/payments/{pid}")).await;
        assert_eq!(paid.body["refunded_amount"], 6_000);

        // Declined: the refund fails, the amount is refundable again, an event tells.
        alpha.script(&order, Operation::Refund, [Step::Declined("REFUND_REFUSED")]);
        let r4 = refund(&client, &pid, "rf-1-d", 4_000).await;
        assert_eq!(r4.status, 201, "{:?}", r4.body);
        assert_eq!(
            (r4.body["status"].as_str(), r4.body["failure_code"].as_str()),
            (Some("failed"), Some("REFUND_REFUSED")),
            "{engine:?}"
        );
        assert_eq!(event_types(&server, &id(&r4.body)).await, ["refund.failed"]);
        assert_eq!(entries_of(&server, &id(&r4.body)).await, 0);
        let r5 = refund(&client, &pid, "rf-1-e", 4_000).await;
        assert_eq!(
            (r5.status, r5.body["status"].as_str()),
            (201, Some("succeeded")),
            "{engine:?} {:?}",
            r5.body
        );
        let paid = client.get(&format!("/v1/payments/{pid}")).await;
        assert_eq!(paid.body["refunded_amount"], 10_000);
        assert_error(&refund(&client, &pid, "rf-1-f", 1).await, 422, "refund_exceeds_paid");
        assert_eq!(
            payable(&server, &app.merchant_id).await,
            0,
            "{engine:?}: all refunded, fee included"
        );
        server.assert_ledger_ok().await;
    }
}

/// Records a payment and its first attempt as `POST /v1/payments` does,
/// then stops: as if the process died before calling the channel.
async fn prepare_only(server: &TestServer, app: &TestApp, config_id: &str, order: &str) -> (String, String) {
    let config = juhe_store::channel_configs::get(server.db.reader(), config_id)
        .await
        .unwrap()
        .expect("config row");
    let input = juhe_service::payments::NewPayment {
        merchant_order_no: order.to_string(),
        money: Money::new(5_000, Currency::CNY),
        subject: "crash test".into(),
        way: Way::Card,
        payer_customer_id: None,
        notify_url: None,
        metadata: None,
        expire_seconds: 7_200,
        channel: juhe_service::payments::ChannelInput::default(),
    };
    let (m, a, poll) = (app.merchant_id.clone(), app.app_id.clone(), server.hub.poll);
    let prepared = server
        .db
        .write(move |tx| {
            let (m, a, input, config) = (m.clone(), a.clone(), input.clone(), config.clone());
            Box::pin(async move {
                let caller = juhe_service::Caller::of_app(&mut *tx, &m, &a).await?;
                juhe_service::channels::create::prepare(tx, &caller, &input, &config, poll).await
            })
        })
        .await
        .expect("prepare");
    let attempt = prepared.attempt.expect("a new attempt");
    (prepared.payment.id, attempt.channel_order_no)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_before_the_channel_call_is_resolved_by_query() {
    for engine in engines() {
        let alpha = ScriptedChannel::new("alphapay", &[Way::Card]);
        let server = start(engine, &[&alpha], ChannelSetup::default()).await;
        let app = server.merchant(0, None).await;
        let client = server.client(&app);
        let cfg = config(&server, &app.merchant_id, "alphapay", KEY_A, 1, 0).await;

        // The channel never saw it: failed, nothing taken.
        let (pid, order) = prepare_only(&server, &app, &cfg, "crash-1").await;
        let done = wait_payment(&server, &client, &pid, &["succeeded", "failed", "closed"]).await;
        assert_eq!(
            (done["status"].as_str(), done["failure_code"].as_str()),
            (Some("failed"), Some("channel_not_reached")),
            "{engine:?} {done}"
        );
        let ops = alpha.ops_of(&order);
        assert!(
            !ops.is_empty() && ops.iter().all(|o| *o == Operation::Query),
            "{engine:?}: asked, never created: {ops:?}"
        );
        assert_eq!(event_types(&server, &pid).await, ["payment.failed"]);

        // The request did reach the channel and the payer paid: succeeded.
        let (pid, order) = prepare_only(&server, &app, &cfg, "crash-2").await;
        alpha.script(&order, Operation::Query, [Step::Paid]);
        let done = wait_payment(&server, &client, &pid, &["succeeded", "failed", "closed"]).await;
        assert_eq!(done["status"], "succeeded", "{engine:?} {done}");
        assert_eq!(entries_of(&server, &pid).await, 1);
        assert_eq!(alpha.count(Operation::Create), 0);
        server.assert_ledger_ok().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notified_amount_that_differs_is_not_settled() {
    for engine in engines() {
        let alpha = ScriptedChannel::new("alphapay", &[Way::Qr]);
        let server = start(engine, &[&alpha], ChannelSetup::default()).await;
        let app = server.merchant(0, None).await;
        let client = server.client(&app);
        let cfg = config(&server, &app.merchant_id, "alphapay", KEY_A, 1, 0).await;
        let p = create(&server, &client, qr("mm-1", 10_000)).await;
        let order = order_no(&server, &id(&p)).await;

        let wrong = ScriptedChannel::payment_notification(&order, "paid", 9_999, "T-MM");
        let (status, _) = notify_signed(&server, "alphapay", &cfg, KEY_A, wrong).await;
        assert_eq!(status, 200, "{engine:?}: recorded (as a discrepancy)");
        // Let the worker's queries run too: nothing settles.
        tokio::time::sleep(ms(400)).await;
        let now = client.get(&format!("/v1/payments/{}", id(&p))).await;
        assert_eq!(now.body["status"], "processing", "{engine:?}");
        assert_eq!(entries_of(&server, &id(&p)).await, 0, "{engine:?}: no ledger entry");
        assert_eq!(notification_outcomes(&server, &cfg).await, ["discrepancy"]);
        assert_eq!(payable(&server, &app.merchant_id).await, 0);
        assert!(event_types(&server, &id(&p)).await.is_empty());
        server.assert_ledger_ok().await;
    }
}

async fn admin(
    server: &TestServer,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let mut req = reqwest::Client::new().request(method, format!("{}{path}", server.base_url));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.expect("admin request");
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    Reply {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
    }
}

/// The status of each version of a configuration's secret, oldest first.
fn versions_of(view: &Value, secret: &str) -> Vec<(u64, String)> {
    view["secret_versions"][secret]
        .as_array()
        .map(|v| {
            v.iter()
                .map(|x| {
                    (
                        x["version"].as_u64().unwrap_or(0),
                        x["status"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_key_signs_anew_while_the_old_one_verifies_until_retired() {
    const OLD: &str = "notify-key-v1";
    const NEW: &str = "notify-key-v2";
    for engine in engines() {
        let alpha = ScriptedChannel::new("alphapay", &[Way::Qr]);
        let server = start(engine, &[&alpha], ChannelSetup::default()).await;
        let app = server.merchant(0, None).await;
        let client = server.client(&app);
        let cfg = config(&server, &app.merchant_id, "alphapay", OLD, 1, 0).await;
        let base = format!("/admin/v1/merchants/{}/channel-configs/{cfg}", app.merchant_id);
        let token = server.admin_token.clone();
        let paid = |order: &str, trade: &str| ScriptedChannel::payment_notification(order, "paid", 500, trade);

        // A payment whose notification was signed before the rotation.
        let p1 = create(&server, &client, qr("rot-1", 500)).await;
        let order1 = order_no(&server, &id(&p1)).await;

        let rotated = admin(
            &server,
            reqwest::Method::POST,
            &format!("{base}/secrets/notify_key/versions"),
            Some(&token),
            Some(json!({"value": NEW})),
        )
        .await;
        assert_eq!(rotated.status, 201, "{engine:?} {:?}", rotated.body);
        assert_eq!(
            versions_of(&rotated.body, "notify_key"),
            [(1, "verify_only".to_string()), (2, "active".to_string())]
        );
        assert!(!rotated.body.to_string().contains(NEW), "values are write-only");

        // In flight under the old key: still verifies.
        let (status, _) = notify_signed(&server, "alphapay", &cfg, OLD, paid(&order1, "T-ROT-1")).await;
        assert_eq!(status, 200, "{engine:?}");
        assert_eq!(
            wait_payment(&server, &client, &id(&p1), &["succeeded"]).await["status"],
            "succeeded"
        );
        // And the new key verifies.
        let p2 = create(&server, &client, qr("rot-2", 500)).await;
        let order2 = order_no(&server, &id(&p2)).await;
        let (status, _) = notify_signed(&server, "alphapay", &cfg, NEW, paid(&order2, "T-ROT-2")).await;
        assert_eq!(status, 200, "{engine:?}");
        wait_payment(&server, &client, &id(&p2), &["succeeded"]).await;

        // The active version cannot be retired, nor one that does not exist.
        for version in [2, 9] {
            let refused = admin(
                &server,
                reqwest::Method::DELETE,
                &format!("{base}/secrets/notify_key/versions/{version}"),
                Some(&token),
                None,
            )
            .await;
            assert_error(&refused, 400, "invalid_request");
        }
        let retired = admin(
            &server,
            reqwest::Method::DELETE,
            &format!("{base}/secrets/notify_key/versions/1"),
            Some(&token),
            None,
        )
        .await;
        assert_eq!(retired.status, 200, "{engine:?} {:?}", retired.body);
        assert_eq!(
            versions_of(&retired.body, "notify_key"),
            [(1, "retired".to_string()), (2, "active".to_string())]
        );
        // Retired: the old key no longer verifies; the new one does.
        let p3 = create(&server, &client, qr("rot-3", 500)).await;
        let order3 = order_no(&server, &id(&p3)).await;
        let (status, body) = notify_signed(&server, "alphapay", &cfg, OLD, paid(&order3, "T-ROT-3")).await;
        assert_eq!((status, body.as_str()), (500, "fail"), "{engine:?}");
        let still = client.get(&format!("/v1/payments/{}", id(&p3))).await;
        assert_eq!(still.body["status"], "processing", "{engine:?}");
        let (status, _) = notify_signed(&server, "alphapay", &cfg, NEW, paid(&order3, "T-ROT-3")).await;
        assert_eq!(status, 200, "{engine:?}");
        wait_payment(&server, &client, &id(&p3), &["succeeded"]).await;

        // At rest: sealed, and the retired version's value is gone.
        let stored: String = sqlx::query_scalar("SELECT secrets_sealed FROM channel_configs WHERE id = $1")
            .bind(&cfg)
            .fetch_one(server.db.reader())
            .await
            .expect("row");
        assert!(!stored.contains(OLD) && !stored.contains(NEW), "{stored}");
        let stored: Value = serde_json::from_str(&stored).expect("JSON");
        assert!(stored["notify_key"][0]["sealed"].is_null(), "{stored}");
        assert!(stored["notify_key"][1]["sealed"].is_string(), "{stored}");

        // The platform console's form still lists the secret (by name only).
        server
            .console_user(
                "ops",
                "correct horse 9",
                ConsoleRole::Platform(juhe_domain::access::BuiltinRole::PlatformAdmin),
            )
            .await;
        let browser = server.browser();
        assert_eq!(browser.sign_in("ops", "correct horse 9").await.status, 303);
        let form = browser
            .get(&format!(
                "/console/platform/merchants/{}/channels/{cfg}",
                app.merchant_id
            ))
            .await;
        assert_eq!(form.status, 200, "{engine:?}");
        assert!(form.has("value=\"notify_key\""), "{engine:?} {}", form.body);
        assert!(!form.has(NEW), "{engine:?}");

        // Rotation needs the token, a known configuration and a known secret.
        let anonymous = admin(
            &server,
            reqwest::Method::POST,
            &format!("{base}/secrets/notify_key/versions"),
            None,
            Some(json!({"value": "x"})),
        )
        .await;
        assert_error(&anonymous, 401, "unauthorized");
        let unknown = admin(
            &server,
            reqwest::Method::POST,
            &format!("{base}/secrets/no_such_secret/versions"),
            Some(&token),
            Some(json!({"value": "x"})),
        )
        .await;
        assert_error(&unknown, 404, "not_found");
        let other = admin(
            &server,
            reqwest::Method::POST,
            &format!(
                "/admin/v1/merchants/{}/channel-configs/chc_nope/secrets/notify_key/versions",
                app.merchant_id
            ),
            Some(&token),
            Some(json!({"value": "x"})),
        )
        .await;
        assert_error(&other, 404, "not_found");
        server.assert_ledger_ok().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capability_matrix_and_admin_api() {
    use Operation::*;
    for engine in engines() {
        let alpha = ScriptedChannel::new("alphapay", &[Way::Qr, Way::Card]);
        let beta = ScriptedChannel::with_operations("betapay", &[Way::Qr], &[Create, Query, Notification]);
        let server = start(engine, &[&alpha, &beta], ChannelSetup::default()).await;
        let a = server.merchant(0, None).await;
        let b = server.merchant(0, None).await;
        let base = format!("/admin/v1/merchants/{}/channel-configs", a.merchant_id);
        let token = server.admin_token.clone();

        let secret = "very-secret-notify-key-value";
        let body = json!({"channel": "alphapay", "name": "alpha main", "priority": 5, "fee_bps": 38,
                          "params": {"mch_no": "M-9"}, "secrets": {"notify_key": secret}});
        let created = admin(&server, reqwest::Method::POST, &base, Some(&token), Some(body.clone())).await;
        assert_eq!(created.status, 201, "{engine:?} {:?}", created.body);
        assert_eq!(created.body["secrets"], json!(["notify_key"]));
        assert!(!created.body.to_string().contains(secret), "{}", created.body);
        let cfg = id(&created.body);
        assert_eq!(
            created.body["notify_url"],
            format!("{}/v1/notify/alphapay/{cfg}", server.base_url)
        );
        let cfg_b = config(&server, &b.merchant_id, "alphapay", KEY_B, 1, 0).await;

        // Listed without values.
        let listed = admin(&server, reqwest::Method::GET, &base, Some(&token), None).await;
        assert_eq!(listed.status, 200);
        assert_eq!(listed.body.as_array().map(Vec::len), Some(1), "{:?}", listed.body);
        assert!(!listed.body.to_string().contains(secret));

        let nobody = admin(
            &server,
            reqwest::Method::GET,
            "/admin/v1/merchants/mch_nope/channel-configs",
            Some(&token),
            None,
        )
        .await;
        assert_error(&nobody, 404, "not_found");

        // Wrong or missing token.
        for t in [Some("wrong-token"), None] {
            let r = admin(&server, reqwest::Method::GET, &base, t, None).await;
            assert_error(&r, 401, "unauthorized");
            let r = admin(&server, reqwest::Method::POST, &base, t, Some(body.clone())).await;
            assert_error(&r, 401, "unauthorized");
        }

        // Invalid: the channel requires its secret.
        let missing = json!({"channel": "alphapay", "name": "no key"});
        assert_error(
            &admin(&server, reqwest::Method::POST, &base, Some(&token), Some(missing)).await,
            400,
            "invalid_request",
        );
        let unknown = json!({"channel": "nopay", "name": "x", "secrets": {"notify_key": "k"}});
        assert_error(
            &admin(&server, reqwest::Method::POST, &base, Some(&token), Some(unknown)).await,
            400,
            "invalid_request",
        );

        // An update that names no secret keeps the old one (notifications still verify).
        let put = format!("{base}/{cfg}");
        let update = json!({"channel": "alphapay", "name": "alpha renamed", "priority": 7, "fee_bps": 40,
                            "params": {"mch_no": "M-10"}});
        let updated = admin(&server, reqwest::Method::PUT, &put, Some(&token), Some(update)).await;
        assert_eq!(updated.status, 200, "{engine:?} {:?}", updated.body);
        assert_eq!(
            (
                &updated.body["name"],
                &updated.body["priority"],
                &updated.body["secrets"]
            ),
            (&json!("alpha renamed"), &json!(7), &json!(["notify_key"]))
        );
        let probe = ScriptedChannel::payment_notification("att_unknown", "closed", 1, "T");
        assert_eq!(
            notify_signed(&server, "alphapay", &cfg, secret, probe.clone()).await.0,
            200
        );
        assert_eq!(notify_signed(&server, "alphapay", &cfg, "another", probe).await.0, 500);
        let moved = json!({"channel": "betapay", "name": "x", "secrets": {"notify_key": "k"}});
        assert_error(
            &admin(&server, reqwest::Method::PUT, &put, Some(&token), Some(moved)).await,
            400,
            "invalid_request",
        );
        // Another merchant's configuration is not found under this merchant.
        let foreign = json!({"channel": "alphapay", "name": "x", "secrets": {"notify_key": "k"}});
        let r = admin(
            &server,
            reqwest::Method::PUT,
            &format!("{base}/{cfg_b}"),
            Some(&token),
            Some(foreign),
        )
        .await;
        assert_error(&r, 404, "not_found");

        // The capability matrix, with this merchant's configurations only.
        let client = server.client(&a);
        let list = client.get("/v1/channels").await;
        assert_eq!(list.status, 200, "{:?}", list.body);
        let data = list.body["data"].as_array().expect("data");
        let codes: Vec<&str> = data.iter().filter_map(|c| c["code"].as_str()).collect();
        assert_eq!(codes, ["alphapay", "betapay"], "{engine:?}");
        let alpha_entry = &data[0];
        assert_eq!(alpha_entry["ways"], json!(["qr", "card"]));
        assert_eq!(
            alpha_entry["operations"],
            json!([
                "create",
                "query",
                "close",
                "reverse",
                "refund",
                "refund_query",
                "notification"
            ])
        );
        assert_eq!(alpha_entry["currencies"], json!(["CNY"]));
        assert_eq!(
            alpha_entry["configs"],
            json!([{"id": cfg, "enabled": true, "priority": 7, "circuit": "closed"}]),
            "{engine:?}: merchant B's configuration is not listed"
        );
        assert_eq!(data[1]["operations"], json!(["create", "query", "notification"]));
        assert_eq!(data[1]["configs"], json!([]));
        let other = server.client(&b).get("/v1/channels").await;
        assert_eq!(other.body["data"][0]["configs"][0]["id"], cfg_b.as_str());

        // Routing follows the configurations: a way no channel serves, and a
        // disabled configuration, take no payment.
        let h5 = json!({"merchant_order_no": "h5-1", "amount": 100, "subject": "x", "way": "h5",
                        "payer": {"client_ip": "203.0.113.9"}});
        assert_error(&client.post("/v1/payments", h5).await, 400, "unsupported_way");
        assert_eq!(create(&server, &client, card("en-1", 100)).await["status"], "succeeded");
        let disable = json!({"channel": "alphapay", "name": "alpha off", "enabled": false});
        let r = admin(&server, reqwest::Method::PUT, &put, Some(&token), Some(disable)).await;
        assert_eq!((r.status, &r.body["enabled"]), (200, &json!(false)), "{:?}", r.body);
        assert_error(
            &client.post("/v1/payments", card("en-2", 100)).await,
            400,
            "unsupported_way",
        );
        assert_eq!(alpha.count(Create), 1, "{engine:?}");
        server.assert_ledger_ok().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notified_failure_or_close_ends_a_waiting_payment() {
    for engine in engines() {
        let alpha = ScriptedChannel::new("alphapay", &[Way::Qr, Way::Jsapi]);
        let server = start(engine, &[&alpha], ChannelSetup::default()).await;
        let app = server.merchant(0, None).await;
        let client = server.client(&app);
        let cfg = config(&server, &app.merchant_id, "alphapay", KEY_A, 1, 0).await;
        for (order, state, status, event) in [
            ("nf-1", "failed", "failed", "payment.failed"),
            ("nf-2", "closed", "closed", "payment.closed"),
        ] {
            let p = create(&server, &client, qr(order, 500)).await;
            let no = order_no(&server, &id(&p)).await;
            let body = ScriptedChannel::payment_notification(&no, state, 500, "T");
            assert_eq!(notify_signed(&server, "alphapay", &cfg, KEY_A, body).await.0, 200);
            let done = wait_payment(&server, &client, &id(&p), &["succeeded", "failed", "closed"]).await;
            assert_eq!(done["status"], status, "{engine:?} {done}");
            assert_eq!(event_types(&server, &id(&p)).await, [event]);
            assert_eq!(entries_of(&server, &id(&p)).await, 0);
        }
        // A JSAPI payment gets the signed parameters for the payer's app.
        let jsapi = json!({"merchant_order_no": "js-1", "amount": 100, "subject": "x", "way": "jsapi",
                           "payer": {"channel_user_id": "openid-1"}});
        let p = create(&server, &client, jsapi).await;
        assert_eq!(pay_action_type(&p), "sdk", "{p}");
        assert_eq!(p["pay_action"]["params"]["order_no"], order_no(&server, &id(&p)).await);
        server.assert_ledger_ok().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_notification_for_another_merchants_refund_changes_nothing() {
    for engine in engines() {
        let alpha = ScriptedChannel::new("alphapay", &[Way::Card]);
        let server = start(engine, &[&alpha], ChannelSetup::default()).await;
        let a = server.merchant(0, None).await;
        let b = server.merchant(0, None).await;
        config(&server, &a.merchant_id, "alphapay", KEY_A, 1, 0).await;
        let cfg_b = config(&server, &b.merchant_id, "alphapay", KEY_B, 1, 0).await;
        let client = server.client(&a);
        let p = create(&server, &client, card("xr-1", 5_000)).await;
        let order = order_no(&server, &id(&p)).await;
        alpha.script(&order, Operation::Refund, [Step::RefundProcessing]);
        let r = refund(&client, &id(&p), "xr-1-a", 2_000).await;
        assert_eq!(r.body["status"], "processing", "{:?}", r.body);
        let refund_id = id(&r.body);

        // Merchant B's channel key signs a "succeeded" for merchant A's refund.
        let form = ScriptedChannel::refund_notification(&refund_id, "succeeded", 2_000);
        notify_signed(&server, "alphapay", &cfg_b, KEY_B, form).await;
        tokio::time::sleep(ms(200)).await;
        let now = client.get(&format!("/v1/refunds/{refund_id}")).await;
        assert_eq!(now.body["status"], "processing", "{engine:?}: {}", now.body);
        assert_eq!(entries_of(&server, &refund_id).await, 0, "{engine:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_still_in_flight_when_the_orphan_task_runs_is_not_failed() {
    for engine in engines() {
        let alpha = ScriptedChannel::new("alphapay", &[Way::Card]);
        let server = start(engine, &[&alpha], ChannelSetup::default()).await;
        let app = server.merchant(0, None).await;
        let client = server.client(&app);
        config(&server, &app.merchant_id, "alphapay", KEY_A, 1, 0).await;
        // The channel takes longer to answer than juhe waits before looking
        // at the attempt as an orphan (orphan_after_ms, 300 ms here), then
        // takes the money. Meanwhile its query does not know the order yet.
        alpha.delay(Operation::Create, ms(2 * server.hub.poll.orphan_after_ms as u64));
        let p = client.post("/v1/payments", card("slow-1", 1_000)).await;
        let pid = id(&p.body);
        let order = order_no(&server, &pid).await;
        let done = wait_payment(&server, &client, &pid, &["succeeded", "failed", "closed"]).await;
        // Both the delayed create and a later query may report the money:
        // that is one charge (one order at the channel), not two.
        assert_eq!(
            alpha.charged_orders(),
            vec![order.clone()],
            "{engine:?}: exactly this order was charged, once: {:?}",
            alpha.calls_of(&order)
        );
        assert_eq!(done["status"], "succeeded", "{engine:?}: charged but {done}");
        assert_eq!(entries_of(&server, &pid).await, 1);
        server.assert_ledger_ok().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_over_payment_shows_no_trade_number_of_another_channel() {
    for engine in engines() {
        let alpha = ScriptedChannel::new("alphapay", &[Way::Card]);
        let beta = ScriptedChannel::new("betapay", &[Way::Card]);
        let server = start(engine, &[&alpha, &beta], ChannelSetup::default()).await;
        let app = server.merchant(0, None).await;
        let client = server.client(&app);
        config(&server, &app.merchant_id, "alphapay", KEY_A, 2, 0).await;
        config(&server, &app.merchant_id, "betapay", KEY_B, 1, 0).await;
        // alphapay answers with its trade number and a failed state; betapay declines.
        alpha.plan(Plan::create(Step::Failed("CARD_EXPIRED")));
        beta.plan(Plan::create(Step::Declined("NO")));
        let p = create(&server, &client, card("tn-1", 1_000)).await;
        assert_eq!(
            (p["status"].as_str(), p["channel"].as_str()),
            (Some("failed"), Some("betapay")),
            "{p}"
        );
        let first = attempts(&server, &id(&p)).await[0].channel_order_no.clone();
        assert_ne!(
            p["channel_trade_no"].as_str(),
            Some(format!("T-{first}").as_str()),
            "{engine:?}: betapay payment shows alphapay's trade number: {p}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_refund_notification_is_logged_as_a_duplicate() {
    for engine in engines() {
        let alpha = ScriptedChannel::new("alphapay", &[Way::Card]);
        let server = start(engine, &[&alpha], ChannelSetup::default()).await;
        let app = server.merchant(0, None).await;
        let client = server.client(&app);
        let cfg = config(&server, &app.merchant_id, "alphapay", KEY_A, 1, 0).await;
        let p = create(&server, &client, card("dr-1", 5_000)).await;
        let order = order_no(&server, &id(&p)).await;
        alpha.script(&order, Operation::Refund, [Step::RefundProcessing]);
        let r = refund(&client, &id(&p), "dr-1-a", 2_000).await;
        let form = ScriptedChannel::refund_notification(&id(&r.body), "succeeded", 2_000);
        for _ in 0..2 {
            assert_eq!(
                notify_signed(&server, "alphapay", &cfg, KEY_A, form.clone()).await.0,
                200
            );
        }
        let nobody = ScriptedChannel::refund_notification("ref_nonexistent", "succeeded", 1);
        assert_eq!(notify_signed(&server, "alphapay", &cfg, KEY_A, nobody).await.0, 200);
        assert_eq!(entries_of(&server, &id(&r.body)).await, 1, "{engine:?}: applied once");
        let outcomes = notification_outcomes(&server, &cfg).await;
        assert_eq!(
            outcomes.iter().filter(|o| *o == "applied").count(),
            1,
            "{engine:?}: {outcomes:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notification_overtaking_the_create_answer_wins_once() {
    for engine in engines() {
        let alpha = ScriptedChannel::new("alphapay", &[Way::Qr]);
        let setup = ChannelSetup {
            poll: patient_orphans(),
            ..ChannelSetup::default()
        };
        let server = start(engine, &[&alpha], setup).await;
        let app = server.merchant(0, None).await;
        let client = server.client(&app);
        let cfg = config(&server, &app.merchant_id, "alphapay", KEY_A, 1, 0).await;
        // The payer scans and pays while juhe still waits for the create answer.
        alpha.delay(Operation::Create, ms(200));
        let pay = {
            let client = client.clone();
            tokio::spawn(async move { client.post("/v1/payments", qr("race-1", 700)).await })
        };
        let deadline = tokio::time::Instant::now() + PATIENCE;
        let order = loop {
            if let Some(o) = alpha.created_orders().pop() {
                break o;
            }
            assert!(tokio::time::Instant::now() < deadline, "create never called");
            tokio::time::sleep(ms(5)).await;
        };
        let paid = ScriptedChannel::payment_notification(&order, "paid", 700, &format!("T-{order}"));
        assert_eq!(notify_signed(&server, "alphapay", &cfg, KEY_A, paid).await.0, 200);
        let created = pay.await.expect("request task");
        assert_eq!(created.status, 201, "{engine:?} {:?}", created.body);
        let done = wait_payment(&server, &client, &id(&created.body), &["succeeded", "failed", "closed"]).await;
        assert_eq!(done["status"], "succeeded", "{engine:?} {done}");
        assert_eq!(done["channel_trade_no"], format!("T-{order}"));
        tokio::time::sleep(ms(300)).await;
        assert_eq!(entries_of(&server, &id(&done)).await, 1);
        assert_eq!(event_types(&server, &id(&done)).await, ["payment.succeeded"]);
        assert_eq!(alpha.count(Operation::Create), 1);
        server.assert_ledger_ok().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_the_channel_cannot_do_fails_and_releases_the_amount() {
    use Operation::*;
    for engine in engines() {
        let alpha = ScriptedChannel::with_operations("alphapay", &[Way::Card], &[Create, Query, Notification]);
        let server = start(engine, &[&alpha], ChannelSetup::default()).await;
        let app = server.merchant(0, None).await;
        let client = server.client(&app);
        config(&server, &app.merchant_id, "alphapay", KEY_A, 1, 0).await;
        let p = create(&server, &client, card("nr-1", 5_000)).await;
        assert_eq!(p["status"], "succeeded");
        let r = refund(&client, &id(&p), "nr-1-a", 5_000).await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        let done = wait_status(
            &server,
            &client,
            &format!("/v1/refunds/{}", id(&r.body)),
            &["succeeded", "failed"],
        )
        .await;
        assert_eq!(done["status"], "failed", "{engine:?} {done}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_between_failover_attempts_leaves_a_resolvable_payment() {
    for engine in engines() {
        let alpha = ScriptedChannel::new("alphapay", &[Way::Card]);
        let beta = ScriptedChannel::new("betapay", &[Way::Card]);
        let server = start(engine, &[&alpha, &beta], ChannelSetup::default()).await;
        let app = server.merchant(0, None).await;
        let client = server.client(&app);
        let cfg = config(&server, &app.merchant_id, "alphapay", KEY_A, 2, 0).await;
        config(&server, &app.merchant_id, "betapay", KEY_B, 1, 0).await;
        // The first write, then the second write of a declined first attempt
        // (attempt failed, its task finished) — and the process dies.
        let (pid, order) = prepare_only(&server, &app, &cfg, "crash-fo-1").await;
        let o = order.clone();
        server
            .db
            .write(move |tx| {
                let o = o.clone();
                Box::pin(async move {
                    juhe_store::sql::query(
                        "UPDATE payment_attempts SET status = 'failed', error_code = 'DECLINED' \
                         WHERE channel_order_no = $1",
                    )
                    .bind(o.as_str())
                    .execute(&mut *tx)
                    .await?;
                    juhe_store::sql::query("UPDATE channel_tasks SET status = 'done' WHERE subject_id LIKE 'att_%'")
                        .execute(tx)
                        .await
                        .map(|_| ())
                })
            })
            .await
            .expect("simulate the decline's write");
        // Something must finish it: the worker, or at least the merchant's close.
        tokio::time::sleep(ms(1_000)).await;
        let close = client.post(&format!("/v1/payments/{pid}/close"), json!({})).await;
        let now = client.get(&format!("/v1/payments/{pid}")).await;
        assert_ne!(
            now.body["status"], "processing",
            "{engine:?}: stuck after close answered {} {:?}",
            close.status, close.body
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_create_answers_the_current_state_without_calling_again() {
    for engine in engines() {
        let alpha = ScriptedChannel::new("alphapay", &[Way::Qr]);
        let server = start(engine, &[&alpha], ChannelSetup::default()).await;
        let app = server.merchant(0, None).await;
        let client = server.client(&app);
        let cfg = config(&server, &app.merchant_id, "alphapay", KEY_A, 1, 0).await;
        let first = client.post_keyed("/v1/payments", qr("idem-1", 300), "key-idem-1").await;
        assert_eq!(
            (first.status, first.body["status"].as_str()),
            (201, Some("processing")),
            "{:?}",
            first.body
        );
        let order = order_no(&server, &id(&first.body)).await;
        let paid = ScriptedChannel::payment_notification(&order, "paid", 300, &format!("T-{order}"));
        assert_eq!(notify_signed(&server, "alphapay", &cfg, KEY_A, paid).await.0, 200);
        wait_payment(&server, &client, &id(&first.body), &["succeeded"]).await;

        // The same order number under a new key: 200, the same payment.
        let same_no = client.post("/v1/payments", qr("idem-1", 300)).await;
        assert_eq!(same_no.status, 200, "{engine:?} {:?}", same_no.body);
        assert_eq!(
            (same_no.body["id"].clone(), same_no.body["status"].as_str()),
            (first.body["id"].clone(), Some("succeeded"))
        );
        // Different fields under the same number: a conflict.
        let clash = client.post("/v1/payments", qr("idem-1", 301)).await;
        assert_error(&clash, 409, "order_no_conflict");
        assert_eq!(
            alpha.count(Operation::Create),
            1,
            "{engine:?}: the channel was asked once"
        );
        server.assert_ledger_ok().await;
    }
}

/// A repeat goes through the idempotent write like any POST: a key replay
/// answers its stored status, and a signed request's nonce is used up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_channel_create_keeps_its_status_and_its_nonce_is_used_up() {
    for engine in engines() {
        let alpha = ScriptedChannel::new("alphapay", &[Way::Qr]);
        let server = start(engine, &[&alpha], ChannelSetup::default()).await;
        let app = server.merchant(0, None).await;
        let client = server.client(&app);
        config(&server, &app.merchant_id, "alphapay", KEY_A, 1, 0).await;
        let first = client
            .post_keyed("/v1/payments", qr("replay-1", 300), "key-replay-1")
            .await;
        assert_eq!(first.status, 201, "{:?}", first.body);
        // The very same signed request twice (same nonce): the second is a replay attack.
        let raw = juhe_testkit::Raw {
            method: "POST",
            path: "/v1/payments".into(),
            body: qr("replay-1", 300).to_string().into_bytes(),
            idempotency_key: Some("key-replay-2".into()),
            nonce: Some("fixed-nonce-replay-1".into()),
            ..Default::default()
        };
        client.raw(raw.clone()).await;
        let replayed = client.raw(raw).await;
        assert_error(&replayed, 401, "reused_nonce");
        let again = client
            .post_keyed("/v1/payments", qr("replay-1", 300), "key-replay-1")
            .await;
        assert_eq!(
            again.status, 201,
            "{engine:?}: a replay answers the stored status: {:?}",
            again.body
        );
        assert_eq!(alpha.count(Operation::Create), 1);
    }
}
