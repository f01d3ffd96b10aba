//! Webhook delivery against real HTTP receivers on both engines: a flaky
//! receiver (500, a hang past the request timeout, 503, then 200) still gets
//! every event, signed, with every attempt recorded and each retry no
//! earlier than its scheduled delay; a receiver that always fails ends
//! `exhausted` after exactly the schedule's attempts; a worker that dies
//! holding a claim loses nothing (its lease runs out and another worker
//! delivers); and two workers at once never send the same attempt twice.

use juhe_domain::webhook::RetrySchedule;
use juhe_testkit::{Answer, Reception, TestApp, TestServer, WebhookReceiver, engines};
use juhe_webhooks::{Worker, WorkerConfig};
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use tokio::sync::watch;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A fast worker: short polls, a 300 ms request timeout, a 2 s lease.
fn fast(schedule: RetrySchedule) -> WorkerConfig {
    WorkerConfig {
        schedule,
        poll_interval: ms(20),
        request_timeout: ms(300),
        lease: Duration::from_secs(2),
        batch: 32,
    }
}

/// Fast polls and retries, but a request timeout (and lease) no stall of a
/// loaded machine reaches, for tests that are not about timeouts: a
/// spurious timeout would be a spurious retry.
fn patient(schedule: RetrySchedule) -> WorkerConfig {
    WorkerConfig {
        request_timeout: Duration::from_secs(10),
        lease: Duration::from_secs(30),
        ..fast(schedule)
    }
}

/// A worker task with its stop switch; aborted if the test ends early.
struct RunningWorker {
    stop: watch::Sender<bool>,
    handle: Option<tokio::task::JoinHandle<()>>,
}

impl RunningWorker {
    fn spawn(server: &TestServer, config: WorkerConfig) -> RunningWorker {
        let worker = Worker::new(server.db.clone(), server.keys.clone(), config).expect("worker");
        let (stop, rx) = watch::channel(false);
        RunningWorker {
            stop,
            handle: Some(tokio::spawn(worker.run(rx))),
        }
    }

    /// Stops it through the watch channel, as `juhe serve` does.
    async fn stop(mut self) {
        let _ = self.stop.send(true);
        let handle = self.handle.take().expect("running");
        tokio::time::timeout(Duration::from_secs(10), handle)
            .await
            .expect("the worker stops when told to")
            .expect("the worker did not panic");
    }

    /// Kills it where it stands, like a crashed process: nothing after the
    /// current await point runs.
    fn abort(mut self) {
        if let Some(h) = self.handle.take() {
            h.abort();
        }
    }
}

impl Drop for RunningWorker {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            h.abort();
        }
    }
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
struct DeliveryRow {
    id: String,
    event_id: String,
    status: String,
    attempts: i64,
    lease_until: i64,
    last_status_code: Option<i64>,
    last_error: Option<String>,
    delivered_at: Option<i64>,
}

async fn deliveries(server: &TestServer) -> Vec<DeliveryRow> {
    sqlx::query_as(
        "SELECT id, event_id, status, attempts, lease_until, last_status_code, last_error, delivered_at \
         FROM deliveries ORDER BY id",
    )
    .fetch_all(server.db.reader())
    .await
    .expect("read deliveries")
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
struct AttemptRow {
    attempt: i64,
    started_at: i64,
    duration_ms: i64,
    status_code: Option<i64>,
    error: Option<String>,
}

async fn attempts_of(server: &TestServer, delivery_id: &str) -> Vec<AttemptRow> {
    sqlx::query_as(
        "SELECT attempt, started_at, duration_ms, status_code, error FROM delivery_attempts \
         WHERE delivery_id = $1 ORDER BY attempt, started_at",
    )
    .bind(delivery_id)
    .fetch_all(server.db.reader())
    .await
    .expect("read attempts")
}

/// (event id, type, object id) of every event in the outbox.
async fn events(server: &TestServer) -> Vec<(String, String, String)> {
    sqlx::query_as("SELECT id, type, object_id FROM events ORDER BY id")
        .fetch_all(server.db.reader())
        .await
        .expect("read events")
}

/// Polls the deliveries until every one has `status`, for at most `timeout`.
async fn wait_all(server: &TestServer, status: &str, timeout: Duration) -> Vec<DeliveryRow> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let rows = deliveries(server).await;
        if !rows.is_empty() && rows.iter().all(|d| d.status == status) {
            return rows;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{:?}: not every delivery became {status} within {timeout:?}: {rows:#?}",
            server.engine
        );
        tokio::time::sleep(ms(25)).await;
    }
}

/// A payment of `amount` from `customer`, optionally with its own notify_url.
async fn pay(server: &TestServer, app: &TestApp, customer: &str, order: &str, notify_url: Option<&str>) -> String {
    let mut body = json!({"merchant_order_no": order, "amount": 100, "subject": "webhook test", "way": "wallet",
                          "payer": {"customer_id": customer}});
    if let Some(url) = notify_url {
        body["notify_url"] = json!(url);
    }
    let r = server.client(app).post("/v1/payments", body).await;
    assert_eq!(r.status, 201, "{:?}: {:?}", server.engine, r.body);
    r.body["id"].as_str().expect("payment id").to_string()
}

/// Checks what every delivery request must carry: the four headers, a
/// signature over TIMESTAMP\nNONCE\nBODY\n with the app's webhook secret, a
/// fresh timestamp, and a body whose id is the Juhe-Event-Id.
fn assert_signed(r: &Reception, webhook_secret: &str) {
    let event_id = r.event_id.as_deref().expect("Juhe-Event-Id");
    let ts: i64 = r
        .timestamp
        .as_deref()
        .expect("Juhe-Timestamp")
        .parse()
        .expect("Juhe-Timestamp is Unix seconds");
    assert!(
        (juhe_store::clock::now_ms() / 1000 - ts).abs() < 300,
        "timestamp {ts} is not current"
    );
    assert!(!r.nonce.as_deref().expect("Juhe-Nonce").is_empty());
    assert!(r.signature.is_some(), "Juhe-Signature");
    assert!(r.signature_valid(webhook_secret), "signature does not verify: {r:?}");
    assert!(!r.signature_valid("not-the-secret"), "a wrong secret must not verify");
    let body = r.json();
    assert_eq!(body["id"], event_id, "body id is the Juhe-Event-Id");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flaky_receiver_gets_every_event_signed_after_scheduled_retries() {
    for engine in engines() {
        // Per event: 500, then hang past the 300 ms timeout, then 503, then 200.
        let receiver = WebhookReceiver::start(|_, nth| match nth {
            1 => Answer::Status(500),
            2 => Answer::Hang(Duration::from_secs(3)),
            3 => Answer::Status(503),
            _ => Answer::Status(200),
        })
        .await;
        let server = TestServer::start(engine).await;
        let app = server.merchant(0, Some(&receiver.url)).await;
        let client = server.client(&app);
        let customer = server.funded_customer(&client, 10_000).await; // topup.succeeded
        let payment = pay(&server, &app, &customer, "wh-1", None).await; // payment.succeeded

        let evts = events(&server).await;
        assert_eq!(evts.len(), 2, "{engine:?}: {evts:?}");
        let types: HashMap<String, (String, String)> = evts
            .iter()
            .map(|(id, t, obj)| (id.clone(), (t.clone(), obj.clone())))
            .collect();
        assert!(evts.iter().any(|(_, t, o)| t == "payment.succeeded" && *o == payment));
        assert!(
            evts.iter()
                .any(|(_, t, o)| t == "topup.succeeded" && o.starts_with("top_"))
        );
        assert!(
            deliveries(&server).await.iter().all(|d| d.status == "pending"),
            "nothing is sent before a worker runs"
        );

        // Distinct delays so each retry can be checked against its own.
        let mut delays = vec![ms(120), ms(200), ms(280)];
        delays.resize(15, ms(50));
        let schedule = RetrySchedule::new(delays);
        let worker = RunningWorker::spawn(&server, fast(schedule.clone()));
        let rows = wait_all(&server, "delivered", Duration::from_secs(30)).await;
        worker.stop().await;

        assert_eq!(rows.len(), 2);
        let all = receiver.receptions();
        let nonces: HashSet<_> = all.iter().map(|r| r.nonce.clone()).collect();
        assert_eq!(nonces.len(), all.len(), "every attempt has a fresh nonce");
        for d in &rows {
            let (event_type, object_id) = &types[&d.event_id];
            assert_eq!(
                (d.attempts, d.last_status_code, d.last_error.as_deref()),
                (4, Some(200), None),
                "{engine:?} {d:?}"
            );
            assert!(d.delivered_at.is_some());

            // What the receiver saw: four signed copies of the same event.
            let got = receiver.receptions_of(&d.event_id);
            assert_eq!(
                got.iter().map(|r| r.answer).collect::<Vec<_>>(),
                vec![
                    Answer::Status(500),
                    Answer::Hang(Duration::from_secs(3)),
                    Answer::Status(503),
                    Answer::Status(200)
                ],
                "{engine:?}: {got:#?}"
            );
            for r in &got {
                assert_signed(r, &app.webhook_secret);
                let body = r.json();
                assert_eq!(body["type"], event_type.as_str());
                assert_eq!(body["data"]["id"], object_id.as_str());
                assert_eq!(r.body, got[0].body, "every attempt sends the same event");
            }
            if event_type == "payment.succeeded" {
                assert_eq!(got[0].json()["data"]["status"], "succeeded");
                assert_eq!(got[0].json()["data"]["amount"], 100);
            } else {
                assert_eq!(got[0].json()["data"]["customer_id"], customer.as_str());
                assert_eq!(got[0].json()["data"]["amount"], 10_000);
            }

            // What the store recorded: each attempt with its outcome.
            let attempts = attempts_of(&server, &d.id).await;
            let outcomes: Vec<_> = attempts
                .iter()
                .map(|a| (a.attempt, a.status_code, a.error.as_deref()))
                .collect();
            assert_eq!(
                outcomes,
                vec![
                    (1, Some(500), Some("HTTP 500")),
                    (2, None, Some("timed out")),
                    (3, Some(503), Some("HTTP 503")),
                    (4, Some(200), None),
                ],
                "{engine:?}"
            );
            assert!(
                attempts[1].duration_ms >= 290,
                "the hang was cut at the request timeout: {:?}",
                attempts[1]
            );
            assert!(attempts[1].duration_ms < 2_900, "…not waited out: {:?}", attempts[1]);

            // Each retry started no earlier than the end of the previous
            // attempt plus its scheduled delay, by the store's clock and by
            // the receiver's.
            for k in 0..3 {
                let delay = schedule.delay_after(k as u32 + 1).unwrap().as_millis() as i64;
                let (prev, next) = (&attempts[k], &attempts[k + 1]);
                assert!(
                    next.started_at >= prev.started_at + prev.duration_ms + delay,
                    "{engine:?}: attempt {} started {} ms after attempt {} ended; the schedule says {delay} ms",
                    next.attempt,
                    next.started_at - prev.started_at - prev.duration_ms,
                    prev.attempt
                );
                let gap = got[k + 1].at_ms - got[k].at_ms;
                // 2 ms for millisecond truncation of the two clocks' readings.
                assert!(
                    gap + 2 >= delay,
                    "{engine:?}: retry {} arrived {gap} ms after the previous one; delay is {delay} ms",
                    k + 2
                );
            }
        }
        server.assert_ledger_ok().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_always_fails_is_exhausted_after_max_attempts() {
    for engine in engines() {
        let receiver = WebhookReceiver::always(500).await;
        let server = TestServer::start(engine).await;
        let app = server.merchant(0, Some(&receiver.url)).await;
        let customer = server.funded_customer(&server.client(&app), 1_000).await;
        pay(&server, &app, &customer, "ex-1", None).await;

        let schedule = RetrySchedule::new(vec![ms(30); 4]);
        let max = schedule.max_attempts() as usize;
        assert_eq!(max, 5);
        let worker = RunningWorker::spawn(&server, patient(schedule));
        let rows = wait_all(&server, "exhausted", Duration::from_secs(30)).await;
        // Give a wrongly scheduled extra attempt the time to show up.
        tokio::time::sleep(ms(400)).await;
        worker.stop().await;

        assert_eq!(rows.len(), 2);
        for d in &rows {
            assert_eq!(
                (d.attempts, d.last_status_code, d.last_error.as_deref(), d.delivered_at),
                (max as i64, Some(500), Some("HTTP 500"), None),
                "{engine:?}"
            );
            let attempts = attempts_of(&server, &d.id).await;
            assert_eq!(
                attempts.iter().map(|a| a.attempt).collect::<Vec<_>>(),
                (1..=max as i64).collect::<Vec<_>>()
            );
            assert!(attempts.iter().all(|a| a.status_code == Some(500)));
            let got = receiver.receptions_of(&d.event_id);
            assert_eq!(got.len(), max, "{engine:?}: exactly max_attempts requests");
            for r in &got {
                assert_signed(r, &app.webhook_secret);
            }
        }
        assert_eq!(deliveries(&server).await, rows, "nothing changes once exhausted");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_workers_claim_is_delivered_after_its_lease() {
    for engine in engines() {
        let receiver = WebhookReceiver::always(200).await;
        let server = TestServer::start(engine).await;
        let app = server.merchant(0, Some(&receiver.url)).await;
        let customer = server.funded_customer(&server.client(&app), 1_000).await;
        pay(&server, &app, &customer, "cr-1", None).await;

        // 1. A "worker" claims both deliveries with a 1.5 s lease and dies
        //    without sending or recording anything.
        let now = juhe_store::clock::now_ms();
        let lease_until = now + 1_500;
        let claimed = server
            .db
            .write(move |tx| Box::pin(async move { juhe_store::events::claim_due(tx, now, lease_until, 10).await }))
            .await
            .expect("claim");
        assert_eq!(claimed.len(), 2, "{engine:?}");
        assert!(claimed.iter().all(|d| d.lease_until == lease_until && d.attempts == 0));

        // 2. A healthy worker cannot take them before the lease runs out, and
        //    delivers them once it has.
        let worker = RunningWorker::spawn(&server, patient(RetrySchedule::new(vec![ms(50); 15])));
        let rows = wait_all(&server, "delivered", Duration::from_secs(30)).await;
        for d in &rows {
            let got = receiver.receptions_of(&d.event_id);
            assert_eq!(got.len(), 1, "{engine:?}: delivered exactly once");
            assert!(
                got[0].at_ms >= lease_until,
                "{engine:?}: sent {} ms before the dead worker's lease ran out",
                lease_until - got[0].at_ms
            );
            assert_signed(&got[0], &app.webhook_secret);
            let attempts = attempts_of(&server, &d.id).await;
            assert_eq!(attempts.len(), 1, "the lost claim used up no attempt");
            assert_eq!((attempts[0].attempt, attempts[0].status_code), (1, Some(200)));
        }
        worker.stop().await;

        // 3. A real worker killed mid-request (the receiver hangs on the
        //    first copy; we abort the task while it waits): the next worker
        //    sends the event again after the dead one's lease.
        let slow = WebhookReceiver::start(|_, nth| {
            if nth == 1 {
                Answer::Hang(Duration::from_secs(20))
            } else {
                Answer::Status(200)
            }
        })
        .await;
        let payment = pay(&server, &app, &customer, "cr-2", Some(&slow.url)).await;
        let dying = RunningWorker::spawn(
            &server,
            WorkerConfig {
                lease: Duration::from_secs(1),
                request_timeout: Duration::from_secs(15),
                ..patient(RetrySchedule::new(vec![ms(50); 15]))
            },
        );
        assert!(
            slow.wait_until(Duration::from_secs(20), |r| !r.is_empty()).await,
            "{engine:?}: the first worker sends"
        );
        dying.abort();
        let event_id = slow.receptions()[0].event_id.clone().expect("event id");
        let held = deliveries(&server)
            .await
            .into_iter()
            .find(|d| d.event_id == event_id)
            .expect("delivery");
        assert_eq!(
            (held.status.as_str(), held.attempts),
            ("pending", 0),
            "nothing recorded"
        );
        assert!(held.lease_until > 0, "still claimed by the dead worker");

        let worker = RunningWorker::spawn(&server, patient(RetrySchedule::new(vec![ms(50); 15])));
        let rows = wait_all(&server, "delivered", Duration::from_secs(30)).await;
        worker.stop().await;
        let d = rows.iter().find(|d| d.event_id == event_id).expect("delivery");
        let got = slow.receptions_of(&event_id);
        assert_eq!(got.len(), 2, "{engine:?}: the hung copy and the redelivery");
        assert!(
            got[1].at_ms >= held.lease_until,
            "{engine:?}: redelivered before the dead worker's lease ran out"
        );
        assert_eq!(got[1].json()["data"]["id"], payment.as_str());
        assert_signed(&got[1], &app.webhook_secret);
        let attempts = attempts_of(&server, &d.id).await;
        assert_eq!(
            attempts.iter().map(|a| (a.attempt, a.status_code)).collect::<Vec<_>>(),
            vec![(1, Some(200))]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_never_send_the_same_attempt_twice() {
    for engine in engines() {
        let receiver = WebhookReceiver::always(200).await;
        let server = TestServer::start(engine).await;
        let app = server.merchant(0, Some(&receiver.url)).await;
        let customer = server.funded_customer(&server.client(&app), 100_000).await;
        for i in 0..30 {
            pay(&server, &app, &customer, &format!("two-{i}"), None).await;
        }

        // Small batches so the two workers keep racing for the same rows.
        let config = WorkerConfig {
            batch: 4,
            poll_interval: ms(5),
            ..patient(RetrySchedule::new(vec![ms(50); 15]))
        };
        let a = RunningWorker::spawn(&server, config.clone());
        let b = RunningWorker::spawn(&server, config);
        // More events while both run.
        for i in 30..50 {
            pay(&server, &app, &customer, &format!("two-{i}"), None).await;
        }
        let rows = wait_all(&server, "delivered", Duration::from_secs(45)).await;
        // Let a late duplicate, if any, arrive.
        tokio::time::sleep(ms(300)).await;
        a.stop().await;
        b.stop().await;

        assert_eq!(rows.len(), 51, "{engine:?}: a top-up and 50 payments");
        let mut per_event: HashMap<String, usize> = HashMap::new();
        for r in receiver.receptions() {
            *per_event.entry(r.event_id.clone().expect("event id")).or_default() += 1;
        }
        let dupes: Vec<_> = per_event.iter().filter(|(_, n)| **n > 1).collect();
        assert!(dupes.is_empty(), "{engine:?}: received more than once: {dupes:?}");
        assert_eq!(per_event.len(), 51, "{engine:?}: every event received");
        for d in &rows {
            assert_eq!(d.attempts, 1, "{engine:?} {d:?}");
            assert_eq!(
                attempts_of(&server, &d.id).await.len(),
                1,
                "{engine:?}: one recorded attempt"
            );
        }
    }
}
