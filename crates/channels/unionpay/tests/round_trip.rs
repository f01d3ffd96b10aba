//! Every operation of the client against the sandbox, in all three sign methods.

mod common;

use common::*;
use juhe_channel::{Channel, ChannelError, ChannelPaymentState, Notification, PayAction, RefundState};
use juhe_channel_unionpay::UnionPayChannel;
use juhe_channel_unionpay::protocol::fields::order_id;
use juhe_domain::way::Way;

async fn pay_on_payer_page(base_url: &str, order_no: &str) -> serde_json::Value {
    let url = format!("{base_url}/_sandbox/orders/{}/pay", order_id(order_no));
    let response = reqwest::Client::new().post(url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn qr_payment_notification_query_refund_for_every_sign_method() {
    let sandbox = start_sandbox().await;
    let channel = UnionPayChannel::new().unwrap();
    for method in METHODS {
        let mut receiver = start_receiver().await;
        let cfg = config(method, &sandbox.base_url, &receiver.url);
        channel.validate_config(&cfg).unwrap();
        let req = payment(Way::Qr, &order_no("qr", method), 1234);
        let created = channel.create(&cfg, &req).await.unwrap();
        assert_eq!(created.state, ChannelPaymentState::AwaitingPayer);
        let Some(PayAction::QrCode { code_url }) = &created.action else {
            panic!("expected a QR code, got {:?}", created.action);
        };
        assert!(code_url.ends_with(&order_id(&req.channel_order_no)), "{code_url}");
        let reference = payment_ref(&req, None);
        assert_eq!(
            channel.query(&cfg, &reference).await.unwrap(),
            ChannelPaymentState::Paying
        );

        let paid = pay_on_payer_page(&sandbox.base_url, &req.channel_order_no).await;
        let inbound = receiver.next().await;
        let Notification::Payment {
            channel_order_no,
            state,
        } = channel.parse_notification(&cfg, &inbound).await.unwrap()
        else {
            panic!("expected a payment notification");
        };
        assert_eq!(
            channel_order_no, req.channel_order_no,
            "juhe's own number comes back through reqReserved"
        );
        let ChannelPaymentState::Succeeded {
            channel_trade_no,
            amount,
            paid_at_ms,
        } = state
        else {
            panic!("expected success, got {state:?}");
        };
        assert_eq!(amount, 1234);
        assert_eq!(channel_trade_no, paid["queryId"].as_str().unwrap());
        assert!((paid_at_ms - now_ms()).abs() < 60_000, "paid_at {paid_at_ms}");
        let queried = channel.query(&cfg, &reference).await.unwrap();
        assert!(
            matches!(&queried, ChannelPaymentState::Succeeded { channel_trade_no: t, amount: 1234, .. } if *t == channel_trade_no),
            "{queried:?}"
        );

        let refund = refund_request(
            payment_ref(&req, Some(channel_trade_no.clone())),
            &format!("rfa_{}", req.channel_order_no),
            234,
        );
        let accepted = channel.refund(&cfg, &refund).await.unwrap();
        assert_eq!(accepted.state, RefundState::Processing);
        assert_eq!(accepted.amount, 234);
        let inbound = receiver.next().await;
        let Notification::Refund {
            channel_order_no,
            report,
        } = channel.parse_notification(&cfg, &inbound).await.unwrap()
        else {
            panic!("expected a refund notification");
        };
        assert_eq!(channel_order_no, req.channel_order_no);
        assert_eq!(report.channel_refund_no, refund.channel_refund_no);
        assert_eq!(report.amount, 234);
        assert!(matches!(report.state, RefundState::Succeeded { .. }), "{report:?}");
        let queried = channel
            .query_refund(&cfg, &refund_ref(&refund, accepted.channel_refund_id.clone()))
            .await
            .unwrap();
        assert!(matches!(queried.state, RefundState::Succeeded { .. }), "{queried:?}");
        assert_eq!(queried.channel_refund_id, accepted.channel_refund_id);

        // More than what is left is refused (与原交易信息不符).
        let too_much = refund_request(
            payment_ref(&req, Some(channel_trade_no)),
            &format!("rfb_{}", req.channel_order_no),
            1001,
        );
        let err = channel.refund(&cfg, &too_much).await.unwrap_err();
        assert_eq!(err, ChannelError::declined("36", "与原交易信息不符[txnAmt]"));
        assert_eq!(channel.ack(true).body, b"ok");
        assert_eq!(channel.ack(true).status, 200);
        assert_ne!(channel.ack(false).status, 200);
    }
}

#[tokio::test]
async fn barcode_pays_at_once_and_a_void_reverses_it() {
    let sandbox = start_sandbox().await;
    let channel = UnionPayChannel::new().unwrap();
    for method in METHODS {
        let mut receiver = start_receiver().await;
        let cfg = config(method, &sandbox.base_url, &receiver.url);
        let req = payment(Way::Barcode, &order_no("bar", method), 500);
        let created = channel.create(&cfg, &req).await.unwrap();
        let ChannelPaymentState::Succeeded {
            channel_trade_no,
            amount,
            ..
        } = &created.state
        else {
            panic!("expected success, got {:?}", created.state);
        };
        assert_eq!(*amount, 500);
        assert_eq!(created.channel_trade_no.as_deref(), Some(channel_trade_no.as_str()));
        let note = channel.parse_notification(&cfg, &receiver.next().await).await.unwrap();
        assert!(matches!(
            note,
            Notification::Payment {
                state: ChannelPaymentState::Succeeded { .. },
                ..
            }
        ));

        // Without the trade number the client finds it by querying first.
        let reference = payment_ref(&req, None);
        channel.reverse(&cfg, &reference).await.unwrap();
        let void_note = channel.parse_notification(&cfg, &receiver.next().await).await.unwrap();
        assert!(matches!(void_note, Notification::Ignored { .. }), "{void_note:?}");
        // A retried reverse gets the same answer.
        channel
            .reverse(&cfg, &payment_ref(&req, created.channel_trade_no.clone()))
            .await
            .unwrap();
        // A voided payment can no longer be refunded.
        let refund = refund_request(
            payment_ref(&req, created.channel_trade_no.clone()),
            &format!("rf_{}", req.channel_order_no),
            100,
        );
        let err = channel.refund(&cfg, &refund).await.unwrap_err();
        assert!(
            matches!(&err, ChannelError::Declined { code, .. } if code == "35"),
            "{err:?}"
        );
    }
}

#[tokio::test]
async fn app_payment_returns_tn_and_is_paid_on_the_payer_page() {
    let sandbox = start_sandbox().await;
    let channel = UnionPayChannel::new().unwrap();
    for method in METHODS {
        let mut receiver = start_receiver().await;
        let cfg = config(method, &sandbox.base_url, &receiver.url);
        let req = payment(Way::App, &order_no("app", method), 88);
        let created = channel.create(&cfg, &req).await.unwrap();
        let Some(PayAction::Sdk { params }) = &created.action else {
            panic!("expected SDK parameters, got {:?}", created.action);
        };
        let tn = params["tn"].as_str().unwrap();
        assert_eq!(tn.len(), 21);
        pay_on_payer_page(&sandbox.base_url, &req.channel_order_no).await;
        receiver.next().await;
        let state = channel.query(&cfg, &payment_ref(&req, None)).await.unwrap();
        assert!(
            matches!(state, ChannelPaymentState::Succeeded { amount: 88, .. }),
            "{state:?}"
        );
    }
}

#[tokio::test]
async fn h5_form_is_accepted_by_the_front_gateway_and_tampering_is_refused() {
    let sandbox = start_sandbox().await;
    let channel = UnionPayChannel::new().unwrap();
    let http = reqwest::Client::new();
    for method in METHODS {
        let mut receiver = start_receiver().await;
        let cfg = config(method, &sandbox.base_url, &receiver.url);
        let req = payment(Way::H5, &order_no("h5", method), 990);
        let created = channel.create(&cfg, &req).await.unwrap();
        let Some(PayAction::Form { action, fields }) = created.action else {
            panic!("expected a form");
        };
        assert_eq!(action, format!("{}/gateway/api/frontTransReq.do", sandbox.base_url));
        assert_eq!(fields["channelType"], "08");
        assert_eq!(fields["frontUrl"], "https://shop.example/return");
        let pairs: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .collect();

        let mut tampered = pairs.clone();
        for pair in &mut tampered {
            if pair.0 == "txnAmt" {
                pair.1 = "1".into();
            }
        }
        let refused = http
            .post(&action)
            .form(&tampered)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(refused.contains("respCode=11"), "{refused}");

        let page = http.post(&action).form(&pairs).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let page = page.text().await.unwrap();
        assert!(page.contains(&order_id(&req.channel_order_no)), "{page}");
        assert_eq!(
            channel.query(&cfg, &payment_ref(&req, None)).await.unwrap(),
            ChannelPaymentState::Paying
        );
        pay_on_payer_page(&sandbox.base_url, &req.channel_order_no).await;
        receiver.next().await;
        let state = channel.query(&cfg, &payment_ref(&req, None)).await.unwrap();
        assert!(
            matches!(state, ChannelPaymentState::Succeeded { amount: 990, .. }),
            "{state:?}"
        );
    }
}

#[tokio::test]
async fn unknown_orders_and_refunds_are_not_found() {
    let sandbox = start_sandbox().await;
    let channel = UnionPayChannel::new().unwrap();
    for method in METHODS {
        let cfg = config(method, &sandbox.base_url, "http://127.0.0.1:9/none");
        let req = payment(Way::Qr, &order_no("none", method), 1);
        assert_eq!(
            channel.query(&cfg, &payment_ref(&req, None)).await,
            Err(ChannelError::NotFound)
        );
        let refund = refund_request(payment_ref(&req, None), "rf_none", 1);
        assert_eq!(
            channel.query_refund(&cfg, &refund_ref(&refund, None)).await,
            Err(ChannelError::NotFound)
        );
        // Nothing to reverse: the channel never saw it.
        channel.reverse(&cfg, &payment_ref(&req, None)).await.unwrap();
        // Nothing to refund either.
        assert!(matches!(
            channel.refund(&cfg, &refund).await,
            Err(ChannelError::Declined { .. })
        ));
    }
}

#[tokio::test]
async fn foreign_currency_is_declined_before_sending() {
    let channel = UnionPayChannel::new().unwrap();
    // Port 9 (discard) is never contacted: the decline comes first.
    let cfg = config("11", "http://127.0.0.1:9", "http://127.0.0.1:9/n");
    let mut req = payment(Way::Qr, "att_usd_1", 100);
    req.money = juhe_domain::Money::new(100, juhe_domain::Currency::parse("USD").unwrap());
    let err = channel.create(&cfg, &req).await.unwrap_err();
    assert!(matches!(&err, ChannelError::Declined { code, .. } if code == "UNSUPPORTED_CURRENCY"));
    let mut wallet = payment(Way::Wallet, "att_w_1", 100);
    wallet.way = Way::Jsapi;
    assert!(matches!(
        channel.create(&cfg, &wallet).await,
        Err(ChannelError::Unsupported(_))
    ));
}
