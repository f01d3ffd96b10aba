//! A restart (the process stopped without any shutdown) in the middle of a
//! channel polling cycle: the follow-up lives in the database, so the new
//! process picks it up — the payment ends as the channel says, the channel
//! is never asked to create twice, and the books balance.

use juhe_channel::{Channel, Operation};
use juhe_domain::way::Way;
use juhe_service::channels::PollPolicy;
use juhe_testkit::{ChannelSetup, Plan, ScriptedChannel, Step, TestServer, engines};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

fn setup(channel: &Arc<ScriptedChannel>, paying_deadline_ms: i64) -> ChannelSetup {
    ChannelSetup {
        channels: vec![Arc::clone(channel) as Arc<dyn Channel>],
        // A crash while a task is claimed leaves it to its lease (3 s here).
        poll: PollPolicy {
            paying_deadline_ms,
            max_call_ms: 1_000,
            lease_ms: 3_000,
            ..PollPolicy::default().scaled_down(100)
        },
        ..ChannelSetup::default()
    }
}

/// Starts a server with `channel`, a merchant configured for it, and a card
/// payment the channel answers `Paying`; returns server, merchant app and payment id.
async fn paying_payment(
    engine: juhe_testkit::Engine,
    channel: &Arc<ScriptedChannel>,
    paying_deadline_ms: i64,
    order: &str,
) -> (TestServer, juhe_testkit::TestApp, String) {
    let server = TestServer::start_with_channels(engine, setup(channel, paying_deadline_ms)).await;
    let app = server.merchant(0, None).await;
    server
        .channel_config(
            &app.merchant_id,
            json!({"channel": channel.code(), "name": "restart test", "secrets": {"notify_key": "k"}}),
        )
        .await;
    let r = server
        .client(&app)
        .post(
            "/v1/payments",
            json!({"merchant_order_no": order, "amount": 4_200, "subject": "restart", "way": "card",
                   "card": {"pan": "6221235200000000001", "entry_mode": "051"}}),
        )
        .await;
    assert_eq!(
        (r.status, r.body["status"].as_str()),
        (201, Some("processing")),
        "{:?}",
        r.body
    );
    let id = r.body["id"].as_str().expect("id").to_string();
    (server, app, id)
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn final_status(server: &TestServer, app: &juhe_testkit::TestApp, id: &str) -> serde_json::Value {
    let client = server.client(app);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let r = client.get(&format!("/v1/payments/{id}")).await;
        if r.body["status"] != "processing" {
            return r.body;
        }
        assert!(tokio::time::Instant::now() < deadline, "still processing: {:?}", r.body);
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_resumes_after_a_restart_and_settles_once() {
    for engine in engines() {
        let alpha = ScriptedChannel::new("alphapay", &[Way::Card]);
        alpha.plan(Plan::create(Step::Paying).then(Operation::Query, [Step::Paying, Step::Paying, Step::Paid]));
        let (server, app, id) = paying_payment(engine, &alpha, 60_000, "restart-paid").await;
        wait_for("a first query", || alpha.count(Operation::Query) >= 1).await;
        let server = server.restart(setup(&alpha, 60_000)).await;
        let done = final_status(&server, &app, &id).await;
        assert_eq!(done["status"], "succeeded", "{engine:?}: {done}");
        assert_eq!(alpha.count(Operation::Create), 1, "{engine:?}: created twice");
        assert!(alpha.count(Operation::Query) >= 3, "{engine:?}: {:?}", alpha.calls());
        server.assert_ledger_ok().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deadline_passing_while_down_is_met_by_a_reversal_after_restart() {
    for engine in engines() {
        let alpha = ScriptedChannel::new("betapay", &[Way::Card]);
        alpha.plan(Plan::create(Step::Paying));
        alpha.set_default(Operation::Query, Step::Paying);
        let (server, app, id) = paying_payment(engine, &alpha, 1_500, "restart-reversed").await;
        wait_for("a first query", || alpha.count(Operation::Query) >= 1).await;
        // Down for longer than the payer may stay confirming.
        let stopped = server.stop().await;
        tokio::time::sleep(Duration::from_millis(1_600)).await;
        let server = stopped.start(setup(&alpha, 1_500)).await;
        let done = final_status(&server, &app, &id).await;
        assert_eq!(done["status"], "closed", "{engine:?}: {done}");
        let ops: Vec<Operation> = alpha.calls().iter().map(|c| c.op).collect();
        assert_eq!(alpha.count(Operation::Create), 1, "{engine:?}: {ops:?}");
        assert_eq!(alpha.count(Operation::Reverse), 1, "{engine:?}: {ops:?}");
        // The last query before reversing happened after the restart.
        assert_eq!(ops.last(), Some(&Operation::Reverse), "{engine:?}: {ops:?}");
        server.assert_ledger_ok().await;
    }
}
