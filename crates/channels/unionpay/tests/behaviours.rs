//! Scripted payer behaviours and injected faults, through the shared
//! sandbox-kit control API, as the client sees them.

mod common;

use common::*;
use juhe_channel::http::HttpClient;
use juhe_channel::{Channel, ChannelError, ChannelPaymentState, Notification};
use juhe_channel_unionpay::UnionPayChannel;
use juhe_domain::way::Way;
use serde_json::json;
use std::time::Duration;

async fn script(base_url: &str, rule: serde_json::Value) {
    let response = reqwest::Client::new()
        .post(format!("{base_url}/_sandbox/script"))
        .json(&rule)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
}

async fn faults(base_url: &str, faults: serde_json::Value) {
    let response = reqwest::Client::new()
        .put(format!("{base_url}/_sandbox/faults"))
        .json(&faults)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
}

#[tokio::test]
async fn a_throttling_gateway_is_a_rate_limit_with_its_wait() {
    let busy = juhe_sandbox_kit::throttling_gateway(2).await.expect("serve");
    let cfg = config("11", &busy.url, "http://127.0.0.1:9/unused");
    let err = UnionPayChannel::new()
        .expect("channel")
        .create(&cfg, &payment(Way::Barcode, "busy_1", 300))
        .await
        .unwrap_err();
    assert!(matches!(err, ChannelError::RateLimited { .. }), "{err:?}");
    assert!(err.took_no_money());
    assert_eq!(err.retry_after_ms(), Some(2_000));
}

#[tokio::test]
async fn declines_and_insufficient_funds_are_declined_with_their_codes() {
    let sandbox = start_sandbox().await;
    let channel = UnionPayChannel::new().unwrap();
    script(
        &sandbox.base_url,
        json!({"match": {"amount": 301}, "behaviour": {"type": "decline", "code": "61", "message": "输入的卡号无效"}}),
    )
    .await;
    script(
        &sandbox.base_url,
        json!({"match": {"amount": 302}, "behaviour": {"type": "insufficient_funds"}}),
    )
    .await;
    for method in METHODS {
        let cfg = config(method, &sandbox.base_url, "http://127.0.0.1:9/n");
        let req = payment(Way::Barcode, &order_no("decl", method), 301);
        let err = channel.create(&cfg, &req).await.unwrap_err();
        assert_eq!(err, ChannelError::declined("61", "输入的卡号无效"));
        assert!(err.took_no_money());
        let state = channel.query(&cfg, &payment_ref(&req, None)).await.unwrap();
        assert!(
            matches!(&state, ChannelPaymentState::Failed { code, .. } if code == "61"),
            "{state:?}"
        );

        let req = payment(Way::Qr, &order_no("poor", method), 302);
        let err = channel.create(&cfg, &req).await.unwrap_err();
        assert!(
            matches!(&err, ChannelError::Declined { code, .. } if code == "51"),
            "{err:?}"
        );
    }
}

#[tokio::test]
async fn a_payment_that_stays_paying_is_reversed_without_money_taken() {
    let sandbox = start_sandbox().await;
    let channel = UnionPayChannel::new().unwrap();
    script(
        &sandbox.base_url,
        json!({"match": {"amount": 401}, "behaviour": {"type": "stay_paying"}}),
    )
    .await;
    for method in METHODS {
        let cfg = config(method, &sandbox.base_url, "http://127.0.0.1:9/n");
        let req = payment(Way::Barcode, &order_no("stay", method), 401);
        let created = channel.create(&cfg, &req).await.unwrap();
        assert_eq!(created.state, ChannelPaymentState::Paying);
        assert!(created.channel_trade_no.is_some());
        let reference = payment_ref(&req, created.channel_trade_no.clone());
        assert_eq!(
            channel.query(&cfg, &reference).await.unwrap(),
            ChannelPaymentState::Paying
        );
        channel.reverse(&cfg, &reference).await.unwrap();
        let state = channel.query(&cfg, &reference).await.unwrap();
        assert!(
            matches!(&state, ChannelPaymentState::Failed { code, .. } if code == "01"),
            "{state:?}"
        );
        // The payer page can no longer pay it.
        let url = format!(
            "{}/_sandbox/orders/{}/pay",
            sandbox.base_url,
            juhe_channel_unionpay::protocol::fields::order_id(&req.channel_order_no)
        );
        assert_eq!(reqwest::Client::new().post(url).send().await.unwrap().status(), 409);
    }
}

#[tokio::test]
async fn pay_after_a_delay_turns_paying_into_success() {
    let sandbox = start_sandbox().await;
    let channel = UnionPayChannel::new().unwrap();
    script(
        &sandbox.base_url,
        json!({"match": {"amount": 402}, "behaviour": {"type": "pay", "after_ms": 100}}),
    )
    .await;
    let mut receiver = start_receiver().await;
    let cfg = config("11", &sandbox.base_url, &receiver.url);
    let req = payment(Way::Barcode, &order_no("later", "11"), 402);
    assert_eq!(
        channel.create(&cfg, &req).await.unwrap().state,
        ChannelPaymentState::Paying
    );
    let note = channel.parse_notification(&cfg, &receiver.next().await).await.unwrap();
    assert!(matches!(
        note,
        Notification::Payment {
            state: ChannelPaymentState::Succeeded { amount: 402, .. },
            ..
        }
    ));
}

#[tokio::test]
async fn a_gateway_that_never_answers_leaves_the_outcome_unknown() {
    let sandbox = start_sandbox().await;
    script(
        &sandbox.base_url,
        json!({"match": {"amount": 501}, "behaviour": {"type": "never_answer"}}),
    )
    .await;
    let http = HttpClient::with_timeouts(Duration::from_secs(1), Duration::from_millis(500)).unwrap();
    let channel = UnionPayChannel::with_http(http);
    for (way, method) in [(Way::Barcode, "11"), (Way::Qr, "01")] {
        let cfg = config(method, &sandbox.base_url, "http://127.0.0.1:9/n");
        let req = payment(way, &order_no("silent", method), 501);
        let err = channel.create(&cfg, &req).await.unwrap_err();
        assert!(matches!(err, ChannelError::Unknown(_)), "{err:?}");
        assert!(!err.took_no_money());
        // It did reach UnionPay: a query finds it, still in doubt.
        assert_eq!(
            channel.query(&cfg, &payment_ref(&req, None)).await.unwrap(),
            ChannelPaymentState::Paying
        );
    }
}

#[tokio::test]
async fn a_5xx_burst_makes_only_the_affected_calls_unknown() {
    let sandbox = start_sandbox().await;
    let channel = UnionPayChannel::new().unwrap();
    let cfg = config("12", &sandbox.base_url, "http://127.0.0.1:9/n");
    faults(&sandbox.base_url, json!({"fail_next": 2})).await;
    let req = payment(Way::Barcode, &order_no("burst", "12"), 600);
    let err = channel.create(&cfg, &req).await.unwrap_err();
    assert!(matches!(&err, ChannelError::Unknown(m) if m.contains("500")), "{err:?}");
    let err = channel.query(&cfg, &payment_ref(&req, None)).await.unwrap_err();
    assert!(matches!(err, ChannelError::Unknown(_)), "{err:?}");
    // The burst is over: the failed create never took effect.
    assert_eq!(
        channel.query(&cfg, &payment_ref(&req, None)).await,
        Err(ChannelError::NotFound)
    );
    let created = channel.create(&cfg, &req).await.unwrap();
    assert!(matches!(
        created.state,
        ChannelPaymentState::Succeeded { amount: 600, .. }
    ));
}

#[tokio::test]
async fn duplicate_notifications_parse_to_the_same_event() {
    let sandbox = start_sandbox().await;
    let channel = UnionPayChannel::new().unwrap();
    faults(&sandbox.base_url, json!({"duplicate_notifications": true})).await;
    let mut receiver = start_receiver().await;
    let cfg = config("01", &sandbox.base_url, &receiver.url);
    let req = payment(Way::Barcode, &order_no("dup", "01"), 700);
    channel.create(&cfg, &req).await.unwrap();
    let first = channel.parse_notification(&cfg, &receiver.next().await).await.unwrap();
    let second = channel.parse_notification(&cfg, &receiver.next().await).await.unwrap();
    assert_eq!(first, second);
    assert!(matches!(
        first,
        Notification::Payment {
            state: ChannelPaymentState::Succeeded { .. },
            ..
        }
    ));
}

#[tokio::test]
async fn reordered_notifications_deliver_the_stale_one_last() {
    let sandbox = start_sandbox().await;
    let channel = UnionPayChannel::new().unwrap();
    let mut receiver = start_receiver().await;
    let cfg = config("11", &sandbox.base_url, &receiver.url);
    let req = payment(Way::Barcode, &order_no("reorder", "11"), 800);
    let created = channel.create(&cfg, &req).await.unwrap();
    receiver.next().await;
    faults(&sandbox.base_url, json!({"reorder_notifications": true})).await;
    let refund = refund_request(
        payment_ref(&req, created.channel_trade_no),
        &format!("rf_{}", req.channel_order_no),
        800,
    );
    channel.refund(&cfg, &refund).await.unwrap();
    let newer = channel.parse_notification(&cfg, &receiver.next().await).await.unwrap();
    let older = channel.parse_notification(&cfg, &receiver.next().await).await.unwrap();
    assert!(matches!(newer, Notification::Refund { .. }), "{newer:?}");
    assert!(
        matches!(
            older,
            Notification::Payment {
                state: ChannelPaymentState::Succeeded { .. },
                ..
            }
        ),
        "{older:?}"
    );
}

#[tokio::test]
async fn dropped_notifications_leave_the_query() {
    let sandbox = start_sandbox().await;
    let channel = UnionPayChannel::new().unwrap();
    faults(&sandbox.base_url, json!({"drop_notifications": true})).await;
    let mut receiver = start_receiver().await;
    let cfg = config("11", &sandbox.base_url, &receiver.url);
    let req = payment(Way::Barcode, &order_no("drop", "11"), 900);
    channel.create(&cfg, &req).await.unwrap();
    assert!(receiver.nothing_within(300).await);
    let state = channel.query(&cfg, &payment_ref(&req, None)).await.unwrap();
    assert!(matches!(state, ChannelPaymentState::Succeeded { amount: 900, .. }));
}

#[tokio::test]
async fn unacknowledged_notifications_are_sent_again() {
    use axum::Router;
    use axum::routing::post;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};
    let sandbox = start_sandbox().await;
    let channel = UnionPayChannel::new().unwrap();
    let hits = Arc::new(AtomicU32::new(0));
    let counter = hits.clone();
    // Refuses the first attempt, acknowledges the second.
    let app = Router::new().route(
        "/notify",
        post(move || {
            let counter = counter.clone();
            async move {
                if counter.fetch_add(1, Ordering::SeqCst) == 0 {
                    (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "fail")
                } else {
                    (axum::http::StatusCode::OK, "ok")
                }
            }
        }),
    );
    let url = format!("{}/notify", serve(app).await);
    let cfg = config("11", &sandbox.base_url, &url);
    channel
        .create(&cfg, &payment(Way::Barcode, &order_no("retry", "11"), 901))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(hits.load(Ordering::SeqCst), 2);
}
