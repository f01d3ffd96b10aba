//! `trade_status_sync` notifications from the sandbox to a local receiver
//! that parses them with the client: retries, duplicates, reordering, and
//! tampering (of notifications and of synchronous answers).

mod common;

use common::{channel, order_no, payment, payment_ref, start_receiver, start_sandbox};
use juhe_channel::{
    Channel, ChannelError, ChannelPaymentState, CreateRefund, InboundRequest, Notification, RefundState,
};
use juhe_channel_alipay::protocol::params::{encode_form, parse_form};
use juhe_channel_alipay::protocol::response::{self, AnswerError};
use juhe_channel_alipay::protocol::sign::{self, SignType};
use juhe_channel_alipay::sandbox::{FIXTURE_ALIPAY_PRIVATE_KEY, FIXTURE_ALIPAY_PUBLIC_KEY};
use juhe_crypto::{RsaPrivate, RsaPublic};
use juhe_domain::way::Way;
use juhe_domain::{Currency, Money};
use serde_json::json;

fn paid(n: &Notification) -> Option<i64> {
    match n {
        Notification::Payment {
            state: ChannelPaymentState::Succeeded { amount, .. },
            ..
        } => Some(*amount),
        _ => None,
    }
}

fn refund_req(order: &str, total: i64, no: &str, fen: i64) -> CreateRefund {
    CreateRefund {
        refund_id: format!("rf_{no}"),
        channel_refund_no: no.into(),
        payment: payment_ref(order, total),
        refund: Money::new(fen, Currency::CNY),
        reason: None,
        created_at_ms: common::now_ms(),
    }
}

#[tokio::test]
async fn payment_and_refund_notifications_reach_the_merchant_and_parse() {
    let sandbox = start_sandbox().await;
    let (receiver, cfg) = start_receiver(&sandbox.gateway(), 0).await;
    let ch = channel();
    let order = order_no("notify");
    ch.create(&cfg, &payment(Way::Qr, &order, 1234)).await.unwrap();
    assert_eq!(sandbox.pay(&order).await, 200);
    receiver.wait_for(1).await;
    let got = receiver.notifications();
    let Notification::Payment {
        channel_order_no,
        state,
    } = &got[0]
    else {
        panic!("{got:?}");
    };
    assert_eq!(channel_order_no, &order);
    let trade = sandbox.state.trade(common::APP_ID, &order).unwrap();
    assert_eq!(
        state,
        &ChannelPaymentState::Succeeded {
            channel_trade_no: trade.trade_no.clone(),
            paid_at_ms: trade.paid_ms.unwrap() / 1000 * 1000,
            amount: 1234,
        }
    );

    ch.refund(&cfg, &refund_req(&order, 1234, "rf-1", 234)).await.unwrap();
    receiver.wait_for(2).await;
    let got = receiver.notifications();
    let Notification::Refund {
        channel_order_no,
        report,
    } = &got[1]
    else {
        panic!("{got:?}");
    };
    assert_eq!(
        (
            channel_order_no.as_str(),
            report.channel_refund_no.as_str(),
            report.amount
        ),
        (order.as_str(), "rf-1", 234)
    );
    assert!(matches!(report.state, RefundState::Succeeded { .. }));

    // The notification is signed over the V1 string (without sign_type) only.
    let raw = receiver.raw.lock().unwrap()[0].clone();
    let params = parse_form(&raw);
    assert_eq!(params["notify_type"], "trade_status_sync");
    assert_eq!(params["sign_type"], "RSA2");
    let alipay = RsaPublic::parse(FIXTURE_ALIPAY_PUBLIC_KEY).unwrap();
    assert!(sign::verify(
        &alipay,
        SignType::Rsa2,
        &sign::notify_content_v1(&params),
        &params["sign"]
    ));
    assert!(!sign::verify(
        &alipay,
        SignType::Rsa2,
        &sign::notify_content_v2(&params),
        &params["sign"]
    ));
}

#[tokio::test]
async fn notifications_are_retried_until_the_answer_is_success() {
    let sandbox = start_sandbox().await;
    let (receiver, cfg) = start_receiver(&sandbox.gateway(), 2).await;
    let order = order_no("retry");
    let created = channel()
        .create(&cfg, &payment(Way::Barcode, &order, 50))
        .await
        .unwrap();
    assert!(matches!(created.state, ChannelPaymentState::Succeeded { .. }));
    receiver.wait_for(3).await;
    // Two refusals (`fail`), then accepted; nothing more after `success`.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(receiver.deliveries(), 3);
    assert_eq!(
        receiver.notifications().iter().filter_map(paid).collect::<Vec<_>>(),
        vec![50]
    );
    let ack = channel().ack(true);
    assert_eq!((ack.status, ack.body.as_slice()), (200, b"success".as_slice()));
    assert_ne!(channel().ack(false).body, b"success".to_vec());
}

#[tokio::test]
async fn duplicate_notifications_parse_to_the_same_thing() {
    let sandbox = start_sandbox().await;
    let (receiver, cfg) = start_receiver(&sandbox.gateway(), 0).await;
    sandbox.put_faults(json!({"duplicate_notifications": true})).await;
    let order = order_no("dup");
    channel()
        .create(&cfg, &payment(Way::Barcode, &order, 66))
        .await
        .unwrap();
    receiver.wait_for(2).await;
    let got = receiver.notifications();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0], got[1]);
    assert_eq!(paid(&got[0]), Some(66));
}

#[tokio::test]
async fn a_reordered_older_notification_arrives_after_the_newer_one() {
    let sandbox = start_sandbox().await;
    let (receiver, cfg) = start_receiver(&sandbox.gateway(), 0).await;
    let ch = channel();
    let order = order_no("reorder");
    ch.create(&cfg, &payment(Way::Barcode, &order, 300)).await.unwrap();
    receiver.wait_for(1).await;
    sandbox.put_faults(json!({"reorder_notifications": true})).await;
    ch.refund(&cfg, &refund_req(&order, 300, "rf-all", 300)).await.unwrap();
    receiver.wait_for(3).await;
    let got = receiver.notifications();
    // payment, then the refund, then the stale payment notification again.
    assert_eq!(paid(&got[0]), Some(300));
    assert!(matches!(&got[1], Notification::Refund { report, .. } if report.amount == 300));
    assert_eq!(paid(&got[2]), Some(300));
    // The full refund's notification says TRADE_CLOSED with the refund fields.
    let raw = receiver.raw.lock().unwrap()[1].clone();
    let params = parse_form(&raw);
    assert_eq!(
        (params["trade_status"].as_str(), params["out_biz_no"].as_str()),
        ("TRADE_CLOSED", "rf-all")
    );
}

#[tokio::test]
async fn dropped_notifications_leave_the_query_as_the_only_way_to_know() {
    let sandbox = start_sandbox().await;
    let (receiver, cfg) = start_receiver(&sandbox.gateway(), 0).await;
    sandbox.put_faults(json!({"drop_notifications": true})).await;
    let order = order_no("drop");
    channel().create(&cfg, &payment(Way::Barcode, &order, 5)).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(receiver.deliveries(), 0);
    assert!(matches!(
        channel().query(&cfg, &payment_ref(&order, 5)).await.unwrap(),
        ChannelPaymentState::Succeeded { amount: 5, .. }
    ));
}

#[tokio::test]
async fn tampered_or_foreign_notifications_are_rejected() {
    let sandbox = start_sandbox().await;
    let (receiver, cfg) = start_receiver(&sandbox.gateway(), 0).await;
    let order = order_no("tamper");
    channel()
        .create(&cfg, &payment(Way::Barcode, &order, 100))
        .await
        .unwrap();
    receiver.wait_for(1).await;
    let raw = receiver.raw.lock().unwrap()[0].clone();
    let inbound = |params: &juhe_channel_alipay::protocol::params::Params| InboundRequest {
        headers: vec![],
        query: None,
        body: encode_form(params.iter().map(|(k, v)| (k.as_str(), v.as_str()))).into_bytes(),
        received_at_s: 0,
    };
    let genuine = parse_form(&raw);
    assert!(channel().parse_notification(&cfg, &inbound(&genuine)).await.is_ok());

    let mut more = genuine.clone();
    more.insert("total_amount".into(), "1000.00".into());
    let err = channel().parse_notification(&cfg, &inbound(&more)).await.unwrap_err();
    assert!(matches!(err, ChannelError::BadNotification(_)), "{err:?}");

    let mut unsigned = genuine.clone();
    unsigned.remove("sign");
    assert!(matches!(
        channel().parse_notification(&cfg, &inbound(&unsigned)).await,
        Err(ChannelError::BadNotification(_))
    ));

    // Correctly signed by Alipay, but for another app.
    let mut other_app = genuine.clone();
    other_app.insert("app_id".into(), "2021000000000001".into());
    let key = RsaPrivate::parse(FIXTURE_ALIPAY_PRIVATE_KEY).unwrap();
    let resigned = sign::sign(&key, SignType::Rsa2, &sign::notify_content_v1(&other_app)).unwrap();
    other_app.insert("sign".into(), resigned);
    let err = channel()
        .parse_notification(&cfg, &inbound(&other_app))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ChannelError::BadNotification(ref m) if m.contains("app_id")),
        "{err:?}"
    );
}

#[test]
fn a_synchronous_answer_altered_after_signing_does_not_verify() {
    let key = RsaPrivate::parse(FIXTURE_ALIPAY_PRIVATE_KEY).unwrap();
    let public = key.public();
    let answer = json!({"code": "10000", "msg": "Success", "qr_code": "https://qr.alipay.com/bax03431"});
    let raw = response::render(
        &key,
        SignType::Rsa2,
        Some("alipay.trade.precreate"),
        &answer,
        Default::default(),
    )
    .unwrap();
    assert!(
        raw.contains(r#""qr_code":"https:\/\/qr.alipay.com\/bax03431""#),
        "{raw}"
    );
    let content = response::open(
        &raw,
        "alipay.trade.precreate",
        response::with_key(&public, SignType::Rsa2),
    )
    .map(|o| o.signed)
    .unwrap();
    assert_eq!(serde_json::from_str::<serde_json::Value>(content).unwrap(), answer);
    // Re-spaced, or a changed value: the signature no longer holds.
    let respaced = raw.replace(r#""code":"10000""#, r#""code": "10000""#);
    assert_eq!(
        response::open(
            &respaced,
            "alipay.trade.precreate",
            response::with_key(&public, SignType::Rsa2)
        )
        .map(|o| o.signed),
        Err(AnswerError::BadSignature)
    );
    let altered = raw.replace("bax03431", "bax03432");
    assert_eq!(
        response::open(
            &altered,
            "alipay.trade.precreate",
            response::with_key(&public, SignType::Rsa2)
        )
        .map(|o| o.signed),
        Err(AnswerError::BadSignature)
    );
    let unsigned = format!("{{\"alipay_trade_precreate_response\":{}}}", answer);
    assert_eq!(
        response::open(
            &unsigned,
            "alipay.trade.precreate",
            response::with_key(&public, SignType::Rsa2)
        )
        .map(|o| o.signed),
        Err(AnswerError::Unsigned)
    );
}
