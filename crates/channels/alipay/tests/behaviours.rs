//! Scripted payer behaviours and injected faults, each classified the way
//! routing needs: refused (no money) versus unknown (resolve by query).

mod common;

use common::{channel, config, impatient_channel, order_no, payment, payment_ref, start_sandbox};
use juhe_channel::{Channel, ChannelError, ChannelPaymentState};
use juhe_channel_alipay::sandbox::TradeStatus;
use juhe_domain::way::Way;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn a_throttling_gateway_is_a_rate_limit_with_its_wait() {
    let busy = juhe_sandbox_kit::throttling_gateway(3).await.expect("serve");
    let cfg = config(&format!("{}/gateway.do", busy.url), "");
    let err = channel()
        .create(&cfg, &payment(Way::Barcode, &order_no("busy"), 300))
        .await
        .unwrap_err();
    assert!(matches!(err, ChannelError::RateLimited { .. }), "{err:?}");
    assert!(err.took_no_money());
    assert_eq!(err.retry_after_ms(), Some(3_000));
}

#[tokio::test]
async fn a_scripted_decline_is_declined_with_its_sub_code() {
    let sandbox = start_sandbox().await;
    let cfg = config(&sandbox.gateway(), "");
    sandbox
        .add_rule(json!({"match": {"amount": 301}, "behaviour": {"type": "decline", "code": "ACQ.TRADE_HAS_CLOSE", "message": "交易已经关闭"}, "times": 1}))
        .await;
    let order = order_no("decline");
    let err = channel()
        .create(&cfg, &payment(Way::Barcode, &order, 301))
        .await
        .unwrap_err();
    assert_eq!(err, ChannelError::declined("ACQ.TRADE_HAS_CLOSE", "交易已经关闭"));
    assert!(err.took_no_money());
    assert!(sandbox.state.trade(common::APP_ID, &order).is_none());
    // The rule was used up: the next payment goes through.
    let next = channel()
        .create(&cfg, &payment(Way::Barcode, &order_no("after"), 301))
        .await
        .unwrap();
    assert!(matches!(next.state, ChannelPaymentState::Succeeded { .. }));
}

#[tokio::test]
async fn an_invalid_payment_code_and_insufficient_funds_are_declined() {
    let sandbox = start_sandbox().await;
    let cfg = config(&sandbox.gateway(), "");
    let mut bad_code = payment(Way::Barcode, &order_no("code"), 100);
    bad_code.auth_code = Some("123456".into());
    let err = channel().create(&cfg, &bad_code).await.unwrap_err();
    assert!(
        matches!(err, ChannelError::Declined { ref code, .. } if code == "ACQ.PAYMENT_AUTH_CODE_INVALID"),
        "{err:?}"
    );

    sandbox
        .add_rule(json!({"match": {"auth_code": common::AUTH_CODE}, "behaviour": {"type": "insufficient_funds"}}))
        .await;
    let err = channel()
        .create(&cfg, &payment(Way::Barcode, &order_no("poor"), 100))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ChannelError::declined("ACQ.BUYER_BALANCE_NOT_ENOUGH", "买家余额不足")
    );
    assert!(err.took_no_money());
}

#[tokio::test]
async fn a_payer_who_stays_confirming_is_paying_until_the_payment_is_cancelled() {
    let sandbox = start_sandbox().await;
    let cfg = config(&sandbox.gateway(), "");
    let ch = channel();
    sandbox.add_rule(json!({"behaviour": {"type": "stay_paying"}})).await;
    let order = order_no("stay");
    let created = ch.create(&cfg, &payment(Way::Barcode, &order, 2000)).await.unwrap();
    assert_eq!(created.state, ChannelPaymentState::Paying);
    assert!(created.channel_trade_no.is_some());
    // WAIT_BUYER_PAY while the payer confirms.
    assert_eq!(
        ch.query(&cfg, &payment_ref(&order, 2000)).await.unwrap(),
        ChannelPaymentState::AwaitingPayer
    );
    ch.reverse(&cfg, &payment_ref(&order, 2000)).await.unwrap();
    assert_eq!(
        ch.query(&cfg, &payment_ref(&order, 2000)).await.unwrap(),
        ChannelPaymentState::Closed
    );
    // Cancelling again is harmless.
    ch.reverse(&cfg, &payment_ref(&order, 2000)).await.unwrap();
    let trade = sandbox.state.trade(common::APP_ID, &order).unwrap();
    assert_eq!((trade.status, trade.refunded()), (TradeStatus::Closed, 0));
}

#[tokio::test]
async fn a_payer_who_pays_later_turns_paying_into_succeeded() {
    let sandbox = start_sandbox().await;
    let cfg = config(&sandbox.gateway(), "");
    let ch = channel();
    sandbox
        .add_rule(json!({"behaviour": {"type": "pay", "after_ms": 200}, "times": 1}))
        .await;
    let order = order_no("later");
    let created = ch.create(&cfg, &payment(Way::Barcode, &order, 77)).await.unwrap();
    assert_eq!(created.state, ChannelPaymentState::Paying);
    // Poll as a merchant would (bounded), until the payer has confirmed.
    let mut state = ChannelPaymentState::Paying;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        state = ch.query(&cfg, &payment_ref(&order, 77)).await.unwrap();
        if state.is_final() {
            break;
        }
        assert_eq!(state, ChannelPaymentState::AwaitingPayer);
    }
    assert!(
        matches!(state, ChannelPaymentState::Succeeded { amount: 77, .. }),
        "{state:?}"
    );
}

#[tokio::test]
async fn a_gateway_that_never_answers_leaves_the_outcome_unknown() {
    let sandbox = start_sandbox().await;
    let cfg = config(&sandbox.gateway(), "");
    sandbox
        .add_rule(json!({"behaviour": {"type": "never_answer"}, "times": 1}))
        .await;
    let order = order_no("silent");
    let err = impatient_channel(1500)
        .create(&cfg, &payment(Way::Barcode, &order, 900))
        .await
        .unwrap_err();
    assert!(matches!(err, ChannelError::Unknown(_)), "{err:?}");
    assert!(!err.took_no_money());
    // The request did reach Alipay: the query resolves it, the cancel ends it.
    let ch = channel();
    assert_eq!(
        ch.query(&cfg, &payment_ref(&order, 900)).await.unwrap(),
        ChannelPaymentState::AwaitingPayer
    );
    ch.reverse(&cfg, &payment_ref(&order, 900)).await.unwrap();
    assert_eq!(
        ch.query(&cfg, &payment_ref(&order, 900)).await.unwrap(),
        ChannelPaymentState::Closed
    );
}

#[tokio::test]
async fn a_burst_of_server_errors_is_unknown_on_each_affected_call_only() {
    let sandbox = start_sandbox().await;
    let cfg = config(&sandbox.gateway(), "");
    let ch = channel();
    sandbox.put_faults(json!({"fail_next": 2})).await;
    let order = order_no("burst");
    // First failure: HTTP 500.
    let first = ch.create(&cfg, &payment(Way::Barcode, &order, 10)).await.unwrap_err();
    assert!(
        matches!(first, ChannelError::Unknown(ref m) if m.contains("HTTP 500")),
        "{first:?}"
    );
    // Second: a signed 20000 isp.unknow-error answer.
    let second = ch.query(&cfg, &payment_ref(&order, 10)).await.unwrap_err();
    assert!(
        matches!(second, ChannelError::Unknown(ref m) if m.contains("20000")),
        "{second:?}"
    );
    assert!(second.is_channel_fault());
    // Neither touched any trade; the next call works.
    assert!(sandbox.state.trade(common::APP_ID, &order).is_none());
    let created = ch.create(&cfg, &payment(Way::Barcode, &order, 10)).await.unwrap();
    assert!(matches!(
        created.state,
        ChannelPaymentState::Succeeded { amount: 10, .. }
    ));
}

#[tokio::test]
async fn a_request_signed_with_the_wrong_key_is_refused_by_the_sandbox() {
    let sandbox = start_sandbox().await;
    let mut cfg = config(&sandbox.gateway(), "");
    // The sandbox's own private key is not the app key it knows.
    cfg.secrets.insert(
        "app_private_key",
        juhe_channel_alipay::sandbox::FIXTURE_ALIPAY_PRIVATE_KEY,
    );
    let order = order_no("forged");
    let err = channel().create(&cfg, &payment(Way::Qr, &order, 10)).await.unwrap_err();
    assert!(
        matches!(err, ChannelError::Declined { ref code, ref message } if code == "isv.invalid-signature" && message.contains("app_id=")),
        "{err:?}"
    );
    assert!(sandbox.state.trade(common::APP_ID, &order).is_none());

    let mut stranger = config(&sandbox.gateway(), "");
    stranger.params.insert("app_id".into(), "2021999999999999".into());
    let err = channel()
        .create(&stranger, &payment(Way::Qr, &order, 10))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ChannelError::Declined { ref code, .. } if code == "isv.invalid-app-id"),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_answer_that_does_not_verify_is_unknown() {
    let sandbox = start_sandbox().await;
    let mut cfg = config(&sandbox.gateway(), "");
    // Expect answers signed by another Alipay key: the sandbox's will not verify.
    cfg.params.insert(
        "alipay_public_key".into(),
        common::key("notify_alipay_public_key_v2_pem").into(),
    );
    let order = order_no("unverified");
    let err = channel()
        .create(&cfg, &payment(Way::Barcode, &order, 10))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ChannelError::Unknown(ref m) if m.contains("signature")),
        "{err:?}"
    );
    // The payment did happen at Alipay: exactly why this must not be a decline.
    assert_eq!(
        sandbox.state.trade(common::APP_ID, &order).unwrap().status,
        TradeStatus::Success
    );
}

#[tokio::test]
async fn merchants_registered_at_run_time_can_call_and_a_poor_qr_payer_cannot_pay() {
    let sandbox = start_sandbox().await;
    let client = reqwest::Client::new();
    let url = format!("{}/_sandbox/merchants", sandbox.base);
    let bad = client
        .post(&url)
        .json(&json!({"app_id": "2021000000000002", "public_key": "not a key"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let added = client
        .post(&url)
        .json(&json!({"app_id": "2021000000000002", "public_key": common::key("app_public_key_pem")}))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 204);
    assert!(
        sandbox
            .state
            .merchant("2021000000000002")
            .unwrap()
            .pid
            .starts_with("2088")
    );

    let mut cfg = config(&sandbox.gateway(), "");
    cfg.params.insert("app_id".into(), "2021000000000002".into());
    sandbox
        .add_rule(json!({"behaviour": {"type": "insufficient_funds"}}))
        .await;
    let order = order_no("poor-qr");
    let created = channel().create(&cfg, &payment(Way::Qr, &order, 5000)).await.unwrap();
    assert_eq!(created.state, ChannelPaymentState::AwaitingPayer);
    assert_eq!(sandbox.pay(&order).await, 409);
    assert_eq!(
        channel().query(&cfg, &payment_ref(&order, 5000)).await.unwrap(),
        ChannelPaymentState::AwaitingPayer
    );
    // The same order number under the fixture app is another trade entirely.
    assert!(sandbox.state.trade(common::APP_ID, &order).is_none());
}
